package bridge_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"graphgate/internal/identity"
)

const wait = 30 * time.Second

// TestDeviceCodeDiscoveryServicesRestart is the bridge's main path against
// graphgate and Mosquitto: a device code sign-in, Home Assistant discovery,
// a task completed through a command topic, a mail sent through send_mail
// turning up in an email sensor, and the token file surviving a restart.
func TestDeviceCodeDiscoveryServicesRestart(t *testing.T) {
	broker := needBroker(t)
	t.Parallel()
	g := startGraphgate(t, identity.Config{})
	s := newSetup(t, g, broker, `    enable_update: true
    email_sensors:
      - name: Inbox
        max_items: 10
    status_sensors:
      - name: Presence
    auto_reply_sensors:
      - name: Out of office
    todo_sensors:
      enabled: true
`)
	res := s.loginDeviceCode("adele")
	if res.User != "adele@contoso.onmicrosoft.com" || res.Report == nil || !res.Report.MinimumMet {
		t.Fatalf("login result: %+v", res)
	}
	st, err := os.Stat(res.TokenFile)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file %s: %v mode %v", res.TokenFile, err, st.Mode())
	}

	logs := &syncBuffer{}
	stop := s.run(logs)
	w := watch(t, broker, s.base+"/#", s.discovery+"/#")
	w.waitEq(s.base+"/status", "online", wait)
	w.waitEq(s.topic("todo/availability"), "online", wait)

	// Discovery: retained configs with state, attributes and availability
	// topics, grouped under one device.
	cfg := w.waitJSON(s.config("sensor", "todo_tasks"), wait, func(m map[string]any) bool { return m["state_topic"] != nil })
	if cfg["state_topic"] != s.topic("todo_tasks/state") || cfg["json_attributes_topic"] != s.topic("todo_tasks/attributes") ||
		cfg["unique_id"] != "graphgate_home_todo_tasks" || cfg["availability_mode"] != "all" {
		t.Errorf("todo discovery config: %v", cfg)
	}
	if av, _ := json.Marshal(cfg["availability"]); !strings.Contains(string(av), s.base+"/status") || !strings.Contains(string(av), s.topic("todo/availability")) {
		t.Errorf("availability topics: %s", av)
	}
	for _, c := range []struct{ component, object string }{
		{"binary_sensor", "calendar_calendar"}, {"sensor", "email_inbox"}, {"sensor", "status_presence"},
		{"sensor", "auto_reply_out_of_office"}, {"sensor", "permissions"},
	} {
		w.waitJSON(s.config(c.component, c.object), wait, func(m map[string]any) bool { return m["unique_id"] == "graphgate_home_"+c.object })
	}
	w.waitEq(s.topic("permissions/state"), "ok", wait)
	w.waitEq(s.topic("status_presence/state"), "available", wait)
	w.waitEq(s.topic("auto_reply_out_of_office/state"), "disabled", wait)
	w.waitEq(s.topic("todo_tasks/state"), "2", wait)
	svc := w.waitJSON(s.topic("services"), wait, func(m map[string]any) bool { return m["available"] != nil })
	if av, _ := json.Marshal(svc["available"]); !strings.Contains(string(av), "todo_complete_task") || !strings.Contains(string(av), "send_mail") {
		t.Errorf("services: %v", svc)
	}
	// A fresh subscriber gets the discovery configs and availability: they
	// are retained.
	w2 := watch(t, broker, s.discovery+"/#", s.base+"/status")
	w2.waitEq(s.base+"/status", "online", 5*time.Second)
	w2.wait(s.config("sensor", "todo_tasks"), 5*time.Second, func(p []byte) bool { return len(p) > 0 })
	w2.mu.Lock()
	if !w2.retained[s.config("sensor", "todo_tasks")] {
		t.Error("discovery config not retained")
	}
	w2.mu.Unlock()

	t.Run("complete task through the command topic", func(t *testing.T) {
		attrs := w.waitJSON(s.topic("todo_tasks/attributes"), wait, func(m map[string]any) bool { return m["all_tasks"] != nil })
		var taskID string
		for _, x := range attrs["all_tasks"].([]any) {
			if m := x.(map[string]any); m["subject"] == "Review launch plan" {
				taskID, _ = m["task_id"].(string)
			}
		}
		if taskID == "" {
			t.Fatalf("no task 'Review launch plan' in %v", attrs)
		}
		w.publish(s.topic("command/todo_complete_task"), map[string]any{"id": "c1", "list": "Tasks", "task_id": taskID})
		r := w.waitJSON(s.topic("result/todo_complete_task"), wait, func(m map[string]any) bool { return m["id"] == "c1" })
		if r["ok"] != true {
			t.Fatalf("complete task result: %v", r)
		}
		w.waitEq(s.topic("todo_tasks/state"), "1", wait)
		// A Graph error comes back with its code and message.
		w.publish(s.topic("command/todo_complete_task"), map[string]any{"id": "c2", "list": "Tasks", "task_id": "no-such-task"})
		r = w.waitJSON(s.topic("result/todo_complete_task"), wait, func(m map[string]any) bool { return m["id"] == "c2" })
		e, _ := r["error"].(map[string]any)
		if r["ok"] != false || e == nil || e["code"] == "" || e["message"] == "" || e["status"] != float64(404) {
			t.Errorf("error result: %v", r)
		}
	})

	t.Run("sendMail reaches the email sensor", func(t *testing.T) {
		subject := "Bridge test " + randomID()
		w.publish(s.topic("command/send_mail"), map[string]any{"id": "m1", "to": "adele@contoso.onmicrosoft.com", "subject": subject, "body": "Hello from the bridge"})
		r := w.waitJSON(s.topic("result/send_mail"), wait, func(m map[string]any) bool { return m["id"] == "m1" })
		if r["ok"] != true {
			t.Fatalf("send_mail result: %v", r)
		}
		w.wait(s.topic("email_inbox/attributes"), wait, func(p []byte) bool { return strings.Contains(string(p), subject) })
	})

	stop()
	w.waitEq(s.base+"/status", "offline", wait)
	w.waitEq(s.topic("todo/availability"), "offline", wait)

	t.Run("token file survives a restart", func(t *testing.T) {
		if strings.Contains(logs.String(), "not-signed-in") {
			t.Errorf("first run logged not signed in:\n%s", logs.String())
		}
		s.cfg.MQTT.ClientID += "-2"
		logs2 := &syncBuffer{}
		s.run(logs2)
		w.waitEq(s.base+"/status", "online", wait)
		w.waitEq(s.topic("todo/availability"), "online", wait)
		w.waitEq(s.topic("permissions/state"), "ok", wait)
		deadline := time.Now().Add(wait)
		for !strings.Contains(logs2.String(), `msg="signed in"`) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if l := logs2.String(); !strings.Contains(l, `msg="signed in"`) || strings.Contains(l, "cannot get a token") {
			t.Errorf("restart did not sign in from the token file:\n%s", l)
		}
		if st, err := os.Stat(res.TokenFile); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("token file after restart: %v %v", err, st.Mode())
		}
	})
	if t.Failed() {
		t.Logf("bridge log:\n%s", logs.String())
	}
}
