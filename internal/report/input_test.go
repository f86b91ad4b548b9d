package report

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// recorder is a Sink that keeps what it is given.
type recorder struct {
	calls    []Call
	unplaced []string
}

func (r *recorder) Add(c Call) { r.calls = append(r.calls, c) }
func (r *recorder) Unplaced(method, url, reason, detail, where string) {
	r.unplaced = append(r.unplaced, reason+" "+where)
}

// TestGraphPath: which URLs are Graph calls, and their path below the
// version.
func TestGraphPath(t *testing.T) {
	for _, c := range []struct {
		in, path, version, reason string
	}{
		{in: "https://graph.microsoft.com/v1.0/me/messages?$top=1", path: "/me/messages?$top=1", version: "v1.0"},
		{in: "https://graph.microsoft.com/beta/users", path: "/users", version: "beta"},
		{in: "https://GRAPH.microsoft.com/V1.0/me", path: "/me", version: "v1.0"},
		{in: "https://graph.microsoft.us/v1.0/me", path: "/me", version: "v1.0"},
		{in: "https://microsoftgraph.chinacloudapi.cn/v1.0/me", path: "/me", version: "v1.0"},
		{in: "https://localhost:8443/v1.0/me", path: "/me", version: "v1.0"},
		{in: "http://127.0.0.1:8080/beta/me", path: "/me", version: "beta"},
		{in: "https://[::1]:8443/v1.0/me", path: "/me", version: "v1.0"},
		{in: "/v1.0/me/events", path: "/me/events", version: "v1.0"},
		{in: "/beta/me", path: "/me", version: "beta"},
		{in: "/me/events?$select=subject", path: "/me/events?$select=subject", version: "v1.0"},
		{in: "https://graph.microsoft.com/v1.0", path: "/", version: "v1.0"},
		{in: "https://graph.microsoft.com/v1.0/users/a%2Fb", path: "/users/a%2Fb", version: "v1.0"},
		{in: "https://graph.microsoft.com/me", reason: UnplacedVersion},
		{in: "https://graph.microsoft.com/v2.0/me", reason: UnplacedVersion},
		{in: "https://contoso.sharepoint.com/_api/web", reason: UnplacedHost},
		{in: "https://graph.microsoft.com.evil.example/v1.0/me", reason: UnplacedHost},
		{in: "ftp://graph.microsoft.com/v1.0/me", reason: UnplacedHost},
		{in: "me/messages", reason: UnplacedURL},
		{in: "", reason: UnplacedURL},
		{in: "https://graph.microsoft.com/v1.0/me\x7f", reason: UnplacedURL},
	} {
		path, version, err := graphPath(c.in, nil)
		if c.reason != "" {
			pe, ok := err.(*placeErr)
			if !ok || pe.reason != c.reason {
				t.Errorf("%q: %v, want %s", c.in, err, c.reason)
			}
			continue
		}
		if err != nil || path != c.path || version != c.version {
			t.Errorf("%q: %q %q %v, want %q %q", c.in, path, version, err, c.path, c.version)
		}
	}
	// A host of one's own serves Graph when named.
	if p, _, err := graphPath("https://graphgate.test/v1.0/me", map[string]bool{"graphgate.test": true}); err != nil || p != "/me" {
		t.Errorf("extra host: %q %v", p, err)
	}
}

// TestQueryReads: what a call's query reads.
func TestQueryReads(t *testing.T) {
	for _, c := range []struct {
		query string
		props []string
		all   bool
	}{
		{"", nil, true},
		{"$top=5", nil, true},
		{"$select=subject,from", []string{"subject", "from"}, false},
		{"$SELECT=Subject,From/EmailAddress", []string{"subject", "from"}, false},
		{"select=subject", []string{"subject"}, false},
		{"$select=subject&$expand=attachments($select=name,size)", []string{"subject", "attachments"}, false},
		{"$expand=attachments", []string{"attachments"}, true},
		{"$select=*", nil, true},
		{"$select=subject, body ", []string{"subject", "body"}, false},
		{"$select=%zz", nil, true},
	} {
		props, all := queryReads(c.query)
		slices.Sort(props)
		want := slices.Clone(c.props)
		slices.Sort(want)
		if !slices.Equal(props, want) || all != c.all {
			t.Errorf("%q: %v %v, want %v %v", c.query, props, all, c.props, c.all)
		}
	}
}

// TestCallList: lines, statuses and directives.
func TestCallList(t *testing.T) {
	list := `# A comment.
GET https://graph.microsoft.com/v1.0/me
/v1.0/me/events 403
# app=A1 scheme=application granted=Mail.Read,User.Read.All user=u1,adele@contoso.com
post /v1.0/users/u1/sendMail 202

# scheme=personal granted=-
DELETE /v1.0/me/messages/1
# app= scheme= granted= user=
GET /v1.0/me
# scheme=robot
GET /v1.0/me
PATCH
GET /v1.0/me 99
`
	var r recorder
	if err := ReadCallList(context.Background(), strings.NewReader(list), &r); err != nil {
		t.Fatal(err)
	}
	type got struct {
		Method, URL, AppID string
		Scheme             Scheme
		Granted            []string
		GrantKnown         bool
		Status             int
		User               []string
		Where              string
	}
	var calls []got
	for _, c := range r.calls {
		calls = append(calls, got{c.Method, c.URL, c.AppID, c.Scheme, c.Granted, c.GrantKnown, c.Status, c.User, c.Where})
	}
	want := []got{
		{"GET", "https://graph.microsoft.com/v1.0/me", "", SchemeUnknown, nil, false, 0, nil, "line 2"},
		{"GET", "/v1.0/me/events", "", SchemeUnknown, nil, false, 403, nil, "line 3"},
		{"POST", "/v1.0/users/u1/sendMail", "A1", Application, []string{"Mail.Read", "User.Read.All"}, true, 202, []string{"u1", "adele@contoso.com"}, "line 5"},
		{"DELETE", "/v1.0/me/messages/1", "A1", DelegatedPersonal, nil, true, 0, []string{"u1", "adele@contoso.com"}, "line 8"},
		{"GET", "/v1.0/me", "", SchemeUnknown, nil, false, 0, nil, "line 10"},
		// An unknown scheme leaves the directive a comment.
		{"GET", "/v1.0/me", "", SchemeUnknown, nil, false, 0, nil, "line 12"},
	}
	if a, b := fmt.Sprintf("%+v", calls), fmt.Sprintf("%+v", want); a != b {
		t.Errorf("calls\n got %s\nwant %s", a, b)
	}
	if !slices.Equal(r.unplaced, []string{UnplacedLine + " line 13", UnplacedLine + " line 14"}) {
		t.Errorf("unplaced %v", r.unplaced)
	}
	// A line longer than the bound is one unplaced line; the next is read.
	r = recorder{}
	long := "GET /v1.0/me?" + strings.Repeat("a", maxLine) + "\nGET /v1.0/me\n"
	if err := ReadCallList(context.Background(), strings.NewReader(long), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.calls) != 1 || len(r.unplaced) != 1 {
		t.Errorf("long line: %d calls, %v", len(r.calls), r.unplaced)
	}
	// A cancelled context stops the reading.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ReadCallList(ctx, strings.NewReader("GET /v1.0/me\n"), &r); err == nil {
		t.Error("a cancelled read goes on")
	}
}

func signed(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestInspectToken: what a bearer token says, read without verification:
// a token signed with a key the report never sees is read all the same.
func TestInspectToken(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		header string
		want   tokenFacts
	}{
		{"delegated v2", "Bearer " + signed(t, key, map[string]any{"azp": "app-2", "scp": "Mail.Read User.Read", "oid": "o1", "preferred_username": "adele@contoso.com", "tid": "t1"}),
			tokenFacts{ok: true, app: "app-2", scheme: Delegated, granted: []string{"Mail.Read", "User.Read"}, user: []string{"o1", "adele@contoso.com"}}},
		{"delegated v1 with idtyp", "bearer " + signed(t, key, map[string]any{"appid": "app-1", "idtyp": "user", "scp": "User.Read", "upn": "adele@contoso.com"}),
			tokenFacts{ok: true, app: "app-1", scheme: Delegated, granted: []string{"User.Read"}, user: []string{"adele@contoso.com"}}},
		{"personal", "Bearer " + signed(t, key, map[string]any{"azp": "app-3", "scp": "Mail.Read", "tid": personalTenant}),
			tokenFacts{ok: true, app: "app-3", scheme: DelegatedPersonal, granted: []string{"Mail.Read"}}},
		{"application", "Bearer " + signed(t, key, map[string]any{"appid": "app-4", "idtyp": "app", "roles": []string{"User.Read.All"}, "oid": "sp"}),
			tokenFacts{ok: true, app: "app-4", scheme: Application, granted: []string{"User.Read.All"}}},
		{"application without idtyp", "Bearer " + signed(t, key, map[string]any{"azp": "app-5", "roles": []string{"Mail.Read"}}),
			tokenFacts{ok: true, app: "app-5", scheme: Application, granted: []string{"Mail.Read"}}},
		{"no permission at all", "Bearer " + signed(t, key, map[string]any{"azp": "app-6"}), tokenFacts{ok: true, app: "app-6"}},
		{"opaque", "Bearer EwBwA8l6BAAUkj1oO6o", tokenFacts{}},
		{"unsigned", "Bearer eyJhbGciOiJub25lIn0.eyJzY3AiOiJNYWlsLlJlYWQifQ.", tokenFacts{}},
		{"basic", "Basic dXNlcjpwYXNz", tokenFacts{}},
		{"empty bearer", "Bearer ", tokenFacts{}},
	} {
		got := inspectToken(c.header)
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestHARTokens: a HAR built with tokens signed in the test groups calls
// by app and scheme, learns the grant, and caches each token once.
func TestHARTokens(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	user := signed(t, key, map[string]any{"azp": "web", "scp": "Calendars.ReadWrite", "oid": "o1"})
	app := signed(t, key, map[string]any{"azp": "web", "roles": []string{"Calendars.Read"}})
	entry := func(token, method, url string, status int) map[string]any {
		return map[string]any{
			"request":  map[string]any{"method": method, "url": url, "headers": []map[string]string{{"name": "Authorization", "value": "Bearer " + token}}},
			"response": map[string]any{"status": status, "headers": []map[string]string{}, "content": map[string]any{}},
		}
	}
	har := map[string]any{"log": map[string]any{"version": "1.2", "entries": []any{
		entry(user, "GET", "https://graph.microsoft.com/v1.0/me/events?$select=subject,start", 200),
		entry(user, "GET", "https://graph.microsoft.com/v1.0/users/o1/events?$select=subject,start", 200),
		entry(app, "GET", "https://graph.microsoft.com/v1.0/users/megan@contoso.com/events", 200),
	}}}
	b, _ := json.Marshal(har)
	bld := testAnalyzer.NewBuilder(Options{})
	if err := ReadHAR(context.Background(), strings.NewReader(string(b)), bld); err != nil {
		t.Fatal(err)
	}
	r, err := bld.Report(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := group(t, r, "web", "DelegatedWork")
	if got := minimal(d); !slices.Equal(got, []string{"Calendars.ReadBasic"}) || len(d.Narrow) != 1 || d.Narrow[0].From != "Calendars.ReadWrite" {
		t.Errorf("delegated: %v, narrow %+v\n%s", got, d.Narrow, dumpGroup(d))
	}
	// /users/o1 is the signed-in user's own calendar (the token's oid).
	if ep := endpoint(t, d, "GET", "/users/{id}/events"); !ep.OwnData {
		t.Errorf("%+v", ep)
	}
	a := group(t, r, "web", "Application")
	if got := minimal(a); !slices.Equal(got, []string{"Calendars.Read"}) || len(a.Add) != 0 || len(a.Excess) != 0 {
		t.Errorf("application: %v, add %v, excess %v", got, a.Add, a.Excess)
	}
}
