package teams

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT5M", 5 * time.Minute, true},
		{"PT1H", time.Hour, true},
		{"P1D", 24 * time.Hour, true},
		{"PT5M30S", 5*time.Minute + 30*time.Second, true},
		{"P1DT2H", 26 * time.Hour, true},
		{"PT0.5S", 500 * time.Millisecond, true},
		{" pt4h ", 4 * time.Hour, true},
		{"P", 0, false},
		{"PT", 0, false},
		{"5M", 0, false},
		{"PT5X", 0, false},
		{"", 0, false},
	} {
		got, ok := parseDuration(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestValidCombo(t *testing.T) {
	for _, tc := range []struct {
		table                  map[string][]string
		availability, activity string
		want                   bool
	}{
		{presenceCombos, "Busy", "InACall", true},
		{presenceCombos, "DoNotDisturb", "Presenting", true},
		{presenceCombos, "DoNotDisturb", "DoNotDisturb", false},
		{presenceCombos, "Offline", "OffWork", false},
		{preferredCombos, "Offline", "OffWork", true},
		{preferredCombos, "DoNotDisturb", "DoNotDisturb", true},
		{preferredCombos, "Busy", "InACall", false},
		{preferredCombos, "busy", "Busy", false},
	} {
		if got := validCombo(tc.table, tc.availability, tc.activity); got != tc.want {
			t.Errorf("validCombo(%s, %s) = %v, want %v", tc.availability, tc.activity, got, tc.want)
		}
	}
}
