package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"graphgate/internal/tlsca"
)

// InterceptedHosts are the hosts the interception proxy (Config.ProxyAddr)
// answers for itself, on port 443: the public cloud's identity platform
// under each name a Microsoft client may use for it first, and Microsoft
// Graph. The identity names are the aliases Microsoft's instance discovery
// lists for the public cloud (https://login.microsoftonline.com/common/
// discovery/instance: login.microsoftonline.com, login.windows.net,
// login.microsoft.com, sts.windows.net), which MSAL libraries also carry
// built in as their known authorities; graph.microsoft.com is Graph's
// global endpoint. National clouds (login.microsoftonline.us, …) are left
// out: a client configured for one is not configured for graphgate's
// tenant.
var InterceptedHosts = []string{
	"login.microsoftonline.com",
	"login.windows.net",
	"login.microsoft.com",
	"sts.windows.net",
	"graph.microsoft.com",
}

// Intercepted reports whether host (no port; any case, a trailing dot
// allowed) is one of InterceptedHosts.
func Intercepted(host string) bool {
	return slices.Contains(InterceptedHosts, strings.ToLower(strings.TrimSuffix(host, ".")))
}

// proxyDialTimeout bounds the connection to an upstream host in
// passthrough mode.
const proxyDialTimeout = 10 * time.Second

// proxy is the interception proxy: an HTTP forward proxy whose CONNECT
// tunnels to InterceptedHosts end here — TLS terminated with a certificate
// graphgate's CA issues for the host, the requests served by the server's
// own handler — and whose other tunnels are refused or, in passthrough
// mode, spliced to the real host.
//
// The proxy is built on net/http (a CONNECT handler that hijacks the
// connection, crypto/tls for the server side, an http.Server fed the
// terminated connections) rather than a proxy library: what it must do
// beyond that is refuse, and serve in-process rather than forward, which a
// forwarding library (elazarl/goproxy's MITM mode, for one) would have to be
// bent to, while the limits (connection cap, header timeouts, minimum data
// rate) must be the main listener's, which come with http.Server.
type proxy struct {
	log         *slog.Logger
	addr        string // the proxy's listen address, for messages
	certs       *tlsca.HostCerts
	passthrough bool
	idle        time.Duration // tunnels in passthrough mode close after this long without data (0: never)

	// inner serves the intercepted connections with the server's handler;
	// conns feeds it.
	inner *http.Server
	conns *chanListener
	// forward sends plain HTTP proxy requests on in passthrough mode.
	forward *httputil.ReverseProxy

	outcomes *prometheus.CounterVec

	mu      sync.Mutex
	tunnels map[net.Conn]struct{} // passthrough tunnels' client sides, closed at shutdown
	closed  bool
}

// Proxy outcomes, the outcome label of graphgate_proxy_requests_total.
const (
	outcomeIntercepted = "intercepted"
	outcomeRefused     = "refused"
	outcomeTunnelled   = "tunnelled"
	outcomeForwarded   = "forwarded"
)

func (s *Server) newProxy(addr string, certs *tlsca.HostCerts, errorLog *log.Logger) *proxy {
	p := &proxy{log: s.log, addr: addr, certs: certs, passthrough: s.cfg.ProxyPassthrough, idle: positive(s.limits.IdleTimeout),
		conns: newChanListener(addr), tunnels: map[net.Conn]struct{}{}}
	p.inner = s.limits.httpServer(s.handler, s.proxyInner)
	p.inner.ErrorLog = errorLog
	p.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "graphgate_proxy_requests_total",
		Help: "Requests to the interception proxy (--proxy): CONNECT tunnels intercepted, tunnelled (--proxy-passthrough) or refused, and plain HTTP requests forwarded or refused."},
		[]string{"outcome"})
	s.registry.MustRegister(p.outcomes)
	if p.passthrough {
		tr := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: proxyDialTimeout}).DialContext,
			ResponseHeaderTimeout: 60 * time.Second, IdleConnTimeout: 90 * time.Second, MaxIdleConnsPerHost: 4}
		p.forward = &httputil.ReverseProxy{Transport: tr, ErrorLog: p.inner.ErrorLog, Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL, pr.Out.Host = pr.In.URL, pr.In.Host
		}}
	}
	return p
}

// serveInner runs the server of intercepted connections until shutdown.
func (p *proxy) serveInner() error { return p.inner.Serve(p.conns) }

// shutdown stops the intercepted connections gracefully and closes every
// passthrough tunnel.
func (p *proxy) shutdown(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	for c := range p.tunnels {
		_ = c.Close()
	}
	p.mu.Unlock()
	return p.inner.Shutdown(ctx)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodConnect:
		p.connect(w, r)
	case r.URL.IsAbs():
		p.plain(w, r)
	default:
		// An ordinary request sent to the proxy's port, not through it.
		p.refuse(w, http.StatusBadRequest, fmt.Sprintf("this is graphgate's interception proxy, not a web server: send requests through it "+
			"(HTTPS_PROXY=http://%s) to https://login.microsoftonline.com or https://graph.microsoft.com, or directly to graphgate's HTTPS address\n", p.addr))
	}
}

// refuse answers a request the proxy will not carry, in plain text: a
// proxy's own error is read by the developer in a client's exception, not
// parsed, and no Microsoft service sent it.
func (p *proxy) refuse(w http.ResponseWriter, status int, msg string) {
	p.outcomes.WithLabelValues(outcomeRefused).Inc()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Connection", "close")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("graphgate proxy: " + msg))
}

func (p *proxy) connect(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	if err != nil {
		p.refuse(w, http.StatusBadRequest, fmt.Sprintf("CONNECT needs host:port, not %q\n", r.Host))
		return
	}
	if Intercepted(host) {
		if port != "443" {
			p.refuse(w, http.StatusForbidden, fmt.Sprintf("%s is served on port 443 only, not %s\n", host, port))
			return
		}
		p.intercept(w, strings.ToLower(strings.TrimSuffix(host, ".")))
		return
	}
	if !p.passthrough {
		p.refuse(w, http.StatusForbidden, fmt.Sprintf("%s is not a Microsoft identity or Graph host graphgate serves, and graphgate does not "+
			"connect to other hosts; restart 'graphgate serve' with --proxy-passthrough to tunnel them, or leave the host out of the proxy "+
			"(NO_PROXY=%s)\n", host, host))
		return
	}
	p.tunnel(w, r)
}

// intercept answers the CONNECT, then hands the connection, wrapped in a
// TLS server presenting a certificate for host, to the inner server.
func (p *proxy) intercept(w http.ResponseWriter, host string) {
	// Issue (or find) the certificate before answering, so that a failure
	// is an HTTP error the client can show rather than a broken handshake.
	cert, err := p.certs.Certificate(host)
	if err != nil {
		p.log.Error("proxy: host certificate", "host", host, "err", err)
		p.refuse(w, http.StatusBadGateway, fmt.Sprintf("could not issue a certificate for %s: %v\n", host, err))
		return
	}
	conn, ok := p.hijack(w)
	if !ok {
		return
	}
	p.outcomes.WithLabelValues(outcomeIntercepted).Inc()
	tc := tls.Server(conn, &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"},
		Certificates: []tls.Certificate{*cert}})
	if !p.conns.deliver(tc) {
		_ = conn.Close()
	}
}

// hijack takes the connection over from net/http and tells the client its
// tunnel is open. Bytes the client sent after the CONNECT request (a TLS
// ClientHello, eagerly) stay in front of the connection.
func (p *proxy) hijack(w http.ResponseWriter) (net.Conn, bool) {
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		p.log.Error("proxy: hijack", "err", err)
		http.Error(w, "graphgate proxy: cannot take over the connection", http.StatusInternalServerError)
		return nil, false
	}
	// The header timeout of the outer server no longer applies.
	_ = conn.SetDeadline(time.Time{})
	if _, err := brw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		_ = conn.Close()
		return nil, false
	}
	if err := brw.Flush(); err != nil {
		_ = conn.Close()
		return nil, false
	}
	if brw.Reader.Buffered() > 0 {
		return &bufferedConn{Conn: conn, r: brw.Reader}, true
	}
	return conn, true
}

// tunnel connects the client to the host it asked for (passthrough mode).
func (p *proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), proxyDialTimeout)
	up, err := (&net.Dialer{}).DialContext(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		p.refuse(w, http.StatusBadGateway, fmt.Sprintf("--proxy-passthrough could not connect to %s: %v\n", r.Host, err))
		return
	}
	conn, ok := p.hijack(w)
	if !ok {
		_ = up.Close()
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = conn.Close()
		_ = up.Close()
		return
	}
	p.tunnels[conn] = struct{}{}
	p.mu.Unlock()
	p.outcomes.WithLabelValues(outcomeTunnelled).Inc()
	go func() {
		splice(conn, up, p.idle)
		p.mu.Lock()
		delete(p.tunnels, conn)
		p.mu.Unlock()
	}()
}

// plain handles a proxy request in absolute form (GET http://host/…).
func (p *proxy) plain(w http.ResponseWriter, r *http.Request) {
	host := r.URL.Hostname()
	switch {
	case Intercepted(host):
		// Microsoft answers plain HTTP on these hosts only with a redirect
		// to HTTPS; a client that sends a token or a secret over it has a
		// configuration error worth seeing, so the proxy refuses it.
		p.refuse(w, http.StatusForbidden, fmt.Sprintf("%s is served over HTTPS only: use https://%s%s\n", host, host, r.URL.RequestURI()))
	case r.URL.Scheme != "http":
		p.refuse(w, http.StatusBadRequest, fmt.Sprintf("the proxy carries http:// requests and CONNECT tunnels, not %s://\n", r.URL.Scheme))
	case !p.passthrough:
		p.refuse(w, http.StatusForbidden, fmt.Sprintf("%s is not a Microsoft identity or Graph host graphgate serves, and graphgate does not "+
			"connect to other hosts; restart 'graphgate serve' with --proxy-passthrough to forward them, or leave the host out of the proxy "+
			"(NO_PROXY=%s)\n", host, host))
	default:
		p.outcomes.WithLabelValues(outcomeForwarded).Inc()
		p.forward.ServeHTTP(w, r)
	}
}

// splice copies both ways between a and b until either side ends or no
// byte has moved in either direction for idle (0: no limit), then closes
// both.
func splice(a, b net.Conn, idle time.Duration) {
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	var wg sync.WaitGroup
	cp := func(dst, src net.Conn) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			if idle > 0 {
				_ = src.SetReadDeadline(time.Now().Add(idle))
			}
			n, err := src.Read(buf)
			if n > 0 {
				last.Store(time.Now().UnixNano())
				if idle > 0 {
					_ = dst.SetWriteDeadline(time.Now().Add(idle))
				}
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				// A read that timed out while the other direction moved
				// data is not idleness.
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() && time.Since(time.Unix(0, last.Load())) < idle {
					continue
				}
				break
			}
		}
		// Unblock the other direction.
		_ = a.SetDeadline(time.Now())
		_ = b.SetDeadline(time.Now())
	}
	wg.Add(2)
	go cp(a, b)
	go cp(b, a)
	wg.Wait()
	_ = a.Close()
	_ = b.Close()
}

// bufferedConn is a connection whose first bytes were already read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) {
	if c.r.Buffered() > 0 {
		return c.r.Read(p)
	}
	return c.Conn.Read(p)
}

// chanListener is a net.Listener whose connections are handed to it by
// deliver: the intercepted tunnels, served by an ordinary http.Server.
type chanListener struct {
	addr   proxyAddr
	ch     chan net.Conn
	done   chan struct{}
	closer sync.Once
}

type proxyAddr string

func (a proxyAddr) Network() string { return "tcp" }
func (a proxyAddr) String() string  { return string(a) }

func newChanListener(addr string) *chanListener {
	return &chanListener{addr: proxyAddr(addr), ch: make(chan net.Conn), done: make(chan struct{})}
}

// deliver hands c to Accept; false once the listener is closed.
func (l *chanListener) deliver(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.closer.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
