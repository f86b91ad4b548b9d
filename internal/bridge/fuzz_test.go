package bridge_test

import (
	"testing"

	"graphgate/internal/bridge"
)

// FuzzParse: no input makes the configuration loader panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("accounts:\n  - name: home\n    client_id: x\n    email_sensors: [{name: a, max_items: 3}]\n"))
	f.Add([]byte("mqtt: {broker: tcp://x:1}\naccounts: [{name: a, client_id: b, shared_mailbox: s@x, todo_sensors: {enabled: true}}]\n"))
	f.Add([]byte("accounts:\n  - &a {name: x}\n  - *a\n"))
	f.Add([]byte("accounts:\n  - name: h\n    client_id: c\n    calendars: [{calendar: C, start_offset: 5, end_offset: -5}]\n    status_sensors: [{email: x}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = bridge.Parse("bridge.yaml", b)
	})
}
