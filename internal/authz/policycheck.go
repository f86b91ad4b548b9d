package authz

import (
	"fmt"
	"sort"
	"strings"

	"graphgate/internal/routes"
)

// PolicyError is New's error when the policy (policy.go, relation.go)
// names what the route table or its catalog lacks. Each entry says what is
// missing and which part of the policy names it.
type PolicyError struct {
	// Paths are normalized route paths the table has no route for
	// ("/users/delta (enumerationPaths)").
	Paths []string
	// Permissions are permission names the catalog lacks.
	Permissions []string
	// Resources are permission resources (the part before the first dot)
	// no permission of the catalog has.
	Resources []string
}

func (e *PolicyError) Error() string {
	var parts []string
	if len(e.Paths) > 0 {
		parts = append(parts, "paths the route table lacks: "+strings.Join(e.Paths, ", "))
	}
	if len(e.Permissions) > 0 {
		parts = append(parts, "permissions the catalog lacks: "+strings.Join(e.Permissions, ", "))
	}
	if len(e.Resources) > 0 {
		parts = append(parts, "resources no permission has: "+strings.Join(e.Resources, ", "))
	}
	return "authz: the policy names " + strings.Join(parts, "; ") +
		"; a rule that names them would never apply: rename them in internal/authz/policy.go to the route table's and catalog's names"
}

// checkPolicy checks every path, permission and resource the policy names
// against the route table and its catalog.
func checkPolicy(tab *routes.Table) error {
	cat := tab.Catalog()
	var pe PolicyError
	path := func(p, where string) {
		if _, ok := tab.Route(p); !ok {
			pe.Paths = append(pe.Paths, fmt.Sprintf("%s (%s)", p, where))
		}
	}
	for _, set := range []struct {
		name  string
		paths map[string]bool
	}{{"enumerationPaths", enumerationPaths}, {"memberOfPaths", memberOfPaths}, {"hiddenMembershipPaths", hiddenMembershipPaths}} {
		for p := range set.paths {
			path(p, set.name)
		}
	}
	for _, r := range roleRules {
		for _, p := range r.paths {
			path(p, "role rule "+r.id)
		}
		for _, p := range r.exceptPaths {
			path(p, "role rule "+r.id+", except")
		}
	}
	for _, p := range groupManagementPaths {
		path(p, "groupManagementPaths")
	}
	for _, r := range propertyRules {
		for _, p := range r.paths {
			path(p, "property rule "+r.id)
		}
	}
	for _, p := range directoryRoutes {
		path(p, "directoryRoutes")
	}

	perm := func(n string) {
		if _, ok := cat.Lookup(n); !ok {
			pe.Permissions = append(pe.Permissions, n)
		}
	}
	for _, n := range directoryPermissions {
		perm(n)
	}
	perm(hiddenMembershipPermission)
	for _, r := range propertyRules {
		for _, n := range r.permissions {
			perm(n)
		}
	}
	for n := range limitByPermission {
		perm(n)
	}
	for n := range appFolderPermissions {
		perm(n)
	}
	for n := range notes {
		perm(n)
	}

	resources := map[string]bool{}
	for _, p := range cat.All() {
		resources[strings.ToLower(p.Parts.Resource)] = true
	}
	res := func(r string) {
		if !resources[strings.ToLower(r)] {
			pe.Resources = append(pe.Resources, r)
		}
	}
	for _, r := range roleRules {
		for _, x := range r.resources {
			res(x)
		}
	}
	for _, m := range []map[string]bool{tenantVisibleResources, perItemSharing} {
		for x := range m {
			res(x)
		}
	}

	if len(pe.Paths)+len(pe.Permissions)+len(pe.Resources) == 0 {
		return nil
	}
	for _, l := range [][]string{pe.Paths, pe.Permissions, pe.Resources} {
		sort.Strings(l)
	}
	pe.Paths, pe.Permissions, pe.Resources = compact(pe.Paths), compact(pe.Permissions), compact(pe.Resources)
	return &pe
}

// compact drops repeated neighbours of a sorted list.
func compact(l []string) []string {
	out := l[:0]
	for i, s := range l {
		if i == 0 || s != l[i-1] {
			out = append(out, s)
		}
	}
	return out
}
