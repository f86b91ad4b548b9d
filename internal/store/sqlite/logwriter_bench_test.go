package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"graphgate/internal/store"
)

// BenchmarkTenantWriteBesideLog is the cost of the logs' own connection to
// tenant writes: a tenant write (SettingOrCreate of a new setting) alone,
// and while the decision log appends batches of 256 rows without pause on
// its connection (the worst case: a server logging as fast as SQLite
// takes it). The two writers meet at SQLite's write lock; ns/op is the
// tenant write's latency.
func BenchmarkTenantWriteBesideLog(b *testing.B) {
	for _, busy := range []bool{false, true} {
		name := "alone"
		if busy {
			name = "beside-log"
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(b.Context(), b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx, stop := context.WithCancel(b.Context())
			var wg sync.WaitGroup
			if busy {
				rows := make([]store.Decision, 256)
				for i := range rows {
					rows[i] = store.Decision{Time: time.Now(), RequestID: fmt.Sprint("r", i), TenantID: "t", Method: "GET", Path: "/me",
						Held: []string{"User.Read", "Mail.Read"}, Candidates: []string{"User.Read"}, Detail: []byte(`{"explanation":"Allowed."}`)}
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						s.AppendDecisions(ctx, rows)
					}
				}()
			}
			i := 0
			for b.Loop() {
				name := fmt.Sprint("setting-", i)
				if _, err := s.SettingOrCreate(b.Context(), name, []byte(name)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			stop()
			wg.Wait()
		})
	}
}
