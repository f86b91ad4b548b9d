// Package auth signs the bridge's accounts in to the Microsoft identity
// platform (Microsoft's or graphgate's: only the authority differs) and keeps
// their tokens.
//
// It uses MSAL Go — the library Microsoft supports for this platform — as a
// public client (the Home Assistant integration's app registration), or a
// confidential client when the account is configured with a client secret,
// with a custom cache accessor (CacheFile) so each account's MSAL cache lives
// in one owner-only file, written atomically and locked across processes.
// MSAL brings the protocol details that are easy to get wrong by hand: the
// device code polling (authorization_pending, slow_down), refresh-token
// rotation in its cache, token expiry with a refresh margin, and the cache
// format the integration itself writes.
//
// Sign-in is the device code flow (a code and a URL to open anywhere) or the
// authorization code flow with PKCE where the user pastes the address the
// browser ended on (the integration's nativeclient redirect). Afterwards
// Token refreshes silently; its errors are classified (Error.Kind) so the
// daemon can report "sign in again" once and back off instead of failing in
// a loop.
//
// # What it must not do
//
// It must not talk to Graph or MQTT, and never logs tokens or refresh tokens.
package auth
