// Package authz is graphgate's effective-permission engine: given who calls
// (token kind, granted permissions, account type, the signed-in user's roles
// and guest status), the request (method and path) and facts about its
// target (self, another user and what they shared, a shared mailbox, a
// group and the caller's membership, hidden membership), it decides allow or
// deny, names the rule that matched, the check that decided, the
// permissions that would allow the call (least privileged first), the
// relation to the target the deciding permission needs and the fact it
// rested on, a reason code and a one-sentence explanation.
//
// # What it owns
//
//   - The decision: an ordered list of named checks (checks.go, in the
//     manner of fosite's composed handlers): app-only /me, the token's
//     scheme, own data only, the permission, the relation, guest
//     enumeration, directory roles, memberOf, hidden membership. Each says
//     whether it applies and lets the call through or denies it; the first
//     denial decides, and Decision.Check names it.
//   - The relations (relation.go): for every route that names another
//     user's or a group's data, which relation each delegated permission
//     needs (tenant-wide directory visibility, the owner's sharing,
//     membership, ownership, an administrator role), derived from the route
//     table, not listed.
//   - The policy (policy.go): what Microsoft's per-endpoint data cannot
//     express — delegated effective permissions, .Shared access, personal
//     accounts, app-only /me, guests, hidden memberships, memberOf and
//     directory roles — as data.
//   - Property rules (property.go): properties a request may set only with
//     more than its endpoint's rule (a user's userType: User.ReadWrite.All
//     or Directory.ReadWrite.All and, delegated, a User or Global
//     Administrator); the Graph server asks Engine.DecideProperties with
//     the properties a body sets (Check "property").
//   - Property limits: which properties a ReadBasic permission lets a call
//     return (Decision.Limit, Limit.Properties) and on which routes
//     (Limit.Restricts: messages for Mail.ReadBasic, not mail folders), and
//     the confinements an allowed call carries (Decision.AppFolderOnly,
//     Decision.SharedItemsOnly).
//
// The per-endpoint data is the route table (routes) and its catalog. New
// refuses (a *PolicyError) a policy that names a path the table lacks, or a
// permission or resource the catalog lacks, so that a path renamed in
// Microsoft's data cannot silently disable a rule.
//
// # Concurrency and cost
//
// An Engine is immutable after New and safe for concurrent use; Default is
// built once. Decide does not allocate: the engine precomputes everything
// per rule when it is built, the checks run as direct method calls on an
// evaluation that lives on the caller's stack, and a Decision is a value
// whose explanation is rendered only when asked for.
//
// # What it must not do
//
// It must not do I/O: it reads no store, no clock and no request; the Graph
// server looks up the target facts the engine asks for (Engine.Lookups,
// Engine.SharingResource) and passes them in a Target. It knows nothing of
// HTTP handlers or Graph's error bodies: callers render a denial in their
// workload's words. And nothing outside it decides permissions: handlers
// never compare scope strings or decide whose data a caller may reach; they
// ask Decide and apply what the Decision says.
package authz
