// Package permname parses Microsoft Graph permission names of the form
// resource.operation.constraint and orders them.
//
// The order is what the planner and the authorization engine reason with:
// on one resource ReadBasic ⊂ Read ⊂ ReadWrite (and ReadBasic ⊂ ReadWriteBasic ⊂
// ReadWrite); the signed-in user's own data (no constraint) ⊂ .Shared and
// own ⊂ .All. Operations outside that lattice (Send, Create, Manage,
// AccessAsUser, …) imply only themselves: Mail.ReadWrite does not imply
// Mail.Send, as the reference states ("Does not include permission to send
// mail").
//
// The package knows nothing about which permissions exist; the catalog does.
//
// # What it must not do
//
// It must not know which permissions exist or decide access; the catalog and authz do.
package permname
