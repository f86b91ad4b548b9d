package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/netutil"
)

// Limits bound what one client can hold of a server: connections, time and
// header bytes. The zero value of a field means its default; a negative
// value turns that limit off. The idle timeout, header size and data rate
// defaults are those of Microsoft's own HTTP server for .NET, Kestrel
// (KestrelServerLimits); Kestrel caps no connections and allows 30s for
// headers, where graphgate caps at 4096 and keeps its 10s (see each field).
//
// There is deliberately no limit on the whole time of a request or of its
// response (http.Server's ReadTimeout and WriteTimeout): a large upload, a
// long $batch body or a large download on a slow link is legitimate. What is
// bounded instead is the rate: a request body must arrive, and a response be
// taken, at MinDataRate on average once DataRateGrace has passed, counting
// only the time the server is actually waiting for the client (Kestrel's
// MinRequestBodyDataRate and MinResponseDataRate work the same way). A body
// sent a byte at a time is therefore cut off after a few seconds, and a
// client that stops reading its response loses the connection, while any
// client moving data at a useful speed is never cut.
type Limits struct {
	// MaxConns caps the open connections of each listener (default 4096: far
	// more than a test suite or a developer's tools open, far fewer than the
	// file descriptors Go raises its limit to on Linux and macOS).
	// When a new connection reaches the cap, the connection idle the longest
	// (a keep-alive connection between requests, or one that has sent
	// nothing for DataRateGrace) is closed to make room, so that idle
	// clients can never lock out a new one — a health check among them.
	// When none is idle, new connections wait in the listen queue until one
	// closes.
	MaxConns int
	// IdleTimeout closes a keep-alive connection that has waited this long
	// for its next request (default 130s, Kestrel's KeepAliveTimeout: longer
	// than the 90s after which Go's and .NET's clients drop an idle
	// connection themselves, so the client, not the server, usually closes
	// it and never sends on a connection being closed).
	IdleTimeout time.Duration
	// ReadHeaderTimeout bounds the TLS handshake and the request line and
	// headers (default 10s, shorter than Kestrel's 30s: a client on the same
	// machine or network sends them in milliseconds, and a silent one should
	// give its slot back soon).
	ReadHeaderTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (default 40 KiB:
	// Kestrel's 8 KiB request line plus 32 KiB of headers). Beyond it the
	// answer is 431 Request Header Fields Too Large, as Kestrel's; the
	// largest access tokens Microsoft issues are a few KiB.
	MaxHeaderBytes int
	// MinDataRate is the slowest average rate, in bytes per second, at
	// which a request body may arrive and a response be taken (default 240,
	// Kestrel's), and DataRateGrace how long before it applies (default 5s).
	MinDataRate   int
	DataRateGrace time.Duration
}

// Default limits (see Limits).
const (
	DefaultMaxConns          = 4096
	DefaultIdleTimeout       = 130 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultMaxHeaderBytes    = 40 << 10
	DefaultMinDataRate       = 240
	DefaultDataRateGrace     = 5 * time.Second
)

// withDefaults fills the zero fields with the defaults.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.MaxConns, DefaultMaxConns)
	defDur(&l.IdleTimeout, DefaultIdleTimeout)
	defDur(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.MaxHeaderBytes, DefaultMaxHeaderBytes)
	def(&l.MinDataRate, DefaultMinDataRate)
	defDur(&l.DataRateGrace, DefaultDataRateGrace)
	return l
}

// positive turns "off" (negative) into net/http's "none" (zero). (With no
// IdleTimeout net/http uses ReadTimeout, which graphgate leaves at zero: no
// idle limit; with no MaxHeaderBytes, its 1 MiB.)
func positive[T int | time.Duration](v T) T {
	return max(v, 0)
}

// httpServer is an http.Server for h with the limits applied; tracker, if
// not nil, caps its connections (see listen).
func (l Limits) httpServer(h http.Handler, tracker *connTracker) *http.Server {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: positive(l.ReadHeaderTimeout), IdleTimeout: positive(l.IdleTimeout),
		MaxHeaderBytes: positive(l.MaxHeaderBytes)}
	if tracker != nil {
		hs.ConnState = tracker.connState
	}
	return hs
}

// dataRate is the minimum rate of Limits.MinDataRate.
type dataRate struct {
	perSecond float64
	grace     time.Duration
}

// allowance is how long n bytes may take at the minimum rate, grace
// included.
func (d *dataRate) allowance(n int64) time.Duration {
	return d.grace + time.Duration(float64(n)/d.perSecond*float64(time.Second))
}

func (l Limits) dataRate() *dataRate {
	if l.MinDataRate <= 0 {
		return nil
	}
	return &dataRate{perSecond: float64(l.MinDataRate), grace: max(l.DataRateGrace, 0)}
}

// flushAllowanceBytes is what a response may still hold when its handler
// returns (net/http's 4 KiB write buffer, with room for chunk framing): the
// final flush gets the allowance of that many bytes.
const flushAllowanceBytes = 8 << 10

// rateIO applies the minimum data rate to one request: to its body as the
// handler reads it, and to its response as the handler writes it.
//
// A deadline is armed only while the server waits for the client. Over
// HTTP/2 a stream deadline that fires resets the stream even when nothing is
// pending, so it is cleared after every read and write. Over HTTP/1.1 a
// connection deadline is harmless while nothing is pending, but net/http
// starts a read of its own once the body is consumed (to notice a client
// that goes away) and cancels the request when that read fails, so the read
// deadline is cleared at the end of the body. The write deadline finish arms
// for the final flush is cleared by net/http itself once the response is
// finished (conn.serve, after finishRequest), so the next request on the
// connection — its 100 Continue, a handler's Flush, a hijack — never
// inherits it (TestWriteDeadlineEndsWithItsRequest).
type rateIO struct {
	rate *dataRate
	rc   deadlines
	h2   bool

	// The body's account: bytes read and time spent waiting for them.
	read    int64
	waited  time.Duration
	bodyEOF bool
	// written is what the handler wrote while all of it fit net/http's
	// response buffer (HTTP/1.1); spilled, that it no longer does.
	written int
	spilled bool
	// tooSlow records which side the minimum rate cut, for the access log.
	tooSlow string
}

// responseBuffer is what net/http buffers of an HTTP/1.1 response before
// anything reaches the connection (its bufferBeforeChunkingSize): writes
// that add up to no more stay in memory until the final flush, which
// finish arms, so they need no deadline of their own. A small answer (GET
// /me) then costs one deadline for its writes instead of one per write and
// one to disarm it (each a timer update in the runtime's poller).
const responseBuffer = 2 << 10

// deadlines is what rateIO needs of a response writer: net/http's own
// (HTTP/1.1 and HTTP/2) has both methods, so no http.ResponseController
// needs allocating per request; any other writer gets one, which unwraps it.
type deadlines interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// init readies rio for one request on w. A request without a body has read
// all of it.
func (rio *rateIO) init(rate *dataRate, w http.ResponseWriter, r *http.Request) {
	d, ok := w.(deadlines)
	if !ok {
		d = http.NewResponseController(w)
	}
	*rio = rateIO{rate: rate, rc: d, h2: r.ProtoMajor == 2, bodyEOF: r.Body == nil || r.Body == http.NoBody}
}

// rateBody is a request body read under the minimum rate.
type rateBody struct {
	io.ReadCloser
	rio *rateIO
}

func (b *rateBody) Read(p []byte) (int, error) {
	rio := b.rio
	if rio.bodyEOF {
		return b.ReadCloser.Read(p)
	}
	start := time.Now()
	// The body may have taken allowance(read) in all; what is left of it is
	// how long this read may wait. (It is never much below zero: the read
	// that used it up timed out.)
	_ = rio.rc.SetReadDeadline(start.Add(rio.rate.allowance(rio.read) - rio.waited))
	n, err := b.ReadCloser.Read(p)
	rio.waited += time.Since(start)
	rio.read += int64(n)
	if err != nil || rio.h2 {
		_ = rio.rc.SetReadDeadline(time.Time{})
	}
	if errors.Is(err, io.EOF) {
		rio.bodyEOF = true
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		rio.tooSlow = "request body"
	}
	return n, err
}

// beforeWrite arms the write deadline for a write of n bytes, and reports
// whether it did: over HTTP/1.1, writes that still fit net/http's buffer
// (responseBuffer) reach the connection only at the final flush, and need
// none.
func (rio *rateIO) beforeWrite(n int) bool {
	if !rio.h2 && !rio.spilled {
		rio.written += n
		if rio.written <= responseBuffer {
			return false
		}
		rio.spilled = true
	}
	_ = rio.rc.SetWriteDeadline(time.Now().Add(rio.rate.allowance(int64(n))))
	return true
}

// afterWrite disarms it where it must not outlive the write.
func (rio *rateIO) afterWrite(err error) {
	if rio.h2 {
		_ = rio.rc.SetWriteDeadline(time.Time{})
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		rio.tooSlow = "response"
	}
}

// finish runs when the handler has returned: over HTTP/1.1 net/http still
// reads what is left of the body (up to 256 KiB, to reuse the connection)
// before it sends the response, then flushes it; both get a deadline. A body
// the minimum rate already cut gets none: waiting for more of it would only
// delay the answer, and the connection is closed after it.
func (rio *rateIO) finish() {
	if rio.h2 {
		return
	}
	now := time.Now()
	_ = rio.rc.SetWriteDeadline(now.Add(rio.rate.allowance(flushAllowanceBytes)))
	switch {
	case rio.tooSlow == "request body":
		_ = rio.rc.SetReadDeadline(now)
	case !rio.bodyEOF:
		_ = rio.rc.SetReadDeadline(now.Add(rio.rate.grace))
	}
}

// connTracker caps a listener's connections (netutil.LimitListener holds
// the count) and, through http.Server.ConnState, knows which are idle, so
// that a new connection reaching the cap closes the one idle the longest.
// LimitListener alone would leave a server whose connections are all held
// by idle clients unable to accept even a health check.
//
// A request's own transitions (active, idle: two per request on a
// keep-alive connection) take no lock: each connection's state and its
// place in the idle order are atomics, and the connection is found in a
// sync.Map. Only a new connection reaching the cap takes the tracker's
// lock, to choose its victim by a scan of the open connections (at most
// max). The lock taken twice per request was the most contended one under
// load (bench/README.md, "Throughput").
type connTracker struct {
	max   int
	grace time.Duration // how long a new connection may stay silent before it counts as idle
	now   func() time.Time

	conns sync.Map // net.Conn → *trackedConn
	open  atomic.Int64
	seq   atomic.Uint64 // orders parking: a lower seq was parked earlier
	mu    sync.Mutex    // one victim choice at a time

	evictions prometheus.Counter
}

// The states of a tracked connection.
const (
	connFresh   int32 = iota // open, no request yet
	connActive               // serving a request
	connIdle                 // between requests
	connEvicted              // chosen to close for a new connection
)

type trackedConn struct {
	c     net.Conn
	state atomic.Int32
	seq   atomic.Uint64 // when it was last parked fresh or idle
	since time.Time     // when it opened (read for fresh connections only)
}

// freshGrace is how long a new connection may stay silent (no TLS
// handshake, no request) before it may be closed for another at the cap: a
// handshake and a request line take milliseconds on any network developer
// tools run over.
const freshGrace = 2 * time.Second

// newConnTracker returns a tracker for a listener of limits l, or nil when
// the connection cap is off; evictions counts the connections it closes.
func (l Limits) newConnTracker(evictions prometheus.Counter) *connTracker {
	if l.MaxConns <= 0 {
		return nil
	}
	grace := freshGrace
	if l.ReadHeaderTimeout > 0 {
		grace = min(grace, l.ReadHeaderTimeout)
	}
	return &connTracker{max: l.MaxConns, grace: grace, now: time.Now, evictions: evictions}
}

// listen caps ln at the tracker's maximum.
func (t *connTracker) listen(ln net.Listener) net.Listener { return netutil.LimitListener(ln, t.max) }

// Open is the number of open connections.
func (t *connTracker) Open() int { return int(t.open.Load()) }

func (t *connTracker) connState(c net.Conn, state http.ConnState) {
	switch state {
	case http.StateNew:
		tc := &trackedConn{c: c, since: t.now()}
		tc.seq.Store(t.seq.Add(1))
		t.conns.Store(c, tc)
		if t.open.Add(1) >= int64(t.max) {
			if victim := t.victim(); victim != nil {
				t.evictions.Inc()
				// Close may write a TLS alert; not on the accepting goroutine.
				go victim.Close()
			}
		}
	case http.StateActive:
		if tc := t.lookup(c); tc != nil {
			tc.state.CompareAndSwap(connFresh, connActive)
			tc.state.CompareAndSwap(connIdle, connActive)
		}
	case http.StateIdle:
		if tc := t.lookup(c); tc != nil {
			tc.seq.Store(t.seq.Add(1))
			if !tc.state.CompareAndSwap(connActive, connIdle) {
				tc.state.CompareAndSwap(connFresh, connIdle)
			}
		}
	case http.StateHijacked, http.StateClosed:
		if _, ok := t.conns.LoadAndDelete(c); ok {
			t.open.Add(-1)
		}
	}
}

func (t *connTracker) lookup(c net.Conn) *trackedConn {
	v, ok := t.conns.Load(c)
	if !ok {
		return nil
	}
	return v.(*trackedConn)
}

// victim picks (and marks evicted) the connection to close for a new one:
// the longest idle between requests, else the oldest that has sent nothing
// for the grace period, else none. A candidate that turns active while it
// is being chosen is passed over.
func (t *connTracker) victim() net.Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	for range 3 {
		var idle, fresh *trackedConn
		t.conns.Range(func(_, v any) bool {
			tc := v.(*trackedConn)
			switch tc.state.Load() {
			case connIdle:
				if idle == nil || tc.seq.Load() < idle.seq.Load() {
					idle = tc
				}
			case connFresh:
				if fresh == nil || tc.seq.Load() < fresh.seq.Load() {
					fresh = tc
				}
			}
			return true
		})
		tc, from := idle, connIdle
		if tc == nil {
			if fresh == nil || t.now().Sub(fresh.since) < t.grace {
				return nil
			}
			tc, from = fresh, connFresh
		}
		if tc.state.CompareAndSwap(from, connEvicted) {
			return tc.c
		}
	}
	return nil
}
