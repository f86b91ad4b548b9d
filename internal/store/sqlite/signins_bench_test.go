package sqlite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
)

// BenchmarkAppendSignIns is the sign-in writer's work per sign-in: one
// batch of 256 rows (the writer's default batch) appended in one
// transaction; ns/row is the cost of one row.
func BenchmarkAppendSignIns(b *testing.B) {
	s, err := sqlite.Open(b.Context(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const batch = 256
	now := time.Now()
	rows := make([]store.SignIn, batch)
	b.ReportAllocs()
	for b.Loop() {
		for i := range rows {
			rows[i] = store.SignIn{ID: uuid.NewString(), Time: now, TenantID: "tenant", RequestID: "req", UserID: fmt.Sprint("user-", i%10),
				UserUPN: "adele@contoso.example", AppID: "app", AppName: "Home Assistant", ResourceID: "00000003-0000-0000-c000-000000000000",
				ResourceName: "Microsoft Graph", ClientApp: "Mobile Apps and Desktop clients", GrantType: "client_credentials", IPAddress: "127.0.0.1"}
		}
		if err := s.AppendSignIns(b.Context(), rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/row")
}
