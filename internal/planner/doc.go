// Package planner is the Home Assistant O365 integration's permissions page
// turned into two pure functions over the permission catalog.
//
// Plan (Config → Plan): which scopes the integration must request for a
// configuration (features, enable_update globally and per feature, shared
// mailbox, account type), in the integration's order and de-duplicated, with
// the reason for each scope, warnings, refusals with a precise reason, the
// scopes needing admin consent, and notes on the fixes below.
//
// Check (Config + Token → Report): given the granted scopes (a token's scp
// or an MSAL cache entry's target: space-separated, case-insensitive, names
// possibly qualified with https://graph.microsoft.com/), each configured
// feature is on (every service, write services included), read-only
// (reading works but the write services are not registered: the write scope
// is missing, or enable_update is off for a feature that has write
// services) or off (the minimum is missing, or the feature is refused),
// with the services registered, the integration's log messages for what is
// missing, and what to do about it.
//
// Calls (Config → []Call): the Graph calls the integration makes for a
// configuration, feature by feature, as the reference documents them (with
// the $select lists graphgate's bridge sends where the reference elides
// them). The least-privilege report replays them, and maps a recording's
// calls back to the features they belong to (report.ComparePlan).
//
// # What the package owns and must not do
//
// It owns the integration's scope table, its [primary, [alternatives]]
// pairs, its satisfaction rule, its log-message formats and its calls, and
// graphgate's fixes to them. It decides nothing about whether a call is allowed (that is
// authz) nor which permission a call needs (routes); permission facts —
// existence, validity for personal accounts, admin consent — come only from
// the catalog (catalog.Lookup, Permission.In, RequiresAdminConsent), never
// from a list kept here. It does no I/O: no files, no HTTP, no clock, no
// logging; the CLI renders its results (every result carries JSON tags and a
// one-sentence Explanation or Reason).
//
// # The scope table (as the integration has it)
//
//	always              offline_access, User.Read (MSAL adds openid profile offline_access itself)
//	calendar (default)  Calendars.Read[.Shared]
//	  basic_calendar    Calendars.ReadBasic (wins over enable_update, with the integration's warning)
//	  enable_update     Mail.Send[.Shared], Calendars.ReadWrite[.Shared]
//	groups              Group.Read.All, enable_update Group.ReadWrite.All
//	email/query sensors Mail.Read[.Shared]
//	auto reply          MailboxSettings.ReadWrite (write-only)
//	status sensor       Presence.Read, enable_update Presence.ReadWrite
//	other user's status adds Presence.Read.All and User.ReadBasic.All
//	chat sensor         Chat.Read, enable_update Chat.ReadWrite
//	To Do               Tasks.Read, enable_update Tasks.ReadWrite
//
// enable_update: Config.EnableUpdate is the default for every feature and
// Config.UpdateOverrides[feature] wins (the integration's To Do, chat and
// status sensors carry their own flag; to reproduce it exactly, set the
// override). With a shared mailbox every call goes to /users/{shared}/…,
// .Shared is appended to the Calendars and Mail scopes, and status, other
// users' status, chat, To Do, group calendars and auto reply are refused,
// each with its reason (e.g. there is no MailboxSettings.ReadWrite.Shared, so
// Graph answers 403 on /users/{shared}/mailboxSettings). A feature whose
// scope the catalog does not list for the account type (Presence.*, Chat.*,
// Group.*.All, User.ReadBasic.All, Mail.*.Shared for personal accounts) is
// refused, naming the scope. A shared mailbox equal to the signed-in user's
// address (Config.UserPrincipalName) is dropped with the current
// integration's own message, since the own mailbox needs no .Shared scope.
//
// # Fixes over the original integration
//
// (a) mail-send: the original requests Mail.Send only inside the calendar's
// enable_update branch, so its send-mail service never works for a
// configuration without calendar updates. graphgate requests
// Mail.Send[.Shared] for the send-mail feature when enable_update is on for
// the calendar (the original trigger, kept: basic_calendar still suppresses
// it) or for email or query sensors; UpdateOverrides[send_mail] forces it on
// or off.
//
// (b) calendars-shared-fallback: a granted .Shared scope satisfies the
// own-mailbox scope for Mail; the current integration means to do the same
// for calendars but tests the resource "Calendar", so Calendars.Read.Shared
// never satisfies Calendars.Read there. graphgate applies the fallback to
// Calendars as well, and the report notes when the integration would judge
// otherwise.
//
// (c) readbasic-shared: Calendars.ReadBasic.Shared does not exist in the
// catalog; with basic_calendar and a shared mailbox the original requests it
// and the sign-in fails (AADSTS70011, invalid scope). graphgate requests the
// least operation whose .Shared variant exists: Calendars.Read.Shared. The
// integration's pair ['Calendars.ReadBasic.Shared', [...]] is still
// reproduced verbatim in messages; it is satisfied by Calendars.Read.Shared.
//
// (d) valid-scopes: every requested scope exists in the catalog, grants
// something and is valid for the account type; a feature that would need
// another is refused instead (with, where it helps, the read-only
// alternative: "without enable_update it would need only …"). A test checks
// this for every combination of features and options.
//
// Two requirements are graphgate's own, for calls the integration does not
// check (Source "graphgate", never blocking the account): a calendar without
// basic_calendar needs Calendars.Read[.Shared] — the integration's pair
// accepts Calendars.ReadBasic, but the calendar then selects body and
// attendees — and other users' status sensors need Presence.Read.All and
// User.ReadBasic.All, without which the integration sets the account up and
// the sensor fails at run time.
//
// Beyond those, Check tells apart why a scope is missing: never requested
// (the configuration changed since sign-in; needs Token.Requested), requested
// and declined, admin consent required (catalog RequiresAdminConsent for
// work accounts), or can never be granted (refused feature); and it reports
// every missing pair, where the integration logs at most one line.
//
// # Satisfaction rule
//
// A scope is satisfied if it is granted, or a granted scope on the same
// resource has an operation that includes it (ReadBasic ⊂ Read ⊂ ReadWrite)
// with the same constraint, or, for an own-data scope, the .Shared variant of
// Mail or Calendars or the .All variant of Presence is granted with such an
// operation. This is the integration's rule with fix (b); it is narrower than
// permname.Implies (User.Read.All does not satisfy User.Read here) because it
// predicts what the integration accepts, not what Graph allows. A pair is
// satisfied when any of its names is.
//
// # Message formats
//
// Older versions (the page's example), one line per unsatisfied pair, the
// pair in Python's list repr:
//
//	Minimum required permissions not granted: ['Tasks.Read', ['Tasks.ReadWrite']]
//
// With a shared mailbox the pairs are the integration's _add_shared of them
// (.Shared appended where missing, repeated alternatives dropped), e.g.
// ['Mail.Read.Shared', ['Mail.Read.Shared', 'Mail.ReadWrite.Shared']].
//
// (Intermediate versions logged only the primaries joined by ", "; graphgate
// does not reproduce that form.)
//
// Current versions, one line for all failed requested scopes (OpenID scopes
// are not checked), with the token file (o365_<account>.token) and account:
//
//	Minimum required permissions: 'Mail.Send, Tasks.ReadWrite'. Not available in token 'o365_home.token' for account 'home'.
//
// graphgate's remedy replaces the page's "delete the token and
// re-authenticate" with: sign in again (the consent screen will ask for: …).
package planner
