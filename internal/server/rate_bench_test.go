package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkRateIOPerRequest is what the minimum data rate costs a small
// HTTP/1.1 answer (GET /me's) per request, on net/http's own response
// writer over a real TLS connection: rateIO.init and finish, side by side
// with the sequence before it relied on net/http clearing the write
// deadline after each response (a ResponseController allocated, the
// deadline cleared at the start, armed at the end). Each op runs inside
// one request's handler, so only these calls are timed.
func BenchmarkRateIOPerRequest(b *testing.B) {
	rate := Limits{MinDataRate: 240, DataRateGrace: 5 * time.Second}.dataRate()
	for _, bc := range []struct {
		name string
		op   func(rio *rateIO, w http.ResponseWriter, r *http.Request)
	}{
		{"now", func(rio *rateIO, w http.ResponseWriter, r *http.Request) {
			rio.init(rate, w, r)
			rio.finish()
		}},
		{"cleared at init (before)", func(rio *rateIO, w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			_ = rc.SetWriteDeadline(time.Time{})
			rio.init(rate, w, r)
			rio.rc = rc
			rio.finish()
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var rio rateIO
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					bc.op(&rio, w, r)
				}
				b.StopTimer()
			}))
			defer hs.Close()
			res, err := hs.Client().Get(hs.URL)
			if err != nil {
				b.Fatal(err)
			}
			res.Body.Close()
		})
	}
}
