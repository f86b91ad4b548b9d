package sqlite

import (
	"fmt"
	"testing"
	"time"

	"graphgate/internal/store"
)

// TestLogsMovedFromOldFolder opens folders an older graphgate left — the
// logs in the tenant file, at the schema version that created the sign-in
// log (0012, decisions without the aggregation's columns) and at the last
// version before the move (0016) — and checks that the rows are in logs.db with
// their seq and fields, that the tenant file holds none (its tables empty,
// or dropped by a later tenant migration), that a new
// row continues each log's seq past the highest ever used (a pruned row's
// included), and that opening again moves nothing twice.
func TestLogsMovedFromOldFolder(t *testing.T) {
	for _, version := range []int{12, 16} {
		t.Run(fmt.Sprint("version ", version), func(t *testing.T) {
			dir := t.TempDir()
			ctx := t.Context()
			old := openWriter(t, dir)
			if err := migrate(ctx, old, migrations()[:version]); err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`INSERT INTO decisions (seq, at, request_id, client_request_id, tenant_id, app_id, app_name, user_id, user_upn,
					scheme, method, route, path, allowed, status, reason, check_name, held, granted, candidates, detail)
				 VALUES (5, 1700000000001, 'r5', 'c5', 't1', 'a1', 'App', 'u1', 'u1@contoso.com', 'delegated', 'GET', '/me', '/v1.0/me',
					1, 200, 'ok', 'scope', '["User.Read"]', 'User.Read', '["User.Read"]', '{"x":1}'),
				        (7, 1700000000002, 'r7', '', 't1', 'a1', 'App', 'u1', 'u1@contoso.com', 'delegated', 'GET', '/me/messages',
					'/v1.0/me/messages', 0, 403, 'denied', 'scope', '[]', '', '["Mail.Read"]', '{}'),
				        (9, 1700000000003, 'r9', '', 't1', '', '', '', '', '', 'GET', '', '/', 1, 200, '', '', '[]', '', '[]', '{}')`,
				`DELETE FROM decisions WHERE seq = 9`, // pruned: seq 9 must not come back
				`INSERT INTO signins (seq, id, at, tenant_id, request_id, user_id, user_upn, user_name, app_id, app_name,
					resource_id, resource_name, client_app, grant_type, ip_address, interactive, service_principal, error_code, failure_reason)
				 VALUES (3, 's3', 1700000000004, 't1', 'r3', 'u1', 'u1@contoso.com', 'U', 'a1', 'App', 'g', 'Graph', 'browser',
					'authorization_code', '127.0.0.1', 1, 0, 0, '')`,
			} {
				if _, err := old.w.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			old.w.Close()

			for round := range 2 { // the second open finds nothing to move
				s := open(t, dir)
				ds, err := s.ListDecisions(ctx, store.DecisionQuery{})
				if err != nil {
					t.Fatal(err)
				}
				if len(ds) != 2+round || ds[0].Seq != 5 || ds[1].Seq != 7 {
					t.Fatalf("round %d: decisions %+v, want seq 5, 7 (and the one appended)", round, ds)
				}
				d := ds[0]
				if d.RequestID != "r5" || d.ClientRequestID != "c5" || d.UserUPN != "u1@contoso.com" || !d.Allowed ||
					fmt.Sprint(d.Held) != "[User.Read]" || string(d.Detail) != `{"x":1}` || d.Count() != 1 ||
					!d.Time.Equal(time.UnixMilli(1700000000001)) || ds[1].Status != 403 {
					t.Errorf("round %d: decision moved as %+v", round, d)
				}
				ss, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: "t1"})
				if err != nil {
					t.Fatal(err)
				}
				if len(ss) != 1+round || ss[len(ss)-1].Seq != 3 || ss[len(ss)-1].ID != "s3" || ss[len(ss)-1].GrantType != "authorization_code" {
					t.Fatalf("round %d: sign-ins %+v", round, ss)
				}
				for _, table := range logTables {
					var n int
					if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil {
						t.Fatal(err)
					}
					if n == 0 {
						continue // dropped
					}
					if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
						t.Fatal(err)
					}
					if n != 0 {
						t.Errorf("round %d: the tenant file's %s still has %d rows", round, table, n)
					}
				}
				if round == 0 {
					if err := s.AppendDecisions(ctx, []store.Decision{{Time: time.Now(), RequestID: "new", TenantID: "t1"}}); err != nil {
						t.Fatal(err)
					}
					if err := s.AppendSignIns(ctx, []store.SignIn{{ID: "s-new", Time: time.Now(), TenantID: "t1"}}); err != nil {
						t.Fatal(err)
					}
					ds, err := s.ListDecisions(ctx, store.DecisionQuery{})
					if err != nil {
						t.Fatal(err)
					}
					if got := ds[len(ds)-1].Seq; got != 10 {
						t.Errorf("a new decision's seq is %d, want 10 (past the pruned 9)", got)
					}
					ss, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: "t1"})
					if err != nil {
						t.Fatal(err)
					}
					if got := ss[0].Seq; got != 4 {
						t.Errorf("a new sign-in's seq is %d, want 4", got)
					}
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
