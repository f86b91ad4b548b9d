package main

import (
	"net/http"
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
// the server's memory was read; and, as with --profile, each phase wrote
// graphgate's or the bare server's CPU profile and the harness's own, each
// a gzipped pprof profile. The targets are judged by a real run
// (bench/README.md), never here.
func TestThroughputSmoke(t *testing.T) {
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rep, err := run(t.Context(), config{Self: self, Conns: []int{2}, Duration: 500 * time.Millisecond, Rounds: 1, Messages: 3, ProfileDir: dir, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cpu-me-2.pprof", "cpu-me-2-bare.pprof", "cpu-me-2-harness.pprof", "cpu-me-2-bare-harness.pprof",
		"cpu-messages-2-harness.pprof", "cpu-token-2.pprof", "cpu-token-2-harness.pprof"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Errorf("%s: %v (profiles: %v)", f, err, rep.Profiles)
			continue
		}
		if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: not a gzipped profile (%d bytes)", f, len(b))
		}
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

// TestSameBytes: the bare server's answer is compared with graphgate's
// before anything is measured; per-request ids may differ in value, not in
// length, and nothing else may differ.
func TestSameBytes(t *testing.T) {
	gg := answer(http.Header{
		"Content-Type":         {"application/json;odata.metadata=minimal"},
		"Request-Id":           {"15ed7607-26b7-4b0e-8ea4-fd3b882914ac"},
		"Date":                 {"Sat, 05 Dec 2026 21:33:43 GMT"},
		"Content-Length":       {"2"},
		"X-Graphgate-Decision": {"allowed; check=permission"},
	}, []byte("{}"))
	if _, ok := gg.Header["Date"]; ok {
		t.Error("answer kept Date, which each server writes itself")
	}
	with := func(k, v string, body string) response {
		h := gg.Header.Clone()
		if v == "" {
			h.Del(k)
		} else {
			h.Set(k, v)
		}
		return response{Header: h, Body: []byte(body)}
	}
	for _, tc := range []struct {
		name string
		bare response
		same bool
	}{
		{"identical", with("Request-Id", "15ed7607-26b7-4b0e-8ea4-fd3b882914ac", "{}"), true},
		{"another request id", with("Request-Id", "00000000-0000-0000-0000-000000000000", "{}"), true},
		{"missing header", with("X-Graphgate-Decision", "", "{}"), false},
		{"extra header", with("Odata-Version", "4.0", "{}"), false},
		{"shorter value", with("Content-Type", "application/json", "{}"), false},
		{"other body", with("Request-Id", "15ed7607-26b7-4b0e-8ea4-fd3b882914ac", "[]"), false},
	} {
		if d := sameBytes(gg, tc.bare); (d == "") != tc.same {
			t.Errorf("%s: sameBytes = %q, want same=%v", tc.name, d, tc.same)
		}
	}
}
