package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"graphgate/internal/pgtest"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// Tests of what is particular to this backend: several Stores (replicas)
// on one database, the unreachable-database policy, session settings,
// savepoints in batches, the directory columns and the item indexes.

// fakeTB records what pgtest.Unreachable does with a test.
type fakeTB struct{ fatal, skip string }

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }
func (f *fakeTB) Skipf(format string, args ...any)  { f.skip = fmt.Sprintf(format, args...) }

// TestUnreachableDatabase: without a server the tests fail under CI and
// are skipped elsewhere, saying how to point them at one; Open itself
// fails promptly.
func TestUnreachableDatabase(t *testing.T) {
	// Not parallel: t.Setenv.
	const dsn = "postgres://graphgate:secret@127.0.0.1:1/test?sslmode=disable&connect_timeout=2"
	start := time.Now()
	_, err := Open(t.Context(), dsn)
	if err == nil {
		t.Fatal("Open of an unreachable database succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open of an unreachable database took %v", d)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("Open's error shows the password: %v", err)
	}

	t.Setenv("CI", "true")
	var ci fakeTB
	pgtest.Unreachable(&ci, dsn, err)
	if ci.fatal == "" || ci.skip != "" {
		t.Errorf("under CI: Fatalf %q, Skipf %q; want a failure", ci.fatal, ci.skip)
	}
	if !strings.Contains(ci.fatal, "required under CI") || strings.Contains(ci.fatal, "secret") {
		t.Errorf("under CI: %q", ci.fatal)
	}

	t.Setenv("CI", "")
	var dev fakeTB
	pgtest.Unreachable(&dev, dsn, err)
	if dev.skip == "" || dev.fatal != "" {
		t.Errorf("outside CI: Fatalf %q, Skipf %q; want a skip", dev.fatal, dev.skip)
	}
	if !strings.Contains(dev.skip, "GRAPHGATE_TEST_POSTGRES") || strings.Contains(dev.skip, "secret") {
		t.Errorf("outside CI: %q", dev.skip)
	}
}

func TestInvalidDSN(t *testing.T) {
	t.Parallel()
	_, err := Open(t.Context(), "postgres://u:secret@[::1/x")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("Open of an invalid DSN: %v", err)
	}
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// race runs f(0), …, f(n-1) released together and returns their errors.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// TestTwoPoolsOneDatabase: two Stores on one schema (two pools, as two
// replicas have) behave as one database: what one writes the other reads,
// keys conflict across them, and single-use objects have one winner.
func TestTwoPoolsOneDatabase(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	ctx := t.Context()
	stores := []*Store{openTest(t, dsn), openTest(t, dsn)}

	if err := stores[0].CreateTenant(ctx, store.Tenant{ID: "t1", Kind: store.TenantWork, Domains: []string{"contoso.com"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[1].TenantByDomain(ctx, "Contoso.COM"); err != nil {
		t.Fatal(err)
	}
	if err := stores[1].CreateTenant(ctx, store.Tenant{ID: "t1", Kind: store.TenantWork}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("creating the tenant through the other store: %v, want ErrConflict", err)
	}

	const n = 20
	// errTaken is what the racing closures return for a code or token
	// consumed before (the identity platform's rule, done here by hand).
	errTaken := errors.New("taken")
	t.Run("RedeemAuthCode", func(t *testing.T) {
		for round := range 5 {
			h := hashOf(fmt.Sprint("code ", round))
			if err := stores[0].CreateAuthCode(ctx, store.AuthCode{Hash: h, TenantID: "t1"}); err != nil {
				t.Fatal(err)
			}
			got := make([]store.AuthCode, n)
			errs := race(n, func(i int) error {
				return stores[i%2].UpdateAuthCode(ctx, h, func(c store.AuthCode) (store.AuthCode, error) {
					got[i] = c
					if !c.RedeemedAt.IsZero() {
						return c, errTaken
					}
					c.RedeemedAt, c.FamilyID = time.Now(), fmt.Sprint("family ", i)
					got[i] = c
					return c, nil
				})
			})
			winner := -1
			for i, err := range errs {
				switch {
				case err == nil:
					if winner >= 0 {
						t.Fatalf("round %d: redeemers %d and %d both won", round, winner, i)
					}
					winner = i
				case !errors.Is(err, errTaken):
					t.Fatal(err)
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: no redeemer won", round)
			}
			for i := range n {
				if got[i].FamilyID != fmt.Sprint("family ", winner) {
					t.Errorf("round %d: redeemer %d saw family %q, want the winner's", round, i, got[i].FamilyID)
				}
			}
		}
	})

	t.Run("UpdateRefreshToken", func(t *testing.T) {
		old := store.RefreshToken{Hash: hashOf("rt"), FamilyID: "f", TenantID: "t1"}
		if err := stores[0].CreateRefreshToken(ctx, old); err != nil {
			t.Fatal(err)
		}
		errs := race(n, func(i int) error {
			return stores[i%2].UpdateRefreshToken(ctx, old.Hash, func(t store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error) {
				if !t.UsedAt.IsZero() || !t.RevokedAt.IsZero() {
					return t, nil, errTaken
				}
				t.UsedAt = time.Now()
				return t, &store.RefreshToken{Hash: hashOf(fmt.Sprint("rt ", i)), FamilyID: "f", TenantID: "t1"}, nil
			})
		})
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, errTaken):
				t.Fatal(err)
			}
		}
		if wins != 1 {
			t.Errorf("%d rotations won across two stores, want 1", wins)
		}
	})

	t.Run("DeviceCode", func(t *testing.T) {
		// Polls racing to redeem an approved code: one gets it.
		d := store.DeviceCode{Hash: hashOf("dc"), UserCode: "BCDFGHJK", Status: store.DeviceApproved}
		if err := stores[0].CreateDeviceCode(ctx, d); err != nil {
			t.Fatal(err)
		}
		errs := race(n, func(i int) error {
			return stores[i%2].UpdateDeviceCode(ctx, d.Hash, func(cur store.DeviceCode) (store.DeviceCode, error) {
				if cur.Status != store.DeviceApproved {
					return cur, errTaken
				}
				cur.Status = store.DeviceRedeemed
				return cur, nil
			})
		})
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, errTaken):
				t.Fatal(err)
			}
		}
		if wins != 1 {
			t.Errorf("%d polls redeemed the device code, want 1", wins)
		}
	})

	t.Run("UpdateUser", func(t *testing.T) {
		if err := stores[0].CreateUser(ctx, store.User{ID: "u1", TenantID: "t1", UserPrincipalName: "a@contoso.com", Version: 1}); err != nil {
			t.Fatal(err)
		}
		for _, err := range race(n, func(i int) error {
			return stores[i%2].UpdateUser(ctx, "t1", "u1", func(u store.User) (store.User, error) {
				u.BusinessPhones = append(u.BusinessPhones, fmt.Sprint(i))
				return u, nil
			})
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		u, err := stores[1].GetUser(ctx, "t1", "u1")
		if err != nil {
			t.Fatal(err)
		}
		if len(u.BusinessPhones) != n || u.Version != 1+n {
			t.Errorf("after %d updates through two stores: %d phones, version %d", n, len(u.BusinessPhones), u.Version)
		}
	})

	t.Run("UpsertDelegatedGrant", func(t *testing.T) {
		// The grant does not exist yet: the racers that lose the insert
		// retry and merge into the winner's grant.
		k := store.DelegatedGrant{TenantID: "t1", ClientID: "c1", ConsentType: store.ConsentPrincipal, PrincipalID: "u1"}
		for _, err := range race(n, func(i int) error {
			return stores[i%2].UpsertDelegatedGrant(ctx, k, func(g store.DelegatedGrant) (store.DelegatedGrant, error) {
				g.Scopes = append(g.Scopes, fmt.Sprint("Scope", i))
				return g, nil
			})
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		gs, err := stores[0].ListDelegatedGrants(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) != 1 || len(gs[0].Scopes) != n {
			t.Errorf("after %d concurrent upserts: %+v", n, gs)
		}
	})

	t.Run("UpsertLockout", func(t *testing.T) {
		// Failed sign-ins on two replicas, the state not created yet: every
		// one is counted.
		for _, err := range race(n, func(i int) error {
			_, err := stores[i%2].UpsertLockout(ctx, "t1", "u-locked", func(l store.Lockout) (store.Lockout, error) {
				l.Failures++
				return l, nil
			})
			return err
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		l, err := stores[1].GetLockout(ctx, "t1", "u-locked")
		if err != nil {
			t.Fatal(err)
		}
		if l.Failures != n {
			t.Errorf("after %d failures through two stores: %d counted", n, l.Failures)
		}
	})

	t.Run("SettingOrCreate", func(t *testing.T) {
		got := make([][]byte, n)
		for _, err := range race(n, func(i int) (err error) {
			got[i], err = stores[i%2].SettingOrCreate(ctx, "key", []byte(fmt.Sprint(i)))
			return err
		}) {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := range got {
			if string(got[i]) != string(got[0]) {
				t.Fatalf("two stores saw settings %q and %q", got[0], got[i])
			}
		}
	})
}

// TestSessionTimeZone: times come back in UTC whatever the session's
// TimeZone, and are stored as instants.
func TestSessionTimeZone(t *testing.T) {
	t.Parallel()
	dsn := pgtest.FreshSchema(t)
	ctx := t.Context()
	kolkata := openTest(t, pgtest.WithParam(dsn, "timezone", "Asia/Kolkata"))
	utc := openTest(t, pgtest.WithParam(dsn, "timezone", "UTC"))
	when := time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.FixedZone("X", -7*3600))
	if err := kolkata.CreateUser(ctx, store.User{ID: "u", TenantID: "t", UserPrincipalName: "u@x", CreatedAt: when, Version: 1}); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Store{"Asia/Kolkata": kolkata, "UTC": utc} {
		u, err := s.GetUser(ctx, "t", "u")
		if err != nil {
			t.Fatal(err)
		}
		if !u.CreatedAt.Equal(when) || u.CreatedAt.Location() != time.UTC {
			t.Errorf("session time zone %s: CreatedAt %v, want %v in UTC", name, u.CreatedAt, when.UTC())
		}
	}
}

// TestBatchSavepoints: inside a batch a failing method changes nothing and
// leaves the transaction usable, so the batch can go on and commit; a
// nested batch that fails is undone alone.
func TestBatchSavepoints(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	item := func(id string) store.Item {
		return store.Item{TenantID: "t", Kind: "message", ID: id, Doc: json.RawMessage(`{"subject":"` + id + `"}`)}
	}
	if err := s.CreateItems(ctx, item("x")); err != nil {
		t.Fatal(err)
	}
	errInner := errors.New("inner")
	err := s.Batch(ctx, func(tx store.Items) error {
		if err := tx.CreateItems(ctx, item("a"), item("x")); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("CreateItems of a duplicate in a batch: %v", err)
		}
		if err := tx.Batch(ctx, func(tx store.Items) error {
			if err := tx.CreateItems(ctx, item("b")); err != nil {
				return err
			}
			return errInner
		}); !errors.Is(err, errInner) {
			return fmt.Errorf("nested batch: %v", err)
		}
		// A statement that fails in PostgreSQL (a subject is no number):
		// the batch goes on.
		notNumber := store.Compare{Field: store.Doc("subject", store.TypeInt), Op: store.Eq, Value: store.Int(1)}
		if _, _, err := tx.QueryItems(ctx, store.ItemQuery{TenantID: "t", Kind: "message", Filter: notNumber}); err == nil {
			return errors.New("a query failing in the database succeeded")
		}
		return tx.CreateItems(ctx, item("c"))
	})
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := s.QueryItems(ctx, store.ItemQuery{TenantID: "t", Kind: "message"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if !slices.Equal(ids, []string{"c", "x"}) {
		t.Errorf("items after the batch: %v, want [c x]", ids)
	}
}

// TestDirectoryColumns: the users and groups tables have the columns of
// store.DirectoryColumns, with the types the Graph server's SQL expects:
// booleans are boolean, lists are jsonb arrays.
func TestDirectoryColumns(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	for table, cols := range map[string][]string{"users": store.DirectoryColumns.Users, "groups": store.DirectoryColumns.Groups} {
		for _, col := range cols {
			var typ string
			err := s.pool.QueryRow(ctx, `SELECT data_type FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, table, col).Scan(&typ)
			if err != nil {
				t.Errorf("%s.%s: %v", table, col, err)
				continue
			}
			want := "text"
			switch col {
			case "account_enabled", "mail_enabled", "security_enabled":
				want = "boolean"
			case "business_phones", "roles", "group_types":
				want = "jsonb"
			}
			if typ != want {
				t.Errorf("%s.%s is %s, want %s", table, col, typ, want)
			}
		}
	}
}

// TestDirectoryQueries exercises the pushed-down directory queries with
// the query IR as the Graph server writes it: placeholders numbered after
// the backend's own, orderings as odata.Order returns them, jsonb lists,
// the IDs restriction and the count.
func TestDirectoryQueries(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	users := []store.User{
		{ID: "u1", TenantID: "t", UserPrincipalName: "adele@x", DisplayName: "Adele", AccountEnabled: true, ManagerID: "u3", BusinessPhones: []string{"1"}, Version: 1},
		{ID: "u2", TenantID: "t", UserPrincipalName: "alex@x", DisplayName: "alex", AccountEnabled: false, ManagerID: "u3", Version: 1},
		{ID: "u3", TenantID: "t", UserPrincipalName: "megan@x", DisplayName: "Megan", AccountEnabled: true, Roles: []string{"admin"}, Version: 1},
		{ID: "u4", TenantID: "other", UserPrincipalName: "adele@y", DisplayName: "Adele", AccountEnabled: true, ManagerID: "u3", Version: 1},
	}
	for _, u := range users {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	groups := []store.Group{
		{ID: "g1", TenantID: "t", DisplayName: "Retail", GroupTypes: []string{"Unified"}, MailEnabled: true, Version: 1},
		{ID: "g2", TenantID: "t", DisplayName: "Admins", SecurityEnabled: true, Version: 1},
	}
	for _, g := range groups {
		if err := s.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	name := func(col string) store.Field { return store.Column(col, store.TypeString) }
	userIDs := func(us []store.User) string {
		var ids []string
		for _, u := range us {
			ids = append(ids, u.ID)
		}
		return strings.Join(ids, " ")
	}
	for _, tc := range []struct {
		name  string
		q     store.DirectoryQuery
		want  string
		count int
	}{
		{"all of a tenant", store.DirectoryQuery{TenantID: "t", Count: true}, "u1 u2 u3", 3},
		{"boolean", store.DirectoryQuery{TenantID: "t", Filter: store.Compare{Field: store.Column("account_enabled", store.TypeBool), Op: store.Eq, Value: store.Bool(true)},
			Count: true}, "u1 u3", 2},
		{"direct reports", store.DirectoryQuery{TenantID: "t", Filter: store.Compare{Field: name("manager_id"), Op: store.Eq, Value: store.String("u3")}}, "u1 u2", -1},
		{"order descending, nulls low", store.DirectoryQuery{TenantID: "t", Order: []store.Order{{Field: name("display_name"), Fold: true, Desc: true, Nulls: store.NullsLow}}},
			"u3 u2 u1", -1},
		{"order ascending", store.DirectoryQuery{TenantID: "t", Order: []store.Order{{Field: name("display_name"), Fold: true}}}, "u1 u2 u3", -1},
		{"ids", store.DirectoryQuery{TenantID: "t", IDs: []string{"u3", "u1", "u4"}, Count: true}, "u1 u3", 2},
		{"ids and where", store.DirectoryQuery{TenantID: "t", IDs: []string{"u1", "u2"}, Filter: store.Match{Field: name("display_name"), Kind: store.Prefix, Text: "a"},
			Count: true}, "u1 u2", 2},
		{"no ids", store.DirectoryQuery{TenantID: "t", IDs: []string{}, Count: true}, "", 0},
		{"page", store.DirectoryQuery{TenantID: "t", Limit: 1, Offset: 1, Count: true}, "u2", 3},
		{"page past the end", store.DirectoryQuery{TenantID: "t", Limit: 1, Offset: 5, Count: true}, "", 3},
	} {
		got, n, err := s.QueryUsers(ctx, tc.q)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if userIDs(got) != tc.want || n != tc.count {
			t.Errorf("%s: %q (count %d), want %q (count %d)", tc.name, userIDs(got), n, tc.want, tc.count)
		}
	}
	gs, n, err := s.QueryGroups(ctx, store.DirectoryQuery{TenantID: "t", Filter: store.And{
		store.Any{Array: store.Doc(store.GroupDocument, store.TypeString), Var: "v",
			Cond: store.Compare{Field: store.Field{Var: "v", Type: store.TypeString}, Op: store.Eq, Value: store.String("unified"), Fold: true}},
		store.Compare{Field: store.Column("mail_enabled", store.TypeBool), Op: store.Eq, Value: store.Bool(true)},
	}, Count: true})
	if err != nil || len(gs) != 1 || gs[0].ID != "g1" || n != 1 || gs[0].GroupTypes[0] != "Unified" {
		t.Errorf("groups with groupTypes/any(… eq 'unified'): %+v, %d, %v", gs, n, err)
	}
	if _, _, err := s.QueryUsers(ctx, store.DirectoryQuery{TenantID: "t", Filter: store.Compare{Field: name("no_such_column"), Op: store.Eq, Value: store.String("u1")}}); err == nil {
		t.Error("a query of an unknown column succeeded")
	}
}

// TestItemIndexes: the expression indexes of the item migration serve the
// SQL the Graph server writes for the sorts and ranges they were made for:
// its date-time expression is (doc #>> '{path}') COLLATE "C" (graph's
// jsonExpr, odata's JSON mapping), and an index serves only that exact
// expression. (The $filter on receivedDateTime is checked on analyzed data
// by TestMessageQueriesUseIndexes: on this empty table the planner ties it
// with migration 0010's indexes.) Checked with EXPLAIN, sequential scans disabled so the
// planner's choice does not depend on the table's size.
func TestItemIndexes(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(context.Background(), `RESET enable_seqscan`)
	const received = `(doc #>> '{receivedDateTime}') COLLATE "C"`
	for _, tc := range []struct{ name, sql, index string }{
		{"mail's default order", `SELECT id FROM items WHERE tenant_id = 't' AND kind = 'message' AND owner_id = 'o'
			ORDER BY ` + received + ` DESC, id LIMIT 10`, "items_message_received"},
		{"calendarView's window", `SELECT id FROM items WHERE tenant_id = 't' AND kind = 'event' AND owner_id = 'o'
			AND (doc #>> '{start,utc}') COLLATE "C" < '2025-01-02' AND (doc #>> '{end,utc}') COLLATE "C" > '2025-01-01'`, "items_event_"},
		{"events by end", `SELECT id FROM items WHERE tenant_id = 't' AND kind = 'event' AND owner_id = 'o'
			AND (doc #>> '{end,utc}') COLLATE "C" > '2025-01-01'`, "items_event_end"},
		// A drive's folders (the delta's frontier; ParentIDs' users are the
		// drive's kinds). It named kind 'todoTask' before migration 0016, whose
		// partial index over the tasks ties with this one on an empty table.
		{"a folder and its subfolders", `SELECT id FROM items WHERE tenant_id = 't' AND kind = 'driveItem' AND owner_id = 'o'
			AND parent_id = ANY('{a,b}')`, "items_by_owner_parent"},
		{"a To Do list in creation order, open tasks", `SELECT id FROM items WHERE tenant_id = 't' AND kind = 'todoTask' AND owner_id = 'o'
			AND parent_id = 'l' AND (doc #>> '{status}') <> 'completed' ORDER BY created_at, id LIMIT 51`, "items_tasks_by_creation"},
	} {
		if p := planOf(t, conn, tc.sql); !strings.Contains(p, tc.index) {
			t.Errorf("%s does not use %s*:\n%s", tc.name, tc.index, p)
		}
	}
}

// TestOverlapIndexes: an overlap query reads every duration class from
// its kind's span index — an index range seeking to the class's first
// possible start, or to the continued (start, id) — and merges the ordered
// classes without sorting them; in custom and generic plans alike (the
// kind is a literal in the statement). The series masters' lookup the
// Graph server writes uses its index. Sequential scans are disabled so
// that the planner's choice does not depend on the table's size.
func TestOverlapIndexes(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(context.Background(), `RESET enable_seqscan`)
	from := time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC)
	to := from.Add(3 * time.Hour)
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		if _, err := conn.Exec(ctx, `SET plan_cache_mode = `+mode); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			q     store.ItemQuery
			index string
		}{
			{"events, first page", store.ItemQuery{TenantID: "t", Kind: "event", OwnerID: "o", ParentID: "cal", Limit: 11,
				Overlap: &store.Overlap{From: from, To: to}}, "items_event_span"},
			{"events, continued", store.ItemQuery{TenantID: "t", Kind: "event", OwnerID: "o", ParentID: "cal", Limit: 11,
				Filter: store.And{store.Not{Cond: store.IsNull{Field: store.Doc("type", store.TypeString)}},
					store.Compare{Field: store.Doc("type", store.TypeString), Op: store.Ne, Value: store.Literal("seriesMaster")}}, Overlap: &store.Overlap{From: from, To: to, AfterStart: from.Add(time.Hour), AfterID: "e3"}}, "items_event_span"},
			{"exceptions of a series", store.ItemQuery{TenantID: "t", Kind: "eventException", OwnerID: "o", ParentID: "cal", Limit: 11,
				Filter: store.Compare{Field: store.Doc("seriesMasterId", store.TypeString), Op: store.Eq, Value: store.String("m1")}, Overlap: &store.Overlap{From: from, To: to}}, "items_exception_span"},
		} {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				sql, args, err := s.OverlapStatement(tc.q)
				sql = flavor.Rebind(sql)
				if err != nil {
					t.Fatal(err)
				}
				plan := planOf(t, conn, sql, args...)
				if mode == "force_generic_plan" {
					// A generic plan is a prepared statement's, planned
					// without the parameters' values.
					if _, err := conn.Exec(ctx, `PREPARE overlap AS `+sql); err != nil {
						t.Fatal(err)
					}
					defer conn.Exec(context.Background(), `DEALLOCATE overlap`)
					vals := make([]string, len(args))
					for i, a := range args {
						switch a := a.(type) {
						case string:
							vals[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
						default:
							vals[i] = fmt.Sprint(a)
						}
					}
					plan = planOf(t, conn, `EXECUTE overlap(`+strings.Join(vals, ", ")+`)`)
					if !strings.Contains(plan, "$") {
						t.Fatalf("not a generic plan:\n%s", plan)
					}
				}
				if n := strings.Count(plan, "Index Scan using "+tc.index) + strings.Count(plan, "Index Only Scan using "+tc.index); n != store.SpanClasses {
					t.Errorf("%d of %d classes read from %s:\n%s", n, store.SpanClasses, tc.index, plan)
				}
				// Every class seeks: on its start (or continued start and
				// id), except the unbounded last class of a first page.
				seeks := strings.Count(plan, `(doc #>> '{start,utc}'::text[]))::text >= `) + strings.Count(plan, `ROW(((doc #>> '{start,utc}'::text[]))::text, id) > `)
				if seeks < store.SpanClasses-1 {
					t.Errorf("only %d classes seek to their first start:\n%s", seeks, plan)
				}
				if strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "Sort") && !strings.Contains(plan, "Merge Append") {
					t.Errorf("plan scans or sorts:\n%s", plan)
				}
			})
		}
		t.Run(mode+"/series masters", func(t *testing.T) {
			if _, err := conn.Exec(ctx, `PREPARE masters AS SELECT id FROM items WHERE tenant_id = $1 AND kind = $2 AND owner_id = $3 AND parent_id = $4
				AND ((doc #>> '{type}') = 'seriesMaster' AND (doc #>> '{start,utc}') COLLATE "C" < $5
				AND coalesce((doc #>> '{_seriesEnd}'), '9999-12-31') COLLATE "C" > $6)`); err != nil {
				t.Fatal(err)
			}
			defer conn.Exec(context.Background(), `DEALLOCATE masters`)
			plan := planOf(t, conn, `EXECUTE masters('t', 'event', 'o', 'cal', '2025-02-01T00:00:00.0000000Z', '2025-01-01T00:00:00.0000000Z')`)
			// Both halves of the span are index conditions (migration
			// 0020): no row's document is read to test the start or the end.
			docFilter := false
			for _, line := range strings.Split(plan, "\n") {
				docFilter = docFilter || strings.Contains(line, "Filter:") && strings.Contains(line, "doc #>>")
			}
			if !strings.Contains(plan, "items_series_span") || docFilter {
				t.Errorf("series masters' plan:\n%s", plan)
			}
		})
	}
	if _, err := conn.Exec(ctx, `RESET plan_cache_mode`); err != nil {
		t.Fatal(err)
	}
}

// TestLogWritesDoNotWaitForFlush: the logs' transactions commit with
// synchronous_commit off (diagnostic records, see doc.go), tenant writes
// with the server's setting (on).
func TestLogWritesDoNotWaitForFlush(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	db := s.Store.DB()
	for _, tc := range []struct {
		name string
		run  func(context.Context, func(*sqlstore.Tx) error) error
		want string
	}{
		{"Write", db.Write, "on"},
		{"LogWrite", db.LogWrite, "off"},
		{"Write after LogWrite", db.Write, "on"},
	} {
		var got string
		if err := tc.run(ctx, func(tx *sqlstore.Tx) error {
			return tx.QueryRow(ctx, "SHOW synchronous_commit").Scan(&got)
		}); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: synchronous_commit = %s, want %s", tc.name, got, tc.want)
		}
	}
}
