package bridge_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"graphgate/internal/bridge"
	"graphgate/internal/planner"
)

func parse(t *testing.T, y string) (*bridge.Config, error) {
	t.Helper()
	return bridge.Parse(filepath.Join(t.TempDir(), "bridge.yaml"), []byte(y))
}

func wantErrors(t *testing.T, y string, want ...string) {
	t.Helper()
	_, err := parse(t, y)
	if err == nil {
		t.Fatalf("no error for:\n%s", y)
	}
	var ce *bridge.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("error is %T, not *ConfigError: %v", err, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := parse(t, `accounts:
  - name: home
    client_id: 8b1e4a3c-5d6f-4e2a-9c7b-1a0d3e5f7b9c
    email_sensors:
      - name: Inbox
    query_sensors:
      - name: Invoices
        folder: Inbox/Invoices
        subject_contains: Invoice
`)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	if a.Authority != "https://login.microsoftonline.com" || a.GraphURL != "https://graph.microsoft.com/v1.0" || a.Tenant != "common" ||
		a.PollInterval != time.Minute || !a.CalendarEnabled() {
		t.Errorf("account defaults: %+v", a)
	}
	if cfg.MQTT.Broker != "tcp://127.0.0.1:1883" || cfg.MQTT.DiscoveryPrefix != "homeassistant" || cfg.MQTT.BaseTopic != "graphgate" {
		t.Errorf("mqtt defaults: %+v", cfg.MQTT)
	}
	if e := a.EmailSensors[0]; e.Folder != "Inbox" || !*e.IsUnread || e.MaxItems != 5 {
		t.Errorf("email sensor defaults: %+v", e)
	}
	if q := a.QuerySensors[0]; *q.IsUnread || q.MaxItems != 5 {
		t.Errorf("query sensor defaults: %+v", q)
	}
	if cfg.TokenFile(&cfg.Accounts[0]) != filepath.Join(filepath.Dir(cfg.File), "tokens", "o365_home.token") {
		t.Errorf("token file %s", cfg.TokenFile(&cfg.Accounts[0]))
	}
	pc := a.PlannerConfig("")
	if !pc.EmailSensors || !pc.QuerySensors || pc.Todo || pc.ChatSensors {
		t.Errorf("planner config: %+v", pc)
	}
}

func TestConfigErrorsPointAtLines(t *testing.T) {
	wantErrors(t, `mqtt:
  brokr: tcp://x:1883
accounts:
  - name: home
    client_id: abc
    email_sensors:
      - name: Inbox
        max_items: 0
        folder: Inbox//Sub
    query_sensors:
      - name: q
        importance: urgent
        subject_contains: a
        subject_is: b
`,
		"bridge.yaml:2:3: mqtt.brokr: unknown key (did you mean broker?)",
		"bridge.yaml:8:9: accounts[0].email_sensors[0].max_items: must be between 1 and 1000, not 0",
		"bridge.yaml:9:9: accounts[0].email_sensors[0].folder: \"Inbox//Sub\" has an empty folder name",
		"bridge.yaml:12:9: accounts[0].query_sensors[0].importance: must be low, normal or high",
		"bridge.yaml:14:9: accounts[0].query_sensors[0].subject_is: use subject_contains or subject_is, not both")
	wantErrors(t, `accounts:
  - name: home
    client_id: abc
    poll_interval: soon
`, "bridge.yaml:4:1:", "cannot unmarshal")
	wantErrors(t, `accounts:
  - name: "home/x"
`, "bridge.yaml:2:5: accounts[0].name: \"home/x\" cannot be used", "accounts[0]: client_id is required")
	wantErrors(t, `accounts: {name: x}`, "bridge.yaml:1:11: accounts: must be a list")
	wantErrors(t, `accounts:
  - name: home
    client_id: a
  - name: Home
    client_id: b
`, "bridge.yaml:4:5: accounts[1].name: account name \"Home\" is already used by accounts[0]")
	wantErrors(t, "", "the file is empty")
	wantErrors(t, "accounts: [\n", "bridge.yaml:")
}

// TestConfigRefusedCombinations: the planner's refusals are load errors at
// the feature's key, with the planner's reason.
func TestConfigRefusedCombinations(t *testing.T) {
	wantErrors(t, `accounts:
  - name: home
    client_id: abc
    shared_mailbox: support@contoso.onmicrosoft.com
    status_sensors:
      - name: me
    todo_sensors:
      enabled: true
    auto_reply_sensors:
      - name: ooo
    chat_sensors:
      - name: chat
    groups:
      - group_id: g1
`,
		"bridge.yaml:5:5: accounts[0].status_sensors: status is refused (because shared_mailbox is set at line 4): The status sensor is not valid for shared mailboxes",
		"bridge.yaml:7:5: accounts[0].todo_sensors: todo is refused (because shared_mailbox is set at line 4)",
		"bridge.yaml:9:5: accounts[0].auto_reply_sensors: auto_reply is refused",
		"MailboxSettings.ReadWrite.Shared",
		"bridge.yaml:11:5: accounts[0].chat_sensors: chat is refused",
		"bridge.yaml:13:5: accounts[0].groups: groups is refused")
	wantErrors(t, `accounts:
  - name: home
    account_type: personal
    client_id: abc
    chat_sensors:
      - name: chat
    status_sensors:
      - name: me
`,
		"bridge.yaml:5:5: accounts[0].chat_sensors: chat is refused (because account_type is personal at line 3): The chat sensor is not available to personal Microsoft accounts",
		"bridge.yaml:7:5: accounts[0].status_sensors: status is refused (because account_type is personal at line 3)")
	// A personal account with what it can have loads, and its tenant
	// defaults to consumers.
	cfg, err := parse(t, `accounts:
  - name: home
    account_type: personal
    client_id: abc
    todo_sensors: {enabled: true, enable_update: true}
    email_sensors: [{name: Inbox}]
`)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Accounts[0].Tenant != "consumers" {
		t.Errorf("tenant %s", cfg.Accounts[0].Tenant)
	}
	pc := cfg.Accounts[0].PlannerConfig("")
	if pc.AccountType != planner.Personal || !pc.UpdateOverrides[planner.FeatureTodo] {
		t.Errorf("planner config %+v", pc)
	}
}

// TestExampleConfig keeps docs/bridge.example.yaml loadable.
func TestExampleConfig(t *testing.T) {
	file := filepath.Join("..", "..", "docs", "bridge.example.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := bridge.Parse(file, b)
	if err != nil {
		t.Fatalf("the example config does not load:\n%v", err)
	}
	if len(cfg.Accounts) < 2 {
		t.Errorf("the example has %d accounts", len(cfg.Accounts))
	}
}
