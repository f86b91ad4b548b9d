package authz

import (
	"net/http"
	"strings"
	"sync/atomic"

	"graphgate/internal/catalog"
	"graphgate/internal/permname"
	"graphgate/internal/routes"
)

// Engine decides. It is immutable after New (but for each rule's info,
// computed once on its first decision) and safe for concurrent use.
type Engine struct {
	cat  *catalog.Catalog
	tab  *routes.Table
	info []atomic.Pointer[ruleInfo]
	// dirRes are the (lower-case) resources whose permissions read the
	// directory's own objects (relation.go).
	dirRes map[string]bool

	personalValid catalog.Set
	grantsNothing catalog.Set
	directory     []*catalog.Permission
	directorySet  catalog.Set
	appFolder     catalog.Set
	memberHidden  []*catalog.Permission
	limit         []Limit
	roleMask      []uint32
	// implied[impliedOf[i]] is what permission i includes besides itself
	// (Mail.ReadWrite → Mail.Read, Mail.ReadBasic; Calendars.Read.Shared →
	// Calendars.Read); impliedOf[i] is -1 when it includes nothing more.
	implied   []catalog.Set
	impliedOf []int32
	// includes[i] lists the same permissions as implied[impliedOf[i]], by
	// index: one to seven of them, so that expanding a token adds a few
	// bits rather than OR-ing whole sets.
	includes [][]int32
}

// ruleInfo is what the engine precomputes per route rule.
type ruleInfo struct {
	subject       subject
	enumeration   bool
	memberOf      bool
	hiddenMembers bool
	// roleRules has bit i set when roleRules[i] applies to the rule's path.
	roleRules uint32
	// other holds, for the two delegated schemes, the permissions that allow
	// the call when the target is another user's data: own-data permissions
	// replaced by their .Shared variants (or dropped when none exists).
	other    [2][]routes.Entry
	otherSet [2]catalog.Set
	// access is the sharing level the owner must grant for other[s].
	access [2]Access

	// dirPath: the path holds directory data, not content; key names the
	// content's resource (relation.go).
	dirPath bool
	key     string
	// userNeed[s] is what each of other[s] needs to reach another user's
	// data; groupNeed[s] what each accepted permission needs to reach a
	// group's (team's, site's, drive's) or a chat's.
	userNeed, groupNeed [2][]need
	lookups             Lookups
}

// New builds an engine over a route table (and its catalog). It fails with
// a *PolicyError when the policy names a path the table lacks, or a
// permission or resource its catalog lacks: a path renamed in Microsoft's
// data would otherwise silently disable the rule that names it.
func New(tab *routes.Table) (*Engine, error) {
	if err := checkPolicy(tab); err != nil {
		return nil, err
	}
	cat := tab.Catalog()
	e := &Engine{cat: cat, tab: tab}
	for _, p := range cat.All() {
		if p.ValidForPersonal() {
			e.personalValid.Add(p)
		}
		if p.GrantsNothing {
			e.grantsNothing.Add(p)
		}
	}
	for _, n := range directoryPermissions {
		if p, ok := cat.Lookup(n); ok {
			e.directory = append(e.directory, p)
			e.directorySet.Add(p)
		}
	}
	for n := range appFolderPermissions {
		if p, ok := cat.Lookup(n); ok {
			e.appFolder.Add(p)
		}
	}
	if p, ok := cat.Lookup(hiddenMembershipPermission); ok {
		e.memberHidden = []*catalog.Permission{p}
	}
	e.limit = make([]Limit, cat.Len())
	for n, l := range limitByPermission {
		if p, ok := cat.Lookup(n); ok {
			e.limit[p.Index] = l
		}
	}
	e.roleMask = make([]uint32, cat.Len())
	for i, r := range roleRules {
		for _, p := range cat.All() {
			for _, res := range r.resources {
				if strings.EqualFold(p.Parts.Resource, res) {
					e.roleMask[p.Index] |= 1 << i
				}
			}
		}
	}
	e.impliedOf = make([]int32, cat.Len())
	byResource := map[string][]*catalog.Permission{}
	for _, p := range cat.All() {
		r := strings.ToLower(p.Parts.Resource)
		byResource[r] = append(byResource[r], p)
	}
	for _, held := range cat.All() {
		var inc catalog.Set
		for _, want := range byResource[strings.ToLower(held.Parts.Resource)] {
			if want != held && want.Kind == held.Kind && permname.Implies(held.Parts, want.Parts) {
				inc.Add(want)
			}
		}
		e.impliedOf[held.Index] = -1
		if !inc.Empty() {
			e.impliedOf[held.Index] = int32(len(e.implied))
			e.implied = append(e.implied, inc)
		}
	}
	e.includes = make([][]int32, cat.Len())
	for i, k := range e.impliedOf {
		if k < 0 {
			continue
		}
		for j := e.implied[k].Next(0); j >= 0; j = e.implied[k].Next(j + 1) {
			e.includes[i] = append(e.includes[i], int32(j))
		}
	}
	e.dirRes = directoryResources(tab)
	// What each rule needs is worked out on its first decision (ruleInfo):
	// worked out for every rule here, it linked the whole route table and
	// kept about 20 MB resident that a server deciding a few hundred
	// routes never reads (bench/README.md, peak RSS).
	e.info = make([]atomic.Pointer[ruleInfo], tab.NumRules())
	return e, nil
}

// ruleInfo is what deciding rule needs from it, precomputed on the rule's
// first decision and kept. Safe for concurrent use: two first decisions
// may both compute it; one result is kept, and both are equal.
func (e *Engine) ruleInfo(rule *routes.Rule) *ruleInfo {
	slot := &e.info[rule.Index]
	if p := slot.Load(); p != nil {
		return p
	}
	info := e.precompute(rule)
	slot.CompareAndSwap(nil, &info)
	return slot.Load()
}

// Default is the engine over routes.Default().
func Default() *Engine { return defaultEngine() }

// Table returns the route table the engine uses.
func (e *Engine) Table() *routes.Table { return e.tab }

// Catalog returns the catalog the engine uses.
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

func (e *Engine) precompute(rule *routes.Rule) ruleInfo {
	path := rule.Route.Path
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var info ruleInfo
	switch {
	case segs[0] == "me":
		info.subject = subjUser
	case len(segs) >= 2 && segs[1] == "{id}":
		info.subject = subjectPrefixes[segs[0]]
	}
	for i, r := range roleRules {
		if hasSubject(r.subjects, info.subject) && (len(r.paths) == 0 || contains(r.paths, path)) && !contains(r.exceptPaths, path) {
			info.roleRules |= 1 << i
		}
	}
	info.enumeration = enumerationPaths[path]
	info.memberOf = memberOfPaths[path]
	info.hiddenMembers = hiddenMembershipPaths[path]
	if info.subject.scoped() && segs[0] != "me" {
		info.dirPath, info.key = e.classify(path)
	}
	for i, sch := range []catalog.Scheme{catalog.DelegatedWork, catalog.DelegatedPersonal} {
		seen := catalog.Set{}
		for _, en := range rule.Accepted[sch] {
			p := en.Perm
			if p.Parts.Constraint == "" && p.Kind == catalog.Graph {
				shared, ok := e.cat.Lookup(p.Parts.WithConstraint("Shared").String())
				if !ok || !shared.In(sch) {
					continue // own data only: no reach into another user's
				}
				en = routes.Entry{Perm: shared, Least: en.Least, AlsoRequires: en.AlsoRequires}
			}
			if seen.Has(en.Perm) {
				continue
			}
			seen.Add(en.Perm)
			info.other[i] = append(info.other[i], en)
		}
		info.otherSet[i] = seen
		info.access[i] = accessFor(info.other[i])
		if info.subject.scoped() && segs[0] != "me" {
			info.userNeed[i], info.groupNeed[i] = e.needs(rule, &info, i, sch)
		}
	}
	info.lookups = info.lookupsNeeded()
	return info
}

// Decide matches the request and decides it. path may carry /v1.0, a host
// and a query string.
func (e *Engine) Decide(p *Principal, method, path string, t Target) Decision {
	m, err := routes.ParseMethod(method)
	if err != nil {
		return Decision{Reason: BadRequest, Status: http.StatusBadRequest, Check: CheckRoute, err: err, path: path, principal: p, cat: e.cat}
	}
	match, err := e.tab.MatchMethod(m, path)
	if err != nil {
		d := Decision{Method: m, Check: CheckRoute, err: err, path: path, principal: p, cat: e.cat, Scheme: schemeOf(p)}
		switch {
		case errorsIs(err, routes.ErrNoMethod):
			d.Reason, d.Status = MethodNotAllowed, http.StatusMethodNotAllowed
		case errorsIs(err, routes.ErrNoRoute):
			d.Reason, d.Status = NoRoute, http.StatusNotFound
		default:
			d.Reason, d.Status = BadRequest, http.StatusBadRequest
		}
		return d
	}
	return e.DecideMatch(p, match, t)
}

func schemeOf(p *Principal) catalog.Scheme {
	switch {
	case p.Kind == App:
		return catalog.Application
	case p.Account == Personal:
		return catalog.DelegatedPersonal
	}
	return catalog.DelegatedWork
}

// allowsOutside reports whether a permission in held other than the app
// folder ones allows the call (with what it also requires).
func (e *Engine) allowsOutside(accepted []routes.Entry, held *catalog.Set) bool {
	for i := range accepted {
		en := &accepted[i]
		if e.appFolder.Has(en.Perm) || !held.Has(en.Perm) {
			continue
		}
		if len(en.AlsoRequires) == 0 || anyHeld(held, en.AlsoRequires) {
			return true
		}
	}
	return false
}

// expand adds to held every permission its members include. Microsoft's
// data lists, per endpoint, the least privileged permissions and some
// higher ones, not every permission that works: GET /me/messages/{id}
// names Mail.Read and Mail.ReadBasic, yet Exchange serves it to a token
// holding only Mail.ReadWrite. Kibali accepts only what is listed; real
// services accept a permission wherever one it includes is accepted, so
// graphgate does too (same resource, an operation that includes the
// wanted one, a constraint that includes the wanted one — permname.Implies).
//
// src is a copy of held as it was: expand adds what its members include
// (reading the copy spares copying held, just written word by word).
func (e *Engine) expand(held, src *catalog.Set) {
	for i := src.Next(0); i >= 0; i = src.Next(i + 1) {
		for _, j := range e.includes[i] {
			held.AddIndex(int(j))
		}
	}
}

// via finds the held permission that includes p, preferring one whose
// responses are not limited.
func (e *Engine) via(direct *catalog.Set, p *catalog.Permission) *catalog.Permission {
	var found *catalog.Permission
	for i := direct.Next(0); i >= 0; i = direct.Next(i + 1) {
		if k := e.impliedOf[i]; k >= 0 && e.implied[k].Has(p) {
			q := e.cat.ByIndex(i)
			if e.limit[i] == LimitNone {
				return q
			}
			if found == nil {
				found = q
			}
		}
	}
	return found
}

// pick returns the index in accepted of the most capable permission in
// set (one without a property limit if any), or -1; it notes in d a
// permission that would do but for its AlsoRequires. With needs, only
// permissions whose relation to the target holds count.
func (e *Engine) pick(d *Decision, accepted []routes.Entry, set *catalog.Set, needs []need, p *Principal, t *Target) int {
	granted := -1
	for i := len(accepted) - 1; i >= 0; i-- {
		en := &accepted[i]
		if !set.Has(en.Perm) || needs != nil && !needs[i].satisfied(p, t, d.Method) {
			continue
		}
		if len(en.AlsoRequires) > 0 && !anyHeld(set, en.AlsoRequires) {
			if d.Also == nil {
				d.Granted, d.Also = en.Perm, en.AlsoRequires
			}
			continue
		}
		if granted < 0 {
			granted = i
		}
		if e.limit[en.Perm.Index] == LimitNone {
			return i
		}
	}
	return granted
}

func anyHeld(held *catalog.Set, ps []*catalog.Permission) bool {
	for _, p := range ps {
		if held.Has(p) {
			return true
		}
	}
	return false
}

func hasSubject(list []subject, s subject) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
