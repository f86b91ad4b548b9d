// Package directory is graphgate's directory service: the one place that
// changes tenants, users, groups, memberships, directory roles, apps'
// service principals and consent (delegated grants and app role
// assignments), with the rules Microsoft Entra applies to each change.
//
// The Graph server (POST /users, PATCH /groups/{id}, members/$ref, …), the
// identity platform (user and administrator consent, an app's service
// principal), the admin commands (graphgate user, group, consent, tenant,
// app) and the demo tenant's seeding all call a Service; none of them
// writes those objects to the store itself. An architecture test
// (TestOnlyWriter) fails when a package other than this one, the store
// backends and the store's conformance suite calls the store's write
// methods for them (an import, package transfer, loads whole tenants
// through the store's Transfer methods instead).
//
// # Rules it owns
//
//   - A user principal name in an organisation ends in one of the tenant's
//     verified domains (ErrDomainNotVerified); a guest's is derived from
//     the guest's own address (kim@fabrikam.com becomes
//     kim_fabrikam.com#EXT#@contoso.onmicrosoft.com).
//   - Passwords follow Entra's policy for cloud accounts (8 to 256
//     characters, three of lower case, upper case, digits and symbols) and
//     are stored as argon2id hashes with the configured parameters; a
//     shared mailbox has none. Setting a password revokes the user's
//     refresh tokens, as a reset does in Entra.
//   - Directory roles are for members and guests of an organisation.
//   - A member becomes a guest and a guest a member (SetUserType, Graph's
//     PATCH userType) with nothing else changed: the user principal name
//     (a guest's #EXT# name stays), password, roles and memberships are
//     kept and no token is revoked; a shared mailbox or a personal account
//     does not change kind.
//   - A group is created with its members and owners in one store
//     transaction; a user who creates a group without naming owners owns it.
//   - Delegated consent is incremental (scopes merge into the grant) and a
//     personal account holds only permissions valid for personal accounts;
//     application permissions are granted in organisations only; an
//     administrator's consent creates the app's service principal.
//   - An app registration's requested API permissions are Microsoft Graph
//     permissions of the catalog in the scheme asked for (delegated or
//     application) and grant nothing by themselves; a new client secret's
//     value is returned once and only its keyed hash kept; certificates
//     must parse and not have expired; redirect URIs follow the portal's
//     rules (https, http only for localhost, custom schemes for public
//     clients, no fragment) (apps.go, used by the admin console).
//   - Revoking consent checks that everything named is held before it
//     changes anything, and removes a grant left without scopes.
//
// # Errors
//
// Errors are values callers map to their own wire format (Graph's error
// bodies, AADSTS errors, the admin commands' messages and exit codes):
// ErrNotFound and ErrExists (which wrap store.ErrNotFound and
// store.ErrConflict), ErrDomainNotVerified, *ValidationError (the field and
// the reason), *RoleNotHeldError and *NotGrantedError (both ErrNotFound).
// Any other error is the store's failure, returned as it came.
//
// # Concurrency and lifecycle
//
// A Service holds no state besides its options: build one per store with
// New and share it; it is safe for concurrent use. Each change is one store
// operation where the store offers one (read-modify-writes run in the
// store's update closures); operations of several steps (consent with a
// service principal, a user's deletion with their grants) are repeatable:
// running one again after a failure completes it. Time comes from
// Options.Now, ids from Options.NewID.
//
// # What it must not do
//
// It must not know HTTP, OAuth or OData, must not decide who may make a
// change (the permission engine, package authz, decides that before a
// caller gets here), and must not do work that grows with data the caller
// did not ask for on the request path (only the admin commands' purges
// walk every tenant).
package directory
