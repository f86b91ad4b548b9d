package main

import (
	"bufio"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// target is what one phase sends: the raw bytes of one HTTP/1.1 request,
// sent again and again on each connection, and the status it must get.
type target struct {
	addr    string // host:port on 127.0.0.1
	tls     *tls.Config
	request []byte
	status  int
}

// Result is one phase's figures.
type Result struct {
	Conns     int     `json:"conns"`
	Call      string  `json:"call"`
	Server    string  `json:"server"` // "graphgate", "bare" or "rsa" (signatures in this process)
	Requests  int     `json:"requests"`
	Errors    int     `json:"errors"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"perSecond"`
	P50ms     float64 `json:"p50ms"`
	P99ms     float64 `json:"p99ms"`
	// ServerCPUus is the CPU time (user and system, all threads) the
	// server's process spent per request during the phase, in µs; 0 for the
	// signatures, which run in the harness. ClientCPUus is the harness's own
	// (the load generator's) per request. A server's CPU per request does
	// not depend on how the two cores were shared during the phase, so it
	// compares the servers' work more steadily than their rates do.
	ServerCPUus float64 `json:"serverCpuUsPerRequest,omitempty"`
	ClientCPUus float64 `json:"clientCpuUsPerRequest,omitempty"`
}

// sample is what one slice of a phase measured.
type sample struct {
	lat     []time.Duration
	elapsed time.Duration
	errors  int
	// serverCPU and clientCPU are the CPU time the server's process and
	// the harness spent during the sample (see Result).
	serverCPU, clientCPU time.Duration
}

// drive runs n keep-alive connections against t for d, each sending its
// next request as soon as the previous response has been read (a closed
// loop, as wrk does), and measures requests per second and latency.
//
// The client is deliberately lean — prebuilt request bytes written to a
// TLS connection, the response read with http.ReadResponse and discarded —
// so that, on a machine where it shares the cores with the server, it
// takes as little as it can from either server it compares.
func drive(ctx context.Context, t target, n int, d time.Duration) (sample, error) {
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := dial(t)
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			return sample{}, err
		}
		conns[i] = c
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		lat    []time.Duration
		errs   int
		first  error
		start  = time.Now()
		end    = start.Add(d)
		report = func(local []time.Duration, e int, err error) {
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, local...)
			errs += e
			if first == nil {
				first = err
			}
		}
	)
	for _, c := range conns {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			e := 0
			var lastErr error
			br := bufio.NewReaderSize(c, 32<<10)
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				status, closeConn, err := roundTrip(c, br, t.request)
				switch {
				case err != nil:
					e++
					lastErr = err
				case status != t.status:
					e++
					lastErr = fmt.Errorf("status %d, want %d", status, t.status)
				default:
					local = append(local, time.Since(t0))
				}
				if err != nil || closeConn {
					c.Close()
					if c, err = dial(t); err != nil {
						e++
						lastErr = err
						c = nil
						break
					}
					br.Reset(c)
				}
			}
			if c != nil {
				c.Close()
			}
			report(local, e, lastErr)
		}(c)
	}
	wg.Wait()
	sm := sample{lat: lat, elapsed: time.Since(start), errors: errs}
	if len(lat) == 0 && first != nil {
		return sm, first
	}
	return sm, nil
}

func dial(t target) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	return tls.DialWithDialer(&d, "tcp", t.addr, t.tls)
}

// roundTrip writes one request and reads its whole response.
func roundTrip(c net.Conn, br *bufio.Reader, req []byte) (status int, closeConn bool, err error) {
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(req); err != nil {
		return 0, true, err
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, true, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Close, err
}

// sign measures the RSA-2048 (RS256) signing rate of this machine on n
// goroutines for d: the ceiling of a token endpoint that signs every token.
func sign(ctx context.Context, key *rsa.PrivateKey, n int, d time.Duration) sample {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		lat []time.Duration
	)
	digest := sha256.Sum256([]byte(`{"alg":"RS256","typ":"JWT"}.{"aud":"https://graph.microsoft.com"}`))
	start := time.Now()
	end := start.Add(d)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
					panic(err) // a 2048-bit key generated by this process
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return sample{lat: lat, elapsed: time.Since(start)}
}

// summarize merges the samples of one phase over the rounds.
func summarize(ss []sample) Result {
	var lat []time.Duration
	var elapsed, server, client time.Duration
	errs := 0
	for _, s := range ss {
		lat = append(lat, s.lat...)
		elapsed += s.elapsed
		errs += s.errors
		server += s.serverCPU
		client += s.clientCPU
	}
	slices.Sort(lat)
	r := Result{Requests: len(lat), Seconds: elapsed.Seconds(), Errors: errs}
	if len(lat) > 0 {
		r.PerSecond = float64(len(lat)) / elapsed.Seconds()
		r.ServerCPUus = float64(server.Nanoseconds()) / 1e3 / float64(len(lat))
		r.ClientCPUus = float64(client.Nanoseconds()) / 1e3 / float64(len(lat))
		r.P50ms = ms(lat[len(lat)*50/100])
		r.P99ms = ms(lat[min(len(lat)-1, len(lat)*99/100)])
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
