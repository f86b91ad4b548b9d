package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"graphgate/internal/bridge/auth"
	"graphgate/internal/bridge/graphclient"
	"graphgate/internal/planner"
)

// Services are the integration's write services, called by publishing JSON
// to <base>/<account>/command/<service>; the answer goes to
// <base>/<account>/result/<service>:
//
//	{"id": "<the call's id, if it had one>", "service": "todo_complete_task", "ok": true, "result": {…}}
//	{"id": "…", "service": "send_mail", "ok": false, "error": {"code": "ErrorAccessDenied", "message": "…", "status": 403}}
//
// A service runs only where the planner registers it: its feature is on,
// enable_update asks for it, and its scope is granted; otherwise the answer
// is the error serviceUnavailable with the planner's explanation and remedy.

// service is one write service.
type service struct {
	name    string
	feature planner.Feature
	// registers is the planner's name of the service (FeatureStatus.Services).
	registers string
	// groupRegisters, for calendar services, is the planner's name when the
	// call carries a group_id (the group calendar's service).
	groupRegisters string
	run            func(ctx context.Context, a *account, p []byte) (any, error)
	// refresh are the features whose sensors poll again after a success.
	refresh []planner.Feature
}

// services lists every service; see docs/bridge.md for their payloads.
var services []service

func init() {
	services = []service{
		{name: "calendar_create_event", feature: planner.FeatureCalendar, registers: "create event", groupRegisters: "create group event", run: createEvent, refresh: calRefresh},
		{name: "calendar_modify_event", feature: planner.FeatureCalendar, registers: "modify event", groupRegisters: "modify group event", run: modifyEvent, refresh: calRefresh},
		{name: "calendar_remove_event", feature: planner.FeatureCalendar, registers: "remove event", groupRegisters: "remove group event", run: removeEvent, refresh: calRefresh},
		{name: "calendar_respond_event", feature: planner.FeatureCalendar, registers: "respond to event", run: respondEvent, refresh: calRefresh},
		{name: "send_mail", feature: planner.FeatureSendMail, registers: "send mail (notify)", run: sendMail, refresh: []planner.Feature{planner.FeatureEmail, planner.FeatureQuery}},
		{name: "auto_reply_enable", feature: planner.FeatureAutoReply, registers: "auto reply enable", run: autoReplyEnable, refresh: []planner.Feature{planner.FeatureAutoReply}},
		{name: "auto_reply_disable", feature: planner.FeatureAutoReply, registers: "auto reply disable", run: autoReplyDisable, refresh: []planner.Feature{planner.FeatureAutoReply}},
		{name: "set_presence", feature: planner.FeatureStatusSensor, registers: "set presence", run: setPresence, refresh: []planner.Feature{planner.FeatureStatusSensor}},
		{name: "set_preferred_presence", feature: planner.FeatureStatusSensor, registers: "set preferred presence", run: setPreferredPresence, refresh: []planner.Feature{planner.FeatureStatusSensor}},
		{name: "send_chat_message", feature: planner.FeatureChat, registers: "send chat message", run: sendChatMessage, refresh: []planner.Feature{planner.FeatureChat}},
		{name: "todo_new_task", feature: planner.FeatureTodo, registers: "new task", run: newTask, refresh: todoRefresh},
		{name: "todo_update_task", feature: planner.FeatureTodo, registers: "update task", run: updateTask, refresh: todoRefresh},
		{name: "todo_complete_task", feature: planner.FeatureTodo, registers: "complete task", run: completeTask, refresh: todoRefresh},
		{name: "todo_delete_task", feature: planner.FeatureTodo, registers: "delete task", run: deleteTask, refresh: todoRefresh},
	}
}

var (
	calRefresh  = []planner.Feature{planner.FeatureCalendar, planner.FeatureGroups}
	todoRefresh = []planner.Feature{planner.FeatureTodo}
)

// ServiceNames lists the services' names.
func ServiceNames() []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = s.name
	}
	return out
}

// serviceError is a service's own error (bad payload, unknown list).
type serviceError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status,omitempty"`
}

func (e *serviceError) Error() string { return e.Code + ": " + e.Message }

func badRequest(format string, a ...any) error {
	return &serviceError{Code: "invalidRequest", Message: fmt.Sprintf(format, a...)}
}

// result is what a result topic gets.
type result struct {
	ID      string        `json:"id,omitempty"`
	Service string        `json:"service"`
	OK      bool          `json:"ok"`
	Result  any           `json:"result,omitempty"`
	Error   *serviceError `json:"error,omitempty"`
}

// serviceUnavailable says why sv cannot run now ("" when it can). payload,
// when given, picks the group calendar's service for a group_id.
func (a *account) serviceUnavailable(sv service, payload []byte) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.authErr != nil && a.authErr.Kind != auth.Transient {
		return "The account has no token: " + a.authErr.Error() + ". " + a.authErr.Remedy(a.login)
	}
	if a.report == nil {
		return "The account is not set up yet (signing in)."
	}
	feature, registers := sv.feature, sv.registers
	if sv.groupRegisters != "" && payload != nil {
		var g struct {
			GroupID string `json:"group_id"`
		}
		if json.Unmarshal(payload, &g) == nil && g.GroupID != "" {
			feature, registers = planner.FeatureGroups, sv.groupRegisters
		}
	}
	fs, ok := a.report.Feature(feature)
	if !ok {
		if feature == planner.FeatureSendMail {
			return "Sending mail is not configured: it needs enable_update with a calendar (without basic_calendar) or with email or query sensors."
		}
		return fmt.Sprintf("%s is not configured for this account.", feature)
	}
	for _, s := range fs.Services {
		if s == registers {
			return ""
		}
	}
	why := fs.Explanation
	for _, m := range fs.Missing {
		why += " " + m.Fix
	}
	return strings.TrimSpace(why)
}

// subscribeCommands listens on <base>/<account>/command/+.
func (a *account) subscribeCommands() error {
	return a.b.mq.Subscribe(a.t.command("+"), func(topic string, payload []byte) {
		name := topic[strings.LastIndexByte(topic, '/')+1:]
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		a.handleCommand(ctx, name, payload)
	})
}

func (a *account) handleCommand(ctx context.Context, name string, payload []byte) {
	res := result{Service: name}
	var envelope struct {
		ID any `json:"id"`
	}
	if len(bytes.TrimSpace(payload)) == 0 {
		payload = []byte("{}")
	}
	if err := json.Unmarshal(payload, &envelope); err != nil {
		res.Error = &serviceError{Code: "invalidRequest", Message: "the payload is not a JSON object: " + err.Error()}
		a.publishJSON(a.t.result(name), false, res)
		return
	}
	if envelope.ID != nil {
		res.ID = fmt.Sprint(envelope.ID)
	}
	var sv *service
	for i := range services {
		if services[i].name == name {
			sv = &services[i]
		}
	}
	switch {
	case sv == nil:
		res.Error = &serviceError{Code: "unknownService", Message: fmt.Sprintf("no service %q (services: %s)", name, strings.Join(ServiceNames(), ", "))}
	default:
		if why := a.serviceUnavailable(*sv, payload); why != "" {
			res.Error = &serviceError{Code: "serviceUnavailable", Message: why}
			break
		}
		out, err := sv.run(ctx, a, payload)
		if err != nil {
			res.Error = toServiceError(err)
			a.log.Warn("service failed", "service", name, "code", res.Error.Code, "message", res.Error.Message)
			break
		}
		res.OK, res.Result = true, out
		a.log.Info("service done", "service", name)
		for _, s := range a.sensors {
			for _, f := range sv.refresh {
				if s.feature == f {
					s.poke()
				}
			}
		}
	}
	a.publishJSON(a.t.result(name), false, res)
}

func toServiceError(err error) *serviceError {
	var se *serviceError
	var ge *graphclient.Error
	var ae *auth.Error
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &ge):
		return &serviceError{Code: ge.Code, Message: ge.Message, Status: ge.Status}
	case errors.As(err, &ae):
		return &serviceError{Code: "authentication", Message: ae.Error()}
	}
	return &serviceError{Code: "error", Message: err.Error()}
}

// decode reads a service payload strictly (unknown keys are errors, so a
// typo does not silently do something else).
func decode(p []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(p))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return badRequest("payload: %v", err)
	}
	return nil
}

// parseTime reads a service time: RFC 3339, or a local-less date-time or
// date taken as UTC.
func parseTime(field, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badRequest("%s %q is not a time (use RFC 3339, e.g. 2025-05-01T09:00:00Z, or a date)", field, s)
}

func utcTime(t time.Time) graphTime {
	return graphTime{DateTime: t.UTC().Format("2006-01-02T15:04:05"), TimeZone: "UTC"}
}
