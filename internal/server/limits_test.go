package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"graphgate/internal/password"
)

// The limits are about time on the network, which no clock injection
// reaches: these tests configure short limits (a few hundred milliseconds)
// instead of waiting for the real ones.

// served is a graphgate listening on a real port through Serve.
type served struct {
	srv  *Server
	base string // https://localhost:port
	tls  *tls.Config
	logs *lockedBuffer
}

func serve(t *testing.T, limits Limits) *served {
	t.Helper()
	logs := &lockedBuffer{}
	srv, err := New(context.Background(), Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Passwords: password.Fast, Limits: limits,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, func(u string) { urls <- u }) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	b, _ := srv.TLS()
	tc, err := TLSClientConfig(b.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	tc.ServerName = "localhost"
	return &served{srv: srv, base: base, tls: tc, logs: logs}
}

// dial opens a TLS connection speaking HTTP/1.1.
func (s *served) dial(t *testing.T) *tls.Conn {
	t.Helper()
	c, err := tls.Dial("tcp", strings.TrimPrefix(s.base, "https://"), s.tls)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends a keep-alive GET on c and reads its answer.
func get(t *testing.T, c net.Conn, r *bufio.Reader, path string) int {
	t.Helper()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// closedBy reports whether the server closes c within d (a read sees EOF
// or a reset rather than the deadline).
func closedBy(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}

// TestIdleConnectionsAreClosed: keep-alive connections that send no next
// request are closed after the idle timeout (the probe held ~20k of them
// open forever, exhausting file descriptors).
func TestIdleConnectionsAreClosed(t *testing.T) {
	s := serve(t, Limits{IdleTimeout: 300 * time.Millisecond})
	var conns []*tls.Conn
	for range 20 {
		c := s.dial(t)
		if st := get(t, c, bufio.NewReader(c), "/healthz"); st != 200 {
			t.Fatalf("/healthz: %d", st)
		}
		conns = append(conns, c)
	}
	start := time.Now()
	for i, c := range conns {
		if !closedBy(c, 5*time.Second) {
			t.Fatalf("idle connection %d is still open after %v", i, time.Since(start).Round(time.Millisecond))
		}
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("idle connections closed only after %v; the idle timeout is 300ms", el)
	}
	// The server's accounting runs after the close the client saw.
	for i := 0; s.srv.conns.Open() != 0 && i < 400; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if n := s.srv.conns.Open(); n != 0 {
		t.Errorf("%d connections counted open after all were closed", n)
	}
}

// TestConnectionCapHealthzAnswers: with the cap reached by idle keep-alive
// clients, new connections still get in (the longest-idle one is closed for
// them) and /healthz answers; the number of open connections never exceeds
// the cap.
func TestConnectionCapHealthzAnswers(t *testing.T) {
	const maxConns = 8
	s := serve(t, Limits{MaxConns: maxConns})
	var idle []*tls.Conn
	for i := range 3 * maxConns {
		c := s.dial(t)
		if st := get(t, c, bufio.NewReader(c), "/healthz"); st != 200 {
			t.Fatalf("client %d: /healthz %d", i, st)
		}
		idle = append(idle, c)
		if n := s.srv.conns.Open(); n > maxConns {
			t.Fatalf("%d connections open with a cap of %d", n, maxConns)
		}
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: s.tls}}
	start := time.Now()
	res, err := client.Get(s.base + "/healthz")
	if err != nil {
		t.Fatalf("/healthz with %d idle clients holding the cap: %v", len(idle), err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || time.Since(start) > 2*time.Second {
		t.Errorf("/healthz: %d after %v", res.StatusCode, time.Since(start))
	}
	// The earliest idle clients were the ones closed.
	if !closedBy(idle[0], time.Second) {
		t.Error("the longest-idle connection is still open")
	}
	if !strings.Contains(metricsText(t, s.srv), `graphgate_http_connections_evicted_total{listener="https"}`) {
		t.Error("evictions are not counted")
	}

	// HTTP/2 clients (MSAL, azidentity and the Graph SDK speak it) that
	// keep their connection after a request count as idle too.
	for i := range 2 * maxConns {
		tr := &http.Transport{TLSClientConfig: s.tls.Clone(), ForceAttemptHTTP2: true}
		t.Cleanup(tr.CloseIdleConnections)
		res, err := (&http.Client{Timeout: 5 * time.Second, Transport: tr}).Get(s.base + "/healthz")
		if err != nil {
			t.Fatalf("HTTP/2 client %d: %v", i, err)
		}
		res.Body.Close()
		if res.ProtoMajor != 2 || res.StatusCode != 200 {
			t.Fatalf("HTTP/2 client %d: %s %d", i, res.Proto, res.StatusCode)
		}
		if n := s.srv.conns.Open(); n > maxConns {
			t.Fatalf("%d connections open with a cap of %d", n, maxConns)
		}
	}
}

// TestConnectionCapWaitsForActive: when every connection is busy, a new one
// waits for a slot instead of closing a request in progress.
func TestConnectionCapWaitsForActive(t *testing.T) {
	tr := Limits{MaxConns: 2, ReadHeaderTimeout: time.Second}.newConnTracker(prometheus.NewCounter(prometheus.CounterOpts{Name: "x"}))
	now := time.Unix(0, 0)
	tr.now = func() time.Time { return now }
	a, b, c := &fakeConn{}, &fakeConn{}, &fakeConn{}
	tr.connState(a, http.StateNew)
	tr.connState(a, http.StateActive)
	now = now.Add(time.Hour)
	tr.connState(b, http.StateNew) // the cap: a is busy, b is new
	if a.isClosed() || b.isClosed() {
		t.Fatal("a busy or brand-new connection was closed")
	}
	tr.connState(b, http.StateActive)
	tr.connState(b, http.StateIdle)
	tr.connState(b, http.StateClosed)
	tr.connState(c, http.StateNew)
	tr.connState(a, http.StateIdle)
	now = now.Add(time.Second)
	d := &fakeConn{}
	tr.connState(d, http.StateNew) // the cap again: a is idle now
	waitClosed(t, a)
	if c.isClosed() || d.isClosed() {
		t.Error("a new connection was closed while an idle one could go")
	}
}

type fakeConn struct {
	net.Conn
	mu     sync.Mutex
	closed bool
}

func (f *fakeConn) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeConn) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

func waitClosed(t *testing.T, f *fakeConn) {
	t.Helper()
	for range 200 {
		if f.isClosed() {
			return
		}
		time.Sleep(5 * time.Millisecond) // the tracker closes on its own goroutine
	}
	t.Fatal("the idle connection was not closed")
}

func metricsText(t *testing.T, srv *Server) string {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

// TestSlowBodyIsCutOff: a token request whose body arrives a byte at a time
// is cut off after the grace period, while the same body sent at a useful
// rate is read whole, over the real listener.
func TestSlowBodyIsCutOff(t *testing.T) {
	const grace = time.Second
	s := serve(t, Limits{MinDataRate: 1000, DataRateGrace: grace})
	const size = 3000
	for _, tc := range []struct {
		name  string
		chunk int
		every time.Duration
		cut   bool
	}{
		{"a byte at a time", 1, 20 * time.Millisecond, true},        // 50 B/s
		{"steady 10 kB/s", 200, 20 * time.Millisecond, false},       // 10 kB/s
		{"bursts with pauses", 1500, 800 * time.Millisecond, false}, // 1.9 kB/s
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := s.dial(t)
			fmt.Fprintf(c, "POST /common/oauth2/v2.0/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
				"Content-Length: %d\r\nClient-Request-Id: %s\r\n\r\n", size, tc.name)
			body := "grant_type=client_credentials&client_id=x&padding=" + strings.Repeat("a", size)
			body = body[:size]
			start := time.Now()
			sent := 0
			for sent < size {
				n := min(tc.chunk, size-sent)
				if _, err := io.WriteString(c, body[sent:sent+n]); err != nil {
					break // the server closed the connection
				}
				sent += n
				if time.Since(start) > 5*time.Second {
					t.Fatalf("sent %d of %d bytes in %v and the server still reads", sent, size, time.Since(start))
				}
				if sent < size {
					time.Sleep(tc.every)
				}
			}
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			res.Body.Close()
			cut := sent < size
			if cut != tc.cut {
				t.Errorf("sent %d of %d bytes in %v (answer %d); cut off %v, want %v", sent, size, time.Since(start).Round(time.Millisecond), res.StatusCode, cut, tc.cut)
			}
			// Cut at the grace plus what the bytes sent allow (~50 ms), and
			// answered at once: not after waiting a grace period more for the
			// rest of a body already cut.
			if tc.cut && time.Since(start) > grace+600*time.Millisecond {
				t.Errorf("cut off and answered only after %v", time.Since(start))
			}
		})
	}
	if !strings.Contains(s.logs.String(), `"cut":"request body slower than the minimum data rate`) {
		t.Errorf("the access log does not say the body was cut:\n%s", s.logs.String())
	}
}

// TestDataRateOverProtocols drives the minimum data rate through the
// middleware over HTTP/1.1 and HTTP/2 with handlers that read and write as
// real ones do: time the handler spends not reading does not count against
// the client, a handler that works long after reading the body is not cut,
// a trickled body and a client that stops reading are.
func TestDataRateOverProtocols(t *testing.T) {
	const grace = 300 * time.Millisecond
	type result struct {
		readErr, writeErr error
		read              int
		canceled          bool
	}
	results := make(chan result, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var res result
		buf := make([]byte, 512)
		pause, _ := time.ParseDuration(r.URL.Query().Get("pause"))
		for {
			n, err := r.Body.Read(buf)
			res.read += n
			if err != nil {
				if err != io.EOF {
					res.readErr = err
				}
				break
			}
			time.Sleep(pause) // the handler busy between reads
		}
		work, _ := time.ParseDuration(r.URL.Query().Get("work"))
		time.Sleep(work) // the handler busy after the body
		res.canceled = r.Context().Err() != nil
		size := 1
		fmt.Sscan(r.URL.Query().Get("size"), &size)
		chunk := make([]byte, 32<<10)
		if n, _ := strconv.Atoi(r.URL.Query().Get("chunk")); n > 0 {
			chunk = chunk[:n] // writes smaller than net/http's buffer
		}
		for left := size; left > 0 && res.writeErr == nil; left -= len(chunk) {
			_, res.writeErr = w.Write(chunk[:min(len(chunk), left)])
		}
		results <- res
	})
	srv := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), registry: prometheus.NewRegistry(),
		rate: Limits{MinDataRate: 64000, DataRateGrace: grace}.dataRate()}
	h := srv.instrument(handler)
	for _, proto := range []string{"HTTP/1.1", "HTTP/2.0"} {
		hs := httptest.NewUnstartedServer(h)
		hs.EnableHTTP2 = proto == "HTTP/2.0"
		hs.StartTLS()
		t.Cleanup(hs.Close)
		client := hs.Client()
		client.Timeout = 10 * time.Second
		for _, tc := range []struct {
			name        string
			query       string
			body        io.Reader
			readBody    bool
			wantReadErr bool
			wantWrite   bool // a write error
		}{
			{"fast body, slow handler between reads", "pause=200ms", strings.NewReader(strings.Repeat("x", 2048)), true, false, false},
			{"fast body, long work after it", "work=1s&size=100000", strings.NewReader("x=1"), true, false, false},
			{"trickled body", "", &trickle{n: 100, every: 50 * time.Millisecond}, true, true, false},
			{"client stops reading", "size=" + fmt.Sprint(64<<20), nil, false, false, true},
			// The first writes fit net/http's buffer and arm no deadline
			// (responseBuffer); those after it do.
			{"client stops reading small writes", "chunk=1000&size=" + fmt.Sprint(64<<20), nil, false, false, true},
			{"small answer in small writes", "chunk=100&size=2000", nil, true, false, false},
		} {
			t.Run(proto+"/"+tc.name, func(t *testing.T) {
				req, _ := http.NewRequest("POST", hs.URL+"/?"+tc.query, tc.body)
				res, err := client.Do(req)
				if err == nil {
					if res.Proto != proto {
						t.Fatalf("spoke %s", res.Proto)
					}
					if tc.readBody {
						_, _ = io.Copy(io.Discard, res.Body)
					}
					defer res.Body.Close()
				}
				var got result
				select {
				case got = <-results:
				case <-time.After(8 * time.Second):
					t.Fatal("the handler is still running")
				}
				if (got.readErr != nil) != tc.wantReadErr || (got.writeErr != nil) != tc.wantWrite {
					t.Errorf("read %d bytes (error %v), write error %v; want read error %v, write error %v",
						got.read, got.readErr, got.writeErr, tc.wantReadErr, tc.wantWrite)
				}
				if !tc.wantReadErr && got.canceled {
					t.Error("the request's context was canceled while the handler worked")
				}
			})
		}
	}
}

// trickle is a request body that yields one byte every so often.
type trickle struct {
	n     int
	every time.Duration
}

func (r *trickle) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.every)
	r.n--
	p[0] = 'x'
	return 1, nil
}

// TestMaxHeaderBytes: headers beyond the limit get 431, as from Kestrel;
// a large access token's worth of headers is accepted.
func TestMaxHeaderBytes(t *testing.T) {
	s := serve(t, Limits{})
	for _, tc := range []struct {
		size int
		want int
	}{{8 << 10, 200}, {200 << 10, 431}} {
		c := s.dial(t)
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", tc.size))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%d bytes of headers: %v", tc.size, err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("%d bytes of headers: %d, want %d", tc.size, res.StatusCode, tc.want)
		}
	}
}

// TestConnTrackerConcurrent: requests' transitions on many connections race
// with new connections at the cap; every eviction closes a connection that
// was idle or fresh, never one serving a request, and the count stays
// right.
func TestConnTrackerConcurrent(t *testing.T) {
	const maxConns = 8
	tr := Limits{MaxConns: maxConns, ReadHeaderTimeout: time.Second}.newConnTracker(prometheus.NewCounter(prometheus.CounterOpts{Name: "x"}))
	conns := make([]*fakeConn, maxConns-1)
	for i := range conns {
		conns[i] = &fakeConn{}
		tr.connState(conns[i], http.StateNew)
	}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2000 {
				tr.connState(c, http.StateActive)
				tr.connState(c, http.StateIdle)
			}
		}()
	}
	extra := &fakeConn{}
	tr.connState(extra, http.StateNew) // the cap: one idle connection goes
	wg.Wait()
	for _, c := range conns {
		tr.connState(c, http.StateClosed)
	}
	tr.connState(extra, http.StateClosed)
	if n := tr.Open(); n != 0 {
		t.Errorf("%d open after every connection closed", n)
	}
	if extra.isClosed() {
		t.Error("the new connection was closed")
	}
}

// BenchmarkConnState is what the tracker costs a request on a keep-alive
// connection (two transitions), from many connections at once.
func BenchmarkConnState(b *testing.B) {
	tr := Limits{MaxConns: 4096, ReadHeaderTimeout: time.Second}.newConnTracker(prometheus.NewCounter(prometheus.CounterOpts{Name: "x"}))
	b.SetParallelism(64)
	b.RunParallel(func(pb *testing.PB) {
		c := &fakeConn{}
		tr.connState(c, http.StateNew)
		for pb.Next() {
			tr.connState(c, http.StateActive)
			tr.connState(c, http.StateIdle)
		}
		tr.connState(c, http.StateClosed)
	})
}

// TestWriteDeadlineEndsWithItsRequest: the write deadline a request's final
// flush is given (rateIO.finish) must not reach the next request on the
// connection, which waits past it before it writes: its 100 Continue and a
// handler's flush through http.ResponseController must still go out.
// (net/http clears it after each response; rateIO relies on that.)
func TestWriteDeadlineEndsWithItsRequest(t *testing.T) {
	const grace = 100 * time.Millisecond
	flushErr := make(chan error, 1)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			_, _ = io.WriteString(w, "first")
			return
		}
		// Well past the first request's deadline (grace + 8 KiB at 64 kB/s).
		time.Sleep(grace + 500*time.Millisecond)
		b, err := io.ReadAll(r.Body) // net/http writes 100 Continue now
		if err == nil {
			_, _ = w.Write(b)
			err = http.NewResponseController(w).Flush()
		}
		flushErr <- err
	})
	srv := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), registry: prometheus.NewRegistry(),
		rate: Limits{MinDataRate: 64000, DataRateGrace: grace}.dataRate()}
	hs := httptest.NewTLSServer(srv.instrument(handler))
	t.Cleanup(hs.Close)
	c, err := tls.Dial("tcp", hs.Listener.Addr().String(), &tls.Config{InsecureSkipVerify: true}) // the test server's own certificate
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	fmt.Fprint(c, "GET /first HTTP/1.1\r\nHost: localhost\r\n\r\n")
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()

	fmt.Fprint(c, "POST /second HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	res, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusContinue {
		t.Fatalf("status %d before the body, want 100 Continue", res.StatusCode)
	}
	fmt.Fprint(c, "hello")
	res, err = http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(b) != "hello" {
		t.Errorf("second request: %d %q, want 200 \"hello\"", res.StatusCode, b)
	}
	if err := <-flushErr; err != nil {
		t.Errorf("the handler's flush: %v", err)
	}
}
