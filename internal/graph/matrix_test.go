package graph_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/routes"
	"graphgate/internal/store"
)

// The permission matrix, generated from the route table for every endpoint
// the Graph server serves (graph.Server.Served):
//
//   - for each scheme (delegated work, delegated personal, application) and
//     each permission the endpoint accepts in it, a token holding only that
//     permission (plus one of its AlsoRequires) is allowed: not 401/403, and
//     the x-graphgate-decision header says allowed;
//   - a token holding an unrelated permission is denied with the workload's
//     403 body (directory, Exchange or Teams wording);
//   - the personal account with a work-only permission is denied;
//   - an app-only token on a /me path gets 400 BadRequest;
//   - a scheme with no accepted permission denies every token of it;
//   - delegated calls on another user's mail and calendar (the support
//     shared mailbox, delegated to Adele) are allowed with the .Shared
//     variants and denied with the own-data permissions;
//   - delegated calls with each accepted permission on the data of a user
//     who shared nothing with the caller, of a hidden-membership group the
//     caller is not a member of, and of a drive nothing of which is shared
//     with the caller, are denied with the workload's 403 body (OneDrive
//     hides items: 404), unless the engine says they read directory data.
//
// Write calls send "{}" and made-up deeper ids, so that handlers answer 400
// or 404 after authorization; the two deletes of directory objects target
// objects created for the call.

// workloadOf classifies a route by its path, independently of the server,
// to know which denial body Graph uses.
type denialKind int

const (
	directoryDenial denialKind = iota
	exchangeDenial
	teamsDenial
	driveDenial
	onenoteDenial
)

func denialOf(path string) denialKind {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, s := range segs {
		if s == "onenote" {
			return onenoteDenial
		}
	}
	for _, s := range segs {
		switch s {
		case "chats", "presence", "getpresencesbyuserid":
			return teamsDenial
		}
	}
	for _, s := range segs {
		switch s {
		case "drive", "drives", "shares":
			return driveDenial
		}
	}
	for _, s := range segs {
		switch s {
		case "messages", "mailfolders", "sendmail", "mailboxsettings", "events", "calendar", "calendars", "calendarview", "todo",
			"contacts", "contactfolders", "people":
			return exchangeDenial
		}
	}
	return directoryDenial
}

// knownDenialDeviations are routes whose 403 body differs from the one the
// path's workload has in Graph; the matrix accepts either body for them
// (with a TODO in the log). Empty: workloadOf classifies by path since
// group calendar collections (whose data lists only Group.* permissions)
// answered the directory's body instead of Exchange's.
var knownDenialDeviations = map[string]denialKind{}

var denialCodes = map[denialKind]string{directoryDenial: "Authorization_RequestDenied", exchangeDenial: "ErrorAccessDenied", teamsDenial: "Forbidden",
	driveDenial: "accessDenied", onenoteDenial: "40004"}

// unrelated permissions: valid in their scheme, accepted by no served route.
var unrelatedDelegated = []string{"Notes.Read", "Sites.Read.All", "Files.Read", "People.Read"}
var unrelatedApp = []string{"Notes.Read.All", "Sites.Read.All", "Files.Read.All"}

// matrix holds what the cases share.
type matrix struct {
	e      *env
	cat    *catalog.Catalog
	chatID string
	// shareID is an anonymous sharing link to a file of Adele's: any
	// caller, of any scheme, may follow it.
	shareID string
	drives  map[string]string
	pairs   int // (endpoint, permission) pairs shown to allow
	denials int
	// refused counts calls on the data of a user, group or drive the
	// caller has no relation to, refused; visible those allowed because
	// they read directory data.
	refused, visible int
	skipped          []string
	// narrowed lists calls the engine allowed that the handler then
	// refused because the permission reaches only the app's folder.
	narrowed []string
	// deviations are the routes of knownDenialDeviations seen deviating.
	deviations map[string]bool
}

func TestPermissionMatrix(t *testing.T) {
	e := newEnv(t)
	// A redirect (drive content's 302 to its downloadUrl) is the decided
	// answer; following it would lose the decision header.
	e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	m := &matrix{e: e, cat: catalog.Default(), drives: map[string]string{}, deviations: map[string]bool{}}
	m.chatID = e.chatWith(e.id("adele"), e.id("megan"))
	{
		rw := e.delegated("adele", "Files.ReadWrite")
		f := e.must(201, "PUT", "/me/drive/root:/matrix/shared.txt:/content", rw, []byte("shared"))
		link := e.must(201, "POST", "/me/drive/items/"+str(f, "id")+"/createLink", rw, map[string]any{"type": "view", "scope": "anonymous"})
		if m.shareID = str(link, "shareId"); m.shareID == "" {
			t.Fatalf("createLink answered no shareId: %v", link)
		}
	}

	eps := e.srv.Graph().Served()
	sort.Slice(eps, func(i, j int) bool {
		if eps[i].Route.Path != eps[j].Route.Path {
			return eps[i].Route.Path < eps[j].Route.Path
		}
		return eps[i].Method < eps[j].Method
	})
	if len(eps) < 100 {
		t.Fatalf("only %d endpoints served", len(eps))
	}
	for _, ep := range eps {
		t.Run(ep.Method+" "+ep.Route.Template, func(t *testing.T) { m.endpoint(t, ep) })
	}
	t.Logf("permission matrix: %d endpoints, %d (endpoint, permission) pairs allowed, %d denials checked", len(eps), m.pairs, m.denials)
	t.Logf("without a relation to the target: %d calls refused, %d directory reads allowed", m.refused, m.visible)
	if m.refused < 100 || m.visible == 0 {
		t.Errorf("too few calls without a relation: %d refused, %d directory reads", m.refused, m.visible)
	}
	for _, s := range m.skipped {
		t.Logf("not covered: %s", s)
	}
	for k := range m.deviations {
		t.Logf("TODO known deviation: %s denies with the directory's body, not its workload's", k)
	}
	for _, s := range m.narrowed {
		t.Logf("allowed, then confined to the app folder by the handler (403): %s", s)
	}
}

// chatWith finds the demo chat with exactly these members.
func (e *env) chatWith(ids ...string) string {
	items := e.srv.Store().(store.Items)
	its, _, err := items.QueryItems(context.Background(), store.ItemQuery{TenantID: demo.TenantID, Kind: graph.KindChat})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, it := range its {
		doc := string(it.Doc)
		n := strings.Count(doc, `"userId"`)
		ok := n == len(ids)
		for _, id := range ids {
			ok = ok && strings.Contains(doc, id)
		}
		if ok {
			return it.ID
		}
	}
	e.t.Fatalf("no chat of %v", ids)
	return ""
}

var tempSeq atomic.Int64

// tempUser creates a user to delete.
func (e *env) tempUser() string {
	id := fmt.Sprintf("7e3f0000-0000-4000-8000-%012d", tempSeq.Add(1))
	err := e.srv.Store().CreateUser(context.Background(), store.User{ID: id, TenantID: demo.TenantID, UserPrincipalName: "tmp" + id[24:] + "@" + demo.TenantDomain,
		DisplayName: "Temp", Kind: store.UserMember, AccountEnabled: true, CreatedAt: time.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// tempGroup creates a group owned by owner (a user id, or "") to delete.
func (e *env) tempGroup(owner string) string {
	id := fmt.Sprintf("7e3f1111-0000-4000-8000-%012d", tempSeq.Add(1))
	st := e.srv.Store()
	err := st.CreateGroup(context.Background(), store.Group{ID: id, TenantID: demo.TenantID, DisplayName: "Temp group", MailNickname: "tmp" + id[24:],
		SecurityEnabled: true, Visibility: store.VisibilityPublic, CreatedAt: time.Now()})
	if err != nil {
		e.t.Fatal(err)
	}
	if owner != "" {
		for _, role := range []store.MemberRole{store.RoleOwner, store.RoleMember} {
			if err := st.AddMember(context.Background(), store.Membership{TenantID: demo.TenantID, ContainerID: id, ContainerKind: store.ContainerGroup, MemberID: owner, Role: role}); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	return id
}

// driveOf returns the id of a demo user's OneDrive, read through Graph.
func (m *matrix) driveOf(key string) string {
	if id, ok := m.drives[key]; ok {
		return id
	}
	tok := m.e.app("Files.Read.All")
	path := "/users/" + m.e.id(key) + "/drive"
	if m.e.user(key).TenantID != demo.TenantID {
		tok, path = m.e.personal("Files.Read"), "/me/drive"
	}
	id := str(m.e.must(200, "GET", path, tok, nil), "id")
	if id == "" {
		m.e.t.Fatalf("%s has no drive id", key)
	}
	m.drives[key] = id
	return id
}

// target says who calls and which objects the path names.
type target struct {
	caller string // demo user key (delegated); "" for app-only
	first  string // the first {id}
}

// path fills a template's parameters: the first with first, deeper ones
// with made-up ids.
func fill(template, first string) string {
	segs := strings.Split(template, "/")
	n := 0
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if n == 0 && first != "" {
				segs[i] = first
			} else {
				segs[i] = fmt.Sprintf("AAMkAGmadeup%d", n)
			}
			n++
		}
	}
	return strings.Join(segs, "/")
}

// rootOf is the first segment of a normalized route path.
func rootOf(path string) string {
	s := strings.Split(strings.TrimPrefix(path, "/"), "/")
	return s[0]
}

func hasParam(path string) bool {
	s := strings.Split(strings.TrimPrefix(path, "/"), "/")
	return len(s) > 1 && s[1] == "{id}"
}

// targetFor chooses a caller and the first id that satisfy the route's
// relation rules for a scheme. ok is false when the scheme cannot name an
// object the path needs (the personal account has no groups or chats).
func (m *matrix) targetFor(ep graph.Endpoint, sch catalog.Scheme) (target, bool) {
	e := m.e
	p := ep.Route.Path
	root := rootOf(p)
	var tg target
	switch sch {
	case catalog.DelegatedWork:
		tg.caller = "adele"
	case catalog.DelegatedPersonal:
		tg.caller = "sam"
	}
	if root == "groups" && sch == catalog.DelegatedWork {
		tg.caller = "megan" // owner and member of Marketing
	}
	if p == "/users" && ep.Method == "POST" && sch == catalog.DelegatedWork {
		tg.caller = "admin" // creating users needs an administrator
	}
	if !hasParam(p) {
		return tg, true
	}
	switch root {
	case "users":
		switch {
		case p == "/users/{id}" && ep.Method == "DELETE":
			if sch == catalog.DelegatedPersonal {
				return tg, false
			}
			if sch == catalog.DelegatedWork {
				tg.caller = "admin"
			}
			tg.first = e.tempUser()
		case tg.caller != "":
			tg.first = e.id(tg.caller)
		default:
			tg.first = e.id("adele")
		}
	case "groups":
		if sch == catalog.DelegatedPersonal {
			return tg, false
		}
		tg.first = marketingID
		if p == "/groups/{id}" && ep.Method == "DELETE" {
			owner := ""
			if tg.caller != "" {
				owner = e.id(tg.caller)
			}
			tg.first = e.tempGroup(owner)
		}
	case "chats":
		if sch == catalog.DelegatedPersonal {
			return tg, false
		}
		tg.first = m.chatID
	case "directoryroles":
		tg.first = globalAdminRole
	case "administrativeunits":
		if sch == catalog.DelegatedPersonal {
			return tg, false
		}
		tg.first = seattleAUID
	case "drives":
		// The caller's own drive (Adele's for app-only calls).
		owner := tg.caller
		if owner == "" {
			owner = "adele"
		}
		tg.first = m.driveOf(owner)
	case "shares":
		tg.first = m.shareID
	default:
		return tg, false
	}
	return tg, true
}

// token mints a token of a scheme for a target holding perms.
func (m *matrix) token(sch catalog.Scheme, tg target, perms ...string) string {
	if sch == catalog.Application {
		return m.e.app(perms...)
	}
	return m.e.delegated(tg.caller, perms...)
}

func bodyFor(method string) any {
	if method == "GET" || method == "DELETE" {
		return nil
	}
	return "{}"
}

func (m *matrix) endpoint(t *testing.T, ep graph.Endpoint) {
	e := m.e
	meth, _ := routes.ParseMethod(ep.Method)
	rule := ep.Route.Rules[meth]
	key := ep.Method + " " + ep.Route.Path
	me := rootOf(ep.Route.Path) == "me"
	for _, sch := range catalog.Schemes() {
		if sch == catalog.Application && me {
			continue // app-only /me: below
		}
		accepted := rule.Accepted[sch]
		tg, ok := m.targetFor(ep, sch)
		if !ok {
			if len(accepted) > 0 {
				m.skipped = append(m.skipped, fmt.Sprintf("%s as %s (no object the scheme can name)", key, sch))
			}
			continue
		}
		path := ep.Route.Template
		if !me {
			path = fill(path, tg.first)
		} else {
			path = fill(path, "")
		}
		if len(accepted) == 0 {
			// The scheme cannot call the endpoint at all.
			perm := m.anyPermission(rule, sch)
			r := e.do(ep.Method, path, m.token(sch, tg, perm), bodyFor(ep.Method), header("client-request-id", "matrix-"+sch.String()))
			m.wantDenied(t, key, ep.Route.Path, r, sch, nil, perm)
			continue
		}
		for _, en := range accepted {
			perms := []string{en.Perm.Name}
			if len(en.AlsoRequires) > 0 {
				perms = append(perms, en.AlsoRequires[0].Name)
			}
			if ep.Method == "DELETE" && (ep.Route.Path == "/users/{id}" || ep.Route.Path == "/groups/{id}") {
				// Each delete consumes its object.
				tg, _ = m.targetFor(ep, sch)
				path = fill(ep.Route.Template, tg.first)
			}
			r := e.do(ep.Method, path, m.token(sch, tg, perms...), bodyFor(ep.Method))
			if r.Status == 403 && en.Perm.Parts.Constraint == "AppFolder" && strings.HasPrefix(r.Header.Get("x-graphgate-decision"), "allowed") {
				// The engine allows; the drive confines the permission to
				// the app's folder, and the made-up path is outside it.
				m.narrowed = append(m.narrowed, fmt.Sprintf("%s %s with %s", ep.Method, ep.Route.Template, en.Perm.Name))
				m.pairs++
				continue
			}
			if r.Status == 401 || r.Status == 403 || r.Status >= 500 || !strings.HasPrefix(r.Header.Get("x-graphgate-decision"), "allowed") {
				t.Errorf("%s %s as %s %s with %v: status %d, decision %q\n%s", ep.Method, path, sch, tg.caller, perms, r.Status, r.Header.Get("x-graphgate-decision"), r.Raw)
				continue
			}
			m.pairs++
			if len(en.AlsoRequires) > 0 && !contains(en.AlsoRequires, en.Perm) {
				// Without what it also requires, the permission is not enough.
				r := e.do(ep.Method, path, m.token(sch, tg, en.Perm.Name), bodyFor(ep.Method))
				if r.Status != 403 {
					t.Errorf("%s %s as %s with only %s (it also requires one of %s): status %d, want 403", ep.Method, path, sch, en.Perm.Name, en.AlsoRequires[0].Name, r.Status)
				}
				m.denials++
			}
		}
		// An unrelated permission is denied, in the workload's words.
		if ep.Method == "DELETE" && (ep.Route.Path == "/users/{id}" || ep.Route.Path == "/groups/{id}") {
			tg, _ = m.targetFor(ep, sch)
			path = fill(ep.Route.Template, tg.first)
		}
		perm := m.unrelated(rule, sch)
		r := e.do(ep.Method, path, m.token(sch, tg, perm), bodyFor(ep.Method), header("client-request-id", "matrix-"+sch.String()))
		m.wantDenied(t, key, ep.Route.Path, r, sch, accepted, perm)

		if sch == catalog.DelegatedWork && tg.caller == "adele" && rootOf(ep.Route.Path) == "users" && hasParam(ep.Route.Path) {
			m.shared(t, ep, rule)
		}
	}
	m.personalWorkOnly(t, ep, rule)
	m.noRelation(t, ep, rule)
	if me || rootOf(ep.Route.Path) == "users" && hasParam(ep.Route.Path) {
		m.appOnMe(t, ep, rule)
	}
}

// wantDenied checks a denial: 403 and the body of the route's workload.
func (m *matrix) wantDenied(t *testing.T, key, path string, r resp, sch catalog.Scheme, candidates []routes.Entry, held string) {
	t.Helper()
	m.denials++
	if r.Status != 403 {
		t.Errorf("%s as %s with %s: status %d, want 403\n%s", key, sch, held, r.Status, r.Raw)
		return
	}
	kind := denialOf(path)
	if k, ok := knownDenialDeviations[key]; ok && str(r.JSON, "error/code") == denialCodes[k] {
		// TODO: see knownDenialDeviations; accepted until workloadOf is fixed.
		m.deviations[key] = true
		kind = k
	}
	switch kind {
	case directoryDenial:
		wantError(t, r, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
	case exchangeDenial:
		wantError(t, r, 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	case driveDenial:
		wantError(t, r, 403, "accessDenied", "Access denied")
	case onenoteDenial:
		wantError(t, r, 403, "40004", "The OAuth token doesn't have the required scopes to perform the requested action.")
	case teamsDenial:
		if candidates == nil {
			wantError(t, r, 403, "Forbidden", "Missing scope permissions on the request. API requires one of '…")
			return
		}
		names := make([]string, len(candidates))
		for i, c := range candidates {
			names[i] = c.Perm.Name
		}
		wantError(t, r, 403, "Forbidden", fmt.Sprintf("Missing scope permissions on the request. API requires one of '%s'. Scopes on the request '%s'", strings.Join(names, ","), held))
	}
	if !t.Failed() && r.Header.Get("client-request-id") != "matrix-"+sch.String() {
		t.Errorf("%s: client-request-id not echoed: %q", key, r.Header.Get("client-request-id"))
	}
}

// unrelated picks a permission of the scheme that the rule does not accept.
func (m *matrix) unrelated(rule *routes.Rule, sch catalog.Scheme) string {
	list := unrelatedDelegated
	if sch == catalog.Application {
		list = unrelatedApp
	}
	for _, n := range list {
		p, ok := m.cat.Lookup(n)
		if ok && p.In(sch) && !rule.Sets[sch].Has(p) && !alsoRequired(rule, sch, p) {
			return n
		}
	}
	panic("no unrelated permission for " + rule.Route.Path)
}

func alsoRequired(rule *routes.Rule, sch catalog.Scheme, p *catalog.Permission) bool {
	for _, en := range rule.Accepted[sch] {
		for _, a := range en.AlsoRequires {
			if a == p {
				return true
			}
		}
	}
	return false
}

// anyPermission returns a permission another scheme accepts (a scheme
// with none must still deny it), valid in sch when possible.
func (m *matrix) anyPermission(rule *routes.Rule, sch catalog.Scheme) string {
	for _, other := range catalog.Schemes() {
		for _, en := range rule.Accepted[other] {
			if en.Perm.In(sch) {
				return en.Perm.Name
			}
		}
	}
	return m.unrelated(rule, sch)
}

// personalWorkOnly: Sam holding a permission personal accounts cannot have
// (one the endpoint accepts for work accounts when there is one) is denied.
func (m *matrix) personalWorkOnly(t *testing.T, ep graph.Endpoint, rule *routes.Rule) {
	tg, ok := m.targetFor(ep, catalog.DelegatedPersonal)
	if !ok {
		return
	}
	perm := "User.Read.All"
	for _, en := range rule.Accepted[catalog.DelegatedWork] {
		if !en.Perm.ValidForPersonal() {
			perm = en.Perm.Name
			break
		}
	}
	path := ep.Route.Template
	if rootOf(ep.Route.Path) != "me" {
		path = fill(path, tg.first)
	} else {
		path = fill(path, "")
	}
	r := m.e.do(ep.Method, path, m.e.personal(perm), bodyFor(ep.Method), header("client-request-id", "matrix-"+catalog.DelegatedPersonal.String()))
	m.wantDenied(t, ep.Method+" "+ep.Route.Path, ep.Route.Path, r, catalog.DelegatedPersonal, nil, perm)
}

// appOnMe: an app-only token on the /me form of a user path is refused
// with 400, whatever it holds.
func (m *matrix) appOnMe(t *testing.T, ep graph.Endpoint, rule *routes.Rule) {
	path := ep.Route.Template
	if rootOf(ep.Route.Path) == "users" {
		segs := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 3)
		if len(segs) < 3 {
			path = "/me" // PATCH and DELETE /me use the /users/{id} rule
		} else {
			path = "/me/" + segs[2]
		}
	}
	path = fill(path, "")
	perms := []string{"User.Read.All"}
	for _, en := range rule.Accepted[catalog.Application] {
		perms = append(perms, en.Perm.Name)
	}
	r := m.e.do(ep.Method, path, m.e.app(perms...), bodyFor(ep.Method))
	if r.Status == 400 && str(r.JSON, "error/code") == "BadRequest" && str(r.JSON, "error/message") == "/me request is only valid with delegated authentication flow." {
		m.denials++
		return
	}
	if rootOf(ep.Route.Path) == "users" && (r.Status == 400 || r.Status == 405) && strings.HasPrefix(str(r.JSON, "error/message"), "Resource not found for the segment") {
		return // the /me form of this path has no rule at all
	}
	t.Errorf("app-only %s %s: status %d, want 400 BadRequest for /me\n%s", ep.Method, path, r.Status, r.Raw)
}

// shared checks delegated access to another user's data: the support
// shared mailbox, whose mail (read, write, send) and calendar (read, write)
// are delegated to Adele. On every route that accepts a Mail or Calendars
// permission, each .Shared variant of an accepted permission allows; the
// own-data permissions alone are denied.
func (m *matrix) shared(t *testing.T, ep graph.Endpoint, rule *routes.Rule) {
	mailOrCalendar := false
	for _, en := range rule.Accepted[catalog.DelegatedWork] {
		switch en.Perm.Parts.Resource {
		case "Mail", "Calendars":
			mailOrCalendar = true
		}
	}
	if !mailOrCalendar {
		return
	}
	e := m.e
	path := fill(ep.Route.Template, e.id("support"))
	var variants []string
	seen := map[string]bool{}
	for _, en := range rule.Accepted[catalog.DelegatedWork] {
		name := en.Perm.Name
		if en.Perm.Parts.Constraint == "" {
			p, ok := m.cat.Lookup(name + ".Shared")
			if !ok || !p.In(catalog.DelegatedWork) {
				// Own data only: not enough for another user's mailbox.
				r := e.do(ep.Method, path, e.delegated("adele", name), bodyFor(ep.Method))
				if r.Status != 403 {
					t.Errorf("%s %s (support) with only %s: status %d, want 403\n%s", ep.Method, path, name, r.Status, r.Raw)
				}
				m.denials++
				continue
			}
			name = p.Name
		}
		if !seen[name] {
			seen[name] = true
			variants = append(variants, name)
		}
	}
	for _, name := range variants {
		r := e.do(ep.Method, path, e.delegated("adele", name), bodyFor(ep.Method))
		if r.Status == 401 || r.Status == 403 || r.Status >= 500 || !strings.HasPrefix(r.Header.Get("x-graphgate-decision"), "allowed") {
			t.Errorf("%s %s (support, delegated to Adele) with %s: status %d, decision %q\n%s", ep.Method, path, name, r.Status, r.Header.Get("x-graphgate-decision"), r.Raw)
			continue
		}
		m.pairs++
	}
}

// noRelation calls the endpoint, with each delegated permission it
// accepts, on data the caller has no relation to: Adele on Lynne's (who
// shared nothing with her), Megan on Project Falcon's (a hidden-membership
// group she is not a member of), Lynne on Megan's drive (nothing of which
// is shared with her). Each call is refused with the workload's body —
// OneNote's 40003 or 40002 for the missing relation, OneDrive's 404 for an
// item it hides — unless the engine allowed it as a read of directory data.
func (m *matrix) noRelation(t *testing.T, ep graph.Endpoint, rule *routes.Rule) {
	e := m.e
	var caller, first string
	switch rootOf(ep.Route.Path) {
	case "users":
		caller, first = "adele", e.id("lynne")
	case "groups":
		caller, first = "megan", falconID
	case "drives":
		caller, first = "lynne", m.driveOf("megan")
	default:
		return
	}
	if !hasParam(ep.Route.Path) {
		return
	}
	path := fill(ep.Route.Template, first)
	for _, en := range rule.Accepted[catalog.DelegatedWork] {
		perms := []string{en.Perm.Name}
		if len(en.AlsoRequires) > 0 {
			perms = append(perms, en.AlsoRequires[0].Name)
		}
		r := e.do(ep.Method, path, e.delegated(caller, perms...), bodyFor(ep.Method), header("client-request-id", "matrix-"+catalog.DelegatedWork.String()))
		dec := r.Header.Get("x-graphgate-decision")
		if strings.HasPrefix(dec, "allowed;") {
			if strings.Contains(dec, "directory data, read tenant-wide") && ep.Method == "GET" {
				m.visible++
				continue
			}
			t.Errorf("%s %s as %s with %v, no relation to the target: allowed (%d)\n%s", ep.Method, path, caller, perms, r.Status, dec)
			continue
		}
		reason, _, _ := strings.Cut(dec, ";")
		relation := reason == "not_shared" || reason == "not_group_member" || reason == "user_lacks_role" || reason == "hidden_membership"
		m.refused++
		switch kind := denialOf(ep.Route.Path); {
		case kind == onenoteDenial && relation && ep.Method == "GET":
			wantError(t, r, 403, "40003", "The user doesn't have permission to access the requested resource.")
		case kind == onenoteDenial && relation:
			wantError(t, r, 403, "40002", "The user doesn't have permission to write to the requested location.")
		case kind == driveDenial && r.Status == 404:
			wantError(t, r, 404, "itemNotFound", "The resource could not be found.")
		case kind == teamsDenial:
			// The candidates are those that reach another user's data.
			wantError(t, r, 403, "Forbidden", "Missing scope permissions on the request. API requires one of '…")
		default:
			m.wantDenied(t, ep.Method+" "+ep.Route.Path, ep.Route.Path, r, catalog.DelegatedWork, rule.Accepted[catalog.DelegatedWork], strings.Join(perms, " "))
			m.denials--
		}
		if t.Failed() {
			t.Logf("%s %s as %s with %v: %s", ep.Method, path, caller, perms, dec)
			return
		}
	}
}

func contains(ps []*catalog.Permission, p *catalog.Permission) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}
