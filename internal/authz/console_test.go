package authz

import (
	"testing"

	"graphgate/internal/roles"
)

func TestConsoleAllows(t *testing.T) {
	for _, c := range []struct {
		name   string
		task   ConsoleTask
		member bool
		rs     roles.Set
		want   bool
	}{
		{"global admin manages apps", ConsoleApps, true, roles.Of(roles.GlobalAdministrator), true},
		{"global admin grants consent", ConsoleConsent, true, roles.Of(roles.GlobalAdministrator), true},
		{"privileged role admin grants consent", ConsoleConsent, true, roles.Of(roles.PrivilegedRoleAdministrator), true},
		{"privileged role admin assigns roles", ConsoleRoles, true, roles.Of(roles.PrivilegedRoleAdministrator), true},
		{"privileged role admin does not create users", ConsoleUsers, true, roles.Of(roles.PrivilegedRoleAdministrator), false},
		{"user admin creates users", ConsoleUsers, true, roles.Of(roles.UserAdministrator), true},
		{"user admin does not assign roles", ConsoleRoles, true, roles.Of(roles.UserAdministrator), false},
		{"groups admin manages groups", ConsoleGroups, true, roles.Of(roles.GroupsAdministrator), true},
		{"groups admin does not grant consent", ConsoleConsent, true, roles.Of(roles.GroupsAdministrator), false},
		{"security reader has no part", ConsoleUsers, true, roles.Of(roles.SecurityReader), false},
		{"a guest's role does not count", ConsoleApps, false, roles.Of(roles.GlobalAdministrator), false},
		{"no roles", ConsoleUsers, true, 0, false},
		{"unknown task", numConsoleTasks, true, roles.Of(roles.GlobalAdministrator), false},
		{"application admin manages apps", ConsoleApps, true, roles.Of(roles.ApplicationAdministrator), true},
		{"cloud application admin manages apps", ConsoleApps, true, roles.Of(roles.CloudApplicationAdministrator), true},
		{"application admin grants (delegated) consent", ConsoleConsent, true, roles.Of(roles.ApplicationAdministrator), true},
		{"cloud application admin grants (delegated) consent", ConsoleConsent, true, roles.Of(roles.CloudApplicationAdministrator), true},
		{"application admin does not create users", ConsoleUsers, true, roles.Of(roles.ApplicationAdministrator), false},
		{"cloud application admin does not assign roles", ConsoleRoles, true, roles.Of(roles.CloudApplicationAdministrator), false},
	} {
		if got := ConsoleAllows(c.task, c.member, c.rs); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if ConsoleAdmin(true, roles.Of(roles.SecurityReader, roles.GlobalReader)) {
		t.Error("a reader is a console administrator")
	}
	if !ConsoleAdmin(true, roles.Of(roles.GroupsAdministrator)) {
		t.Error("a groups administrator cannot open the console")
	}
}

// TestTenantConsent follows "Grant tenant-wide admin consent to an
// application": Global and Privileged Role Administrators consent to
// anything; Application and Cloud Application Administrators to anything
// but Microsoft Graph's app roles; no one else, and no guest.
func TestTenantConsent(t *testing.T) {
	for _, c := range []struct {
		name   string
		member bool
		rs     roles.Set
		want   ConsentPower
	}{
		{"global admin", true, roles.Of(roles.GlobalAdministrator), ConsentPower{Delegated: true, Application: true}},
		{"privileged role admin", true, roles.Of(roles.PrivilegedRoleAdministrator), ConsentPower{Delegated: true, Application: true}},
		{"application admin", true, roles.Of(roles.ApplicationAdministrator), ConsentPower{Delegated: true}},
		{"cloud application admin", true, roles.Of(roles.CloudApplicationAdministrator), ConsentPower{Delegated: true}},
		{"cloud application admin and privileged role admin", true, roles.Of(roles.CloudApplicationAdministrator, roles.PrivilegedRoleAdministrator),
			ConsentPower{Delegated: true, Application: true}},
		{"user admin", true, roles.Of(roles.UserAdministrator), ConsentPower{}},
		{"groups admin", true, roles.Of(roles.GroupsAdministrator), ConsentPower{}},
		{"a guest application admin", false, roles.Of(roles.ApplicationAdministrator), ConsentPower{}},
		{"a guest global admin", false, roles.Of(roles.GlobalAdministrator), ConsentPower{}},
		{"no roles", true, 0, ConsentPower{}},
	} {
		if got := TenantConsent(c.member, c.rs); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}
