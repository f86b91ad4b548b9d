package authz

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

func TestPolicyFitsDefaultTable(t *testing.T) {
	if _, err := New(routes.Default()); err != nil {
		t.Fatal(err)
	}
}

// tableWithout loads the generated route table without the routes whose
// paths are given, as if Microsoft's data had renamed them.
func tableWithout(t *testing.T, paths ...string) *routes.Table {
	t.Helper()
	tab, err := routes.LoadWithout(catalog.Default(), paths...)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// A path the policy names that the route table lacks (renamed in
// Microsoft's data) would silently disable its rule: New refuses it, and
// says which part of the policy names it.
func TestNewRefusesPolicyPathMissingFromTable(t *testing.T) {
	for _, c := range []struct {
		missing string
		where   string // the part of the policy that names it
	}{
		{"/users/delta", "enumerationPaths"},
		{"/users/{id}/transitivememberof", "memberOfPaths"},
		{"/administrativeunits/{id}/members", "hiddenMembershipPaths"},
		{"/users/{id}", "role rule user-writes-need-admin"},
		{"/groups/{id}/photo", "role rule group-management-needs-owner"},
		{"/groups/{id}/owners/{id}", "groupManagementPaths"},
		{"/me", "directoryRoutes"},
	} {
		t.Run(c.missing, func(t *testing.T) {
			e, err := New(tableWithout(t, c.missing))
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("New = %v, %v; want a *PolicyError", e, err)
			}
			want := c.missing + " (" + c.where + ")"
			if !slices.Contains(pe.Paths, want) {
				t.Errorf("PolicyError.Paths = %q, want it to contain %q", pe.Paths, want)
			}
			for _, p := range pe.Paths {
				if !strings.HasPrefix(p, c.missing+" (") {
					t.Errorf("PolicyError.Paths names %q, which the table has", p)
				}
			}
			if len(pe.Permissions)+len(pe.Resources) != 0 {
				t.Errorf("PolicyError names permissions %v and resources %v the catalog has", pe.Permissions, pe.Resources)
			}
			if !strings.Contains(err.Error(), c.missing) || !strings.Contains(err.Error(), "internal/authz/policy.go") {
				t.Errorf("the error does not name the path and where to fix it: %v", err)
			}
		})
	}
}

// A route the policy does not name can go without harm.
func TestNewAcceptsTableWithoutUnnamedRoute(t *testing.T) {
	if _, err := New(tableWithout(t, "/me/messages")); err != nil {
		t.Fatal(err)
	}
}

// A permission or resource name the policy holds that the catalog lacks
// (renamed by Microsoft, or misspelt) is refused the same way.
func TestNewRefusesUnknownPolicyNames(t *testing.T) {
	for _, c := range []struct {
		name      string
		add       func() (undo func())
		perm, res string
	}{
		{"a note's permission", func() func() {
			notes["Mail.Sendd"] = "misspelt"
			return func() { delete(notes, "Mail.Sendd") }
		}, "Mail.Sendd", ""},
		{"a limited permission", func() func() {
			limitByPermission["Mail.ReadBasic.Gone"] = LimitBasicMessage
			return func() { delete(limitByPermission, "Mail.ReadBasic.Gone") }
		}, "Mail.ReadBasic.Gone", ""},
		{"a tenant-visible resource", func() func() {
			tenantVisibleResources["presense"] = true
			return func() { delete(tenantVisibleResources, "presense") }
		}, "", "presense"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Cleanup(c.add())
			_, err := New(routes.Default())
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("New = %v; want a *PolicyError", err)
			}
			if c.perm != "" && !slices.Equal(pe.Permissions, []string{c.perm}) || c.res != "" && !slices.Equal(pe.Resources, []string{c.res}) {
				t.Errorf("PolicyError = %+v, want permission %q, resource %q", pe, c.perm, c.res)
			}
			if len(pe.Paths) != 0 {
				t.Errorf("PolicyError names paths %v the table has", pe.Paths)
			}
		})
	}
}
