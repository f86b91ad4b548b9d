package cli

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

func TestGCSettings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		apply bool
	}{
		{"neither set", nil, true},
		{"GOGC set", map[string]string{"GOGC": "100"}, false},
		{"GOGC off", map[string]string{"GOGC": "off"}, false},
		{"GOGC empty", map[string]string{"GOGC": ""}, false},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, false},
		{"both set", map[string]string{"GOGC": "200", "GOMEMLIMIT": "512MiB"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			percent, limit, apply := gcSettings(lookup)
			if apply != tc.apply {
				t.Fatalf("apply = %v, want %v", apply, tc.apply)
			}
			if apply && (percent != 400 || limit != 96<<20) {
				t.Fatalf("settings = %d, %d; want 400, 96 MiB", percent, limit)
			}
			if !apply && (percent != 0 || limit != 0) {
				t.Fatalf("settings = %d, %d for an environment that sets them", percent, limit)
			}
		})
	}
}

// TestTuneServeGC checks that the settings reach the runtime, and that an
// environment setting leaves the runtime as it was.
func TestTuneServeGC(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(oldPercent); debug.SetMemoryLimit(oldLimit) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	tuneServeGC(log, func(k string) (string, bool) { return "", k == "GOMEMLIMIT" })
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GOMEMLIMIT set: GC percent changed to %d", p)
	}
	tuneServeGC(log, func(string) (string, bool) { return "", false })
	if p := debug.SetGCPercent(100); p != serveGCPercent {
		t.Fatalf("GC percent = %d, want %d", p, serveGCPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != serveMemoryLimit {
		t.Fatalf("memory limit = %d, want %d", l, serveMemoryLimit)
	}
}
