package bridge

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"graphgate/internal/bridge/auth"
	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// sensor is one polled source of entities: a calendar, an email or query
// sensor, a status sensor, the chat sensor, the To Do lists, auto reply.
// One poll may yield several entities (one per To Do list or calendar).
type sensor struct {
	feature  planner.Feature
	key      string
	interval time.Duration
	poll     func(ctx context.Context) ([]entity, error)
	wake     chan struct{}

	mu      sync.Mutex
	objects map[string]string // object id → component, as announced
}

func newSensor(f planner.Feature, key string, interval time.Duration, poll func(context.Context) ([]entity, error)) *sensor {
	return &sensor{feature: f, key: key, interval: interval, poll: poll, wake: make(chan struct{}, 1), objects: map[string]string{}}
}

func (s *sensor) published() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.objects))
	for k, v := range s.objects {
		out[k] = v
	}
	return out
}

// entity is one Home Assistant entity's discovery data, state and
// attributes.
type entity struct {
	component string // sensor or binary_sensor
	object    string // object id, unique within the account
	name      string
	icon      string
	state     string
	attrs     any
	unit      string
	category  string // "" or diagnostic
	class     string // device_class
}

// Home Assistant keeps at most 255 characters of a state.
const maxState = 255

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(string(r)) > n-1 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// device is the account's Home Assistant device.
func (a *account) device() mqttha.Device {
	return mqttha.Device{Identifiers: []string{a.t.node}, Name: "Microsoft 365 " + a.cfg.Name,
		Manufacturer: "graphgate", Model: "Microsoft Graph bridge (Home Assistant O365 integration)", SWVersion: a.b.opts.Version}
}

func (a *account) discovery(f planner.Feature, e entity) mqttha.Config {
	c := mqttha.Config{
		Name: e.name, UniqueID: a.t.node + "_" + e.object,
		StateTopic: a.t.state(e.object), JSONAttributesTopic: a.t.attributes(e.object),
		Availability: []mqttha.Availability{{Topic: a.t.bridgeStatus()}, {Topic: a.t.availability(f)}}, AvailabilityMode: "all",
		Device: a.device(), Origin: mqttha.Origin{Name: "graphgate bridge", SWVersion: a.b.opts.Version},
		Icon: e.icon, EntityCategory: e.category, DeviceClass: e.class, Unit: e.unit,
	}
	if e.component == "binary_sensor" {
		c.PayloadOn, c.PayloadOff = "ON", "OFF"
	}
	if e.unit != "" {
		c.StateClass = "measurement"
	}
	return c
}

// publishEntity announces the entity once (retained config), then publishes
// its attributes and state (retained, so Home Assistant has them after a
// restart).
func (a *account) publishEntity(s *sensor, e entity) {
	s.mu.Lock()
	_, known := s.objects[e.object]
	s.objects[e.object] = e.component
	s.mu.Unlock()
	if !known {
		a.publishJSON(a.t.config(e.component, e.object), true, a.discovery(s.feature, e))
	}
	if e.attrs != nil {
		a.publishJSON(a.t.attributes(e.object), true, e.attrs)
	}
	a.publish(a.t.state(e.object), true, []byte(clip(e.state, maxState)))
}

// removeEntity deletes an entity that no longer exists (a deleted To Do
// list or calendar): an empty retained config removes it from Home
// Assistant, and its retained state is cleared.
func (a *account) removeEntity(s *sensor, component, obj string) {
	s.mu.Lock()
	delete(s.objects, obj)
	s.mu.Unlock()
	a.publish(a.t.config(component, obj), true, nil)
	a.publish(a.t.state(obj), true, nil)
	a.publish(a.t.attributes(obj), true, nil)
}

// permissionsEntity is the diagnostic sensor that shows the planner's
// verdict: state ok, read-only, minimum-not-met, not-signed-in, sign-in-again,
// client-error or unavailable; the attributes carry every feature's status,
// the integration's messages and the remedy.
const permissionsObject = "permissions"

type featureAttr struct {
	Status      planner.Status    `json:"status"`
	Explanation string            `json:"explanation"`
	Services    []string          `json:"services,omitempty"`
	Unavailable []string          `json:"unavailable,omitempty"`
	Missing     []planner.Missing `json:"missing,omitempty"`
	Message     string            `json:"message,omitempty"`
}

type permissionsAttrs struct {
	Account        string                 `json:"account"`
	User           string                 `json:"user,omitempty"`
	TokenFile      string                 `json:"token_file"`
	Granted        []string               `json:"granted"`
	MinimumMet     bool                   `json:"minimum_met"`
	Features       map[string]featureAttr `json:"features,omitempty"`
	LegacyMessages []string               `json:"legacy_messages,omitempty"`
	CurrentMessage string                 `json:"current_message,omitempty"`
	Remedy         string                 `json:"remedy,omitempty"`
	AuthError      string                 `json:"auth_error,omitempty"`
	ConsentError   string                 `json:"consent_error,omitempty"`
	SignIn         string                 `json:"sign_in,omitempty"`
	LastRefresh    string                 `json:"last_refresh,omitempty"`
	Errors         map[string]string      `json:"errors,omitempty"`
	// DeniedCalls are the calls Graph refused at the sensors' last polls,
	// each linked to its feature's missing permissions.
	DeniedCalls []deniedCallAttr `json:"denied_calls,omitempty"`
}

// deniedCallAttr is one refused call: what was called, Graph's answer and
// request ids, and the feature's missing permissions the planner names
// (none: the token holds them, and what is missing is not a permission —
// a mailbox delegation, sharing, a membership; Graph's message and, from
// graphgate, its decision say which).
type deniedCallAttr struct {
	Feature    string   `json:"feature"`
	Method     string   `json:"method"`
	Path       string   `json:"path"`
	Status     int      `json:"status"`
	Code       string   `json:"code"`
	Message    string   `json:"message,omitempty"`
	RequestIDs []string `json:"request_ids"`
	Missing    []string `json:"missing"`
	// Decision is graphgate's x-graphgate-decision header; Explain the
	// command that prints the recorded decision in full.
	Decision string `json:"decision,omitempty"`
	Explain  string `json:"explain,omitempty"`
}

// deniedCallsAttr lists the refused calls in a stable order, each with the
// missing permissions of its feature. Call with a.mu held.
func (a *account) deniedCallsAttr() []deniedCallAttr {
	var out []deniedCallAttr
	for _, d := range a.denied {
		at := deniedCallAttr{Feature: d.feature.String(), Method: d.err.Method, Path: d.err.Path, Status: d.err.Status, Code: d.err.Code,
			Message: d.err.Message, RequestIDs: append([]string{}, d.requestIDs...), Missing: []string{}, Decision: d.err.Decision}
		if a.report != nil {
			if fs, ok := a.report.Feature(d.feature); ok {
				for _, m := range fs.Missing {
					at.Missing = append(at.Missing, m.Scope)
				}
			}
		}
		if at.Decision != "" && len(at.RequestIDs) > 0 {
			at.Explain = "graphgate explain --request-id " + at.RequestIDs[len(at.RequestIDs)-1]
		}
		out = append(out, at)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Feature != out[j].Feature {
			return out[i].Feature < out[j].Feature
		}
		return out[i].Method+" "+out[i].Path < out[j].Method+" "+out[j].Path
	})
	return out
}

func (a *account) permissionsEntity() entity {
	a.mu.Lock()
	defer a.mu.Unlock()
	at := permissionsAttrs{Account: a.cfg.Name, User: a.upn, TokenFile: a.sess.CachePath(), Granted: []string{}}
	state := "ok"
	if a.report != nil {
		r := a.report
		at.Granted = r.Granted
		at.MinimumMet = r.MinimumMet
		at.LegacyMessages = r.LegacyMessages
		at.CurrentMessage = r.CurrentMessage
		at.Remedy = r.Remedy
		at.Features = map[string]featureAttr{}
		for _, f := range r.Features {
			at.Features[f.Feature.String()] = featureAttr{Status: f.Status, Explanation: f.Explanation, Services: f.Services,
				Unavailable: f.Unavailable, Missing: f.Missing, Message: f.LegacyMessage}
			if f.Status == planner.ReadOnly && len(f.Missing) > 0 && state == "ok" {
				state = "read-only"
			}
		}
		if !r.MinimumMet {
			state = "minimum-not-met"
		}
	} else {
		state = "unavailable"
	}
	if a.consentErr != nil {
		at.ConsentError = a.consentErr.Error()
	}
	if !a.lastRefresh.IsZero() {
		at.LastRefresh = a.lastRefresh.UTC().Format(time.RFC3339)
	}
	if e := a.authErr; e != nil {
		at.AuthError = e.Error()
		at.Remedy = e.Remedy(a.login)
		switch e.Kind {
		case auth.NotSignedIn:
			state = "not-signed-in"
		case auth.Reauth, auth.Consent, auth.SignInFailed:
			state = "sign-in-again"
		case auth.Client, auth.Config:
			state = "client-error"
		default:
			state = "unavailable"
		}
		at.SignIn = a.login
	}
	at.DeniedCalls = a.deniedCallsAttr()
	if len(a.sensorErrs) > 0 {
		at.Errors = map[string]string{}
		for k, v := range a.sensorErrs {
			at.Errors[k] = v
		}
	}
	return entity{component: "sensor", object: permissionsObject, name: "Permissions", icon: "mdi:shield-key",
		state: state, attrs: at, category: "diagnostic"}
}

// permissionsSensor holds the diagnostic entity's announcement state.
func (a *account) publishPermissions() {
	if !a.mqttReady() {
		return
	}
	e := a.permissionsEntity()
	a.permSensor.mu.Lock()
	known := len(a.permSensor.objects) > 0
	a.permSensor.objects[e.object] = e.component
	a.permSensor.mu.Unlock()
	if !known {
		c := a.discovery(planner.FeatureAccount, e)
		c.Availability = c.Availability[:1] // shown whenever the bridge runs
		c.AvailabilityMode = ""
		a.publishJSON(a.t.config(e.component, e.object), true, c)
	}
	a.publishJSON(a.t.attributes(e.object), true, e.attrs)
	a.publish(a.t.state(e.object), true, []byte(e.state))
}

// servicesDoc is what <base>/<account>/services holds.
type servicesDoc struct {
	Available   []string          `json:"available"`
	Unavailable map[string]string `json:"unavailable"`
}

func (a *account) publishServices() {
	if !a.mqttReady() {
		return
	}
	doc := servicesDoc{Available: []string{}, Unavailable: map[string]string{}}
	for _, sv := range services {
		if why := a.serviceUnavailable(sv, nil); why == "" {
			doc.Available = append(doc.Available, sv.name)
		} else {
			doc.Unavailable[sv.name] = why
		}
	}
	sort.Strings(doc.Available)
	a.publishJSON(a.t.services(), true, doc)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
