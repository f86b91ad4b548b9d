// Package faults owns graphgate's fault injection: rules that make chosen
// requests fail the way Microsoft's services fail — a status with a Graph
// or AADSTS error body, a 429 or 503 with Retry-After, added latency, or a
// dropped connection — so a client's retry and error handling can be
// tested.
//
// A Rule matches a request by method, route template (the route table's,
// e.g. /me/messages, or an identity endpoint such as
// /{tenant}/oauth2/v2.0/token), workload, app (client id) and user (UPN
// or object id), and fires with a probability (a seeded, injectable
// random source) or for the next N matches. A Set holds the rules; it is
// changed at runtime (the admin API, `graphgate faults`) and loaded from
// a YAML file (`serve --faults`). Injection is off while the Set is empty.
//
// Every injected fault is visible: the response header
// x-graphgate-fault names the rule, a slog line records it, and the
// counter graphgate_faults_injected_total counts it by rule and kind.
// With an Observer (Injector.Observe) the server also records each fault
// in the decision log, as a row with reason "fault" and the rule as its
// check, once the fault has been answered.
//
// What it must not do: know how a request is authorized, or decide whose
// data a caller may reach. It learns a request's route, workload, app and
// user from the Describer the server gives it, and writes error bodies
// through the Responder (the Graph and identity packages' own writers).
// Added latency waits on the real clock and the request's context, never
// on graphgate's controllable clock.
package faults
