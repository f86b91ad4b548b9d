package report

import (
	"strings"
	"time"
)

// Report is the least-privilege report of a list of calls. It is plain
// data with JSON tags: `graphgate report least-privilege --json` writes it
// and `graphgate plan --from-report` reads it back.
type Report struct {
	// Calls counts every call read; Placed those on a route of the table,
	// Unplaced the others, Filtered those left out by --app or --scheme.
	Calls    int `json:"calls"`
	Placed   int `json:"placed"`
	Unplaced int `json:"unplaced"`
	Filtered int `json:"filtered,omitempty"`
	// Groups holds one entry per app and scheme, apps in name order,
	// schemes delegated (work), delegated (personal), application.
	Groups []Group `json:"groups"`
	// UnplacedCalls lists the calls graphgate cannot place, per distinct
	// method and URL (without its query), never fatal; UnplacedOmitted
	// counts the distinct ones beyond the list's bound.
	UnplacedCalls   []Unplaced `json:"unplacedCalls,omitempty"`
	UnplacedOmitted int        `json:"unplacedOmitted,omitempty"`
	// Notes are what the report assumed.
	Notes []string `json:"notes,omitempty"`
}

// Group is the report of one app in one scheme.
type Group struct {
	// App is the app's client id ("" when the input does not say).
	App string `json:"app"`
	// Scheme is DelegatedWork, DelegatedPersonal or Application.
	Scheme string `json:"scheme"`
	Calls  int    `json:"calls"`
	// SchemeAssumed counts calls whose input did not say their scheme.
	SchemeAssumed int        `json:"schemeAssumed,omitempty"`
	FirstSeen     *time.Time `json:"firstSeen,omitempty"`
	LastSeen      *time.Time `json:"lastSeen,omitempty"`
	// Granted are the permissions the tokens held (the union over the
	// calls whose token the input shows), when GrantKnown; SignIn are the
	// OpenID scopes among them, Unknown the names that are not permissions.
	GrantKnown bool     `json:"grantKnown"`
	Granted    []string `json:"granted,omitempty"`
	SignIn     []string `json:"signIn,omitempty"`
	Unknown    []string `json:"unknownGranted,omitempty"`
	// Needed lists, for every endpoint, its least privileged alternative
	// on its own: what a per-call tool would add up.
	Needed []string `json:"needed"`
	// Minimal is the cheapest set that allows every call.
	Minimal Minimal `json:"minimal"`
	// Add, Narrow and Excess compare the grant with the minimal set (when
	// the grant is known): minimal permissions the grant lacks, granted
	// permissions broader than a minimal one they include, and granted
	// permissions the minimal set does not need at all.
	Add    []string    `json:"add,omitempty"`
	Narrow []Narrowing `json:"narrow,omitempty"`
	Excess []Excess    `json:"excess,omitempty"`
	// Endpoints are the calls per method and route.
	Endpoints []Endpoint `json:"endpoints"`
	// Denied are the endpoints with calls Graph refused (401 or 403) or,
	// when the grant is known, that it does not allow.
	Denied []Denied `json:"denied,omitempty"`
	// Impossible are endpoints no permission of the scheme allows.
	Impossible []Impossible `json:"impossible,omitempty"`
}

// Minimal is the minimal set of one group.
type Minimal struct {
	Permissions []Chosen `json:"permissions"`
	// Exact: the search proved the set minimal; otherwise it is the best
	// found within the search's bound (Note says so).
	Exact    bool   `json:"exact"`
	Searched int    `json:"searched"`
	Note     string `json:"note,omitempty"`
}

// Chosen is one permission of a minimal set.
type Chosen struct {
	Permission     string `json:"permission"`
	PrivilegeLevel int    `json:"privilegeLevel,omitempty"`
	AdminConsent   bool   `json:"adminConsent"`
	// Endpoints and Calls count what it allows among the group's calls.
	Endpoints int `json:"endpoints"`
	Calls     int `json:"calls"`
	// Granted is "yes", "no", or "via NAME" (a granted permission that
	// includes it); "" when the grant is unknown.
	Granted string `json:"granted,omitempty"`
	// Why says why it is in the set, and what it stands in for.
	Why string `json:"why"`
}

// Narrowing is a granted permission broader than the minimal ones it
// includes: the grant may hold To instead.
type Narrowing struct {
	From string   `json:"from"`
	To   []string `json:"to"`
	Why  string   `json:"why"`
}

// Excess is a granted permission the calls do not need.
type Excess struct {
	Permission string `json:"permission"`
	Why        string `json:"why"`
}

// Alternative is one way to allow an endpoint: a permission, and when the
// route table or the engine says so, one of AlsoOneOf with it.
type Alternative struct {
	Permission string   `json:"permission"`
	AlsoOneOf  []string `json:"alsoOneOf,omitempty"`
}

// String renders the alternative: "P" or "P + one of A, B".
func (a Alternative) String() string {
	if len(a.AlsoOneOf) == 0 {
		return a.Permission
	}
	return a.Permission + " + one of " + strings.Join(a.AlsoOneOf, ", ")
}

// Endpoint is the calls of one group to one method and route (and, for
// GET, the same reach into basic properties).
type Endpoint struct {
	Method   string `json:"method"`
	Template string `json:"template"`
	// Source is the route's source when not Microsoft's data (docs,
	// retired: graphgate's supplement).
	Source string `json:"source,omitempty"`
	// OwnData: /users/{id} naming the signed-in user. MeFallback: a /me
	// path Microsoft's data lacks, decided by the rule of its /users/{id}
	// twin (Template is the twin's).
	OwnData    bool `json:"ownData,omitempty"`
	MeFallback bool `json:"meFallback,omitempty"`
	Calls      int  `json:"calls"`
	// Denied counts calls Graph answered 401 or 403.
	Denied   int      `json:"denied,omitempty"`
	Examples []string `json:"examples"`
	// Select are the properties the calls selected or expanded (lower
	// case); empty when a call read the default properties.
	Select []string `json:"select,omitempty"`
	// Least is the cheapest alternative alone; AllowedBy every alternative,
	// cheapest first; TrimmedBy the permissions that would answer a GET
	// without what their property limit trims.
	Least     string        `json:"least"`
	AllowedBy []Alternative `json:"allowedBy"`
	TrimmedBy []string      `json:"trimmedBy,omitempty"`
	// CoveredBy is the minimal set's alternative that allows it.
	CoveredBy string `json:"coveredBy,omitempty"`
	// Grant says what the grant does with it: "allows", "trims" (allows
	// it with a trimmed answer) or "denies"; "" when the grant is unknown.
	Grant      string   `json:"grant,omitempty"`
	Notes      []string `json:"notes,omitempty"`
	RequestIDs []string `json:"requestIds,omitempty"`
}

// Denied is an endpoint with refused calls and what would allow them.
type Denied struct {
	Method   string `json:"method"`
	Template string `json:"template"`
	Example  string `json:"example"`
	// Calls counts the refused calls (observed), or every call of the
	// endpoint when Predicted (the grant does not allow it).
	Calls      int      `json:"calls"`
	Predicted  bool     `json:"predicted,omitempty"`
	RequestIDs []string `json:"requestIds,omitempty"`
	// WouldAllow are the cheapest alternatives; InMinimal the minimal
	// set's.
	WouldAllow []string `json:"wouldAllow"`
	InMinimal  string   `json:"inMinimal,omitempty"`
}

// Impossible is an endpoint no permission of the group's scheme allows.
type Impossible struct {
	Method      string `json:"method"`
	Template    string `json:"template"`
	Calls       int    `json:"calls"`
	Reason      string `json:"reason"`
	Explanation string `json:"explanation"`
}

// Unplaced is a call graphgate cannot place, with how often it was made.
type Unplaced struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	Calls  int    `json:"calls"`
	// Reason is one of the Unplaced… constants; Detail says it in words.
	Reason string `json:"reason"`
	Detail string `json:"detail"`
	Where  string `json:"where,omitempty"`
}

// DeniedAllowedBy returns the group's denied endpoints that one of names
// would allow (alone or with what it also needs): what a missing
// permission costs, for the bridge's Permissions sensor.
func (g *Group) DeniedAllowedBy(names ...string) []Denied {
	var out []Denied
	for _, d := range g.Denied {
		ep := g.endpoint(d.Method, d.Template)
		if ep == nil {
			continue
		}
		if allowedByAny(ep, names) {
			out = append(out, d)
		}
	}
	return out
}

func (g *Group) endpoint(method, template string) *Endpoint {
	for i := range g.Endpoints {
		if g.Endpoints[i].Method == method && g.Endpoints[i].Template == template {
			return &g.Endpoints[i]
		}
	}
	return nil
}

func allowedByAny(ep *Endpoint, names []string) bool {
	for _, a := range ep.AllowedBy {
		for _, n := range names {
			if strings.EqualFold(a.Permission, n) {
				return true
			}
		}
	}
	return false
}

// DisplayPath is the path people recognise for an endpoint: the template,
// or for a /me call decided by its /users/{id} twin, the /me form.
func DisplayPath(template string, meFallback bool) string {
	if meFallback && strings.HasPrefix(strings.ToLower(template), "/users/{") {
		if i := strings.Index(template[1:], "/"); i >= 0 {
			if j := strings.Index(template[i+2:], "/"); j >= 0 {
				return "/me" + template[i+2+j:]
			}
			return "/me"
		}
	}
	return template
}
