package main

import (
	"fmt"
	"sort"
	"strings"

	"graphgate/internal/graphpath"
	"graphgate/internal/permname"
)

// Scheme names as Microsoft spells them.
const (
	DelegatedWork     = "DelegatedWork"
	DelegatedPersonal = "DelegatedPersonal"
	Application       = "Application"
)

var schemeOrder = []string{DelegatedWork, DelegatedPersonal, Application}

// Output is what Generate produces.
type Output struct {
	// PermissionsGo and RoutesGo are the generated files (Go source).
	PermissionsGo, RoutesGo []byte
	// Perms (sorted by name) and Routes (in path order) are what they hold.
	Perms  []*OutPermission
	Routes []*OutRoute
	Stats  struct{ Permissions, Routes, Pairs int }
	// UnusedFixes lists path fixes that no longer apply to the data.
	UnusedFixes []string
}

// OutScheme is one permission's description in one scheme.
type OutScheme struct {
	ID                   string
	AdminDisplayName     string
	AdminDescription     string
	UserDisplayName      string
	UserDescription      string
	RequiresAdminConsent bool
	PrivilegeLevel       int
	Hidden               bool
	Disabled             bool
}

// OutPermission is one permission of the catalog.
type OutPermission struct {
	Name              string
	AuthorizationType string
	Sources           []string
	Schemes           map[string]*OutScheme
}

// OutEntry is one accepted permission of a route, method and scheme.
type OutEntry struct {
	Perm         string
	Least        bool
	AlsoRequires []string
}

// OutRoute is one route of the table: a normalized path (plus, for two paths
// of the data, a $filter condition) and, per method and scheme, the accepted
// permissions, least privileged first.
type OutRoute struct {
	Path     string
	Query    string
	Template string
	Methods  map[string]map[string][]OutEntry
}

// Generate builds both files from the source.
func Generate(src *Source) (*Output, error) {
	perms, err := buildPermissions(src)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	routes, pairs, err := buildRoutes(src, perms, used)
	if err != nil {
		return nil, err
	}
	out := &Output{Routes: routes}
	for _, f := range pathFixes {
		if !used[f.from] {
			out.UnusedFixes = append(out.UnusedFixes, fmt.Sprintf("%q (%s)", f.from, f.why))
		}
	}
	out.Stats.Permissions = len(perms)
	out.Stats.Routes = len(routes)
	out.Stats.Pairs = pairs
	names := make([]string, 0, len(perms))
	for n := range perms {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out.Perms = append(out.Perms, perms[n])
	}
	if out.PermissionsGo, err = renderPermissions(out.Perms, src.Hashes); err != nil {
		return nil, fmt.Errorf("rendering the catalog: %w", err)
	}
	if out.RoutesGo, err = renderRoutes(routes, src.Hashes, pairs); err != nil {
		return nil, fmt.Errorf("rendering the route table: %w", err)
	}
	return out, nil
}

// buildPermissions merges the three files. permissions.json is authoritative
// for display strings, consent and privilege; the descriptions file fills
// what it lacks (and contributes the permissions only it has, such as the
// OpenID scopes); provisioningInfo.json gives ids and hidden flags.
func buildPermissions(src *Source) (map[string]*OutPermission, error) {
	canon := canonicalNames(src)
	perms := map[string]*OutPermission{}
	get := func(name, source string) *OutPermission {
		p := perms[name]
		if p == nil {
			p = &OutPermission{Name: name, Schemes: map[string]*OutScheme{}}
			perms[name] = p
		}
		for _, s := range p.Sources {
			if s == source {
				return p
			}
		}
		p.Sources = append(p.Sources, source)
		sort.Strings(p.Sources)
		return p
	}
	for name, sp := range src.Permissions {
		if _, err := permname.Parse(name); err != nil {
			return nil, fmt.Errorf("permissions.json: %w", err)
		}
		p := get(canon(name), "permissions")
		if p.AuthorizationType == "" {
			p.AuthorizationType = sp.AuthorizationType
		}
		for sch, s := range sp.Schemes {
			if !validScheme(sch) {
				return nil, fmt.Errorf("permissions.json: %s: unknown scheme %q", name, sch)
			}
			os := p.Schemes[sch]
			if os == nil {
				os = &OutScheme{}
				p.Schemes[sch] = os
			}
			fill(&os.AdminDisplayName, s.AdminDisplayName)
			fill(&os.AdminDescription, s.AdminDescription)
			fill(&os.UserDisplayName, s.UserDisplayName)
			fill(&os.UserDescription, s.UserDescription)
			os.RequiresAdminConsent = os.RequiresAdminConsent || s.RequiresAdminConsent
			if os.PrivilegeLevel == 0 {
				os.PrivilegeLevel = s.PrivilegeLevel
			}
			if sch == Application {
				// Application permissions are consented by an administrator only.
				os.RequiresAdminConsent = true
			}
		}
	}
	addDesc := func(list []srcDescription, delegated bool) error {
		for _, d := range list {
			if _, err := permname.Parse(d.Value); err != nil {
				return fmt.Errorf("permissions-descriptions.json: %w", err)
			}
			p := get(canon(d.Value), "descriptions")
			schemes := []string{Application}
			if delegated {
				schemes = []string{DelegatedWork, DelegatedPersonal}
			}
			for _, sch := range schemes {
				s := p.Schemes[sch]
				if s == nil {
					if sch == DelegatedPersonal {
						continue // personal validity comes from permissions.json (and the overlay) only
					}
					s = &OutScheme{RequiresAdminConsent: d.IsAdmin || !delegated}
					p.Schemes[sch] = s
				}
				fill(&s.AdminDisplayName, d.AdminConsentDisplayName)
				fill(&s.AdminDescription, d.AdminConsentDescription)
				if d.ConsentDisplayName != nil {
					fill(&s.UserDisplayName, *d.ConsentDisplayName)
				}
				if d.ConsentDescription != nil {
					fill(&s.UserDescription, *d.ConsentDescription)
				}
				fill(&s.ID, d.ID)
				if d.IsEnabled != nil && !*d.IsEnabled {
					s.Disabled = true
				}
			}
		}
		return nil
	}
	if err := addDesc(src.Delegated, true); err != nil {
		return nil, err
	}
	if err := addDesc(src.Application, false); err != nil {
		return nil, err
	}
	for name, deps := range src.Provisioning {
		if _, err := permname.Parse(name); err != nil {
			return nil, fmt.Errorf("provisioningInfo.json: %w", err)
		}
		// Prefer the public cloud's deployment; an empty environment means all.
		best := map[string]srcDeployment{}
		for _, d := range deps {
			if !validScheme(d.Scheme) {
				return nil, fmt.Errorf("provisioningInfo.json: %s: unknown scheme %q", name, d.Scheme)
			}
			if !publicCloud(d.Environment) {
				continue
			}
			if old, ok := best[d.Scheme]; !ok || rankEnv(d.Environment) < rankEnv(old.Environment) {
				best[d.Scheme] = d
			}
		}
		if len(best) == 0 {
			continue // pre-production or sovereign-cloud only
		}
		p := get(canon(name), "provisioning")
		for sch, d := range best {
			s := p.Schemes[sch]
			if s == nil {
				s = &OutScheme{RequiresAdminConsent: sch == Application}
				p.Schemes[sch] = s
			}
			// The provisioning id is the one tokens carry; it wins.
			s.ID = d.ID
			s.Hidden = d.IsHidden
			if d.IsEnabled != nil && !*d.IsEnabled {
				s.Disabled = true
			}
		}
	}
	// Delegated work and personal accounts share one id.
	for _, p := range perms {
		if w, ok := p.Schemes[DelegatedWork]; ok {
			if pe, ok := p.Schemes[DelegatedPersonal]; ok && pe.ID == "" {
				pe.ID = w.ID
				pe.Hidden = pe.Hidden || w.Hidden
			}
		}
	}
	return perms, nil
}

func publicCloud(env string) bool {
	if env == "" {
		return true
	}
	for _, e := range strings.Split(env, ";") {
		if strings.EqualFold(strings.TrimSpace(e), "public") {
			return true
		}
	}
	return false
}

func rankEnv(env string) int {
	if strings.EqualFold(env, "public") {
		return 0
	}
	if env == "" {
		return 2
	}
	return 1
}

func validScheme(s string) bool {
	return s == DelegatedWork || s == DelegatedPersonal || s == Application
}

func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = clean(v)
	}
}

// pathPerm collects, for one normalized route and one permission, what the
// data says per scheme. A path's value (least=, AlsoRequires=) belongs to
// the pathSet that lists it, so it is kept per method of that pathSet: the
// same path in another pathSet of the permission, with other methods, has a
// value of its own.
type pathPerm struct {
	methods map[string]map[string]bool     // scheme → methods
	least   map[string]map[string]bool     // scheme → method → marked least
	also    map[string]map[string][]string // scheme → method → AlsoRequires (any of)
}

type routeAcc struct {
	path, query string
	spellings   map[string]bool
	perms       map[string]*pathPerm
}

// canonicalNames maps each name to one spelling per case-insensitive name:
// permissions.json spells Calls.JoinGroupCallAsGuest.All twice, once as
// Calls.JoinGroupCallasGuest.All. The spelling that carries an id
// (provisioning or descriptions) wins; otherwise the alphabetically first.
func canonicalNames(src *Source) func(string) string {
	best := map[string]string{}
	withID := map[string]bool{}
	for n := range src.Provisioning {
		withID[n] = true
	}
	for _, d := range append(append([]srcDescription{}, src.Delegated...), src.Application...) {
		withID[d.Value] = true
	}
	consider := func(n string) {
		k := strings.ToLower(n)
		old, ok := best[k]
		if !ok || withID[n] && !withID[old] || withID[n] == withID[old] && n < old {
			best[k] = n
		}
	}
	for n := range src.Permissions {
		consider(n)
	}
	for n := range withID {
		consider(n)
	}
	return func(n string) string { return best[strings.ToLower(n)] }
}

// pathFixes repairs the few templates of Microsoft's data that are not
// valid Graph URL templates. Each fix must still apply (gendata fails on a
// stale fix, so a corrected upstream file is noticed and the fix removed).
var pathFixes = []struct{ from, to, why string }{
	{"/(team-id)/", "/{team-id}/", "a parameter spelled with parentheses"},
	{"itemat(index={value})range", "itemat(index={value})/range", "a missing '/' after a function call"},
	{"subjectrightsrequests{subjectrightsrequestid}", "subjectrightsrequests/{subjectrightsrequestid}", "a missing '/' before a key"},
	{"geteffectivepermissionsscope={value}", "geteffectivepermissions(scope={value})", "a function call without its parentheses"},
	{"/roletemplateid={roletemplateid}/", "(roletemplateid={roletemplateid})/", "an alternate key written as a path segment"},
}

// fixPath applies pathFixes to p, recording in used which ones applied.
func fixPath(p string, used map[string]bool) string {
	for _, f := range pathFixes {
		if strings.Contains(p, f.from) {
			if used != nil {
				used[f.from] = true
			}
			p = strings.ReplaceAll(p, f.from, f.to)
		}
	}
	return p
}

// closeItemPath reads a template's unclosed item path as closed: the data
// writes some drive item paths as root:/{item-path}/media/reactions, where
// Graph's path addressing (and every other template of the data) has
// root:/{item-path}:/media/reactions. Read literally, the item path would run
// to the end of the URL, and every such template would become the route of
// the item itself (root:/{id}), mixing the permissions of reactions,
// extractSensitivityLabels and assignSensitivityLabel into "get item by
// path". The rule applies only where the item path is one {parameter}
// followed by more segments and no later segment closes it with ':'; a
// literal relative path (root:/a/b.txt) is left as it is.
func closeItemPath(p string) string {
	segs := strings.Split(p, "/")
	for i := 0; i < len(segs); i++ {
		if !strings.HasSuffix(segs[i], ":") {
			continue
		}
		closer := -1
		for k := i + 1; k < len(segs); k++ {
			if strings.HasSuffix(segs[k], ":") {
				closer = k
				break
			}
		}
		if closer >= 0 {
			i = closer
			continue
		}
		next := i + 1
		if next+1 < len(segs) && isParam(segs[next]) {
			segs[next] += ":"
			return strings.Join(segs, "/")
		}
		return p
	}
	return p
}

// isParam reports whether a template segment is one {parameter}.
func isParam(seg string) bool {
	return len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && strings.Count(seg, "{") == 1
}

// buildRoutes inverts the permission-centred data into the route table and
// orders each method's accepted permissions least-privileged first.
func buildRoutes(src *Source, perms map[string]*OutPermission, used map[string]bool) ([]*OutRoute, int, error) {
	canon := canonicalNames(src)
	acc := map[string]*routeAcc{}
	var np graphpath.Path
	for rawName, sp := range src.Permissions {
		name := canon(rawName)
		for _, ps := range sp.PathSets {
			for rawPath, val := range ps.Paths {
				path, query, _ := strings.Cut(fixPath(rawPath, used), "?")
				path = closeItemPath(path)
				if err := graphpath.Normalize(&np, path, graphpath.Template); err != nil {
					return nil, 0, fmt.Errorf("permissions.json: %s: path %q: %w", name, rawPath, err)
				}
				key := np.String()
				q := ""
				if query != "" {
					// Normalize the query's spelling: lower case, {x} → {id}.
					q = normalizeQueryParams(strings.ToLower(query))
				}
				id := key + "?" + q
				r := acc[id]
				if r == nil {
					r = &routeAcc{path: key, query: q, spellings: map[string]bool{}, perms: map[string]*pathPerm{}}
					acc[id] = r
				}
				r.spellings[path] = true
				pp := r.perms[name]
				if pp == nil {
					pp = &pathPerm{methods: map[string]map[string]bool{}, least: map[string]map[string]bool{}, also: map[string]map[string][]string{}}
					r.perms[name] = pp
				}
				least, also, err := parsePathValue(val)
				if err != nil {
					return nil, 0, fmt.Errorf("permissions.json: %s: path %q: %w", name, rawPath, err)
				}
				for _, sch := range ps.SchemeKeys {
					if !validScheme(sch) {
						return nil, 0, fmt.Errorf("permissions.json: %s: unknown scheme %q", name, sch)
					}
					if pp.methods[sch] == nil {
						pp.methods[sch] = map[string]bool{}
						pp.least[sch] = map[string]bool{}
						pp.also[sch] = map[string][]string{}
					}
					for _, m := range ps.Methods {
						m = strings.ToUpper(m)
						pp.methods[sch][m] = true
						if least[sch] {
							pp.least[sch][m] = true
						}
						if len(also) > 0 {
							pp.also[sch][m] = mergeSorted(pp.also[sch][m], also)
						}
					}
				}
			}
		}
	}
	ids := make([]string, 0, len(acc))
	for id := range acc {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []*OutRoute
	pairs := 0
	for _, id := range ids {
		r := acc[id]
		or := &OutRoute{Path: r.path, Query: r.query, Template: pickSpelling(r.spellings), Methods: map[string]map[string][]OutEntry{}}
		methods := map[string]bool{}
		for _, pp := range r.perms {
			for _, ms := range pp.methods {
				for m := range ms {
					methods[m] = true
				}
			}
		}
		for m := range methods {
			pairs++
			bySch := map[string][]OutEntry{}
			for _, sch := range schemeOrder {
				entries := orderEntries(r, m, sch, perms)
				if len(entries) > 0 {
					bySch[sch] = entries
				}
			}
			or.Methods[m] = bySch
		}
		out = append(out, or)
	}
	return out, pairs, nil
}

// orderEntries applies Kibali's per-method least-privilege rule and orders the
// rest by privilege level and the name grammar.
func orderEntries(r *routeAcc, method, sch string, perms map[string]*OutPermission) []OutEntry {
	type cand struct {
		name    string
		nmeth   int
		marked  bool
		least   bool
		level   int
		grammar permname.Name
		also    []string
	}
	var cands []*cand
	for name, pp := range r.perms {
		ms := pp.methods[sch]
		if !ms[method] {
			continue
		}
		level := 6 // unknown privilege sorts after every known level
		if p := perms[name]; p != nil {
			if s := p.Schemes[sch]; s != nil && s.PrivilegeLevel > 0 {
				level = s.PrivilegeLevel
			}
		}
		cands = append(cands, &cand{name: name, nmeth: len(ms), marked: pp.least[sch][method], level: level,
			grammar: permname.MustParse(name), also: pp.also[sch][method]})
	}
	// Least for this method: the marked permissions supporting only this
	// method if there are any, otherwise the marked ones with the fewest methods.
	minMeth := 0
	for _, c := range cands {
		if c.marked && (minMeth == 0 || c.nmeth < minMeth) {
			minMeth = c.nmeth
		}
	}
	for _, c := range cands {
		if c.marked && c.nmeth == minMeth {
			c.least = true
		}
	}
	// After the least-privileged ones: lower privilege level first, then the
	// least-privileged permissions' own resource family (User.Read.All right
	// after User.ReadBasic.All, not after every Intune permission), then the
	// name grammar.
	family := map[string]bool{}
	for _, c := range cands {
		if c.least {
			family[strings.ToLower(c.grammar.Resource)] = true
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.least != b.least {
			return a.least
		}
		if a.level != b.level {
			return a.level < b.level
		}
		fa, fb := family[strings.ToLower(a.grammar.Resource)], family[strings.ToLower(b.grammar.Resource)]
		if fa != fb {
			return fa
		}
		return permname.Less(a.grammar, b.grammar)
	})
	entries := make([]OutEntry, 0, len(cands))
	for _, c := range cands {
		entries = append(entries, OutEntry{Perm: c.name, Least: c.least, AlsoRequires: c.also})
	}
	return entries
}

// parsePathValue reads "least=DelegatedWork,Application;AlsoRequires=A,B".
func parsePathValue(v string) (map[string]bool, []string, error) {
	least := map[string]bool{}
	var also []string
	for _, kv := range strings.Split(v, ";") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, nil, fmt.Errorf("path value %q: %q is not key=value", v, kv)
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "least":
			for _, s := range strings.Split(val, ",") {
				s = strings.TrimSpace(s)
				if !validScheme(s) {
					return nil, nil, fmt.Errorf("path value %q: unknown scheme %q", v, s)
				}
				least[s] = true
			}
		case "alsorequires":
			for _, s := range strings.Split(val, ",") {
				if s = strings.TrimSpace(s); s != "" {
					also = append(also, s)
				}
			}
		default:
			return nil, nil, fmt.Errorf("path value %q: unknown key %q", v, k)
		}
	}
	sort.Strings(also)
	return least, also, nil
}

func mergeSorted(a, b []string) []string {
	set := map[string]bool{}
	for _, s := range a {
		set[s] = true
	}
	for _, s := range b {
		set[s] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// pickSpelling chooses the display template among the spellings that
// normalize to one route: Graph's camelCase (most upper-case letters) first,
// then the alphabetically smallest, so the choice is stable.
func pickSpelling(sp map[string]bool) string {
	best := ""
	bestUp := -1
	for s := range sp {
		up := 0
		for _, c := range s {
			if c >= 'A' && c <= 'Z' {
				up++
			}
		}
		if up > bestUp || up == bestUp && s < best {
			best, bestUp = s, up
		}
	}
	return best
}

// normalizeQueryParams rewrites {anything} in a query condition to {id}.
func normalizeQueryParams(q string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(q, '{')
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		j := strings.IndexByte(q[i:], '}')
		if j < 0 {
			b.WriteString(q)
			return b.String()
		}
		b.WriteString(q[:i])
		b.WriteString("{id}")
		q = q[i+j+1:]
	}
}
