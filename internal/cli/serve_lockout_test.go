package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/identity"
)

// TestLockoutFlags: serve's --lockout-threshold and --lockout-duration
// reach the identity platform's configuration; 0 turns lockout off.
func TestLockoutFlags(t *testing.T) {
	for _, c := range []struct {
		args      []string
		threshold int // as identity.Config takes it
		duration  time.Duration
		bad       bool
	}{
		{args: nil, threshold: 0, duration: time.Minute}, // identity's default: Entra's 10
		{args: []string{"--lockout-threshold", "3"}, threshold: 3, duration: time.Minute},
		{args: []string{"--lockout-threshold=0"}, threshold: -1, duration: time.Minute},
		{args: []string{"--lockout-duration", "5m"}, threshold: 0, duration: 5 * time.Minute},
		{args: []string{"--lockout-threshold", "-1"}, bad: true},
		{args: []string{"--lockout-threshold", "ten"}, bad: true},
	} {
		var cfg identity.Config
		cmd := &cobra.Command{Use: "serve", RunE: func(*cobra.Command, []string) error { return nil }}
		lockoutFlags(cmd, &cfg)
		err := cmd.ParseFlags(c.args)
		switch {
		case c.bad:
			if err == nil {
				t.Errorf("%v: accepted", c.args)
			}
		case err != nil:
			t.Errorf("%v: %v", c.args, err)
		case cfg.LockoutThreshold != c.threshold || cfg.LockoutDuration != c.duration:
			t.Errorf("%v: threshold %d, duration %s; want %d, %s", c.args, cfg.LockoutThreshold, cfg.LockoutDuration, c.threshold, c.duration)
		}
	}
	_, out, _ := runCLI("serve", "--help")
	for _, want := range []string{"--lockout-threshold int", "0 turns lockout off (default 10)", "--lockout-duration duration", "(default 1m0s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
}
