package e2e

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"graphgate/internal/catalog"
	"graphgate/internal/demo"
	"graphgate/internal/pgtest"
	"graphgate/internal/server"
)

// odataWant is what an injection attempt must get.
type odataWant int

const (
	// none: 200 and an empty collection (the payload is a literal that
	// matches nothing, not SQL).
	none odataWant = iota
	// refused: 400 with Graph's error body (the option does not parse).
	refused
	// notFound: 400 or 404 with Graph's error body (an id that names
	// nothing).
	notFound
	// noneOrRefused: either (KQL reads OR and spaces as its own syntax, so
	// a directory $search with them is Graph's 400).
	noneOrRefused
	// unselected: 400, or 200 without the property (an unknown $select
	// property is no column: nothing of the stored row shows).
	unselected
)

// odataCase is one attempt.
type odataCase struct {
	name string
	path string // relative to /v1.0, the query already escaped
	want odataWant
}

func qv(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// odataCases are SQL injection attempts (OWASP WSTG-INPV-05; CWE-89)
// through every OData option graphgate pushes down to SQL and through ids
// in paths, on the item store (mail, events, contacts, drive, To Do: JSON
// documents) and on the directory (users, groups: columns).
func odataCases(list string) []odataCase {
	var cs []odataCase
	add := func(want odataWant, name, path string) { cs = append(cs, odataCase{name, path, want}) }
	for _, col := range []struct{ path, prop string }{
		{"/me/messages", "subject"},
		{"/me/mailFolders/inbox/messages", "subject"},
		{"/me/events", "subject"},
		{"/me/contacts", "displayName"},
		{"/me/drive/root/children", "name"},
		{"/me/todo/lists/" + list + "/tasks", "title"},
		{"/users", "displayName"},
		{"/groups", "displayName"},
	} {
		p, f := col.path, col.prop
		filter := func(want odataWant, name, expr string) { add(want, p+" $filter "+name, p+"?$filter="+qv(expr)) }
		// String literals: a doubled quote is a quote inside the literal
		// (OData ABNF SQUOTE-in-string), never the end of it.
		filter(none, "quote-escaped tautology", f+" eq 'x'' or ''1''=''1'")
		filter(none, "quote-escaped comment", f+" eq 'x'')--'")
		filter(none, "quote-escaped union", f+" eq 'x'' UNION SELECT id FROM users--'")
		filter(none, "backslash", f+" eq '\\'")
		filter(none, "backslash-quote", f+" eq '\\'' or 1=1 --'")
		// LIKE wildcards are literal characters in startswith/contains.
		filter(none, "LIKE percent in startswith", "startswith("+f+",'%')")
		filter(none, "LIKE underscore in startswith", "startswith("+f+",'_')")
		filter(none, "LIKE percent in contains", "contains("+f+",'%')")
		filter(none, "LIKE underscore in endswith", "endswith("+f+",'_')")
		filter(none, "LIKE escape character in contains", "contains("+f+",'\\')")
		filter(none, "control characters in a literal", f+" eq '\x01\x1b[0m'")
		// Not OData: refused before any SQL.
		filter(refused, "unterminated literal", f+" eq 'x")
		filter(refused, "stacked statement", f+" eq 'x'; DROP TABLE items; --")
		filter(refused, "SQL comment", f+" eq 'x' --")
		filter(refused, "subquery", f+" eq (select id from users)")
		filter(refused, "SQL operator", f+" = 'x' OR 1=1")
		filter(refused, "parenthesis break-out", f+") or (1 eq 1")
		filter(refused, "property that is SQL", "doc->>'password' eq 'x'")
		filter(refused, "function that is SQL", "sqlite_version() eq 'x'")
		orderby := func(name, expr string) { add(refused, p+" $orderby "+name, p+"?$orderby="+qv(expr)) }
		orderby("stacked statement", f+"; DROP TABLE items")
		orderby("subquery", f+", (select 1)")
		orderby("comment", f+" desc --")
		orderby("column number", "1")
		orderby("collation", f+" collate \"C\"")
		orderby("CASE expression", "CASE WHEN 1=1 THEN "+f+" END")
		add(refused, p+" $select subquery", p+"?$select="+qv(f+",(select 1)"))
		add(refused, p+" $select stacked statement", p+"?$select="+qv(f+";DROP TABLE items"))
		add(unselected, p+" $select raw column", p+"?$select=doc")
		add(refused, p+" $top stacked statement", p+"?$top="+qv("1;DROP TABLE items"))
		add(refused, p+" $top negative", p+"?$top=-1")
		add(refused, p+" $top overflow", p+"?$top=99999999999999999999")
		add(refused, p+" $skip injection", p+"?$skip="+qv("1 OR 1=1"))
		add(refused, p+" $skiptoken SQL", p+"?$skiptoken="+qv("' OR 1=1 --"))
		add(refused, p+" $skiptoken base64 SQL", p+"?$skiptoken="+qv("JyBPUiAxPTEgLS0="))
	}
	// $search: KQL terms are text, matched literally.
	// (The LIKE wildcards % and _ in $search: TestSecuritySearchWildcards.)
	for _, p := range []string{"/me/messages", "/users"} {
		prefix, hdr := "", ""
		if p == "/users" {
			// The directory's $search is property:value, with
			// ConsistencyLevel: eventual (the test sends it).
			prefix, hdr = "displayName:", "&$count=true"
		}
		for name, term := range map[string]string{
			"quote-escaped tautology": `x' OR '1'='1`, "comment": `x'--`, "backslash": `\\`, "union": `x' UNION SELECT password_hash FROM users--`,
		} {
			add(noneOrRefused, p+" $search "+name, p+"?$search="+qv(`"`+prefix+term+`"`)+hdr)
		}
	}
	add(refused, "/me/messages $expand injection", "/me/messages?$expand="+qv("attachments;DROP TABLE items"))
	add(refused, "/me/messages $expand subquery", "/me/messages?$expand="+qv("(select 1)"))
	add(none, "/me/messages $expand with an injected nested filter", "/me/messages?$filter="+qv("subject eq 'x'' or 1=1--'")+"&$expand=attachments")
	// Ids in paths: an id is a value, never SQL.
	for _, id := range []string{"x' OR '1'='1", "' OR 1=1--", "1; DROP TABLE items", "%", "_", "x\\'", "') OR ('a'='a"} {
		e := url.PathEscape(id)
		for _, p := range []string{"/me/messages/", "/me/events/", "/me/contacts/", "/me/drive/items/", "/me/todo/lists/", "/users/", "/groups/", "/me/mailFolders/"} {
			add(notFound, "id "+p+id, p+e)
		}
	}
	return cs
}

// bothStores runs f on a server over SQLite and one over PostgreSQL.
func bothStores(t *testing.T, f func(t *testing.T, e *env)) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var opts []envOption
			if backend == "postgres" {
				dsn := pgtest.FreshSchema(t)
				opts = append(opts, func(c *server.Config) { c.StoreURL = dsn })
			}
			f(t, start(t, opts...))
		})
	}
}

// TestSecurityODataInjection runs the attempts on both stores: no 500, the
// right answer (an empty collection for a literal, Graph's 400 for what
// does not parse, 400 or 404 for an id that names nothing), and the
// tenant's export byte-identical before and after.
func TestSecurityODataInjection(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var opts []envOption
			if backend == "postgres" {
				dsn := pgtest.FreshSchema(t)
				opts = append(opts, func(c *server.Config) { c.StoreURL = dsn })
			}
			e := start(t, opts...)
			m := minter(t, e)
			tok := graphUser(t, e, m, "adele", everyPermission(t, e, catalog.DelegatedWork)...)
			lists := e.graphCall(t, "GET", "/me/todo/lists", tok, nil)
			vals, _ := lists.json["value"].([]any)
			if lists.status != 200 || len(vals) == 0 {
				t.Fatalf("To Do lists: %s", lists)
			}
			list, _ := vals[0].(map[string]any)["id"].(string)
			// A drive listing makes the tenant's download-URL key on first
			// use: make it before the "before" export.
			e.graphCall(t, "GET", "/me/drive/root/children", tok, nil)
			before := exportTenant(t, e, demo.TenantID)
			cases := odataCases(list)
			t.Logf("%d injection attempts on %s", len(cases), backend)
			for _, c := range cases {
				r := e.graphCall(t, "GET", c.path, tok, nil, "ConsistencyLevel", "eventual")
				if r.status >= 500 {
					t.Errorf("%s: status %d\n%s", c.name, r.status, clip(string(r.raw), 300))
					continue
				}
				code, _ := r.graphErr()
				switch c.want {
				case none:
					v, ok := r.json["value"].([]any)
					if r.status != 200 || !ok || len(v) != 0 {
						t.Errorf("%s: want 200 and no items, got %s", c.name, r)
					}
				case refused:
					if r.status != 400 || code == "" {
						t.Errorf("%s: want Graph's 400, got %s", c.name, r)
					}
				case noneOrRefused:
					v, ok := r.json["value"].([]any)
					if !(r.status == 200 && ok && len(v) == 0) && !(r.status == 400 && code != "") {
						t.Errorf("%s: want 200 and no items, or Graph's 400, got %s", c.name, r)
					}
				case unselected:
					v, _ := r.json["value"].([]any)
					if r.status == 400 && code != "" {
						break
					}
					if r.status != 200 || len(v) == 0 {
						t.Errorf("%s: want Graph's 400 or items without the property, got %s", c.name, r)
					}
					for _, it := range v {
						if _, ok := it.(map[string]any)["doc"]; ok {
							t.Errorf("%s: an item shows the stored document: %s", c.name, r)
						}
					}
				case notFound:
					if r.status != 400 && r.status != 404 || code == "" {
						t.Errorf("%s: want Graph's 400 or 404, got %s", c.name, r)
					}
				}
			}
			if after := exportTenant(t, e, demo.TenantID); !bytes.Equal(before, after) {
				t.Errorf("the tenant's data changed:\n%s", exportDiff(before, after))
			}
		})
	}
}

// TestSecuritySearchWildcards: $search terms are matched as text on both
// stores: % and _ are characters, not SQL LIKE wildcards, as they are not
// in the $filter functions (CWE-155; % and _ mean nothing special in KQL).
// "%" and "_" used to match every message and every user.
func TestSecuritySearchWildcards(t *testing.T) {
	bothStores(t, func(t *testing.T, e *env) {
		tok := graphUser(t, e, minter(t, e), "adele", "Mail.Read", "User.Read.All")
		for _, path := range []string{
			"/me/messages?$search=" + qv(`"%"`),
			"/me/messages?$search=" + qv(`"_"`),
			"/me/messages?$search=" + qv(`"%launch%"`),
			"/users?$search=" + qv(`"displayName:%"`),
			"/users?$search=" + qv(`"displayName:_"`),
		} {
			r := e.graphCall(t, "GET", path, tok, nil, "ConsistencyLevel", "eventual")
			if v, _ := r.json["value"].([]any); r.status != 200 || len(v) != 0 {
				t.Errorf("%s: want none, got %d: %s", path, len(v), clip(r.String(), 200))
			}
		}
	})
}

// TestSecurityNULCharacters: a NUL character (U+0000), which PostgreSQL
// cannot hold in text or jsonb, in a $filter literal, a $search term, a
// path id or a JSON body, and in a token request's parameters, gets the
// workload's 400 — never a 500 — the same on SQLite and PostgreSQL, and
// nothing is written (CWE-158; the store refuses it where values enter
// SQL, store.ErrInvalidText). It used to be a 500 on PostgreSQL (a 503 at
// the token endpoint) and a value stored or matched on SQLite.
func TestSecurityNULCharacters(t *testing.T) {
	bothStores(t, func(t *testing.T, e *env) {
		tok := graphUser(t, e, minter(t, e), "adele", everyPermission(t, e, catalog.DelegatedWork)...)
		e.graphCall(t, "GET", "/me/drive/root/children", tok, nil) // the download-URL key, before the export
		before := exportTenant(t, e, demo.TenantID)
		const query, body = "A query option holds a NUL character (U+0000), which no property value can hold.",
			"The request body holds a NUL character (U+0000), which no property value can hold."
		for _, c := range []struct {
			method, path, body string
			code, message      string
		}{
			{"GET", "/me/messages?$filter=" + qv("subject eq 'a\x00b'"), "", "BadRequest", query},
			{"GET", "/me/events?$filter=" + qv("subject ne 'a\x00b'"), "", "BadRequest", query},
			{"GET", "/users?$filter=" + qv("displayName eq 'a\x00b'"), "", "Request_BadRequest", query},
			{"GET", "/me/messages?$search=" + qv(`"a`+"\x00"+`b"`), "", "BadRequest", query},
			{"GET", "/users?$search=" + qv(`"displayName:a`+"\x00"+`b"`), "", "Request_BadRequest", query},
			{"GET", "/me/messages/" + url.PathEscape("a\x00b"), "", "ErrorInvalidIdMalformed", "Id is malformed."},
			{"GET", "/users/" + url.PathEscape("a\x00b"), "", "Request_BadRequest", "Invalid object identifier 'a\x00b'."},
			{"GET", "/me/drive/items/" + url.PathEscape("a\x00b"), "", "invalidRequest", "The request path holds a NUL character (U+0000), which no id or name can hold."},
			{"POST", "/me/mailFolders", `{"displayName":"a\u0000b"}`, "RequestBodyRead", body},
			{"POST", "/me/events", `{"subject":"a\u0000b","start":{"dateTime":"2030-01-01T10:00:00","timeZone":"UTC"},"end":{"dateTime":"2030-01-01T11:00:00","timeZone":"UTC"}}`, "RequestBodyRead", body},
			{"POST", "/me/todo/lists", `{"displayName":"a\u0000b"}`, "invalidRequest", body},
			{"PATCH", "/me", `{"jobTitle":"a\u0000b"}`, "Request_BadRequest", body},
		} {
			var b any
			if c.body != "" {
				b = c.body
			}
			wantGraphError(t, e.graphCall(t, c.method, c.path, tok, b, "ConsistencyLevel", "eventual"), 400, c.code, c.message)
		}
		d := e.app("daemon")
		for name, v := range map[string]url.Values{
			"client_id": kv("grant_type", "client_credentials", "client_id", "a\x00b", "client_secret", d.Secret, "scope", graphDotDefault),
			"username": kv("grant_type", "password", "client_id", d.ClientID, "client_secret", d.Secret, "username", "a\x00b@contoso.onmicrosoft.com",
				"password", "x", "scope", graphDotDefault),
		} {
			t.Run("token request with a NUL in "+name, func(t *testing.T) {
				wantError(t, postToken(t, e, demo.TenantID, v), 400, "invalid_request", 9002313)
			})
		}
		if after := exportTenant(t, e, demo.TenantID); !bytes.Equal(before, after) {
			t.Errorf("the tenant's data changed:\n%s", exportDiff(before, after))
		}
	})
}
