package explorer

import (
	"net/http"
	"net/url"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/roles"
	"graphgate/internal/routes"
)

// ExplainForm is the explain form's fields: a GET form, so an answer is a
// link to share.
type ExplainForm struct {
	// Kind is delegated or application.
	Kind string `json:"kind"`
	// Account is work or personal (delegated only).
	Account string `json:"account"`
	// Scopes are the token's scp (delegated) or roles (application).
	Scopes string `json:"scopes"`
	// UserRoles are the signed-in user's directory roles.
	UserRoles string `json:"userRoles,omitempty"`
	Guest     bool   `json:"guest,omitempty"`
	// Target is inferred (from the path), self, other, shared-mailbox,
	// group, chat or tenant; Shared what the owner shared (read, write,
	// send); Member the user's membership of the group or chat.
	Target string `json:"target"`
	Shared string `json:"shared,omitempty"`
	Member bool   `json:"member,omitempty"`
	Method string `json:"method"`
	Path   string `json:"path"`
}

// ExplainResult is the engine's Decision, as `graphgate explain --json`
// gives it (the same field names).
type ExplainResult struct {
	Allow   bool   `json:"allow"`
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
	// Check names the engine's check that decided.
	Check       string   `json:"check"`
	Status      int      `json:"status"`
	Explanation string   `json:"explanation"`
	Method      string   `json:"method"`
	Path        string   `json:"path"`
	Scheme      string   `json:"scheme"`
	Route       string   `json:"route,omitempty"`
	RouteSource string   `json:"routeSource,omitempty"`
	MeFallback  bool     `json:"meFallback,omitempty"`
	Granted     string   `json:"grantedBy,omitempty"`
	Via         string   `json:"via,omitempty"`
	Candidates  []string `json:"wouldAllow"`
	Least       []string `json:"leastPrivileged,omitempty"`
	AlsoOneOf   []string `json:"alsoNeedsOneOf,omitempty"`
	UserRoles   []string `json:"userNeedsOneOfRoles,omitempty"`
	Sharing     string   `json:"ownerMustShare,omitempty"`
	Relation    string   `json:"relation,omitempty"`
	Fact        string   `json:"fact,omitempty"`
	Limit       string   `json:"limit,omitempty"`
	Note        string   `json:"note,omitempty"`
	PathURL     string   `json:"pathUrl,omitempty"`
}

// ExplainView is the explain page: the form, what was wrong with it, and
// the answer.
type ExplainView struct {
	Form ExplainForm `json:"request"`
	// Problems are what keeps the form from being decided.
	Problems []string       `json:"problems,omitempty"`
	Result   *ExplainResult `json:"result,omitempty"`
	// Retry asks the same question with one of the permissions that would
	// allow the call added, for the first few of them.
	Retry []RetryLink `json:"-"`
	// Methods and Targets fill the form's lists.
	Methods []string `json:"-"`
	Targets []string `json:"-"`
}

// RetryLink is the explain form's question with one permission added.
type RetryLink struct {
	Permission string
	URL        string
}

// maxRetry bounds the retry links of a denied call.
const maxRetry = 3

var targetNames = []string{"inferred", "self", "other", "shared-mailbox", "group", "chat", "tenant"}

func (e *explorer) handleExplain(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := ExplainForm{Kind: pick(q.Get("kind"), "delegated"), Account: pick(q.Get("account"), "work"), Scopes: field(q.Get("scopes")),
		UserRoles: field(q.Get("roles")), Guest: q.Get("guest") != "", Target: pick(q.Get("target"), "inferred"),
		Shared: field(q.Get("shared")), Member: q.Get("member") != "", Method: strings.ToUpper(pick(q.Get("method"), "GET")),
		Path: field(q.Get("path"))}
	v := ExplainView{Form: f, Methods: methodNames(), Targets: targetNames}
	if f.Path == "" {
		if wantsJSON(r) {
			e.fail(w, r, http.StatusBadRequest, "invalidRequest", "Give the call: /explorer/explain?scopes=User.Read&method=GET&path=/me/messages.", notFoundView{})
			return
		}
		e.render(w, r, http.StatusOK, "explain", pageData{Title: "Explain a call", Nav: "explain", Body: v})
		return
	}
	p, t, problems := e.principal(f)
	status := http.StatusOK
	if len(problems) == 0 {
		d := e.eng.Decide(p, f.Method, f.Path, t)
		switch d.Reason {
		case authz.BadRequest, authz.NoRoute, authz.MethodNotAllowed:
			problems = append(problems, d.Err().Error()+" (find the path under Paths, or with graphgate permissions routes --grep TEXT)")
		default:
			v.Result = resultOf(&d, f.Path)
			if !d.Allow {
				v.Retry = retryLinks(r.URL.Query(), f.Scopes, v.Result.Candidates)
			}
		}
	}
	v.Problems = problems
	if len(problems) > 0 {
		status = http.StatusBadRequest
		if wantsJSON(r) {
			e.fail(w, r, status, "invalidRequest", strings.Join(problems, " "), notFoundView{})
			return
		}
	}
	title := "Explain " + f.Method + " " + f.Path
	e.render(w, r, status, "explain", pageData{Title: title, Nav: "explain", Body: v})
}

// principal builds the engine's Principal and Target from the form. Names
// are looked up in the catalog as a token service would (exact names,
// case-insensitive); the web never compares permission names itself.
func (e *explorer) principal(f ExplainForm) (*authz.Principal, authz.Target, []string) {
	var problems []string
	p := &authz.Principal{Kind: authz.Delegated}
	switch f.Kind {
	case "delegated":
	case "application", "app":
		p.Kind = authz.App
	default:
		problems = append(problems, "The token kind is delegated or application, not "+f.Kind+".")
	}
	switch f.Account {
	case "work":
	case "personal":
		if p.Kind == authz.App {
			problems = append(problems, "An application token has no signed-in account: choose a work account, or a delegated token.")
		}
		p.Account = authz.Personal
	default:
		problems = append(problems, "The account type is work or personal, not "+f.Account+".")
	}
	p.Guest = f.Guest
	for _, n := range splitNames(f.Scopes) {
		perm, ok := e.cat.Lookup(n)
		if !ok {
			msg := n + " is not a permission Microsoft Graph issues."
			if res, err := e.cat.Resolve(n); err == nil {
				msg = n + " is the older reference's name; tokens carry " + res.Name + "."
			} else if s := e.cat.Suggest(n, 3); len(s) > 0 {
				msg += " Did you mean " + strings.Join(s, ", ") + "?"
			}
			problems = append(problems, msg)
			continue
		}
		p.Granted.Add(perm)
	}
	for _, n := range splitNames(f.UserRoles) {
		role, err := roles.Parse(n)
		if err != nil {
			problems = append(problems, err.Error()+".")
			continue
		}
		p.Roles = p.Roles.Add(role)
	}
	var t authz.Target
	switch f.Target {
	case "inferred":
	case "self":
		t.Relation = authz.RelSelf
	case "other":
		t.Relation = authz.RelOtherUser
	case "shared-mailbox":
		t.Relation = authz.RelSharedMailbox
	case "group":
		t.Relation = authz.RelGroup
	case "chat":
		t.Relation = authz.RelChat
	case "tenant":
		t.Relation = authz.RelTenant
	default:
		problems = append(problems, "The target is one of "+strings.Join(targetNames, ", ")+", not "+f.Target+".")
	}
	switch f.Shared {
	case "", "none":
	case "read":
		t.Access = authz.AccessRead
	case "write":
		t.Access = authz.AccessRead | authz.AccessWrite
	case "send":
		t.Access = authz.AccessSend
	default:
		problems = append(problems, "What the owner shared is none, read, write or send, not "+f.Shared+".")
	}
	if t.Access != 0 && t.Relation == authz.RelDefault {
		t.Relation = authz.RelOtherUser
	}
	t.Member = f.Member
	if _, err := routes.ParseMethod(f.Method); err != nil {
		problems = append(problems, err.Error()+".")
	}
	return p, t, problems
}

// retryLinks are the question again with each of the first candidates
// added to the token's permissions.
func retryLinks(q url.Values, scopes string, candidates []string) []RetryLink {
	var out []RetryLink
	for _, c := range candidates {
		if len(out) == maxRetry {
			break
		}
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Del("format")
		v.Set("scopes", strings.TrimSpace(scopes+" "+c))
		out = append(out, RetryLink{Permission: c, URL: Prefix + "/explain?" + v.Encode()})
	}
	return out
}

// resultOf is the decision as the explain page shows it: authz.Detail's
// fields (the same rendering as 'graphgate explain'), the verdict, the
// relation as a phrase and a link to the path's page.
func resultOf(d *authz.Decision, path string) *ExplainResult {
	det := d.Detail(path)
	res := &ExplainResult{Allow: det.Allow, Verdict: "Denied", Reason: det.Reason, Check: det.Check, Status: det.Status,
		Explanation: det.Explanation, Method: det.Method, Path: path, Scheme: det.Scheme, Route: det.Route, RouteSource: det.RouteSource,
		MeFallback: det.MeFallback, Granted: det.Granted, Via: det.Via, Candidates: det.Candidates, Least: det.Least,
		AlsoOneOf: det.AlsoOneOf, UserRoles: det.UserRoles, Sharing: det.Sharing, Limit: det.Limit, Note: det.Note}
	if det.Allow {
		res.Verdict = "Allowed"
	}
	if det.Route != "" {
		res.PathURL = pathURL(det.Method, det.Route)
	}
	if d.Relation != authz.ReachNone {
		res.Relation, res.Fact = d.Relation.Phrase(), det.Fact
	}
	return res
}

// splitNames splits a list typed by a person: spaces, commas or both.
func splitNames(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' })
}

func pick(s, def string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 64 {
		return def
	}
	return s
}

// field trims a text field and bounds it.
func field(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxField {
		s = s[:maxField]
	}
	return s
}
