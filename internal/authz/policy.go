package authz

import (
	"strings"

	"graphgate/internal/roles"
	"graphgate/internal/routes"
)

// This file holds the semantics of the permissions reference that Microsoft's
// per-endpoint data cannot express, as data. The engine's checks
// (checks.go) apply them in a fixed order; nothing else in graphgate
// decides permissions. New checks every path and permission named here
// against the route table and catalog (policycheck.go).

// subject classifies what a route's path is about, from its first segments.
type subject uint8

const (
	subjTenant subject = iota
	subjUser           // /me/... or /users/{id}/...
	subjGroup          // /groups/{id}/...
	subjChat           // /chats/{id}/...
	subjTeam           // /teams/{id}/...: a group's team
	subjSite           // /sites/{id}/...: a group's (or the organization's) site
	subjDrive          // /drives/{id}/...: a user's or a group's drive
)

// subjectPrefixes: normalized first segment followed by a parameter.
var subjectPrefixes = map[string]subject{
	"users":  subjUser,
	"groups": subjGroup,
	"chats":  subjChat,
	"teams":  subjTeam,
	"sites":  subjSite,
	"drives": subjDrive,
}

// tenantVisibleResources are the resources, besides the directory's own
// (relation.go), whose data about every user Microsoft makes readable to
// the whole organization, so that their .All delegated permissions read it
// tenant-wide: profile photos ("read all profile photos of users and
// groups", ProfilePhoto.Read.All), presence ("presence information of all
// users in the directory", Presence.Read.All) and the people API's
// relevance lists ("relevant people of the signed-in user or other users in
// the signed-in user's organization", People.Read.All). Keys are lower case.
var tenantVisibleResources = map[string]bool{"profilephoto": true, "presence": true, "people": true}

// perItemSharing are the resources shared item by item rather than as a
// whole: OneDrive and SharePoint share files and folders, never a whole
// drive, so another user's (or a group's, for a non-member) drive is
// reached only at the items shared with the signed-in user. The engine
// allows such a call confined to those items (Decision.SharedItemsOnly);
// the drive applies the confinement. Keys are lower case. Notes is not
// here: Microsoft shares notebooks one by one (they are OneDrive files),
// but graphgate records a user's sharing of their notebooks as a whole
// (a delegation of Notes), the way it records calendar and mailbox
// sharing, so the engine decides it without a per-notebook scope.
var perItemSharing = map[string]bool{"files": true}

// enumerationPaths are the directory queries that return more than one
// object. "Guest users … cannot perform queries against the /users or
// /groups resource set that potentially return more than a single resource"
// — but may read one object, or follow navigation links.
var enumerationPaths = map[string]bool{
	"/users":        true,
	"/users/delta":  true,
	"/groups":       true,
	"/groups/delta": true,
}

// memberOfPaths return a user's memberships. "If the user also has
// membership in a directoryRole or an administrativeUnit, the app will need
// effective permissions to read those resources too": Directory permissions.
// Another user's checkMemberObjects and getMemberObjects answer with the
// same memberships ("group IDs, administrative unit IDs, or directory role
// IDs"), and Microsoft names Directory.Read.All their least privileged
// permission for a directory object; the signed-in user's own need only
// User.Read, so /me's are not here.
var memberOfPaths = map[string]bool{
	"/me/memberof":                   true,
	"/me/transitivememberof":         true,
	"/users/{id}/memberof":           true,
	"/users/{id}/transitivememberof": true,
	"/users/{id}/checkmemberobjects": true,
	"/users/{id}/getmemberobjects":   true,
}

// directoryPermissions satisfy the memberOf rule.
var directoryPermissions = []string{"Directory.Read.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"}

// hiddenMembershipPaths list members. "Membership in some Office 365 groups
// can be hidden. This means that only the members of the group can view its
// members"; an app without a user needs Member.Read.Hidden.
var hiddenMembershipPaths = map[string]bool{
	"/groups/{id}/members":              true,
	"/groups/{id}/transitivemembers":    true,
	"/administrativeunits/{id}/members": true,
}

const hiddenMembershipPermission = "Member.Read.Hidden"

// hiddenMembershipRoles may list hidden members without being members.
var hiddenMembershipRoles = roles.Of(roles.GlobalAdministrator, roles.GroupsAdministrator, roles.PrivilegedRoleAdministrator)

// roleRule: a delegated permission is only as strong as the signed-in user.
// When the permission that would allow a call has one of Resources, the
// method and subject match, the user must hold one of Roles (or, for groups,
// own the group when OwnerSuffices). The relations of relation.go name
// these rules for the roles that stand in for a relation.
type roleRule struct {
	id        string
	resources []string
	writes    bool // only for methods that change data
	subjects  []subject
	// otherOnly: only when the target is not the signed-in user.
	otherOnly bool
	// paths, when set, limits the rule to these normalized route paths;
	// exceptPaths excludes some.
	paths, exceptPaths []string
	anyRole            roles.Set
	ownerSuffices      bool
	why                string
}

var roleRules = []roleRule{
	{
		id:        "identity-risk-roles",
		resources: []string{"IdentityRiskEvent", "IdentityRiskyUser"},
		subjects:  []subject{subjTenant, subjUser, subjGroup, subjChat, subjTeam, subjSite, subjDrive},
		anyRole:   roles.Of(roles.GlobalAdministrator, roles.SecurityAdministrator, roles.SecurityReader),
		why:       "for an app with delegated permissions to read identity risk information, the signed-in user must be a Global Administrator, Security Administrator or Security Reader",
	},
	{
		id:        "user-writes-need-admin",
		resources: []string{"User", "Directory"},
		writes:    true,
		subjects:  []subject{subjUser, subjTenant},
		otherOnly: true,
		paths:     []string{"/users", "/users/{id}"},
		anyRole:   roles.Of(roles.GlobalAdministrator, roles.UserAdministrator, roles.PrivilegedRoleAdministrator),
		why:       "a delegated permission such as User.ReadWrite.All lets the app create, change or delete other users only when the signed-in user is an administrator; otherwise it writes the user's own profile only",
	},
	{
		id:            "group-management-needs-owner",
		resources:     []string{"Group", "GroupMember", "Directory"},
		writes:        true,
		subjects:      []subject{subjGroup},
		paths:         groupManagementPaths,
		anyRole:       roles.Of(roles.GlobalAdministrator, roles.GroupsAdministrator, roles.PrivilegedRoleAdministrator),
		ownerSuffices: true,
		why:           "Group.ReadWrite.All lets group owners manage their groups (properties, members, owners); other users need an administrator role",
	},
	{
		// Only relations name this rule (it has no subjects of its own).
		id:      "directory-data-needs-admin",
		anyRole: roles.Of(roles.GlobalAdministrator, roles.GlobalReader),
		why:     "a permission outside the directory's own (User, Group, Directory…) reads another user's directory data only for an administrator who may read the whole directory",
	},
	// Group content (events, conversations, files, notebooks…) needs
	// membership, not a role: relation.go derives it for every permission.
}

// groupManagementPaths change a group itself rather than its content.
// They are route paths: a request for /groups/{id}/members/{id}/$ref
// matches the route /groups/{id}/members/{id} (routes strips a trailing
// $ref), so that is the path named here.
var groupManagementPaths = []string{
	"/groups/{id}", "/groups/{id}/photo",
	"/groups/{id}/members/$ref", "/groups/{id}/members/{id}",
	"/groups/{id}/owners/$ref", "/groups/{id}/owners/{id}",
}

// limitByPermission: properties a permission restricts the response to.
var limitByPermission = map[string]Limit{
	"User.ReadBasic.All":        LimitBasicProfile,
	"Calendars.ReadBasic":       LimitBasicEvent,
	"Calendars.ReadBasic.All":   LimitBasicEvent,
	"Mail.ReadBasic":            LimitBasicMessage,
	"Mail.ReadBasic.All":        LimitBasicMessage,
	"Mail.ReadBasic.Shared":     LimitBasicMessage,
	"Group.ReadBasic.All":       LimitBasicGroup,
	"GroupMember.ReadBasic.All": LimitBasicGroup,
	"Chat.ReadBasic":            LimitBasicChat,
	"Chat.ReadBasic.All":        LimitBasicChat,
}

// limitLiftedForSelf lists the limits that apply to other users' data
// only: User.ReadBasic.All "allows the app to read a basic set of profile
// properties of other users in your organization on behalf of the
// signed-in user … Also allows the app to read the full profile of the
// signed-in user" (Microsoft Graph permissions reference). Mail and
// calendar ReadBasic permissions limit the user's own data too.
var limitLiftedForSelf = [...]bool{LimitBasicProfile: true, LimitBasicChat: false}

// appFolderPermissions reach only the app's own folder of a drive
// (Apps/{app name}, the special folder approot): "The service automatically
// limits access to a single folder, ensuring your application only has
// access to files within that folder" ("Using app folder in OneDrive and
// SharePoint"). Microsoft's route data accepts Files.ReadWrite.AppFolder on
// paths that can name any item (/me/drive/root:/{path},
// /me/drive/special/{name}); when it is what allowed a call, the Graph
// server answers only for items inside the app folder.
var appFolderPermissions = map[string]bool{"Files.ReadWrite.AppFolder": true}

// AppFolderOnly reports whether the call is allowed only by a permission
// that reaches just the calling app's folder of a drive (see
// appFolderPermissions): no other permission the token holds, or one of
// them includes, allows it — so a token that also holds Files.Read is not
// confined for reading. The engine decides it (Engine.DecideMatch).
func (d *Decision) AppFolderOnly() bool { return d.appFolderOnly }

// SharedItemsOnly reports whether the call is allowed only for the items
// shared with the signed-in user (perItemSharing): another user's drive,
// or a group's drive the signed-in user is not a member of. The engine
// decides that the relation holds (something there was shared with the
// user, at the level the call needs); the drive answers for the items
// shared and hides the rest, as OneDrive does.
func (d *Decision) SharedItemsOnly() bool { return d.sharedItemsOnly }

// BasicProfileProperties is the basic profile User.ReadBasic.All allows:
// "display name, first and last name, email address and photo".
var BasicProfileProperties = []string{"id", "displayName", "givenName", "surname", "mail", "userPrincipalName", "photo"}

// limitProperties are the properties, lower case, that an allowed call
// with each limit may return (Limit.Properties). Microsoft names what the
// ReadBasic permissions leave out; the lists are the properties of
// graphgate's documents that remain.
var limitProperties = [...]map[string]bool{
	// The basic profile; its photo is an endpoint of its own
	// (/users/{id}/photo), which the route table lets User.ReadBasic.All
	// read, not a property of the user.
	LimitBasicProfile: lowerSet("id", "displayName", "givenName", "surname", "mail", "userPrincipalName"),
	// Calendars.ReadBasic: "events in user calendars, except for properties
	// such as body, attachments, and extensions" (no bodyPreview either).
	LimitBasicEvent: lowerSet("id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories", "originalStartTimeZone",
		"originalEndTimeZone", "originalStart", "iCalUId", "reminderMinutesBeforeStart", "isReminderOn", "subject", "importance",
		"sensitivity", "isAllDay", "isCancelled", "isOrganizer", "responseRequested", "seriesMasterId", "showAs", "type", "webLink",
		"isOnlineMeeting", "isDraft", "responseStatus", "start", "end", "location", "locations", "recurrence", "attendees",
		"organizer", "hasAttachments"),
	// Mail.ReadBasic: "email … except body, previewBody, attachments and any
	// extended properties".
	LimitBasicMessage: lowerSet("id", "subject", "isRead", "isDraft", "importance", "hasAttachments", "receivedDateTime",
		"sentDateTime", "createdDateTime", "lastModifiedDateTime", "conversationId", "internetMessageId", "parentFolderId",
		"inferenceClassification", "categories", "toRecipients", "ccRecipients", "bccRecipients", "from", "sender", "replyTo",
		"flag", "webLink", "changeKey", "isDeliveryReceiptRequested", "isReadReceiptRequested"),
	// Group.ReadBasic.All and GroupMember.ReadBasic.All: a group's basic
	// properties.
	LimitBasicGroup: lowerSet("id", "displayName", "description", "mail", "mailNickname", "groupTypes", "mailEnabled",
		"securityEnabled", "visibility", "createdDateTime", "deletedDateTime"),
	// Chat.ReadBasic reads "the members and descriptions" of chats: every
	// property of a chat, and no message. The limit is in the endpoints, not
	// in the properties: no message endpoint accepts it (the route table).
	LimitBasicChat: nil,
}

// Properties returns the properties (lower-case names) an allowed call
// limited by l may return, or nil when l restricts no property (LimitNone,
// and LimitBasicChat, whose limit is which endpoints accept it). The map
// is shared: callers must not change it.
func (l Limit) Properties() map[string]bool {
	if int(l) < len(limitProperties) {
		return limitProperties[l]
	}
	return nil
}

func lowerSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

// notes are facts worth telling when a permission allowed a call.
var notes = map[string]string{
	"Mail.Send":        "Mail.Send also saves a copy to Sent Items, without Mail.ReadWrite",
	"Mail.Send.Shared": "Mail.Send.Shared also saves a copy to Sent Items, without Mail.ReadWrite.Shared",
}

// accessFor says which sharing right a call needs, from the operations of
// the permissions that allow it: a call that a read permission allows needs
// read rights, a call only Send allows needs send rights, anything else
// write rights.
func accessFor(entries []routes.Entry) Access {
	send := false
	for _, e := range entries {
		switch e.Perm.Parts.Operation {
		case "Read", "ReadBasic":
			return AccessRead
		case "Send":
			send = true
		}
	}
	if send {
		return AccessSend
	}
	return AccessWrite
}
