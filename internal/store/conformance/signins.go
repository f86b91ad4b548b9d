package conformance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"graphgate/internal/store"
)

// newSignIn is a logged sign-in with every field set, i minutes after t0:
// even i succeed, odd i fail with AADSTS50126; i%3 == 2 is another app.
func newSignIn(tenant string, i int) store.SignIn {
	x := store.SignIn{ID: newID(), Time: at(time.Duration(i) * time.Minute), TenantID: tenant, RequestID: newID(),
		UserID: "user-1", UserUPN: "Adele@contoso.example", UserName: "Adele Vance", AppID: "app-" + tenant, AppName: "Contoso Web App",
		ResourceID: "00000003-0000-0000-c000-000000000000", ResourceName: "Microsoft Graph", ClientApp: "Mobile Apps and Desktop clients",
		GrantType: "password", IPAddress: fmt.Sprintf("192.0.2.%d", i), Interactive: i%4 == 0}
	if i%2 == 1 {
		x.ErrorCode, x.FailureReason = 50126, "Error validating credentials due to invalid username or password."
		x.ResourceID, x.ResourceName = "", ""
	}
	if i%3 == 2 {
		x.AppID, x.AppName = "daemon-"+tenant, "Contoso Daemon"
	}
	return x
}

// appendSignIns appends n sign-ins in one batch and returns them newest
// first (the order ListSignIns answers in).
func appendSignIns(t *testing.T, s store.Store, tenant string, n int) []store.SignIn {
	t.Helper()
	var out []store.SignIn
	for i := range n {
		out = append(out, newSignIn(tenant, i))
	}
	must(t, s.AppendSignIns(t.Context(), out))
	slices.Reverse(out)
	return out
}

// checkSignIns compares rows read with those written: Seq decreasing,
// every other field as written.
func checkSignIns(t *testing.T, what string, got, want []store.SignIn) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range got {
		if i > 0 && got[i].Seq >= got[i-1].Seq {
			t.Errorf("%s: row %d has Seq %d after %d (want newest first)", what, i, got[i].Seq, got[i-1].Seq)
		}
		g, w := got[i], want[i]
		g.Seq, w.Seq = 0, 0
		check(t, fmt.Sprintf("%s: row %d", what, i), g, w)
	}
}

func pick(xs []store.SignIn, keep func(store.SignIn) bool) []store.SignIn {
	var out []store.SignIn
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

var signInTests = []test{
	{"AppendLargeBatchInOrder", func(t *testing.T, s store.Store) {
		// More rows than one statement of a backend writes (the backends
		// insert in chunks): every row, in order.
		tenant := newID()
		want := appendSignIns(t, s, tenant, 150)
		got, err := s.ListSignIns(t.Context(), store.SignInQuery{TenantID: tenant, Limit: 200})
		must(t, err)
		checkSignIns(t, "ListSignIns", got, want)
	}},
	{"AppendAndListRoundTrip", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		ok := newSignIn(tenant, 0)
		// An app-only sign-in: no user, no resource name.
		sp := newSignIn(tenant, 2)
		sp.UserID, sp.UserUPN, sp.UserName, sp.ServicePrincipal, sp.GrantType = "", "", "", true, "client_credentials"
		must(t, s.AppendSignIns(ctx, []store.SignIn{ok, sp}))
		must(t, s.AppendSignIns(ctx, nil))
		got, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant, Limit: 10})
		must(t, err)
		checkSignIns(t, "ListSignIns", got, []store.SignIn{sp, ok})
	}},
	{"Filters", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		all := appendSignIns(t, s, tenant, 8)
		must(t, s.AppendSignIns(ctx, []store.SignIn{newSignIn(newID(), 0)}))
		lockout := newSignIn(tenant, 9)
		lockout.ErrorCode, lockout.FailureReason, lockout.UserID, lockout.UserUPN = 50053, "The account is locked.", "user-2", "Megan@contoso.example"
		must(t, s.AppendSignIns(ctx, []store.SignIn{lockout}))
		all = append([]store.SignIn{lockout}, all...)
		user1 := pick(all, func(x store.SignIn) bool { return x.UserID == "user-1" })
		for _, tc := range []struct {
			name string
			q    store.SignInQuery
			want []store.SignIn
		}{
			{"tenant", store.SignInQuery{TenantID: tenant}, all},
			{"id", store.SignInQuery{TenantID: tenant, ID: all[3].ID}, all[3:4]},
			{"id of another tenant", store.SignInQuery{TenantID: newID(), ID: all[3].ID}, nil},
			{"correlation id", store.SignInQuery{TenantID: tenant, ID: all[3].RequestID}, all[3:4]},
			{"user id", store.SignInQuery{TenantID: tenant, User: "user-1"}, user1},
			{"user UPN, any case", store.SignInQuery{TenantID: tenant, User: "megan@CONTOSO.example"}, all[:1]},
			{"app id", store.SignInQuery{TenantID: tenant, App: "daemon-" + tenant}, pick(all, func(x store.SignIn) bool { return x.AppName == "Contoso Daemon" })},
			{"app name, any case", store.SignInQuery{TenantID: tenant, App: "contoso WEB app"}, pick(all, func(x store.SignIn) bool { return x.AppName == "Contoso Web App" })},
			{"succeeded", store.SignInQuery{TenantID: tenant, Status: store.Succeeded}, pick(all, store.SignIn.Succeeded)},
			{"failed", store.SignInQuery{TenantID: tenant, Status: store.Failed}, pick(all, func(x store.SignIn) bool { return !x.Succeeded() })},
			{"error code", store.SignInQuery{TenantID: tenant, ErrorCode: 50053}, all[:1]},
			{"since", store.SignInQuery{TenantID: tenant, Since: at(6 * time.Minute)}, all[:3]},
			{"until", store.SignInQuery{TenantID: tenant, Until: at(2 * time.Minute)}, all[7:]},
			{"since and until", store.SignInQuery{TenantID: tenant, Since: at(2 * time.Minute), Until: at(4 * time.Minute)}, all[5:7]},
			{"newest two", store.SignInQuery{TenantID: tenant, Limit: 2}, all[:2]},
			{"failed user, newest one", store.SignInQuery{TenantID: tenant, User: "user-1", Status: store.Failed, Limit: 1}, all[1:2]},
		} {
			got, err := s.ListSignIns(ctx, tc.q)
			must(t, err)
			checkSignIns(t, tc.name, got, tc.want)
		}
		// Paging: the next page starts below the last row's Seq.
		page1, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant, Limit: 4})
		must(t, err)
		page2, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant, Limit: 4, Before: page1[3].Seq})
		must(t, err)
		checkSignIns(t, "second page", page2, all[4:8])
		page3, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant, Limit: 4, Before: page2[3].Seq})
		must(t, err)
		checkSignIns(t, "last page", page3, all[8:])
	}},
	{"GroupedRows", func(t *testing.T, s store.Store) {
		// A row standing for several service principal sign-ins (the
		// writer's grouping) keeps them all, and each is found by its id
		// and its correlation id, as itself.
		ctx := t.Context()
		tenant := newID()
		x := newSignIn(tenant, 0)
		x.UserID, x.UserUPN, x.UserName, x.ServicePrincipal, x.GrantType = "", "", "", true, "client_credentials"
		x.Repeats = []store.Repeat{
			{Time: at(time.Second), ID: newID(), RequestID: newID()},
			{Time: at(2 * time.Second), ID: newID(), RequestID: `50%_off\"quoted"`},
			{Time: at(3 * time.Second), ID: newID(), RequestID: newID()},
		}
		single := newSignIn(tenant, 2)
		must(t, s.AppendSignIns(ctx, []store.SignIn{x, single}))
		got, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant, Limit: 10})
		must(t, err)
		checkSignIns(t, "ListSignIns", got, []store.SignIn{single, x})
		if got[1].Count() != 4 || !got[1].Last().Equal(at(3*time.Second)) || got[0].Count() != 1 {
			t.Errorf("counts %d and %d, last %v: want 4 (last at +3s) and 1", got[1].Count(), got[0].Count(), got[1].Last())
		}
		for i, r := range x.Repeats {
			want := x
			want.Time, want.ID, want.RequestID = r.Time, r.ID, r.RequestID
			for _, id := range []string{r.ID, r.RequestID} {
				got, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant, ID: id, Limit: 2})
				must(t, err)
				checkSignIns(t, fmt.Sprintf("repeat %d by %q", i, id), got, []store.SignIn{want})
			}
		}
		got, err = s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant, ID: x.ID, Limit: 2})
		must(t, err)
		checkSignIns(t, "the first sign-in", got, []store.SignIn{x})
		// LIKE's wildcards in an id are literal; part of an id is no id.
		for _, id := range []string{`50x_off\"quoted"`, `50%aoff\"quoted"`, `50%_off`, x.Repeats[0].ID[:8]} {
			got, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant, ID: id, Limit: 2})
			must(t, err)
			checkSignIns(t, "not an id: "+id, got, nil)
		}
	}},
	{"DuplicateIDRefused", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		a := newSignIn(tenant, 0)
		b := newSignIn(tenant, 1)
		b.ID = a.ID
		if err := s.AppendSignIns(ctx, []store.SignIn{a, b}); err == nil {
			t.Fatal("AppendSignIns with a repeated id succeeded")
		}
		got, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant})
		must(t, err)
		checkSignIns(t, "after a refused batch", got, nil)
	}},
	{"NULRefused", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		good, bad := newSignIn(tenant, 0), newSignIn(tenant, 1)
		bad.UserUPN = "adele\x00@contoso.example"
		wantErr(t, s.AppendSignIns(ctx, []store.SignIn{good, bad}), store.ErrInvalidText, "AppendSignIns with a NUL")
		got, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant})
		must(t, err)
		checkSignIns(t, "after a refused batch", got, nil)
	}},
	{"PruneByCountAndAge", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant := newID()
		all := appendSignIns(t, s, tenant, 10) // newest first: all[0] is minute 9
		// Bounded: at most limit rows per call, oldest first.
		n, err := s.PruneSignIns(ctx, time.Time{}, 6, 3)
		must(t, err)
		if n != 3 {
			t.Fatalf("PruneSignIns(keep 6, limit 3) = %d, want 3", n)
		}
		got, err := s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant})
		must(t, err)
		checkSignIns(t, "after one bounded prune", got, all[:7])
		n, err = s.PruneSignIns(ctx, time.Time{}, 6, 100)
		must(t, err)
		if n != 1 {
			t.Fatalf("second PruneSignIns = %d, want 1", n)
		}
		// By age: minutes 4 and 5 are older than minute 6.
		n, err = s.PruneSignIns(ctx, at(6*time.Minute), 0, 100)
		must(t, err)
		if n != 2 {
			t.Fatalf("PruneSignIns(before minute 6) = %d, want 2", n)
		}
		// No bound, or no limit: nothing happens.
		for _, args := range []struct {
			before      time.Time
			keep, limit int
		}{{time.Time{}, 0, 100}, {at(time.Hour), 0, 0}} {
			n, err = s.PruneSignIns(ctx, args.before, args.keep, args.limit)
			must(t, err)
			if n != 0 {
				t.Errorf("PruneSignIns%v = %d, want 0", args, n)
			}
		}
		got, err = s.ListSignIns(ctx, store.SignInQuery{TenantID: tenant})
		must(t, err)
		checkSignIns(t, "after pruning", got, all[:4])
	}},
}
