package decisionlog_test

import (
	"encoding/json"
	"strings"
	"testing"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/decisionlog"
	"graphgate/internal/report"
)

// TestRowDetailRoundTrip: the log keeps a decision's detail without what
// its columns hold, and report.RecordedDetail gives back exactly what
// authz rendered, for decisions of every kind; a row written before (the
// full detail) reads the same.
func TestRowDetailRoundTrip(t *testing.T) {
	clock := newClock()
	cat := catalog.Default()
	principal := func(kind authz.TokenKind, perms ...string) *authz.Principal {
		p := &authz.Principal{Kind: kind}
		for _, n := range perms {
			perm, ok := cat.Lookup(n)
			if !ok {
				t.Fatalf("no permission %s", n)
			}
			p.Granted.Add(perm)
		}
		return p
	}
	for _, tc := range []struct {
		name, method, path string
		p                  *authz.Principal
	}{
		{"allowed", "GET", "/me", principal(authz.Delegated, "User.Read", "Mail.Read")},
		{"denied", "GET", "/users", principal(authz.Delegated, "Mail.ReadWrite")},
		{"no permissions", "GET", "/me/messages", principal(authz.Delegated)},
		{"app-only", "GET", "/users/u1/messages", principal(authz.App, "Mail.Read")},
		{"app-only me", "GET", "/me", principal(authz.App, "User.Read.All")},
		{"no route", "GET", "/nothing/here", principal(authz.Delegated, "User.Read")},
		{"write", "PATCH", "/me", principal(authz.Delegated, "User.Read")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := event(1, clock)
			ev.Path = tc.path
			ev.Decision = authz.Default().Decide(tc.p, tc.method, tc.path, authz.Target{})
			want := mustJSON(t, ev.Decision.Detail(tc.path))
			r := decisionlog.Row(ev)
			dups := []string{`"summary"`, `"path"`, `"reason"`, `"allow"`, `"method"`}
			if len(r.Held) > 0 {
				dups = append(dups, `"held"`)
			}
			if len(r.Candidates) > 0 {
				dups = append(dups, `"wouldAllow"`)
			}
			for _, dup := range dups {
				if strings.Contains(string(r.Detail), dup) {
					t.Errorf("the row's detail repeats %s: %s", dup, r.Detail)
				}
			}
			got, err := report.RecordedDetail(r)
			if err != nil {
				t.Fatal(err)
			}
			if g := mustJSON(t, got); g != want {
				t.Errorf("RecordedDetail:\n got %s\nwant %s", g, want)
			}
			// A row of the full detail (written before) reads the same.
			old := r
			old.Detail = json.RawMessage(want)
			got, err = report.RecordedDetail(old)
			if err != nil {
				t.Fatal(err)
			}
			if g := mustJSON(t, got); g != want {
				t.Errorf("RecordedDetail of a full detail:\n got %s\nwant %s", g, want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
