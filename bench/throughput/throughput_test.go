package main

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestMain lets the test binary play the harness's children (graphgate
// serve and the bare server), as the built program does.
func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestThroughputSmoke runs the whole harness for a fraction of a second a
// phase — graphgate and the bare server as processes, every call, the
// signatures, the memory sample — and checks only what noise cannot fail:
// every phase completed requests without errors, every ratio was computed,
// the server's memory was read. The targets are judged by a real run
// (bench/README.md), never here.
func TestThroughputSmoke(t *testing.T) {
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(t.Context(), config{Self: self, Conns: []int{2}, Duration: 500 * time.Millisecond, Rounds: 1, Messages: 3, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.check(); err != nil {
		t.Error(err)
	}
	if len(rep.Results) != 6 {
		t.Errorf("%d results, want 6 (GET /me and messages on both servers, signatures, tokens): %+v", len(rep.Results), rep.Results)
	}
	if len(rep.Ratios) != 3 {
		t.Errorf("%d ratios, want 3: %+v", len(rep.Ratios), rep.Ratios)
	}
	for _, r := range rep.Ratios {
		if r.Ratio <= 0 || r.Target <= 0 {
			t.Errorf("ratio %+v", r)
		}
	}
	if runtime.GOOS == "linux" {
		for _, r := range rep.Results {
			if r.Server != "rsa" && (r.ServerCPUus <= 0 || r.ClientCPUus <= 0) {
				t.Errorf("%s on %s: CPU per request %.1f µs (server), %.1f µs (harness)", r.Call, r.Server, r.ServerCPUus, r.ClientCPUus)
			}
		}
		for _, r := range rep.Ratios {
			if (r.Of == "bare") != (r.CPURatio > 0) {
				t.Errorf("%s: server CPU ratio %.2f", r.Call, r.CPURatio)
			}
		}
	}
	// (VmHWM may read a little below a sampled VmRSS: the kernel batches
	// its counters, so the two are not compared.)
	if runtime.GOOS == "linux" && (rep.PeakRSSMiB <= 0 || rep.HWMMiB <= 0) {
		t.Errorf("peak RSS %.1f MiB, high-water mark %.1f MiB", rep.PeakRSSMiB, rep.HWMMiB)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func TestStatCPU(t *testing.T) {
	for _, tc := range []struct {
		line string
		want time.Duration
	}{
		{"4242 (graphgate) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 25 0 0 20 0 9 0 100 0 0", 1750 * time.Millisecond},
		{"7 (a b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", 70 * time.Millisecond},
		{"garbage", 0},
		{"1 (short) S 1", 0},
	} {
		if got := statCPU(tc.line); got != tc.want {
			t.Errorf("statCPU(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}
