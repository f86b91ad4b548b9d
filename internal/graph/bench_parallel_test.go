//go:build unix

package graph_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// BenchmarkGetMeParallel measures what the throughput figure
// depends on, the CPU a request costs when many are in flight: 64
// goroutines a core send GET /me over TLS keep-alive connections to
// graphgate's handler (its middleware, the Graph chain, the decision log
// on), then to a bare handler answering the same bytes; client and server
// share the process, so cpu-ns/req (user + system CPU per request, from
// getrusage) counts both, and bare-cpu-ns/req is the same for the bare
// handler, measured right after in the same run. Compare builds by
// cpu-ns/req, alternating their test binaries: the machine's load moves
// CPU time far less than wall time.
func BenchmarkGetMeParallel(b *testing.B) {
	e, tok, bareH := getMeFixture(b)
	gg := httptest.NewTLSServer(e.srv.Handler())
	b.Cleanup(gg.Close)
	bare := httptest.NewTLSServer(bareH)
	b.Cleanup(bare.Close)
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	load := func(srv *httptest.Server, n int) time.Duration {
		client := srv.Client()
		client.Transport.(*http.Transport).MaxIdleConnsPerHost = 256
		var left atomic.Int64
		left.Store(int64(n))
		var wg sync.WaitGroup
		c0 := cpu()
		for range 64 * runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("GET", srv.URL+"/v1.0/me", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				for left.Add(-1) >= 0 {
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != 200 {
						b.Errorf("status %d", res.StatusCode)
						return
					}
				}
			}()
		}
		wg.Wait()
		return cpu() - c0
	}
	load(gg, 2000) // connections open, caches warm
	load(bare, 2000)
	b.ResetTimer()
	ggCPU := load(gg, b.N)
	b.StopTimer()
	bareCPU := load(bare, b.N)
	b.ReportMetric(float64(ggCPU.Nanoseconds())/float64(b.N), "cpu-ns/req")
	b.ReportMetric(float64(bareCPU.Nanoseconds())/float64(b.N), "bare-cpu-ns/req")
	b.ReportMetric(float64(bareCPU)/float64(ggCPU), "cpu-ratio")
}
