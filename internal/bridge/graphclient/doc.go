// Package graphclient is the bridge's Microsoft Graph client: JSON over
// HTTPS to a base URL (Microsoft's https://graph.microsoft.com/v1.0 or
// graphgate's), with a bearer token, the integration's
// Prefer: outlook.timezone="UTC" header, and Graph's retry rules.
//
// Retries use hashicorp/go-retryablehttp, a maintained library that already
// rewinds request bodies, drains responses and honours context
// cancellation; this package supplies Graph's policy as its hooks:
//
//   - 429, 503 and 504 wait for Retry-After (seconds or an HTTP date) when the
//     server sends it, capped at MaxRetryAfter (a longer wait is returned as an
//     error carrying RetryAfter, for the caller's poll schedule);
//   - other 5xx and connection errors back off exponentially with jitter;
//   - POST and PATCH (sendMail, create event, …) are retried only on 429 and
//     503, where Graph has not processed the request, so a retry never sends a
//     mail twice.
//
// Graph errors come back as *Error with the code and message of Graph's
// error body.
//
// # What it must not do
//
// It must not decide which calls the bridge makes (the bridge does) and never logs
// tokens.
package graphclient
