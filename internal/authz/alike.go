package authz

import (
	"slices"

	"graphgate/internal/catalog"
	"graphgate/internal/roles"
	"graphgate/internal/routes"
)

// RendersAlike reports whether d and o are the same decision in every
// field that Detail, Explain, HeldNames and CandidateNames read, so that,
// for the same path, they render exactly alike. It is exact, not a hash:
// it compares every field (pointers into the catalog and the route table
// by identity, which is equality there), and it answers false, never a
// wrong true, where it cannot tell (a decision that carries a match
// error). The decision log uses it to render a decision that repeats
// once.
func (d *Decision) RendersAlike(o *Decision) bool {
	if d == o {
		return true
	}
	if d.err != nil || o.err != nil {
		return false
	}
	if d.scalars() != o.scalars() {
		return false
	}
	if (d.principal == nil) != (o.principal == nil) || d.principal != nil && *d.principal != *o.principal {
		return false
	}
	return slices.Equal(d.Also, o.Also) && slices.EqualFunc(d.Candidates, o.Candidates, entriesAlike)
}

// decisionScalars is every field of Decision that == compares: all but
// Candidates, Also, principal and err (TestRendersAlikeCoversDecision
// keeps the two in step).
type decisionScalars struct {
	allow                          bool
	reason                         Reason
	check                          Check
	status                         int
	scheme                         catalog.Scheme
	method                         routes.Method
	match                          routes.Match
	granted, via                   *catalog.Permission
	roles                          roles.Set
	need                           Access
	relation                       Reach
	resource                       string
	fact                           Fact
	limit                          Limit
	rule                           string
	target                         Target
	appFolderOnly, sharedItemsOnly bool
	cat                            *catalog.Catalog
	path                           string
}

func (d *Decision) scalars() decisionScalars {
	return decisionScalars{allow: d.Allow, reason: d.Reason, check: d.Check, status: d.Status, scheme: d.Scheme, method: d.Method,
		match: d.Match, granted: d.Granted, via: d.Via, roles: d.Roles, need: d.Need, relation: d.Relation, resource: d.Resource,
		fact: d.Fact, limit: d.Limit, rule: d.Rule, target: d.target, appFolderOnly: d.appFolderOnly,
		sharedItemsOnly: d.sharedItemsOnly, cat: d.cat, path: d.path}
}

func entriesAlike(a, b routes.Entry) bool {
	return a.Perm == b.Perm && a.Least == b.Least && a.Source == b.Source && slices.Equal(a.AlsoRequires, b.AlsoRequires)
}
