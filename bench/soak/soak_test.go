package main

import (
	"testing"
	"time"

	"graphgate/internal/server/servertest"
)

// TestSoakSmoke runs the soak's traffic for a few seconds against a server
// in the test's process and checks what cannot be noise: every request got
// its expected status (no 5xx), every request kind ran, and /metrics was
// read. Flatness is judged only by a real run (bench/README.md): a few
// seconds in a shared test process cannot show it.
func TestSoakSmoke(t *testing.T) {
	e := servertest.Start(t)
	app := e.App("homeassistant")
	for _, k := range users {
		e.Consent(app.ClientID, e.User(k).ID, scopes...)
	}
	rep, err := run(t.Context(), config{Base: e.Base, Client: e.Client, Tenant: e.Demo, Duration: 3 * time.Second, Concurrency: 4,
		Sample: 500 * time.Millisecond, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 || rep.ServerErrors != 0 {
		t.Errorf("%d requests failed, %d with a 5xx", rep.Failed, rep.ServerErrors)
	}
	for _, name := range []string{"GET /me", "POST /me/sendMail", "GET /me/calendarView", "GET download URL", "POST /$batch", "POST token (refresh)"} {
		if rep.Calls[name] == nil && rep.Requests > 200 {
			t.Errorf("no %s in %d requests", name, rep.Requests)
		}
	}
	if rep.Requests < 20 || len(rep.Samples) == 0 || rep.Samples[0].RSS <= 0 || rep.Samples[0].Goroutines <= 0 {
		t.Errorf("%d requests, samples %v", rep.Requests, rep.Samples)
	}
	t.Logf("%d requests in %v, %d samples", rep.Requests, rep.Elapsed, len(rep.Samples))
}

func TestCheckLoopback(t *testing.T) {
	for u, ok := range map[string]bool{
		"https://localhost:8443": true, "https://127.0.0.1:8443": true, "http://[::1]:8080": true, "https://127.0.0.2": true,
		"https://graph.microsoft.com": false, "https://10.0.0.5:8443": false, "https://localhost.evil.example": false, "ftp://localhost": false,
	} {
		if err := checkLoopback(u); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v", u, err)
		}
	}
}

func TestFlat(t *testing.T) {
	mk := func(rss func(i int) float64) []sample {
		var ss []sample
		for i := range 40 {
			ss = append(ss, sample{At: time.Duration(i) * time.Second, RSS: rss(i), Goroutines: 20})
		}
		return ss
	}
	const mib = 1 << 20
	steady := mk(func(int) float64 { return 100 * mib })
	for _, c := range []struct {
		name          string
		ss            []sample
		before, after float64
		ok            bool
	}{
		{"steady", steady, 13, 14, true},
		{"RSS noise within bounds", mk(func(i int) float64 { return float64(100+i%7) * mib }), 13, 13, true},
		{"RSS grows in the warm-up only", mk(func(i int) float64 { return float64(min(i, 10)*20) * mib }), 13, 13, true},
		{"RSS grows 1 MiB/s", mk(func(i int) float64 { return float64(100+i) * mib }), 13, 13, false},
		{"goroutines left behind", steady, 13, 40, false},
		{"no idle reading", steady, 0, 0, false},
	} {
		if f := flat(c.ss, 40*time.Second, c.before, c.after); f.OK != c.ok {
			t.Errorf("%s: %+v", c.name, f)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }
