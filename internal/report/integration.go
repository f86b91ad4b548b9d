package report

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/graphpath"
	"graphgate/internal/permname"
	"graphgate/internal/planner"
)

// PlanComparison compares one group of a report (an app's delegated
// traffic) with the Home Assistant O365 integration's planner: which of
// the integration's features the calls belong to, the plan for those
// features, whether the plan's scopes allow every call, and every
// difference between the plan's scopes and the minimal set, explained.
type PlanComparison struct {
	App    string `json:"app"`
	Scheme string `json:"scheme"`
	// Config is the configuration the calls show: the features whose calls
	// were made, enable_update where a write service's call was made, the
	// shared mailbox the calls went to.
	Config   planner.Config    `json:"config"`
	Features []ObservedFeature `json:"features"`
	Plan     *planner.Plan     `json:"plan"`
	Minimal  []string          `json:"minimal"`
	// Covered: the plan's scopes allow every call of the integration.
	Covered bool           `json:"covered"`
	Calls   []CallCoverage `json:"calls"`
	// OnlyInPlan are plan scopes outside the minimal set; OnlyInMinimal
	// minimal permissions the plan does not request.
	OnlyInPlan    []Difference `json:"onlyInPlan,omitempty"`
	OnlyInMinimal []Difference `json:"onlyInMinimal,omitempty"`
	// Foreign are endpoints the integration does not call.
	Foreign     []string `json:"foreign,omitempty"`
	Explanation string   `json:"explanation"`
}

// ObservedFeature is a feature of the integration seen in the traffic.
type ObservedFeature struct {
	Feature planner.Feature `json:"feature"`
	// Writes: a call of its write services was made.
	Writes    bool     `json:"writes"`
	Endpoints []string `json:"endpoints"`
}

// CallCoverage says whether the plan's scopes allow one endpoint.
type CallCoverage struct {
	Endpoint string          `json:"endpoint"`
	Feature  planner.Feature `json:"feature"`
	// AllowedBy is the plan's alternative that allows it ("" when none);
	// Trimmed: only a permission that trims the answer does.
	AllowedBy string `json:"allowedBy,omitempty"`
	Trimmed   bool   `json:"trimmed,omitempty"`
}

// Difference is a permission in one set and not the other, and why.
type Difference struct {
	Permission string `json:"permission"`
	Why        string `json:"why"`
}

// endpointKey names an endpoint across a report and the planner's calls.
type endpointKey struct{ method, template string }

// ComparePlan compares a delegated group of a report with the planner.
func (a *Analyzer) ComparePlan(g *Group, pl *planner.Planner) (*PlanComparison, error) {
	scheme, err := catalog.ParseScheme(g.Scheme)
	if err != nil {
		return nil, err
	}
	if !scheme.Delegated() {
		return nil, fmt.Errorf("the integration signs in a user: %s traffic of app %q is not its traffic", g.Scheme, g.App)
	}
	features, err := a.integrationEndpoints(pl)
	if err != nil {
		return nil, err
	}
	cmp := &PlanComparison{App: g.App, Scheme: g.Scheme, Minimal: []string{}, Calls: []CallCoverage{}}
	for _, c := range g.Minimal.Permissions {
		cmp.Minimal = append(cmp.Minimal, c.Permission)
	}

	// Which features the calls belong to, and the configuration they show.
	cfg := planner.Config{EnableCalendar: planner.Bool(false), UpdateOverrides: map[planner.Feature]bool{}}
	if scheme == catalog.DelegatedPersonal {
		cfg.AccountType = planner.Personal
	}
	seen := map[planner.Feature]*ObservedFeature{}
	featureOf := map[int]planner.Feature{}
	for i := range g.Endpoints {
		ep := &g.Endpoints[i]
		ic, ok := features[endpointKey{ep.Method, ep.Template}]
		if !ok {
			cmp.Foreign = append(cmp.Foreign, ep.Method+" "+DisplayPath(ep.Template, ep.MeFallback))
			continue
		}
		featureOf[i] = ic.call.Feature
		of := seen[ic.call.Feature]
		if of == nil {
			of = &ObservedFeature{Feature: ic.call.Feature}
			seen[ic.call.Feature] = of
		}
		of.Endpoints = append(of.Endpoints, ep.Method+" "+DisplayPath(ep.Template, ep.MeFallback))
		if ic.call.Write {
			of.Writes = true
		}
		if ic.shared && cfg.SharedMailbox == "" {
			cfg.SharedMailbox = userInPath(ep.Examples)
		}
		if ic.call.Feature == planner.FeatureCalendar && ep.Method == "GET" && strings.HasSuffix(ep.Template, "/calendarview") && len(ep.Select) > 0 && !contains(ep.Select, "body") {
			cfg.BasicCalendar = true
		}
		if ic.call.Feature == planner.FeatureOtherStatus && ep.Template == "/users/{id}" {
			if u := userInPath(ep.Examples); u != "" {
				cfg.OtherStatusEmails = append(cfg.OtherStatusEmails, u)
			}
		}
	}
	for _, f := range planner.Features() {
		of := seen[f]
		if of == nil {
			continue
		}
		cmp.Features = append(cmp.Features, *of)
		switch f {
		case planner.FeatureCalendar:
			cfg.EnableCalendar = planner.Bool(true)
		case planner.FeatureGroups:
			cfg.Groups = true
		case planner.FeatureEmail, planner.FeatureQuery:
			cfg.EmailSensors = true
		case planner.FeatureAutoReply:
			cfg.AutoReply = true
		case planner.FeatureStatusSensor:
			cfg.StatusSensors = true
		case planner.FeatureOtherStatus:
			if len(cfg.OtherStatusEmails) == 0 {
				cfg.OtherStatusEmails = []string{"watched-user"}
			}
		case planner.FeatureChat:
			cfg.ChatSensors = true
		case planner.FeatureTodo:
			cfg.Todo = true
		}
		if of.Writes && f != planner.FeatureAccount && f != planner.FeatureOtherStatus && f != planner.FeatureAutoReply {
			cfg.UpdateOverrides[f] = true
		}
	}
	if seen[planner.FeatureSendMail] == nil {
		cfg.UpdateOverrides[planner.FeatureSendMail] = false
	}
	cmp.Config = cfg
	plan, err := pl.Plan(cfg)
	if err != nil {
		return nil, err
	}
	cmp.Plan = plan

	// Whether the plan's scopes allow each call.
	var planSet catalog.Set
	for _, s := range plan.MSALScopes {
		if p, ok := a.cat.Lookup(s); ok {
			planSet.Add(p)
		}
	}
	cmp.Covered = true
	for i := range g.Endpoints {
		f, ok := featureOf[i]
		if !ok {
			continue
		}
		ep := &g.Endpoints[i]
		cc := CallCoverage{Endpoint: ep.Method + " " + DisplayPath(ep.Template, ep.MeFallback), Feature: f}
		if x, ok := a.allowedBy(ep, &planSet); ok {
			cc.AllowedBy = x
		} else {
			for _, t := range ep.TrimmedBy {
				if p, ok := a.cat.Lookup(t); ok && planSet.Has(p) {
					cc.AllowedBy, cc.Trimmed = t, true
					break
				}
			}
		}
		if cc.AllowedBy == "" {
			cmp.Covered = false
		}
		cmp.Calls = append(cmp.Calls, cc)
	}
	a.differences(cmp, g, plan)
	cmp.Explanation = cmp.explain()
	return cmp, nil
}

// integrationCall is one of the planner's calls, matched to the route
// table.
type integrationCall struct {
	call   planner.Call
	shared bool
}

// integrationEndpoints maps every endpoint the integration can call (all
// features, enable_update, own or shared mailbox) to its call.
func (a *Analyzer) integrationEndpoints(pl *planner.Planner) (map[endpointKey]integrationCall, error) {
	all := planner.Config{Groups: true, EmailSensors: true, QuerySensors: true, StatusSensors: true,
		OtherStatusEmails: []string{"watched@example.com"}, ChatSensors: true, Todo: true, AutoReply: true, EnableUpdate: true}
	out := map[endpointKey]integrationCall{}
	for _, shared := range []bool{false, true} {
		cfg := all
		if shared {
			cfg.SharedMailbox = "shared@example.com"
		}
		calls, err := pl.Calls(cfg)
		if err != nil {
			return nil, err
		}
		for _, c := range calls {
			m, err := a.tab.Match(c.Method, c.Path)
			if err != nil {
				return nil, fmt.Errorf("the planner's call %s %s has no rule: %w", c.Method, c.Path, err)
			}
			k := endpointKey{c.Method, m.Route.Template}
			if _, dup := out[k]; !dup {
				out[k] = integrationCall{call: c, shared: shared}
			}
		}
	}
	return out, nil
}

// allowedBy returns the first of an endpoint's alternatives a set
// satisfies.
func (a *Analyzer) allowedBy(ep *Endpoint, set *catalog.Set) (string, bool) {
	for _, x := range ep.AllowedBy {
		p, ok := a.cat.Lookup(x.Permission)
		if !ok || !set.Has(p) {
			continue
		}
		if len(x.AlsoOneOf) == 0 {
			return x.String(), true
		}
		for _, n := range x.AlsoOneOf {
			if q, ok := a.cat.Lookup(n); ok && set.Has(q) {
				return x.Permission + " + " + n, true
			}
		}
	}
	return "", false
}

// differences explains every permission in one of the plan's scopes and
// the minimal set but not the other.
func (a *Analyzer) differences(cmp *PlanComparison, g *Group, plan *planner.Plan) {
	inMin := map[string]bool{}
	for _, m := range cmp.Minimal {
		inMin[strings.ToLower(m)] = true
	}
	inPlan := map[string]bool{}
	for _, s := range plan.MSALScopes {
		inPlan[strings.ToLower(s)] = true
	}
	// What the integration checks for itself, per scope.
	checked := map[string]string{}
	for _, fp := range plan.Features {
		for _, r := range append(append([]planner.Requirement(nil), fp.Minimum...), fp.Write...) {
			checked[strings.ToLower(r.Primary)] = r.PythonRepr()
		}
	}
	for _, s := range plan.MSALScopes {
		if inMin[strings.ToLower(s)] {
			continue
		}
		p, ok := a.cat.Lookup(s)
		if !ok || p.Kind != catalog.Graph {
			continue
		}
		// The calls it would allow, per minimal permission that does.
		byCover := map[string][]string{}
		var covers []string
		for i := range g.Endpoints {
			ep := &g.Endpoints[i]
			for _, x := range ep.AllowedBy {
				if strings.EqualFold(x.Permission, s) && len(x.AlsoOneOf) == 0 {
					if _, ok := byCover[ep.CoveredBy]; !ok {
						covers = append(covers, ep.CoveredBy)
					}
					byCover[ep.CoveredBy] = append(byCover[ep.CoveredBy], ep.Method+" "+DisplayPath(ep.Template, ep.MeFallback))
					break
				}
			}
		}
		var trims []string
		for i := range g.Endpoints {
			ep := &g.Endpoints[i]
			for _, t := range ep.TrimmedBy {
				if strings.EqualFold(t, s) {
					trims = append(trims, ep.Method+" "+DisplayPath(ep.Template, ep.MeFallback))
				}
			}
		}
		var why []string
		if len(covers) > 0 {
			sort.Strings(covers)
			parts := make([]string, len(covers))
			for i, c := range covers {
				parts[i] = c + " allows " + listOf(byCover[c])
			}
			why = append(why, "the minimal set allows the calls it would: "+strings.Join(parts, "; "))
		}
		if len(trims) > 0 {
			why = append(why, fmt.Sprintf("it allows %s only with a trimmed answer (its basic properties), and the calls read more: without a $select they ask for the default properties", listOf(trims)))
		}
		if len(why) == 0 {
			why = append(why, "none of the calls needs it")
		}
		for _, o := range plan.MSALScopes {
			if q, ok := a.cat.Lookup(o); ok && q != p && permname.Implies(q.Parts, p.Parts) {
				why = append(why, fmt.Sprintf("%s, which the plan also requests, includes it", q.Name))
				break
			}
		}
		if pair, ok := checked[strings.ToLower(s)]; ok {
			why = append(why, fmt.Sprintf("the planner requests it because the integration checks for it itself (%s) before it sets up the feature or registers its write services, so the integration needs it even where Graph would not", pair))
		} else {
			why = append(why, "the planner requests it as the integration does")
		}
		cmp.OnlyInPlan = append(cmp.OnlyInPlan, Difference{Permission: s, Why: capitalize(strings.Join(why, "; ")) + "."})
	}
	var planSet catalog.Set
	for _, s := range plan.MSALScopes {
		if p, ok := a.cat.Lookup(s); ok {
			planSet.Add(p)
		}
	}
	for _, m := range cmp.Minimal {
		if inPlan[strings.ToLower(m)] {
			continue
		}
		var allowed, trimmed, missing []string
		for i := range g.Endpoints {
			ep := &g.Endpoints[i]
			if !coveredWith(ep.CoveredBy, m) {
				continue
			}
			name := ep.Method + " " + DisplayPath(ep.Template, ep.MeFallback)
			if by, ok := a.allowedBy(ep, &planSet); ok {
				allowed = append(allowed, name+" (plan: "+by+")")
				continue
			}
			by := ""
			for _, t := range ep.TrimmedBy {
				if p, ok := a.cat.Lookup(t); ok && planSet.Has(p) {
					by = t
					break
				}
			}
			if by != "" {
				trimmed = append(trimmed, name+" (plan: "+by+")")
			} else {
				missing = append(missing, name)
			}
		}
		foreign := 0
		for _, m := range missing {
			if contains(cmp.Foreign, m) {
				foreign++
			}
		}
		var why string
		switch {
		case len(missing) > 0 && foreign == len(missing):
			why = fmt.Sprintf("Needed by %s, which the integration does not call: another app's traffic, or a feature graphgate's planner does not know.", listOf(missing))
		case len(missing) > 0:
			why = fmt.Sprintf("The plan's scopes do not allow %s, calls of the integration: the planner misses it.", listOf(missing))
		case len(trimmed) > 0:
			why = fmt.Sprintf("The plan's scopes allow %s only with a trimmed answer, its basic properties: enough for an integration that reads only those, and a $select of them would make the minimal set need no more either.", listOf(trimmed))
		default:
			why = fmt.Sprintf("The plan allows its calls with scopes of its own (%s); the minimal set takes %s because it is cheaper together with the rest of the set.", listOf(allowed), m)
		}
		cmp.OnlyInMinimal = append(cmp.OnlyInMinimal, Difference{Permission: m, Why: why})
	}
}

// coveredWith reports whether an endpoint's CoveredBy ("P" or "P + one
// of A, B") names permission m.
func coveredWith(coveredBy, m string) bool {
	first, rest, _ := strings.Cut(coveredBy, " + one of ")
	if strings.EqualFold(first, m) {
		return true
	}
	for _, a := range strings.Split(rest, ", ") {
		if strings.EqualFold(a, m) {
			return true
		}
	}
	return false
}

func (c *PlanComparison) explain() string {
	names := make([]string, len(c.Features))
	for i, f := range c.Features {
		names[i] = f.Feature.String()
	}
	s := fmt.Sprintf("The calls are the integration's %s", strings.Join(names, ", "))
	switch len(c.Foreign) {
	case 0:
	case 1:
		s += ", and 1 endpoint it does not call"
	default:
		s += fmt.Sprintf(", and %d endpoints it does not call", len(c.Foreign))
	}
	if c.Covered {
		s += "; the plan's scopes allow every one of its calls"
	} else {
		s += "; the plan's scopes do NOT allow every one of its calls"
	}
	switch n := len(c.OnlyInPlan) + len(c.OnlyInMinimal); n {
	case 0:
		s += ", and they are exactly the minimal set."
	case 1:
		s += ", and differ from the minimal set in 1 permission (explained)."
	default:
		s += fmt.Sprintf(", and differ from the minimal set in %d permissions (explained).", n)
	}
	return s
}

// userInPath returns the user a /users/{x}/… example URL names.
func userInPath(examples []string) string {
	for _, e := range examples {
		p, _, err := graphPath(e, nil)
		if err != nil {
			continue
		}
		var np graphpath.Path
		if graphpath.Normalize(&np, p, graphpath.Request) != nil || np.N < 2 || string(np.Text(0)) != "users" {
			continue
		}
		id := strings.Trim(np.Orig(1), "'\"")
		if u, err := url.PathUnescape(id); err == nil {
			id = u
		}
		return id
	}
	return ""
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
