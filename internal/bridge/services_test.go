package bridge_test

import (
	"strings"
	"testing"
	"time"

	"graphgate/internal/identity"
)

// TestCalendarChatPresenceAutoReply drives the other services through their
// command topics and watches the sensors follow.
func TestCalendarChatPresenceAutoReply(t *testing.T) {
	broker := needBroker(t)
	t.Parallel()
	g := startGraphgate(t, identity.Config{})
	g.consent("adele", "User.Read", "Calendars.ReadWrite", "Mail.Send", "Chat.ReadWrite", "Presence.ReadWrite", "MailboxSettings.ReadWrite")
	s := newSetup(t, g, broker, `    enable_update: true
    calendars:
      - calendar: Calendar
        name: Adele
        search: Bridge
        start_offset: -1
        end_offset: 24
    status_sensors:
      - name: Teams
        enable_update: true
    chat_sensors:
      - name: Chat
        enable_update: true
    auto_reply_sensors:
      - name: OOO
`)
	s.passwordLogin("adele", "User.Read")
	logs := &syncBuffer{}
	s.run(logs)
	w := watch(t, broker, s.base+"/#")
	w.waitEq(s.topic("permissions/state"), "ok", wait)
	defer func() {
		if t.Failed() {
			t.Logf("bridge log:\n%s", logs.String())
		}
	}()

	// An event happening now turns the calendar on.
	now := time.Now().UTC()
	w.publish(s.topic("command/calendar_create_event"), map[string]any{"id": "e1", "calendar": "Calendar", "subject": "Bridge review",
		"start": now.Add(-10 * time.Minute).Format(time.RFC3339), "end": now.Add(time.Hour).Format(time.RFC3339), "location": "Room 2"})
	r := w.waitJSON(s.topic("result/calendar_create_event"), wait, func(m map[string]any) bool { return m["id"] == "e1" })
	if r["ok"] != true {
		t.Fatalf("create event: %v", r)
	}
	w.waitEq(s.topic("calendar_adele/state"), "ON", wait)
	attrs := w.waitJSON(s.topic("calendar_adele/attributes"), wait, func(m map[string]any) bool { return m["message"] == "Bridge review" })
	if attrs["location"] != "Room 2" {
		t.Errorf("calendar attributes: %v", attrs)
	}
	eventID := r["result"].(map[string]any)["event_id"].(string)
	w.publish(s.topic("command/calendar_remove_event"), map[string]any{"id": "e2", "event_id": eventID})
	if r := w.waitJSON(s.topic("result/calendar_remove_event"), wait, func(m map[string]any) bool { return m["id"] == "e2" }); r["ok"] != true {
		t.Fatalf("remove event: %v", r)
	}
	w.waitEq(s.topic("calendar_adele/state"), "OFF", wait)

	// Presence.
	w.waitEq(s.topic("status_teams/state"), "available", wait)
	w.publish(s.topic("command/set_preferred_presence"), map[string]any{"id": "p1", "availability": "DoNotDisturb", "activity": "DoNotDisturb", "expiration_duration": "PT1H"})
	if r := w.waitJSON(s.topic("result/set_preferred_presence"), wait, func(m map[string]any) bool { return m["id"] == "p1" }); r["ok"] != true {
		t.Fatalf("set preferred presence: %v", r)
	}
	w.waitEq(s.topic("status_teams/state"), "doNotDisturb", wait)

	// Auto reply.
	w.publish(s.topic("command/auto_reply_enable"), map[string]any{"id": "a1", "internal_reply": "Away today", "external_audience": "none"})
	if r := w.waitJSON(s.topic("result/auto_reply_enable"), wait, func(m map[string]any) bool { return m["id"] == "a1" }); r["ok"] != true {
		t.Fatalf("auto reply enable: %v", r)
	}
	w.waitEq(s.topic("auto_reply_ooo/state"), "alwaysEnabled", wait)
	w.publish(s.topic("command/auto_reply_disable"), map[string]any{"id": "a2"})
	w.waitEq(s.topic("auto_reply_ooo/state"), "disabled", wait)

	// Chat: the latest message is the one sent.
	chat := w.waitJSON(s.topic("chat_chat/attributes"), wait, func(m map[string]any) bool { return m["chat_id"] != "" && m["chat_id"] != nil })
	text := "From the bridge " + randomID()
	w.publish(s.topic("command/send_chat_message"), map[string]any{"id": "c1", "chat_id": chat["chat_id"], "message": text})
	if r := w.waitJSON(s.topic("result/send_chat_message"), wait, func(m map[string]any) bool { return m["id"] == "c1" }); r["ok"] != true {
		t.Fatalf("send chat message: %v", r)
	}
	w.waitJSON(s.topic("chat_chat/attributes"), wait, func(m map[string]any) bool { return m["content"] == text })

	// Bad payloads are answered, not dropped.
	w.publish(s.topic("command/send_chat_message"), map[string]any{"id": "c2", "chat": "x"})
	r = w.waitJSON(s.topic("result/send_chat_message"), wait, func(m map[string]any) bool { return m["id"] == "c2" })
	if e, _ := r["error"].(map[string]any); e == nil || e["code"] != "invalidRequest" || !strings.Contains(e["message"].(string), "unknown field") {
		t.Errorf("bad payload: %v", r)
	}
	w.publish(s.topic("command/no_such_service"), map[string]any{"id": "x1"})
	r = w.waitJSON(s.topic("result/no_such_service"), wait, func(m map[string]any) bool { return m["id"] == "x1" })
	if e, _ := r["error"].(map[string]any); e == nil || e["code"] != "unknownService" {
		t.Errorf("unknown service: %v", r)
	}
}
