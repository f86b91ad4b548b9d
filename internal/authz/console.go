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
// them: users are managed by User Administrators, groups by Groups and
// User Administrators, role assignments by Privileged Role Administrators,
// app registrations and enterprise apps by Application and Cloud
// Application Administrators (and, as before they existed in graphgate,
// Privileged Role Administrators); tenant-wide consent by whoever may
// grant some of it (TenantConsent: which part is the consent's business).
// A Global Administrator may do everything.
var consoleRoles = [numConsoleTasks]roles.Set{
	ConsoleUsers:  roles.Of(roles.GlobalAdministrator, roles.UserAdministrator),
	ConsoleGroups: roles.Of(roles.GlobalAdministrator, roles.GroupsAdministrator, roles.UserAdministrator),
	ConsoleRoles:  roles.Of(roles.GlobalAdministrator, roles.PrivilegedRoleAdministrator),
	ConsoleApps: roles.Of(roles.GlobalAdministrator, roles.PrivilegedRoleAdministrator, roles.ApplicationAdministrator,
		roles.CloudApplicationAdministrator),
	ConsoleConsent: delegatedConsentRoles,
}

// Tenant-wide admin consent, as Microsoft's "Grant tenant-wide admin
// consent to an application" lists it: a Global or Privileged Role
// Administrator may consent to any permission of any API; an Application
// or Cloud Application Administrator to any permission except Microsoft
// Graph's app roles (application permissions). Every application
// permission graphgate knows is Microsoft Graph's (it tracks no app roles
// of registered APIs), so in graphgate's model the latter two grant every
// delegated permission and no application permission.
var (
	delegatedConsentRoles = roles.Of(roles.GlobalAdministrator, roles.PrivilegedRoleAdministrator,
		roles.ApplicationAdministrator, roles.CloudApplicationAdministrator)
	applicationConsentRoles = roles.Of(roles.GlobalAdministrator, roles.PrivilegedRoleAdministrator)
)

// ConsentPower is the tenant-wide admin consent a user may grant.
type ConsentPower struct {
	// Delegated: consent to delegated permissions for every user of the
	// organisation (and to those that need an administrator).
	Delegated bool
	// Application: consent to application permissions (Microsoft Graph's
	// app roles).
	Application bool
}

// TenantConsent is what tenant-wide admin consent a user of an
// organisation holding the directory roles rs may grant: the one rule
// the consent pages, the adminconsent endpoint and the console's "Grant
// admin consent" all ask. Only members consent for the organisation.
func TenantConsent(member bool, rs roles.Set) ConsentPower {
	if !member {
		return ConsentPower{}
	}
	return ConsentPower{Delegated: delegatedConsentRoles.Intersects(rs), Application: applicationConsentRoles.Intersects(rs)}
}

// ApplicationConsentRoles names the roles that may grant application
// permissions, for the message a refused administrator sees.
func ApplicationConsentRoles() roles.Set { return applicationConsentRoles }

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
