package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"graphgate/internal/password"
	"graphgate/internal/server"
	"graphgate/internal/tlsca"
)

// TestHealthcheck: the container image's HEALTHCHECK says healthy for a
// running server whose CA it trusts, and unhealthy (exit 1, with why) for
// a server whose certificate another CA signed or for no server at all.
func TestHealthcheck(t *testing.T) {
	data := t.TempDir()
	srv, err := server.New(context.Background(), server.Config{DataDir: data, Addr: "127.0.0.1:0", Passwords: password.Fast,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	urls, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(u string) { urls <- u }) }()
	defer func() { cancel(); <-done }()
	url := <-urls

	other := t.TempDir()
	if _, err := tlsca.Ensure(other, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "https://localhost:" + ln.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):]
	ln.Close()
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
		err  string
	}{
		{"healthy", []string{"--url", url, "--data", data}, 0, url + " is healthy", ""},
		{"address from GRAPHGATE_ADDR", []string{"--data", data}, 0, url + " is healthy", ""},
		{"another CA", []string{"--url", url, "--data", other}, 1, "", "certificate"},
		{"no CA", []string{"--url", url, "--data", t.TempDir()}, 1, "", "reading the CA"},
		{"no server", []string{"--url", closed, "--data", data}, 1, "", "connection refused"},
		{"zero timeout", []string{"--data", data, "--timeout", "0s"}, 2, "", "--timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GRAPHGATE_ADDR", "127.0.0.1"+url[strings.LastIndexByte(url, ':'):])
			code, out, errs := runCLI(append([]string{"healthcheck"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, out, errs)
			}
		})
	}
	code, out, _ := runCLI("healthcheck", "--url", closed, "--data", data, "--json")
	var j struct {
		Healthy bool
		Error   string
	}
	if code != 1 || json.Unmarshal([]byte(out), &j) != nil || j.Healthy || j.Error == "" {
		t.Errorf("--json for no server: exit %d %s", code, out)
	}
}
