// Package routes is the per-endpoint permission table of Microsoft Graph and
// its path matcher.
//
// The table is generated from Microsoft's permissions.json into
// table_gen.go (see internal/gendata): for every method and path of
// the data, per scheme (delegated work, delegated personal, application), the
// accepted permissions ordered least-privileged first by Kibali's rules, and
// the permissions each one also requires. supplement.yaml adds what the data
// lacks, each entry with its reason (gendata writes it as Go too,
// supplement_gen.go, so no process decodes YAML); every Entry says where it
// comes from. It
// is the single place an endpoint's permission rule lives: enforcement
// (authz), `graphgate permissions for` and least-privilege reports all read
// it.
//
// table_gen.go is Go source the compiler lays out as static data. Load
// groups the routes by first path segment and fixes every route's and
// rule's index; a group's routes, trie and supplement entries are built when
// a lookup first reaches that segment, and a route's rules are linked to the
// catalog when the table first hands the route out, so a process that
// answers one call (GET /me) builds 1,000 routes and one rule, not 7,300
// routes and 11,000 rules.
//
// Matching is segment by segment on the normalized path (graphpath): a
// literal segment wins over a {param} segment, matching is case-insensitive,
// OData key segments and function arguments are normalized, drive items are
// addressed by path (root:/{item-path}:/…), and a /me/... path missing from
// the data falls back to its /users/{id}/... twin.
//
// # What it must not do
//
// It must not decide access (authz does) or serve requests; the table is generated
// (internal/gendata) and amended only by supplement.yaml, never edited by hand.
package routes
