// Package clock owns graphgate's one notion of "now": the time every
// component reads when it stamps, issues or checks something a test may want
// to move — tokens' iat/nbf/exp and their verification, authorization and
// device codes, refresh tokens, sign-in sessions and lockout, secret expiry,
// consent, calendar "now", delta tokens, createdDateTime and
// lastModifiedDateTime.
//
// A Controlled clock runs with the real clock until someone freezes,
// advances or sets it (the admin API, `graphgate clock`); it is safe for
// concurrent use. Components take a func() time.Time (Controlled.Now), so
// they neither import this package nor know whether time is real.
//
// What it must not do: drive timers, timeouts or latency. Request
// latency, connection deadlines, data-rate limits, retry back-off and the
// fault injector's added latency stay on the real clock (time.Now, the
// request context), because a frozen clock must never stall a server.
package clock
