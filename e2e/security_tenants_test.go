package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"graphgate/internal/catalog"
	"graphgate/internal/demo"
	"graphgate/internal/tokens"
)

// Tenant isolation (Entra: a token is issued by one tenant and names it in
// tid; Microsoft Graph answers from that tenant's directory and mailboxes
// only, and an id of another tenant's object is one that does not exist:
// Request_ResourceNotFound, ErrorItemNotFound, itemNotFound — see "Microsoft
// Graph error responses and resource types" and "Access data and methods by
// navigating Microsoft Graph"). The attacker is Mallory, Global
// Administrator of tenant B (Fabrikam), whose tokens hold every permission
// the served routes accept (delegated: every scope of the routes'
// resources; app-only: every application permission of them). The victim
// is tenant A (Contoso, the demo tenant), whose real object ids fill every
// path parameter of every served route and method.

// victim holds tenant A's real objects by the kind of parameter they fill,
// and strings that only tenant A's data contains.
type victim struct {
	ids     map[string]string // parameter kind → a tenant-A id
	markers []string          // text of tenant A's data
	// adeleAddr and meganID are named in bodies (recipients, presences).
	adeleAddr, meganID string
}

// attacker holds tenant B's objects, the destinations of writes that would
// move tenant A's data into tenant B.
type attacker struct {
	b                        *tenantB
	delegated, app           string
	scopes, roles            int // how many permissions the tokens hold
	drive, root, inbox, item string
}

// canary is planted in tenant A's new objects, so that a leak of any of
// them shows in a response.
const canary = "CANARY-tenant-A-7f3a"

// newVictim reads (and, for kinds the demo lacks, creates) tenant A's
// objects through Graph with tenant A's own users.
func newVictim(t *testing.T, e *env, m *tokens.Minter) *victim {
	perms := everyPermission(t, e, catalog.DelegatedWork)
	adele := graphUser(t, e, m, "adele", perms...)
	megan := graphUser(t, e, m, "megan", perms...)
	v := &victim{ids: map[string]string{}, adeleAddr: e.user("adele").UserPrincipalName, meganID: e.user("megan").ID}
	get := func(tok, path, prop string) string {
		t.Helper()
		r := e.graphCall(t, "GET", path, tok, nil)
		if r.status != 200 {
			t.Fatalf("tenant A setup: GET %s: %s", path, r)
		}
		if vals, ok := r.json["value"].([]any); ok {
			if len(vals) == 0 {
				t.Fatalf("tenant A setup: GET %s is empty", path)
			}
			obj, _ := vals[0].(map[string]any)
			s, _ := obj[prop].(string)
			return s
		}
		s, _ := r.json[prop].(string)
		return s
	}
	send := func(want int, tok, method, path string, body any, hdr ...string) map[string]any {
		t.Helper()
		r := e.graphCall(t, method, path, tok, body, hdr...)
		if r.status != want {
			t.Fatalf("tenant A setup: %s %s: %s", method, path, r)
		}
		return r.json
	}
	id := func(obj map[string]any) string { s, _ := obj["id"].(string); return s }

	ids := v.ids
	ids["user"] = e.user("adele").ID
	ids["group"] = marketingGroupID
	ids["message"] = get(adele, "/me/messages?$filter=hasAttachments%20eq%20true&$top=1", "id")
	ids["attachment"] = get(adele, "/me/messages/"+ids["message"]+"/attachments", "id")
	ids["mailFolder"] = get(adele, "/me/mailFolders/inbox", "id")
	ids["calendar"] = get(adele, "/me/calendars", "id")
	ids["event"] = get(adele, "/me/events?$top=1", "id")
	ids["groupEvent"] = get(megan, "/groups/"+marketingGroupID+"/events", "id")
	ids["contactFolder"] = get(adele, "/me/contactFolders", "id")
	ids["contact"] = get(adele, "/me/contacts", "id")
	ids["todoList"] = get(adele, "/me/todo/lists", "id")
	ids["task"] = get(adele, "/me/todo/lists/"+ids["todoList"]+"/tasks", "id")
	ids["chat"] = get(adele, "/me/chats", "id")
	ids["chatMessage"] = get(adele, "/chats/"+ids["chat"]+"/messages", "id")
	ids["drive"] = get(adele, "/me/drive", "id")
	ids["driveRoot"] = get(adele, "/me/drive/root", "id")
	ids["folder"] = get(adele, "/me/drive/root:/Projects", "id")
	ids["item"] = get(adele, "/me/drive/root:/Projects/Launch%20plan.txt", "id")
	ids["permission"] = get(adele, "/me/drive/items/"+ids["item"]+"/permissions", "id")
	ids["groupDrive"] = get(megan, "/groups/"+marketingGroupID+"/drive", "id")
	groupRoot := get(megan, "/groups/"+marketingGroupID+"/drive/root", "id")
	ids["groupItem"] = id(send(201, megan, "PUT", "/groups/"+marketingGroupID+"/drive/items/"+groupRoot+":/Campaign%20"+canary+".txt:/content", []byte("group file "+canary)))
	ids["notebook"] = get(adele, "/me/onenote/notebooks", "id")
	ids["section"] = get(adele, "/me/onenote/sections", "id")
	ids["page"] = get(adele, "/me/onenote/pages", "id")
	ids["sectionGroup"] = id(send(201, adele, "POST", "/me/onenote/notebooks/"+ids["notebook"]+"/sectionGroups", map[string]any{"displayName": "Plans " + canary}))
	ids["groupNotebook"] = get(megan, "/groups/"+marketingGroupID+"/onenote/notebooks", "id")
	ids["groupSection"] = get(megan, "/groups/"+marketingGroupID+"/onenote/sections", "id")
	ids["groupPage"] = get(megan, "/groups/"+marketingGroupID+"/onenote/pages", "id")
	ids["groupSectionGroup"] = id(send(201, megan, "POST", "/groups/"+marketingGroupID+"/onenote/notebooks/"+ids["groupNotebook"]+"/sectionGroups",
		map[string]any{"displayName": "Campaigns " + canary}))
	ids["directoryRole"] = globalAdminWID
	ids["adminUnit"] = seattleAdminUnitID
	// An organization link: only callers of tenant A may follow it.
	link := send(201, adele, "POST", "/me/drive/items/"+ids["item"]+"/createLink", map[string]any{"type": "view", "scope": "organization"})
	if ids["share"], _ = link["shareId"].(string); ids["share"] == "" {
		t.Fatalf("createLink: no shareId: %v", link)
	}
	// Tenant A data created for the test carries the canary.
	send(201, adele, "POST", "/me/messages", map[string]any{"subject": "Draft " + canary, "body": map[string]any{"content": canary}})
	send(201, adele, "POST", "/me/events", map[string]any{"subject": "Meeting " + canary,
		"start": map[string]any{"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"}, "end": map[string]any{"dateTime": "2030-01-07T11:00:00", "timeZone": "UTC"}})
	send(201, adele, "PUT", "/me/drive/root:/Secret%20"+canary+".txt:/content", []byte("secret "+canary))

	for k, id := range ids {
		if id == "" {
			t.Fatalf("tenant A setup: no %s id", k)
		}
	}
	// What only tenant A's data says: its people, and the demo's workload
	// text (internal/demo/workload.go), and the canary.
	v.markers = []string{canary, "Adele Vance", "Megan Bowen", "Launch plan", "Invoice INV-1042", "Team sync", "Marketing all-hands",
		"Review launch plan", "Did you see the launch plan?", "Met at the partner summit", "Welcome to your OneDrive, Adele", "Adele's Notebook",
		"Launch checklist", "Spring campaign", "Roadmap.txt", "Project Falcon", demo.TenantID}
	return v
}

// Demo identifiers of tenant A the tests name.
const (
	marketingGroupID   = "0a1b2c3d-3333-4a5b-8c6d-000000000001"
	seattleAdminUnitID = "0a1b2c3d-4444-4a5b-8c6d-000000000001"
)

// newAttacker gives tenant B its tokens and the objects writes could aim
// at.
func newAttacker(t *testing.T, e *env, m *tokens.Minter) *attacker {
	b := newTenantB(t, e)
	a := &attacker{b: b}
	scopes, roles := everyPermission(t, e, catalog.DelegatedWork), everyPermission(t, e, catalog.Application)
	a.scopes, a.roles = len(scopes), len(roles)
	a.delegated = mint(t, m, tokens.AccessClaims{IDType: tokens.IDTypeUser, TenantID: b.ID, ObjectID: b.Admin.ID, AppID: b.AppID,
		AppIDACR: tokens.AppIDACRPublic, Scope: strings.Join(scopes, " "), WIDs: b.Admin.Roles,
		Name: b.Admin.DisplayName, UPN: b.Admin.UserPrincipalName})
	a.app = mint(t, m, tokens.AccessClaims{IDType: tokens.IDTypeApp, TenantID: b.ID, ObjectID: b.AppID, AppID: b.AppID,
		AppIDACR: tokens.AppIDACRSecret, Roles: roles})
	for _, tok := range []string{a.delegated, a.app} {
		if len(tok) > 16<<10 {
			t.Fatalf("a token with every permission is %d bytes, over the verifier's 16 KB", len(tok))
		}
	}
	get := func(path string) string {
		t.Helper()
		r := e.graphCall(t, "GET", path, a.delegated, nil)
		s, _ := r.json["id"].(string)
		if r.status != 200 || s == "" {
			t.Fatalf("tenant B setup: GET %s: %s", path, r)
		}
		return s
	}
	a.drive, a.root, a.inbox = get("/me/drive"), get("/me/drive/root"), get("/me/mailFolders/inbox")
	r := e.graphCall(t, "PUT", "/me/drive/root:/mine.txt:/content", a.delegated, []byte("tenant B's own file"))
	a.item, _ = r.json["id"].(string)
	if r.status != 201 || a.item == "" {
		t.Fatalf("tenant B setup: upload: %s", r)
	}
	return a
}

// probe is one request of tenant B naming tenant A.
type probe struct {
	method, path  string
	token, scheme string
	body          any // nil, []byte or a JSON value
	contentType   string
	// namesA: the path names tenant A's objects; bodyNamesA: the body does.
	namesA, bodyNamesA bool
	root               string // the route's first segment
}

var paramRE = regexp.MustCompile(`\{[^}]*\}`)

// fill replaces each {param} of a route template: by the parameter's name
// when it says what it is, else by the collection segment before it.
// owner picks whose object fills the first parameter (tenant A's, or
// tenant B's own for the "B owner, A children" variant).
func (v *victim) fill(template string, a *attacker, ownB bool) (path string, namesA bool) {
	segs := strings.Split(strings.TrimPrefix(template, "/"), "/")
	root := strings.ToLower(segs[0])
	first := true
	for i, seg := range segs {
		if !strings.Contains(seg, "{") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = strings.ToLower(segs[i-1])
		}
		segs[i] = paramRE.ReplaceAllStringFunc(seg, func(p string) string {
			name := strings.ToLower(strings.Trim(p, "{}"))
			val, isA := v.value(root, prev, name, seg)
			if first && ownB {
				switch root {
				case "users":
					val, isA = a.b.Admin.ID, false
				case "groups":
					val, isA = a.b.GroupID, false
				case "drives":
					val, isA = a.drive, false
				}
			}
			first = false
			namesA = namesA || isA
			return val
		})
	}
	return "/" + strings.Join(segs, "/"), namesA
}

// value is the tenant-A value of a parameter, and whether it is an id of
// tenant A's (a path-relative name is not).
func (v *victim) value(root, prev, name, seg string) (string, bool) {
	ids := v.ids
	group := root == "groups"
	pick := func(own, grp string) (string, bool) {
		if group {
			return ids[grp], true
		}
		return ids[own], true
	}
	switch name {
	case "user-id":
		return ids["user"], true
	case "group-id":
		return ids["group"], true
	case "drive-id":
		return ids["drive"], true
	case "driveitem-id":
		return pick("item", "groupItem")
	case "parentitem-id":
		return pick("folder", "groupItem")
	case "message-id":
		return ids["message"], true
	case "attachment-id":
		return ids["attachment"], true
	case "filename", "item-path":
		return "notes.txt", false // a name in the caller's own drive
	case "value":
		return "'" + canary + "'", false // search text: tenant A's canary must not be found
	}
	if strings.HasPrefix(seg, "root:") || strings.HasPrefix(seg, "approot:") || strings.HasSuffix(prev, ":") || strings.HasPrefix(seg, "{id}:") && prev != "items" {
		return "Projects", false // a path below an item: a name, not an id
	}
	switch prev {
	case "users", "members", "owners":
		return ids["user"], true
	case "groups":
		return ids["group"], true
	case "messages":
		if root == "chats" {
			return ids["chatMessage"], true
		}
		return ids["message"], true
	case "attachments":
		return ids["attachment"], true
	case "mailfolders":
		return ids["mailFolder"], true
	case "calendars":
		return ids["calendar"], true
	case "events":
		return pick("event", "groupEvent")
	case "contactfolders":
		return ids["contactFolder"], true
	case "contacts":
		return ids["contact"], true
	case "lists":
		return ids["todoList"], true
	case "tasks":
		return ids["task"], true
	case "chats":
		return ids["chat"], true
	case "drives":
		return ids["drive"], true
	case "items":
		return pick("item", "groupItem")
	case "permissions":
		return ids["permission"], true
	case "special":
		return "documents", false
	case "notebooks":
		return pick("notebook", "groupNotebook")
	case "sections":
		return pick("section", "groupSection")
	case "sectiongroups":
		return pick("sectionGroup", "groupSectionGroup")
	case "pages":
		return pick("page", "groupPage")
	case "directoryroles":
		// A role's id is its template id, the same in every tenant (as
		// Entra's roleTemplateId): not tenant A's object. The answer must
		// still list tenant B's members only.
		return ids["directoryRole"], false
	case "administrativeunits":
		return ids["adminUnit"], true
	case "shares":
		return ids["share"], true
	}
	panic(fmt.Sprintf("no tenant-A value for {%s} after %q", name, prev))
}

// bodies are what a write sends: an empty object, and one that names
// tenant A's objects where the operation takes a reference (a destination,
// a member, a recipient, an attendee). ownB says the path's objects are
// tenant B's own (then the reference is tenant A's), else the path names
// tenant A's and the reference is tenant B's (a move out of tenant A).
func (v *victim) bodies(method, template string, a *attacker, ownB bool) []struct {
	body  any
	ctype string
	refA  bool
} {
	type b = struct {
		body  any
		ctype string
		refA  bool
	}
	if method == "GET" || method == "DELETE" {
		return []b{{}}
	}
	segs := strings.Split(strings.ToLower(template), "/")
	last := segs[len(segs)-1]
	if strings.HasSuffix(last, ":") || last == "$ref" && len(segs) > 1 {
		last = strings.TrimSuffix(last, ":")
	}
	drive := strings.Contains(template, "drive")
	adele := v.adeleAddr
	out := []b{{body: map[string]any{}}}
	switch {
	case last == "content" && method == "PUT":
		out = []b{{body: []byte("overwritten by tenant B"), ctype: "text/plain"}}
	case last == "content" && method == "PATCH":
		out = append(out, b{body: []any{map[string]any{"target": "body", "action": "append", "content": "<p>tenant B</p>"}}})
	case (last == "move" || last == "copy") && !drive:
		dest, refA := a.inbox, false
		if ownB {
			dest, refA = v.ids["mailFolder"], true
		}
		out = append(out, b{body: map[string]any{"destinationId": dest}, refA: refA})
	case last == "copy":
		ref, refA := map[string]any{"driveId": a.drive, "id": a.root}, false
		if ownB {
			ref, refA = map[string]any{"driveId": v.ids["drive"], "id": v.ids["folder"]}, true
		}
		out = append(out, b{body: map[string]any{"parentReference": ref, "name": "copied.txt"}, refA: refA})
	case last == "$ref":
		who, refA := a.b.Member.ID, false
		if ownB {
			who, refA = v.ids["user"], true
		}
		out = append(out, b{body: map[string]any{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + who}, refA: refA})
	case last == "invite":
		to, refA := a.b.Member.UserPrincipalName, false
		if ownB {
			to, refA = adele, true
		}
		out = append(out, b{body: map[string]any{"recipients": []any{map[string]any{"email": to}}, "roles": []string{"write"}, "requireSignIn": true,
			"sendInvitation": false}, refA: refA})
	case last == "sendmail":
		out = append(out, b{body: map[string]any{"message": map[string]any{"subject": "from tenant B", "body": map[string]any{"content": "hi"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": adele}}}}}, refA: true})
	case last == "events" && method == "POST":
		out = append(out, b{body: map[string]any{"subject": "from tenant B", "start": map[string]any{"dateTime": "2030-02-01T10:00:00", "timeZone": "UTC"},
			"end":       map[string]any{"dateTime": "2030-02-01T11:00:00", "timeZone": "UTC"},
			"attendees": []any{map[string]any{"type": "required", "emailAddress": map[string]any{"address": adele}}}}, refA: true})
	case last == "messages" && method == "POST" && !strings.HasPrefix(segs[1], "chats"):
		out = append(out, b{body: map[string]any{"subject": "from tenant B", "toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": adele}}}}, refA: true})
	case last == "getpresencesbyuserid":
		out = append(out, b{body: map[string]any{"ids": []string{v.ids["user"], v.meganID}}, refA: true})
	case last == "chats" && method == "POST":
		out = append(out, b{body: map[string]any{"chatType": "oneOnOne", "members": []any{
			map[string]any{"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": []string{"owner"}, "user@odata.bind": "https://graph.microsoft.com/v1.0/users('" + a.b.Admin.ID + "')"},
			map[string]any{"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": []string{"owner"}, "user@odata.bind": "https://graph.microsoft.com/v1.0/users('" + v.ids["user"] + "')"},
		}}, refA: true})
	case last == "members" && method == "POST" && strings.HasPrefix(segs[1], "chats"):
		out = append(out, b{body: map[string]any{"@odata.type": "#microsoft.graph.aadUserConversationMember", "roles": []string{"owner"},
			"user@odata.bind": "https://graph.microsoft.com/v1.0/users('" + a.b.Member.ID + "')"}})
	case last == "users" && method == "POST":
		out = append(out, b{body: map[string]any{"accountEnabled": true, "displayName": "Planted", "mailNickname": "planted",
			"userPrincipalName": "planted@" + demo.TenantDomain, "passwordProfile": map[string]any{"password": "xWwvJ]6NMw+bWH-d"}}, refA: true})
	case last == "groups" && method == "POST":
		out = append(out, b{body: map[string]any{"displayName": "Planted", "mailNickname": "planted", "mailEnabled": false, "securityEnabled": true,
			"members@odata.bind": []string{"https://graph.microsoft.com/v1.0/users/" + v.ids["user"]}}, refA: true})
	case last == "createlink":
		out = append(out, b{body: map[string]any{"type": "edit", "scope": "anonymous"}})
	case strings.Contains(last, "presence"):
		out = append(out, b{body: map[string]any{"sessionId": demo.HomeAssistantAppID, "availability": "Busy", "activity": "InACall", "expirationDuration": "PT1H"}})
	case method == "PATCH":
		out = append(out, b{body: map[string]any{"displayName": "renamed by tenant B", "subject": "renamed by tenant B", "title": "renamed by tenant B"}})
	case last == "pages" && method == "POST":
		out = append(out, b{body: []byte("<html><head><title>from tenant B</title></head><body><p>x</p></body></html>"), ctype: "text/html"})
	}
	return out
}

// outcome says what a response must be.
func (v *victim) check(t *testing.T, p probe, status int, body []byte) {
	t.Helper()
	if status >= 500 || status == 401 {
		t.Errorf("%s %s (%s): status %d\n%s", p.method, p.path, p.scheme, status, clip(string(body), 300))
		return
	}
	if p.namesA && status != 400 && status != 403 && status != 404 && status != 415 {
		t.Errorf("%s %s (%s) names tenant A's objects: status %d, want 400, 403, 404 or 415\n%s", p.method, p.path, p.scheme, status, clip(string(body), 300))
	}
	for _, mk := range v.markers {
		if bytes.Contains(body, []byte(mk)) {
			t.Errorf("%s %s (%s): the answer holds tenant A's %q (status %d)\n%s", p.method, p.path, p.scheme, mk, status, clip(string(body), 300))
			return
		}
	}
}

// probes builds every request of the generated test.
func (v *victim) probes(e *env, a *attacker) []probe {
	eps := e.srv.Graph().Served()
	sort.Slice(eps, func(i, j int) bool {
		if eps[i].Route.Template != eps[j].Route.Template {
			return eps[i].Route.Template < eps[j].Route.Template
		}
		return eps[i].Method < eps[j].Method
	})
	var out []probe
	for _, ep := range eps {
		tmpl := ep.Route.Template
		me := strings.HasPrefix(strings.ToLower(tmpl), "/me")
		variants := []bool{false}
		if n := strings.Count(tmpl, "{"); n >= 2 && !me {
			variants = append(variants, true) // tenant B's own first object, tenant A's below it
		}
		for _, ownB := range variants {
			path, namesA := v.fill(tmpl, a, ownB)
			if last := strings.ToLower(tmpl[strings.LastIndexByte(tmpl, '/')+1:]); last == "calendarview" || last == "instances" {
				// The time window these require, so that the request
				// reaches the objects it names.
				path += "?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z"
			}
			for _, tok := range []struct{ name, token string }{{"delegated", a.delegated}, {"app-only", a.app}} {
				if me && tok.name == "app-only" {
					continue // /me is delegated only (400 for app-only tokens, the permission matrix checks it)
				}
				for _, b := range v.bodies(ep.Method, tmpl, a, ownB) {
					out = append(out, probe{method: ep.Method, path: path, token: tok.token, scheme: tok.name,
						body: b.body, contentType: b.ctype, namesA: namesA, bodyNamesA: b.refA, root: rootOf(tmpl)})
				}
			}
		}
	}
	return out
}

func rootOf(tmpl string) string {
	s := strings.Split(strings.TrimPrefix(strings.ToLower(tmpl), "/"), "/")
	return s[0]
}

// TestSecurityCrossTenant sends, for every route and method graphgate
// serves (graph.Server.Served, the same list the permission matrix
// enumerates), tenant B's all-permission tokens with tenant A's ids in every
// path parameter — and, where the route has an owner above its objects,
// with tenant B's own owner and tenant A's objects below it — with the
// writes' bodies naming tenant A's objects where an operation takes a
// reference; then the same requests inside $batch, and chained with
// dependsOn. No answer may hold tenant A's data, a path naming tenant A's
// objects must answer 400, 403, 404 or 415 (a OneNote page sent as JSON;
// never 2xx, 401 or 5xx), and tenant
// A's export is byte-identical before and after each family of routes.
func TestSecurityCrossTenant(t *testing.T) {
	e := start(t)
	m := minter(t, e)
	v := newVictim(t, e, m)
	a := newAttacker(t, e, m)
	before := exportTenant(t, e, demo.TenantID)
	probes := v.probes(e, a)
	if len(probes) < 500 {
		t.Fatalf("only %d probes generated", len(probes))
	}
	stats := map[int]int{}
	checkpoint := func(what string) {
		t.Helper()
		if after := exportTenant(t, e, demo.TenantID); !bytes.Equal(before, after) {
			t.Errorf("tenant A's data changed during %s:\n%s", what, exportDiff(before, after))
			before = after
		}
	}

	t.Run("direct", func(t *testing.T) {
		root := ""
		for _, p := range probes {
			if p.root != root {
				if root != "" {
					checkpoint("the direct requests on /" + root)
				}
				root = p.root
			}
			hdr := []string{}
			if p.contentType != "" {
				hdr = append(hdr, "Content-Type", p.contentType)
			}
			r := e.graphCall(t, p.method, p.path, p.token, p.body, hdr...)
			stats[r.status]++
			v.check(t, p, r.status, r.raw)
		}
		checkpoint("the direct requests on /" + root)
	})

	t.Run("$batch", func(t *testing.T) {
		// Each request inside a batch, 20 to a batch, per scheme.
		for _, scheme := range []string{"delegated", "app-only"} {
			var group []probe
			flush := func() {
				if len(group) == 0 {
					return
				}
				v.batch(t, e, group, false)
				group = group[:0]
			}
			for _, p := range probes {
				if p.scheme != scheme {
					continue
				}
				if _, raw := p.body.([]byte); raw {
					continue // non-JSON bodies: the direct requests cover them
				}
				group = append(group, p)
				if len(group) == 20 {
					flush()
				}
			}
			flush()
		}
		checkpoint("the batched requests")
	})

	t.Run("$batch dependsOn", func(t *testing.T) {
		// Pairs: a request of tenant B's own, then one naming tenant A
		// that depends on it; and one naming tenant A, then a request
		// that depends on it (424 without running).
		var named []probe
		for _, p := range probes {
			if p.namesA && p.scheme == "delegated" {
				if _, raw := p.body.([]byte); !raw {
					named = append(named, p)
				}
			}
		}
		own := probe{method: "GET", path: "/me", scheme: "delegated", token: a.delegated}
		for i := 0; i < len(named); i += 10 {
			var group []probe
			for _, p := range named[i:min(i+10, len(named))] {
				group = append(group, own, p)
			}
			v.batch(t, e, group, true)
		}
		checkpoint("the dependsOn batches")
	})

	// Tenant B's data holds nothing of tenant A's either: nothing was
	// copied, moved, shared or delivered across.
	bExport := exportTenant(t, e, a.b.ID)
	for _, mk := range v.markers {
		if bytes.Contains(bExport, []byte(mk)) {
			t.Errorf("tenant B's data holds tenant A's %q", mk)
		}
	}
	var codes []string
	for _, c := range sortedInts(stats) {
		codes = append(codes, fmt.Sprintf("%d×%d", stats[c], c))
	}
	t.Logf("cross-tenant: %d direct requests over %d served endpoints, tokens holding %d scopes and %d roles (statuses %s)",
		len(probes), len(e.srv.Graph().Served()), a.scopes, a.roles, strings.Join(codes, ", "))
}

func sortedInts(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// batch sends probes (of one token) as one $batch. With chain, every odd
// request depends on the one before it.
func (v *victim) batch(t *testing.T, e *env, ps []probe, chain bool) {
	t.Helper()
	type breq struct {
		ID        string            `json:"id"`
		Method    string            `json:"method"`
		URL       string            `json:"url"`
		Headers   map[string]string `json:"headers,omitempty"`
		Body      any               `json:"body,omitempty"`
		DependsOn []string          `json:"dependsOn,omitempty"`
	}
	var reqs []breq
	for i, p := range ps {
		r := breq{ID: fmt.Sprint(i + 1), Method: p.method, URL: p.path}
		if p.body != nil {
			r.Body, r.Headers = p.body, map[string]string{"Content-Type": "application/json"}
		}
		if chain && i%2 == 1 {
			r.DependsOn = []string{fmt.Sprint(i)}
		}
		reqs = append(reqs, r)
	}
	res := e.graphCall(t, "POST", "/$batch", ps[0].token, map[string]any{"requests": reqs})
	if res.status != 200 {
		t.Errorf("$batch of %d: %s", len(ps), res)
		return
	}
	var out struct {
		Responses []struct {
			ID     string          `json:"id"`
			Status int             `json:"status"`
			Body   json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(res.raw, &out); err != nil || len(out.Responses) != len(ps) {
		t.Errorf("$batch answer: %v, %d responses for %d requests", err, len(out.Responses), len(ps))
		return
	}
	byID := map[string]int{}
	for _, r := range out.Responses {
		byID[r.ID] = r.Status
	}
	for _, r := range out.Responses {
		var i int
		fmt.Sscan(r.ID, &i)
		p := ps[i-1]
		p.path = "$batch " + p.path
		if chain && i%2 == 0 && byID[fmt.Sprint(i-1)] >= 400 && r.Status != 424 {
			t.Errorf("%s: status %d after its dependency failed, want 424", p.path, r.Status)
		}
		v.check(t, p, r.Status, r.Body)
	}
}

// TestSecurityCrossTenantLinks covers the URLs that carry state across
// requests — delta links, nextLinks, upload sessions, sharing links, the
// pre-authenticated download and copy-monitor URLs — each taken from one
// tenant and turned against the other (the tenant segment swapped, a
// payload edited, tenant B's token on tenant A's link). OneDrive's
// pre-authenticated URLs ("downloadUrl … does not require authentication
// … valid for a short period", "uploadUrl … does not require an
// Authorization header") are capabilities: graphgate's sign (HMAC with a
// per-tenant key) or name an unguessable session id inside their tenant,
// so an edited one is refused and names nothing. Sharing links follow
// OneDrive's scopes: an organization link admits only the drive's tenant;
// an anonymous one admits anyone, on purpose.
func TestSecurityCrossTenantLinks(t *testing.T) {
	e := start(t)
	m := minter(t, e)
	v := newVictim(t, e, m)
	a := newAttacker(t, e, m)
	perms := everyPermission(t, e, catalog.DelegatedWork)
	adele := graphUser(t, e, m, "adele", perms...)
	before := exportTenant(t, e, demo.TenantID)
	mustGet := func(tok, path string) gresp {
		t.Helper()
		r := e.graphCall(t, "GET", path, tok, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: %s", path, r)
		}
		return r
	}
	str := func(r gresp, k string) string { s, _ := r.json[k].(string); return s }
	noLeak := func(t *testing.T, what string, r gresp, statuses ...int) {
		t.Helper()
		ok := len(statuses) == 0
		for _, s := range statuses {
			ok = ok || r.status == s
		}
		if !ok || r.status >= 500 {
			t.Errorf("%s: status %d, want one of %v\n%s", what, r.status, statuses, clip(string(r.raw), 300))
		}
		for _, mk := range v.markers {
			if bytes.Contains(r.raw, []byte(mk)) {
				t.Errorf("%s: the answer holds tenant A's %q\n%s", what, mk, clip(string(r.raw), 300))
			}
		}
	}
	swapTenant := func(u, from, to string) string {
		if !strings.Contains(u, "/"+from+"/") {
			t.Fatalf("%s does not name tenant %s", u, from)
		}
		return strings.Replace(u, "/"+from+"/", "/"+to+"/", 1)
	}

	t.Run("delta link of tenant A with tenant B's token", func(t *testing.T) {
		link := str(mustGet(adele, "/me/drive/root/delta"), "@odata.deltaLink")
		if link == "" {
			t.Fatal("no deltaLink")
		}
		noLeak(t, "tenant A's deltaLink, tenant B's token", e.graphCall(t, "GET", link, a.delegated, nil), 200, 400, 404, 410)
		u, _ := url.Parse(link)
		q := u.Query().Get("token")
		noLeak(t, "tenant A's delta token on tenant A's drive", e.graphCall(t, "GET", "/drives/"+v.ids["drive"]+"/root/delta?token="+url.QueryEscape(q), a.delegated, nil), 404)
		mine := str(mustGet(a.delegated, "/me/drive/root/delta"), "@odata.deltaLink")
		mu, _ := url.Parse(mine)
		noLeak(t, "tenant B's delta token on tenant A's drive", e.graphCall(t, "GET", "/drives/"+v.ids["drive"]+"/root/delta?token="+url.QueryEscape(mu.Query().Get("token")), a.app, nil), 404)
	})

	t.Run("nextLinks of tenant A with tenant B's token", func(t *testing.T) {
		for _, path := range []string{"/me/messages?$top=1", "/users?$top=1", "/groups?$top=1", "/me/events?$top=1", "/me/drive/root/children?$top=1"} {
			next := str(mustGet(adele, path), "@odata.nextLink")
			if next == "" {
				t.Fatalf("%s: no nextLink", path)
			}
			noLeak(t, "tenant A's nextLink "+next, e.graphCall(t, "GET", next, a.delegated, nil), 200, 400, 404)
		}
	})

	t.Run("upload session URL with the tenant swapped", func(t *testing.T) {
		mine := mustCreated(t, e, a.delegated, "POST", "/me/drive/root:/upload.bin:/createUploadSession", map[string]any{})
		up, _ := mine["uploadUrl"].(string)
		theirs := mustCreated(t, e, adele, "POST", "/me/drive/root:/upload.bin:/createUploadSession", map[string]any{})
		theirsURL, _ := theirs["uploadUrl"].(string)
		for name, u := range map[string]string{
			"tenant B's session under tenant A": swapTenant(up, a.b.ID, demo.TenantID),
			"tenant A's session under tenant B": swapTenant(theirsURL, demo.TenantID, a.b.ID),
		} {
			r := e.graphCall(t, "PUT", u, "", []byte("0123456789"), "Content-Range", "bytes 0-9/10", "Content-Type", "application/octet-stream")
			noLeak(t, name, r, 404)
		}
		// Tenant A's session, abandoned: deleting it is tenant A's business.
		e.graphCall(t, "DELETE", theirsURL, "", nil)
		before = exportTenant(t, e, demo.TenantID)
	})

	t.Run("sharing links", func(t *testing.T) {
		share := v.ids["share"]
		for _, p := range []string{"/shares/" + share, "/shares/" + share + "/driveItem", "/shares/" + share + "/driveItem/content"} {
			noLeak(t, "tenant A's organization link "+p+" (delegated)", e.graphCall(t, "GET", p, a.delegated, nil), 403)
			noLeak(t, "tenant A's organization link "+p+" (app-only)", e.graphCall(t, "GET", p, a.app, nil), 403)
		}
		link := mustGet(adele, "/me/drive/items/"+v.ids["item"]+"/permissions")
		var web string
		for _, p := range link.json["value"].([]any) {
			pm := p.(map[string]any)
			if l, ok := pm["link"].(map[string]any); ok && l["scope"] == "organization" {
				web, _ = l["webUrl"].(string)
			}
		}
		if web == "" {
			t.Fatal("no organization link among the item's permissions")
		}
		encoded := "u!" + base64URL(web)
		noLeak(t, "tenant A's organization link as an encoded sharing URL", e.graphCall(t, "GET", "/shares/"+encoded+"/driveItem", a.delegated, nil), 403)
		noLeak(t, "tenant A's organization link opened without a token", e.graphCall(t, "GET", web, "", nil), 401)
		// A users link (an invitation to Megan) does not admit tenant B.
		inv := e.graphCall(t, "POST", "/me/drive/items/"+v.ids["item"]+"/invite", adele, map[string]any{"recipients": []any{map[string]any{"email": "megan@" + demo.TenantDomain}},
			"roles": []string{"read"}, "requireSignIn": true, "sendInvitation": false})
		if inv.status != 200 {
			t.Fatalf("invite: %s", inv)
		}
		// A share id naming tenant A with tenant B's own link id, and
		// tenant B's link id under tenant A.
		mineLink := mustCreated(t, e, a.delegated, "POST", "/me/drive/items/"+a.item+"/createLink", map[string]any{"type": "view", "scope": "organization"})
		mineID, _ := mineLink["id"].(string)
		forged := "s!" + base64URL(demo.TenantID+"/"+mineID)
		noLeak(t, "a share id of tenant A naming tenant B's link", e.graphCall(t, "GET", "/shares/"+forged+"/driveItem", a.delegated, nil), 403, 404)
		before = exportTenant(t, e, demo.TenantID)
		// An anonymous link admits anyone, of any tenant: OneDrive's
		// "Anyone with the link". Reading through it is the link's
		// purpose; it names only the shared item.
		anon := mustCreated(t, e, adele, "POST", "/me/drive/items/"+v.ids["item"]+"/createLink", map[string]any{"type": "view", "scope": "anonymous"})
		anonID, _ := anon["shareId"].(string)
		r := e.graphCall(t, "GET", "/shares/"+anonID+"/driveItem", a.delegated, nil)
		if r.status != 200 || r.json["id"] != v.ids["item"] {
			t.Errorf("an anonymous link for tenant B: %s", r)
		}
		before = exportTenant(t, e, demo.TenantID)
	})

	t.Run("download URL edited to name tenant A", func(t *testing.T) {
		mine := str(mustGet(a.delegated, "/me/drive/items/"+a.item), "@microsoft.graph.downloadUrl")
		u, err := url.Parse(mine)
		if err != nil || mine == "" {
			t.Fatalf("no download URL: %q", mine)
		}
		tok := u.Query().Get("tempauth")
		payload, sig, _ := strings.Cut(tok, ".")
		raw, err := base64.RawURLEncoding.DecodeString(payload)
		if err != nil {
			t.Fatal(err)
		}
		var cl map[string]any
		if err := json.Unmarshal(raw, &cl); err != nil {
			t.Fatal(err)
		}
		edit := func(tenant, drive, item string) string {
			c := map[string]any{}
			for k, x := range cl {
				c[k] = x
			}
			c["t"], c["d"], c["i"] = tenant, drive, item
			b, _ := json.Marshal(c)
			q := u.Query()
			q.Set("tempauth", base64.RawURLEncoding.EncodeToString(b)+"."+sig)
			uu := *u
			uu.RawQuery = q.Encode()
			return uu.String()
		}
		for name, target := range map[string]string{
			"tenant A's item, tenant B's signature": edit(demo.TenantID, v.ids["drive"], v.ids["item"]),
			"tenant B's ids under tenant A":         edit(demo.TenantID, cl["d"].(string), cl["i"].(string)),
			"tenant A's item inside tenant B":       edit(a.b.ID, v.ids["drive"], v.ids["item"]),
			"a tenant that has no download key yet": edit("0b7e0000-0000-4000-8000-000000000001", v.ids["drive"], v.ids["item"]),
			"signature cut":                         mine[:len(mine)-4],
		} {
			r := e.graphCall(t, "GET", target, "", nil)
			noLeak(t, name, r, 401, 404)
		}
	})

	t.Run("copy monitor URL with the tenant swapped", func(t *testing.T) {
		r := e.graphCall(t, "POST", "/me/drive/items/"+a.item+"/copy", a.delegated, map[string]any{"name": "copy.txt"})
		mon := r.header.Get("Location")
		if r.status != 202 || mon == "" {
			t.Fatalf("copy: %s", r)
		}
		noLeak(t, "tenant B's monitor under tenant A", e.graphCall(t, "GET", swapTenant(mon, a.b.ID, demo.TenantID), "", nil), 404)
	})

	if after := exportTenant(t, e, demo.TenantID); !bytes.Equal(before, after) {
		t.Errorf("tenant A's data changed:\n%s", exportDiff(before, after))
	}
}

func base64URL(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// mustCreated sends a write that must answer 200 or 201 and returns its
// JSON.
func mustCreated(t *testing.T, e *env, tok, method, path string, body any) map[string]any {
	t.Helper()
	r := e.graphCall(t, method, path, tok, body)
	if r.status != 200 && r.status != 201 {
		t.Fatalf("%s %s: %s", method, path, r)
	}
	return r.json
}
