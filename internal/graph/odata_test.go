package graph_test

import (
	"strings"
	"testing"

	"graphgate/internal/demo"
	"graphgate/internal/tokens"
)

func TestAuthenticationErrors(t *testing.T) {
	e := newEnv(t)
	good := e.delegated("adele", "User.Read")
	wantToken := func(r resp, message string) {
		t.Helper()
		wantError(t, r, 401, "InvalidAuthenticationToken", message)
		if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer ") || !strings.Contains(h, "authorization_uri=") {
			t.Errorf("WWW-Authenticate %q", h)
		}
	}

	wantToken(e.do("GET", "/me", "", nil), "Access token is empty.")
	wantToken(e.do("GET", "/me", "", nil, header("Authorization", "Basic YWRlbGU6cHc=")), "Access token is empty.")
	wantToken(e.do("GET", "/me", "not-a-jwt", nil), "IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.")
	// A signature that does not match.
	parts := strings.Split(good, ".")
	sig := []byte(parts[2])
	// Another valid base64url character, so that the signature still decodes
	// (flipping a bit could make it '@', which is a malformed token instead).
	if sig[10] == 'A' {
		sig[10] = 'B'
	} else {
		sig[10] = 'A'
	}
	wantToken(e.do("GET", "/me", parts[0]+"."+parts[1]+"."+string(sig), nil), "Access token validation failure.")
	// A payload changed after signing.
	wantToken(e.do("GET", "/me", parts[0]+"."+parts[1]+"x."+parts[2], nil), "…")
	wantToken(e.do("GET", "/me", e.expiredToken("adele", "User.Read"), nil), "Lifetime validation failed, the token is expired.")
	// A token for another resource.
	u := e.storedUser("adele")
	other := e.mint(tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: u.TenantID, ObjectID: u.ID, AppID: demo.HomeAssistantAppID,
		AppIDACR: tokens.AppIDACRPublic, Scope: "User.Read", Audience: "api://" + demo.APIAppID})
	wantToken(e.do("GET", "/me", other, nil), "Access token validation failure. Invalid audience.")
	// The audience may be Graph's app id as well.
	byAppID := e.mint(tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: u.TenantID, ObjectID: u.ID, AppID: demo.HomeAssistantAppID,
		AppIDACR: tokens.AppIDACRPublic, Scope: "User.Read", Audience: tokens.GraphAppID})
	e.must(200, "GET", "/me", byAppID, nil)
	// A user who does not exist, and one who cannot sign in.
	ghost := e.mint(tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: demo.TenantID, ObjectID: "0a1b2c3d-1111-4a5b-8c6d-0000000000ff", AppID: demo.HomeAssistantAppID,
		AppIDACR: tokens.AppIDACRPublic, Scope: "User.Read"})
	wantToken(e.do("GET", "/me", ghost, nil), "…")
	wantToken(e.do("GET", "/me", e.delegated("support", "User.Read"), nil), "The user account is disabled.")
	// The good token works, and errors are per request.
	e.must(200, "GET", "/me", good, nil)
}

func TestRequestErrors(t *testing.T) {
	e := newEnv(t)
	user := e.delegated("adele", "User.Read.All", "Mail.ReadWrite", "Calendars.Read")

	t.Run("UnknownSegment", func(t *testing.T) {
		wantError(t, e.do("GET", "/me/bogus", user, nil), 400, "BadRequest", "Resource not found for the segment 'bogus'.")
		wantError(t, e.do("GET", "/nosuchthing", user, nil), 400, "BadRequest", "Resource not found for the segment 'nosuchthing'.")
		wantError(t, e.do("GET", "/users/"+e.id("megan")+"/bogus", user, nil), 400, "BadRequest", "Resource not found for the segment 'bogus'.")
	})

	t.Run("MethodNotAllowed", func(t *testing.T) {
		wantError(t, e.do("PUT", "/me", user, "{}"), 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
	})

	t.Run("BadFilter", func(t *testing.T) {
		for _, p := range []string{
			"/me/messages?$filter=" + q("isRead eq"),
			"/me/messages?$filter=" + q("subject eq 'x"),
			"/me/messages?$filter=" + q("nosuchproperty eq 'x'"),
			"/users?$filter=" + q("displayName eq"),
			"/users?$filter=" + q("startswith(nosuch,'A')"),
			"/me/calendarView?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-01-02T00:00:00Z&$filter=" + q("subject eq"),
		} {
			r := e.do("GET", p, user, nil)
			wantError(t, r, 400, "", "")
			if code := str(r.JSON, "error/code"); code == "" || str(r.JSON, "error/message") == "" {
				t.Errorf("%s: error %s", p, r.Raw)
			}
		}
		// The directory's own wording.
		wantError(t, e.do("GET", "/users?$filter="+q("startswith(nosuch,'A')"), user, nil), 400, "Request_UnsupportedQuery", "…")
	})

	t.Run("BadQueryOptions", func(t *testing.T) {
		wantError(t, e.do("GET", "/me/messages?$top=abc", user, nil), 400, "", "…")
		wantError(t, e.do("GET", "/me/messages?$top=5000", user, nil), 400, "", "…")
		wantError(t, e.do("GET", "/users?$top=1000", user, nil), 400, "Request_UnsupportedQuery", "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.")
		wantError(t, e.do("GET", "/me/messages?$skiptoken=garbage", user, nil), 400, "BadRequest", "The $skiptoken is not valid.")
		wantError(t, e.do("GET", "/users?$search="+q(`"displayName:adele"`), user, nil), 400, "Request_UnsupportedQuery", "…")
		vs := list(t, e.must(200, "GET", "/users?$search="+q(`"displayName:adele"`), user, nil, header("ConsistencyLevel", "eventual")))
		if len(vs) != 1 || vs[0]["displayName"] != "Adele Vance" {
			t.Errorf(`$search="displayName:adele" = %v`, vs)
		}
	})

	t.Run("BadBodies", func(t *testing.T) {
		wantError(t, e.do("POST", "/me/mailFolders", user, "{not json"), 400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		wantError(t, e.do("POST", "/me/mailFolders", user, ""), 400, "BadRequest", "Empty Payload. JSON content expected.")
	})

	t.Run("GzipBody", func(t *testing.T) {
		r := e.do("POST", "/me/mailFolders", user, gzipped([]byte(`{"displayName":"Zipped"}`)), header("Content-Encoding", "gzip"))
		if r.Status != 201 || r.JSON["displayName"] != "Zipped" {
			t.Errorf("gzip body: %d %s", r.Status, r.Raw)
		}
	})

	t.Run("Headers", func(t *testing.T) {
		r := e.do("GET", "/me", user, nil, header("client-request-id", "5e6f7a8b-0000-4000-8000-000000000001"))
		if r.Header.Get("client-request-id") != "5e6f7a8b-0000-4000-8000-000000000001" || r.Header.Get("request-id") == "" || r.Header.Get("OData-Version") != "4.0" {
			t.Errorf("headers %v", r.Header)
		}
		if !strings.HasPrefix(r.Header.Get("x-graphgate-decision"), "allowed") {
			t.Errorf("x-graphgate-decision %q", r.Header.Get("x-graphgate-decision"))
		}
		// A denial's innerError echoes the client's id.
		d := e.do("GET", "/me/presence", user, nil, header("client-request-id", "abc"))
		wantError(t, d, 403, "Forbidden", "…")
		if str(d.JSON, "error/innerError/client-request-id") != "abc" {
			t.Errorf("innerError %v", get(d.JSON, "error/innerError"))
		}
	})

	t.Run("Beta", func(t *testing.T) {
		me := e.must(200, "GET", strings.TrimSuffix(e.base, "/v1.0")+"/beta/me", user, nil)
		if str(me, "@odata.context") != strings.TrimSuffix(e.base, "/v1.0")+"/beta/$metadata#users/$entity" {
			t.Errorf("/beta @odata.context %q", me["@odata.context"])
		}
		first := e.must(200, "GET", strings.TrimSuffix(e.base, "/v1.0")+"/beta/users?$top=2", user, nil)
		if next := str(first, "@odata.nextLink"); !strings.Contains(next, "/beta/users?") {
			t.Errorf("/beta nextLink %q", next)
		}
	})

	t.Run("CountSegment", func(t *testing.T) {
		// Graph answers GET …/$count with the number as text/plain.
		for path, want := range map[string]string{"/users/$count": "6", "/me/messages/$count": "4", "/me/mailFolders/inbox/messages/$count": "3"} {
			r := e.do("GET", path, user, nil, header("ConsistencyLevel", "eventual"))
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("%s: Content-Type %q, want text/plain", path, r.Header.Get("Content-Type"))
			}
			if r.Status != 200 || strings.TrimSpace(string(r.Raw)) != want {
				t.Errorf("%s: %d %q, want %s", path, r.Status, r.Raw, want)
			}
		}
	})

	t.Run("CaseInsensitivePaths", func(t *testing.T) {
		e.must(200, "GET", "/ME/MAILFOLDERS/INBOX/MESSAGES", user, nil)
		e.must(200, "GET", "/Users/"+strings.ToUpper(e.id("megan")), user, nil)
	})
}

func TestUnresolvedSegmentIsNamed(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("adele", "User.Read", "Mail.Read")
	for path, seg := range map[string]string{"/me/bogus": "bogus", "/me/bogus/more": "bogus", "/me/mailFolders/inbox/nothing/x": "nothing"} {
		r := e.do("GET", path, tok, nil)
		wantError(t, r, 400, "BadRequest", "Resource not found for the segment '"+seg+"'.")
	}
	// A count of a collection that needs ConsistencyLevel without it.
	r := e.do("GET", "/users/$count", e.delegated("adele", "User.ReadBasic.All"), nil)
	if r.Status != 400 {
		t.Errorf("/users/$count without ConsistencyLevel: %d %s", r.Status, r.Raw)
	}
}
