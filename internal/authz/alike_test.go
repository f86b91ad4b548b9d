package authz

import (
	"encoding/json"
	"reflect"
	"testing"

	"graphgate/internal/catalog"
	"graphgate/internal/roles"
)

// TestRendersAlikeCoversDecision fails when Decision gains a field that
// RendersAlike does not compare: every field is either in decisionScalars
// or one of the four it compares apart.
func TestRendersAlikeCoversDecision(t *testing.T) {
	apart := map[string]bool{"Candidates": true, "Also": true, "principal": true, "err": true}
	dt, st := reflect.TypeOf(Decision{}), reflect.TypeOf(decisionScalars{})
	var n int
	for i := range dt.NumField() {
		if !apart[dt.Field(i).Name] {
			n++
		}
	}
	if n != st.NumField() {
		t.Fatalf("Decision has %d fields compared with ==, decisionScalars %d: RendersAlike must compare every field", n, st.NumField())
	}
}

// TestRendersAlike decides a table of varied requests, each twice with
// principals built apart, and checks the rule the decision log relies on:
// two decisions that render alike render exactly alike (Detail, HeldNames,
// CandidateNames), and the same request decided again renders alike.
func TestRendersAlike(t *testing.T) {
	e := Default()
	type req struct {
		kind    TokenKind
		account AccountType
		granted string
		roles   roles.Set
		guest   bool
		method  string
		path    string
		target  Target
		props   []string
	}
	reqs := []req{
		{granted: "User.Read", method: "GET", path: "/me"},
		{granted: "User.Read", method: "GET", path: "/me?$select=id"},
		{granted: "User.Read Mail.Read", method: "GET", path: "/me"},
		{granted: "User.Read", guest: true, method: "GET", path: "/me"},
		{granted: "User.Read", account: Personal, method: "GET", path: "/me"},
		{granted: "User.ReadWrite", method: "PATCH", path: "/me", props: []string{"aboutMe"}},
		{granted: "User.ReadWrite", method: "PATCH", path: "/me", props: []string{"displayName"}},
		{granted: "User.Read", method: "GET", path: "/me/messages"},
		{granted: "Mail.Read", method: "GET", path: "/me/messages"},
		{granted: "Mail.ReadWrite", method: "GET", path: "/me/messages"},
		{granted: "Mail.Read", method: "GET", path: "/users/megan@contoso.com/messages", target: Target{Relation: RelOtherUser}},
		{granted: "Mail.Read.Shared", method: "GET", path: "/users/megan@contoso.com/messages", target: Target{Relation: RelOtherUser, Access: AccessRead}},
		{granted: "Files.Read.All", method: "GET", path: "/groups/g1/drive/items/i1", target: Target{Relation: RelGroup, Access: AccessRead}},
		{granted: "Files.Read.All", method: "GET", path: "/groups/g1/drive/items/i1", target: Target{Relation: RelGroup, Member: true}},
		{granted: "User.Read.All", roles: roles.Of(roles.GlobalAdministrator), method: "GET", path: "/users"},
		{granted: "User.Read.All", method: "GET", path: "/users"},
		{kind: App, granted: "User.Read.All", method: "GET", path: "/users"},
		{kind: App, granted: "User.Read.All", method: "GET", path: "/me"},
		{granted: "User.Read", method: "GET", path: "/nothing/here"},
		{granted: "User.Read", method: "DELETE", path: "/me/messages"},
	}
	decide := func(r req) Decision {
		set, unknown := catalog.Default().ParseScopes(r.granted)
		if len(unknown) > 0 {
			t.Fatalf("unknown permissions %v", unknown)
		}
		d := e.Decide(&Principal{Kind: r.kind, Account: r.account, Granted: set, Roles: r.roles, Guest: r.guest}, r.method, r.path, r.target)
		if r.props != nil {
			d = e.DecideProperties(d, r.props...)
		}
		return d
	}
	type rendered struct {
		path string
		d    Decision
		out  string
	}
	render := func(r req) rendered {
		d := decide(r)
		b, err := json.Marshal(struct {
			Detail           Detail
			Held, Candidates []string
		}{d.Detail(r.path), d.HeldNames(), d.CandidateNames()})
		if err != nil {
			t.Fatal(err)
		}
		return rendered{r.path, d, string(b)}
	}
	var all []rendered
	for _, r := range reqs {
		a, b := render(r), render(r)
		if a.d.err == nil && !a.d.RendersAlike(&b.d) {
			t.Errorf("%s %s decided twice does not render alike", r.method, r.path)
		}
		all = append(all, a, b)
	}
	for i := range all {
		for j := range all {
			a, b := all[i], all[j]
			if a.path != b.path || !a.d.RendersAlike(&b.d) {
				continue
			}
			if a.out != b.out {
				t.Errorf("decisions %d and %d render alike but differ:\n%s\n%s", i/2, j/2, a.out, b.out)
			}
		}
	}
	// Requests that differ only in the token's permissions, the user or the
	// scheme do not render alike.
	for _, p := range [][2]int{{0, 2}, {0, 3}, {0, 4}, {14, 15}, {15, 16}} {
		if all[2*p[0]].d.RendersAlike(&all[2*p[1]].d) {
			t.Errorf("requests %d and %d render alike", p[0], p[1])
		}
	}
}
