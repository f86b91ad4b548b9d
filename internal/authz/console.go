package authz

import "graphgate/internal/roles"

// The admin console's parts and the directory roles that may use them: the
// same knowledge as the rest of this package (which administrator may do
// what), for changes made in graphgate's own console rather than through
// Graph. The console asks ConsoleAllows and never compares roles itself.

// ConsoleTask is a part of the admin console.
type ConsoleTask uint8

const (
	// ConsoleUsers: create users, reset passwords, edit profiles.
	ConsoleUsers ConsoleTask = iota
	// ConsoleGroups: create groups, add and remove members.
	ConsoleGroups
	// ConsoleRoles: assign and remove directory roles.
	ConsoleRoles
	// ConsoleApps: app registrations (API permissions requested, secrets,
	// certificates, redirect URIs) and enterprise applications (revoke).
	ConsoleApps
	// ConsoleConsent: grant consent for the whole tenant ("Grant admin
	// consent for <tenant>").
	ConsoleConsent
	numConsoleTasks
)

// consoleRoles follow Entra's built-in roles as far as graphgate models
// them (package roles has no Application Administrator): users are
// managed by User Administrators, groups by Groups and User
// Administrators, role assignments by Privileged Role Administrators, apps
// by Global Administrators; tenant-wide consent needs a Global or
// Privileged Role Administrator, as on graphgate's consent page (the roles
// that may grant application permissions of Microsoft Graph). A Global
// Administrator may do everything.
var consoleRoles = [numConsoleTasks]roles.Set{
	ConsoleUsers:   roles.Of(roles.GlobalAdministrator, roles.UserAdministrator),
	ConsoleGroups:  roles.Of(roles.GlobalAdministrator, roles.GroupsAdministrator, roles.UserAdministrator),
	ConsoleRoles:   roles.Of(roles.GlobalAdministrator, roles.PrivilegedRoleAdministrator),
	ConsoleApps:    roles.Of(roles.GlobalAdministrator, roles.PrivilegedRoleAdministrator),
	ConsoleConsent: roles.Of(roles.GlobalAdministrator, roles.PrivilegedRoleAdministrator),
}

// ConsoleAllows reports whether a user of an organisation holding the
// directory roles rs may use the console's part t. Only members
// administer: a guest's roles do not open the console.
func ConsoleAllows(t ConsoleTask, member bool, rs roles.Set) bool {
	return member && t < numConsoleTasks && consoleRoles[t].Intersects(rs)
}

// ConsoleAdmin reports whether the user may use any part of the console.
func ConsoleAdmin(member bool, rs roles.Set) bool {
	for t := ConsoleTask(0); t < numConsoleTasks; t++ {
		if ConsoleAllows(t, member, rs) {
			return true
		}
	}
	return false
}

// ConsoleRolesFor names the roles that may use part t, for the message a
// refused administrator sees.
func ConsoleRolesFor(t ConsoleTask) roles.Set {
	if t >= numConsoleTasks {
		return 0
	}
	return consoleRoles[t]
}
