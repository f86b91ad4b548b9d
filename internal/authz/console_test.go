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
