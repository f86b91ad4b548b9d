// Package bridge runs the Home Assistant O365 integration's sensors and
// services against Microsoft Graph — Microsoft's or graphgate's, only the
// authority and Graph URL differ — and publishes them to Home Assistant over
// MQTT discovery, so Home Assistant shows the entities with no custom
// component (`graphgate bridge --config bridge.yaml`).
//
// The pieces, one concept per file:
//
//   - config.go, yamlcheck.go: the YAML configuration, validated with every
//     error at its line (yaml.v3 nodes), including the combinations the
//     planner refuses.
//   - auth/: sign-in (device code; auth code with a pasted address) and the
//     per-account token file, through MSAL Go.
//   - graphclient/: JSON calls to Graph with Graph's retry rules
//     (go-retryablehttp: 429/503 Retry-After, 5xx back-off).
//   - mqttha/: the MQTT connection (Eclipse Paho, last will) and Home
//     Assistant's discovery config.
//   - account.go: one account's life: its token, planner.Check after every
//     refresh, availability, the diagnostic Permissions entity, back-off when
//     no token can be had. The Permissions entity lists the calls Graph
//     refused at the sensors' last polls (denied_calls: method, path,
//     request ids, and graphgate's x-graphgate-decision when it answered),
//     each with its feature's missing permissions as the planner names
//     them — none when what is missing is not a permission (a mailbox's
//     delegation), which is when the refusal matters most.
//   - sensors.go, sensor_*.go: the integration's Graph calls per feature,
//     turned into entities; services.go, service_*.go: the write services
//     on command topics.
//   - daemon.go: the run loop; login.go: the sign-in command's logic.
//
// Permission knowledge is the planner's: which scopes to request, whether a
// feature is on, read-only or off, which services are registered, and the
// messages and remedies when something is missing. This package only maps
// configuration to planner.Config and the planner's service names to command
// topics. It is a Graph client: it must not import internal/server,
// identity, graph or store (its tests may, to run graphgate).
package bridge
