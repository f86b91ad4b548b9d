package decisionlog_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"graphgate/internal/decisionlog"
	"graphgate/internal/store"
)

func signIn(i int, clock *fakeClock) store.SignIn {
	x := store.SignIn{ID: fmt.Sprintf("id-%d", i), Time: clock.Now().In(time.FixedZone("CET", 3600)), TenantID: "tenant",
		RequestID: fmt.Sprintf("req-%d", i), UserID: "user", UserUPN: "adele@contoso.example", AppID: "app", AppName: "Contoso Web App",
		GrantType: "password", ClientApp: "Mobile Apps and Desktop clients", IPAddress: "192.0.2.1"}
	if i%2 == 1 {
		x.ErrorCode, x.FailureReason = 50126, "Error validating credentials due to invalid username or password."
	}
	return x
}

// The sign-in writer is the decision log's pipe over the sign-in log:
// the same bounds (a full queue drops and counts), batches and
// retention, its own table.
func TestSignInWriter(t *testing.T) {
	clock := newClock()
	st := openStore(t)
	w := decisionlog.NewSignIns(st, decisionlog.Config{QueueSize: 4, BatchSize: 3, FlushInterval: flushEvery, PruneInterval: pruneEvery,
		MaxRows: 5, MaxAge: -1}, decisionlog.Options{Clock: clock})
	for i := range 6 {
		w.RecordSignIn(signIn(i, clock))
	}
	if got := w.Stats(); got.Dropped != 2 || got.Written != 0 {
		t.Fatalf("after 6 sign-ins on a queue of 4: %+v, want 2 dropped, none written", got)
	}
	w.Start(t.Context())
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	got, err := st.ListSignIns(t.Context(), store.SignInQuery{TenantID: "tenant", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].ID != "id-3" || got[3].ID != "id-0" {
		t.Fatalf("stored %d sign-ins (%+v), want id-3 … id-0", len(got), got)
	}
	if got[0].ErrorCode != 50126 || got[1].ErrorCode != 0 || got[0].Time.Location() != time.UTC {
		t.Errorf("rows: %+v", got[:2])
	}
	// A typed name with a NUL does not lose the batch.
	bad := signIn(10, clock)
	bad.UserUPN = "adele\x00"
	for i := 6; i < 9; i++ {
		w.RecordSignIn(signIn(i, clock))
	}
	w.RecordSignIn(bad)
	if err := w.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.Written != 8 || s.Failed != 0 {
		t.Fatalf("stats %+v, want 8 written, none failed", s)
	}
	// Retention keeps the newest MaxRows.
	if n := w.Prune(t.Context()); n != 3 {
		t.Errorf("Prune deleted %d rows, want 3", n)
	}
	got, err = st.ListSignIns(t.Context(), store.SignInQuery{TenantID: "tenant"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0].ID != "id-10" || got[0].UserUPN != "adele\ufffd" {
		t.Errorf("after retention: %d rows, newest %+v", len(got), got[0])
	}
	if err := w.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.RecordSignIn(signIn(20, clock))
	if s := w.Stats(); s.Dropped != 3 {
		t.Errorf("a sign-in after Close: %+v, want it dropped and counted", s)
	}
}

// daemonSignIn is a client-credentials sign-in of the Contoso Daemon,
// i seconds after t0.
func daemonSignIn(i int) store.SignIn {
	return store.SignIn{ID: fmt.Sprintf("id-%d", i), Time: time.Date(2026, 12, 5, 9, 0, i, 0, time.UTC), TenantID: "tenant",
		RequestID: fmt.Sprintf("req-%d", i), AppID: "daemon", AppName: "Contoso Daemon", ResourceID: "00000003-0000-0000-c000-000000000000",
		ResourceName: "Microsoft Graph", ClientApp: "Mobile Apps and Desktop clients", GrantType: "client_credentials",
		IPAddress: "192.0.2.7", ServicePrincipal: true}
}

// rowIDs are the sign-in ids of each row, the first and then its repeats.
func rowIDs(rows []store.SignIn) []string {
	var out []string
	for _, r := range rows {
		ids := r.ID
		for _, rep := range r.Repeats {
			ids += " " + rep.ID
			if rep.RequestID != "req-"+rep.ID[len("id-"):] {
				ids += "(wrong request id " + rep.RequestID + ")"
			}
		}
		out = append(out, ids)
	}
	return out
}

// GroupSignIns groups service principal sign-ins as Entra ID does (same
// service principal, status, IP address and resource), keeping each
// one's time, id and request id; users' sign-ins keep a row each.
func TestGroupSignIns(t *testing.T) {
	user := func(i int) store.SignIn {
		x := daemonSignIn(i)
		x.ServicePrincipal, x.GrantType, x.UserID, x.UserUPN = false, "password", "user", "adele@contoso.example"
		return x
	}
	with := func(x store.SignIn, f func(*store.SignIn)) store.SignIn { f(&x); return x }
	failed := func(x *store.SignIn) { x.ErrorCode, x.FailureReason = 7000215, "Invalid client secret provided." }
	for _, tc := range []struct {
		name  string
		batch []store.SignIn
		want  []string
	}{
		{"one", []store.SignIn{daemonSignIn(0)}, []string{"id-0"}},
		{"a daemon's sign-ins", []store.SignIn{daemonSignIn(0), daemonSignIn(1), daemonSignIn(2)}, []string{"id-0 id-1 id-2"}},
		{"a user's sign-ins keep a row each", []store.SignIn{user(0), user(1)}, []string{"id-0", "id-1"}},
		{"interleaved with another address", []store.SignIn{daemonSignIn(0), with(daemonSignIn(1), func(x *store.SignIn) { x.IPAddress = "192.0.2.8" }),
			daemonSignIn(2), user(3), with(daemonSignIn(4), func(x *store.SignIn) { x.IPAddress = "192.0.2.8" })},
			[]string{"id-0 id-2", "id-1 id-4", "id-3"}},
		{"failures grouped by status", []store.SignIn{with(daemonSignIn(0), failed), daemonSignIn(1), with(daemonSignIn(2), failed)},
			[]string{"id-0 id-2", "id-1"}},
		{"another resource", []store.SignIn{daemonSignIn(0), with(daemonSignIn(1), func(x *store.SignIn) { x.ResourceID, x.ResourceName = "api", "Contoso API" })},
			[]string{"id-0", "id-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := decisionlog.GroupSignIns(tc.batch, nil)
			if ids := rowIDs(got); !slices.Equal(ids, tc.want) {
				t.Fatalf("rows %q, want %q", ids, tc.want)
			}
			for _, r := range got {
				for i, rep := range r.Repeats {
					if !rep.Time.After(r.Time) || (i > 0 && !rep.Time.After(r.Repeats[i-1].Time)) {
						t.Errorf("row %s: repeat %s at %v, not after the sign-ins before it", r.ID, rep.ID, rep.Time)
					}
				}
			}
		})
	}
}

// Two service principal sign-ins share a row exactly when they agree on
// every field of store.SignIn but the time and ids: each other field,
// found by reflection (so a field added later is covered), changed alone
// keeps them apart.
func TestGroupSignInsComparesEveryField(t *testing.T) {
	own := map[string]bool{"Seq": true, "Time": true, "ID": true, "RequestID": true, "Repeats": true}
	typ := reflect.TypeFor[store.SignIn]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			a, b := daemonSignIn(0), daemonSignIn(1)
			v := reflect.ValueOf(&b).Elem().Field(i)
			switch v.Kind() {
			case reflect.String:
				v.SetString(v.String() + "x")
			case reflect.Int:
				v.SetInt(v.Int() + 1)
			case reflect.Int64:
				v.SetInt(v.Int() + 1)
			case reflect.Bool:
				if f.Name == "ServicePrincipal" {
					a.ServicePrincipal = false // two users' sign-ins: never grouped
				} else {
					v.SetBool(!v.Bool())
				}
			case reflect.Struct, reflect.Slice:
				if !own[f.Name] {
					t.Fatalf("field %s (%s): the test does not know how to change it", f.Name, f.Type)
				}
			default:
				t.Fatalf("field %s (%s): the test does not know how to change it", f.Name, f.Type)
			}
			rows := decisionlog.GroupSignIns([]store.SignIn{a, b}, nil)
			if want := 2 - btoi(own[f.Name]); len(rows) != want {
				t.Fatalf("sign-ins differing in %s: %d rows, want %d", f.Name, len(rows), want)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The writer stores a daemon's sign-ins of one batch as one row and
// counts sign-ins, not rows; each is found by its id and its request id.
func TestSignInWriterGroups(t *testing.T) {
	st := openStore(t)
	w := decisionlog.NewSignIns(st, decisionlog.Config{BatchSize: 4, MaxAge: -1, MaxRows: -1}, decisionlog.Options{Clock: newClock()})
	w.Start(t.Context())
	for i := range 6 {
		w.RecordSignIn(daemonSignIn(i))
	}
	if err := w.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.Written != 6 {
		t.Errorf("stats %+v, want 6 written", s)
	}
	got, err := st.ListSignIns(t.Context(), store.SignInQuery{TenantID: "tenant", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if ids := rowIDs(got); !slices.Equal(ids, []string{"id-4 id-5", "id-0 id-1 id-2 id-3"}) {
		t.Fatalf("rows %q, want the two batches' rows, newest first", ids)
	}
	for _, id := range []string{"id-2", "req-2"} {
		one, err := st.ListSignIns(t.Context(), store.SignInQuery{TenantID: "tenant", ID: id, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 1 || one[0].ID != "id-2" || one[0].RequestID != "req-2" || !one[0].Time.Equal(daemonSignIn(2).Time) || one[0].Count() != 4 {
			t.Errorf("the sign-in %s: %+v, want id-2 as it saw the grouped row of 4", id, one)
		}
	}
}
