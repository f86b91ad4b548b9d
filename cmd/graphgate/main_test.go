package main

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkCLIAnswer runs the built binary the way a script does, one process
// per answer, and reports the wall time and the CPU time (user + system) of
// each process. Figures in bench/README.md.
//
//	go test -run XXX -bench CLIAnswer -benchtime 30x ./cmd/graphgate/
func BenchmarkCLIAnswer(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "graphgate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"help", []string{"permissions", "--help"}},
		{"for", []string{"permissions", "for", "GET", "/me/messages"}},
		{"explain", []string{"explain", "--scopes", "Mail.Read", "GET", "/me/messages"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var cpu time.Duration
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(bin, bc.args...)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v: %v\n%s", bc.args, err, out)
				}
				cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
