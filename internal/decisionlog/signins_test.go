package decisionlog_test

import (
	"fmt"
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
