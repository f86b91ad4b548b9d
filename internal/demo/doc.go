// Package demo creates graphgate's documented demo tenant, so that a fresh
// `graphgate serve` has people, apps and consent to try every flow with.
//
// The tenant (Contoso) has an administrator, two members who share with
// each other (Megan shared her calendar with Adele and gave her access to
// her mailbox), a Security Reader, a guest, a shared mailbox with a
// delegate, a Microsoft 365 group, a group with hidden membership, and a
// personal Microsoft account in the personal-accounts tenant. Its apps are a
// public client like the Home Assistant O365 integration, a confidential web
// app with a secret, and a daemon with admin-consented application
// permissions.
//
// Passwords and secrets are random per data folder; the first seeding
// stores them (this is a demo tenant: they are kept readable in the store so
// `graphgate demo` can print them). Seeding an already seeded store does
// nothing, and replicas seeding one store at once agree on one tenant.
//
// Generate (`graphgate generate`) adds synthetic volume to the demo tenant
// for scale tests — up to 100k users, 1M messages, 200k events and 100k
// tasks at scale 1 — deterministically from a seed, in bounded batches:
// the mail, events and tasks in one bulk load where the store has one
// (store.BulkLoader: SQLite builds its indexes after the load), with the
// same result as batch by batch.
//
// # What it must not do
//
// It writes the directory only through internal/directory, the workload
// data only through internal/model's Seeder, and seeds only what is
// missing. It must not import the identity or Graph servers.
// Generate must not hold data in memory in proportion to the scale, nor
// know how a backend indexes what it writes.
package demo
