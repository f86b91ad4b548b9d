package planner

import (
	"reflect"
	"strings"
	"testing"
)

func mustCheck(t *testing.T, cfg Config, tok Token) *Report {
	t.Helper()
	r, err := Check(cfg, tok)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return r
}

func status(t *testing.T, r *Report, f Feature) *FeatureStatus {
	t.Helper()
	fs, ok := r.Feature(f)
	if !ok {
		t.Fatalf("no status for %s", f)
	}
	return fs
}

// TestPageExample is the page's own example: these scopes with enable_update
// create calendar sensors, chat sensors and the auto reply services, but no
// create/modify/remove/respond services.
func TestPageExample(t *testing.T) {
	cfg := Config{AccountName: "home", EnableUpdate: true, ChatSensors: true, AutoReply: true}
	r := mustCheck(t, cfg, Token{Granted: "Calendars.Read Chat.Read MailboxSettings.ReadWrite User.Read"})

	cal := status(t, r, FeatureCalendar)
	if cal.Status != ReadOnly {
		t.Errorf("calendar %s, want read-only", cal.Status)
	}
	if !reflect.DeepEqual(cal.Unavailable, []string{"create event", "modify event", "remove event", "respond to event"}) {
		t.Errorf("calendar unavailable %v", cal.Unavailable)
	}
	if !has(cal.Services, "calendar entities") || has(cal.Services, "create event") {
		t.Errorf("calendar services %v", cal.Services)
	}
	chat := status(t, r, FeatureChat)
	if chat.Status != ReadOnly || !has(chat.Services, "chat sensor") || !has(chat.Unavailable, "send chat message") {
		t.Errorf("chat %+v", chat)
	}
	ar := status(t, r, FeatureAutoReply)
	if ar.Status != On || !has(ar.Services, "auto reply enable") || !has(ar.Services, "auto reply disable") {
		t.Errorf("auto reply %+v", ar)
	}
	if acct := status(t, r, FeatureAccount); acct.Status != On {
		t.Errorf("account %s", acct.Status)
	}
	// Mail.Send is requested with calendar updates but not part of the
	// integration's minimum: the account is set up, sending mail is off.
	if sm := status(t, r, FeatureSendMail); sm.Status != Off {
		t.Errorf("send mail %s, want off", sm.Status)
	}
	if !r.MinimumMet || len(r.LegacyMessages) != 0 {
		t.Errorf("minimum met %v, legacy %v", r.MinimumMet, r.LegacyMessages)
	}
	if r.Complete {
		t.Error("report complete although write scopes are missing")
	}
	const cur = "Minimum required permissions: 'Mail.Send, Calendars.ReadWrite, Chat.ReadWrite'. Not available in token 'o365_home.token' for account 'home'."
	if r.CurrentMessage != cur {
		t.Errorf("current message\n got %s\nwant %s", r.CurrentMessage, cur)
	}
	if want := []string{"Mail.Send", "Calendars.ReadWrite", "Chat.ReadWrite"}; !reflect.DeepEqual(r.Consent, want) {
		t.Errorf("consent %v, want %v", r.Consent, want)
	}
	if r.Remedy != "Sign in again (the consent screen will ask for: Mail.Send, Calendars.ReadWrite, Chat.ReadWrite)." {
		t.Errorf("remedy %q", r.Remedy)
	}
}

func TestTasksMessage(t *testing.T) {
	const msg = "Minimum required permissions not granted: ['Tasks.Read', ['Tasks.ReadWrite']]"
	for _, update := range []bool{false, true} {
		cfg := Config{AccountName: "home", Todo: true, UpdateOverrides: map[Feature]bool{FeatureTodo: update}}
		r := mustCheck(t, cfg, Token{Granted: "User.Read Calendars.Read"})
		td := status(t, r, FeatureTodo)
		if td.Status != Off || td.LegacyMessage != msg {
			t.Errorf("update=%v: todo %s, message %q", update, td.Status, td.LegacyMessage)
		}
		if !reflect.DeepEqual(r.LegacyMessages, []string{msg}) || r.MinimumMet {
			t.Errorf("update=%v: legacy %v, minimum met %v", update, r.LegacyMessages, r.MinimumMet)
		}
		if len(td.Services) != 0 || !has(td.Unavailable, "to-do list entities") {
			t.Errorf("update=%v: services %v unavailable %v", update, td.Services, td.Unavailable)
		}
		want := "Tasks.Read"
		if update {
			want = "Tasks.ReadWrite"
		}
		if len(td.Missing) != 1 || td.Missing[0].Scope != want || !strings.Contains(td.Missing[0].Fix, "sign in again (the consent screen will ask for: "+want+")") {
			t.Errorf("update=%v: missing %+v", update, td.Missing)
		}
		// The calendar's scopes are granted; without enable_update its write
		// services are not registered, so it is read-only as configured.
		wantCal := ReadOnly // enable_update is overridden for To Do only
		if got := status(t, r, FeatureCalendar).Status; got != wantCal {
			t.Errorf("update=%v: calendar is %s, want %s", update, got, wantCal)
		}
	}
}

func TestTodoReadOnly(t *testing.T) {
	cfg := Config{Todo: true, EnableUpdate: true, EnableCalendar: Bool(false)}
	r := mustCheck(t, cfg, Token{Granted: "User.Read Tasks.Read"})
	td := status(t, r, FeatureTodo)
	if td.Status != ReadOnly {
		t.Fatalf("todo %s, want read-only", td.Status)
	}
	if !reflect.DeepEqual(td.Services, []string{"to-do list entities"}) ||
		!reflect.DeepEqual(td.Unavailable, []string{"new task", "update task", "complete task", "delete task"}) {
		t.Errorf("services %v unavailable %v", td.Services, td.Unavailable)
	}
	if td.LegacyMessage != "" || !r.MinimumMet {
		t.Errorf("read-only is not a missing minimum: %q %v", td.LegacyMessage, r.MinimumMet)
	}
	if len(td.Missing) != 1 || td.Missing[0].Scope != "Tasks.ReadWrite" {
		t.Errorf("missing %+v", td.Missing)
	}
	if !strings.Contains(td.Explanation, "read-only") || !strings.Contains(td.Explanation, "Tasks.ReadWrite") {
		t.Errorf("explanation %q", td.Explanation)
	}
	// Granted ReadWrite: on with the write services.
	r = mustCheck(t, cfg, Token{Granted: "User.Read Tasks.ReadWrite"})
	if td := status(t, r, FeatureTodo); td.Status != On || !has(td.Services, "complete task") || !r.Complete {
		t.Errorf("todo with ReadWrite: %+v complete=%v", td, r.Complete)
	}
	// Without enable_update ReadWrite does not register write services: the
	// feature is read-only as configured, with nothing missing.
	r = mustCheck(t, Config{Todo: true, EnableCalendar: Bool(false)}, Token{Granted: "User.Read Tasks.ReadWrite"})
	if td := status(t, r, FeatureTodo); td.Status != ReadOnly || has(td.Services, "new task") || len(td.Missing) != 0 || !strings.Contains(td.Explanation, "as configured") {
		t.Errorf("todo read-only config: %+v", td)
	}
}

func TestRequirementPairs(t *testing.T) {
	tests := []struct {
		r    Requirement
		want string
	}{
		{pairUser, "['User.Read', []]"},
		{pairCalendar, "['Calendars.ReadBasic', ['Calendars.Read', 'Calendars.Read.Shared', 'Calendars.ReadWrite', 'Calendars.ReadWrite.Shared']]"},
		{pairCalendarWrite, "['Calendars.ReadWrite', ['Calendars.ReadWrite.Shared']]"},
		{pairMail, "['Mail.Read', ['Mail.Read.Shared', 'Mail.ReadWrite', 'Mail.ReadWrite.Shared']]"},
		{pairSend, "['Mail.Send', ['Mail.Send.Shared']]"},
		{pairPresence, "['Presence.Read', ['Presence.ReadWrite', 'Presence.Read.All']]"},
		{pairChat, "['Chat.Read', ['Chat.ReadWrite']]"},
		{pairTasks, "['Tasks.Read', ['Tasks.ReadWrite']]"},
		{pairGroup, "['Group.Read.All', ['Group.ReadWrite.All']]"},
		{pairMailboxSettings, "['MailboxSettings.ReadWrite', []]"},
		// The integration's _add_shared for a shared mailbox.
		{addShared(pairCalendar), "['Calendars.ReadBasic.Shared', ['Calendars.Read.Shared', 'Calendars.ReadWrite.Shared']]"},
		{addShared(pairMail), "['Mail.Read.Shared', ['Mail.Read.Shared', 'Mail.ReadWrite.Shared']]"},
		{addShared(pairSend), "['Mail.Send.Shared', ['Mail.Send.Shared']]"},
		{addShared(pairCalendarWrite), "['Calendars.ReadWrite.Shared', ['Calendars.ReadWrite.Shared']]"},
		// Python's repr switches quotes for a text holding a single quote.
		{Requirement{Primary: "it's", Alternatives: []string{`a\b`}}, `["it's", ['a\\b']]`},
	}
	for _, tt := range tests {
		if got := tt.r.PythonRepr(); got != tt.want {
			t.Errorf("PythonRepr\n got %s\nwant %s", got, tt.want)
		}
	}
	if pairCalendar.Primary != "Calendars.ReadBasic" || len(pairCalendar.Alternatives) != 4 {
		t.Error("addShared modified the shared pair value")
	}
}

func TestSharedMailboxMessages(t *testing.T) {
	cfg := Config{AccountName: "office", SharedMailbox: sharedBox, EmailSensors: true}
	r := mustCheck(t, cfg, Token{Granted: "User.Read Calendars.Read Mail.Read"})
	want := []string{
		"Minimum required permissions not granted: ['Calendars.ReadBasic.Shared', ['Calendars.Read.Shared', 'Calendars.ReadWrite.Shared']]",
		"Minimum required permissions not granted: ['Mail.Read.Shared', ['Mail.Read.Shared', 'Mail.ReadWrite.Shared']]",
	}
	if !reflect.DeepEqual(r.LegacyMessages, want) {
		t.Errorf("legacy\n got %q\nwant %q", r.LegacyMessages, want)
	}
	if status(t, r, FeatureCalendar).Status != Off || status(t, r, FeatureEmail).Status != Off {
		t.Error("own-mailbox scopes must not satisfy a shared mailbox")
	}
	const cur = "Minimum required permissions: 'Calendars.Read.Shared, Mail.Read.Shared'. Not available in token 'x.token' for account 'office'."
	r = mustCheck(t, cfg, Token{Granted: "User.Read Calendars.Read Mail.Read", Filename: "x.token"})
	if r.CurrentMessage != cur {
		t.Errorf("current\n got %s\nwant %s", r.CurrentMessage, cur)
	}
	r = mustCheck(t, cfg, Token{Granted: "User.Read Calendars.ReadWrite.Shared Mail.Read.Shared"})
	if status(t, r, FeatureCalendar).Status != ReadOnly || status(t, r, FeatureEmail).Status != On || !r.Complete {
		t.Errorf("shared scopes granted: %+v", r.Features)
	}
}

func TestFixCalendarsSharedFallback(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		granted string
		f       Feature
		want    Status
		note    bool
	}{
		{"calendar read via .Shared", Config{}, "User.Read Calendars.Read.Shared", FeatureCalendar, ReadOnly, true},
		{"calendar basic via .Shared", Config{BasicCalendar: true}, "User.Read Calendars.Read.Shared", FeatureCalendar, ReadOnly, true},
		{"calendar write via .Shared", Config{EnableUpdate: true}, "User.Read Calendars.ReadWrite.Shared Mail.Send.Shared", FeatureCalendar, On, true},
		{"calendar write, only read .Shared", Config{EnableUpdate: true}, "User.Read Calendars.Read.Shared", FeatureCalendar, ReadOnly, false},
		{"calendar write, own read only", Config{EnableUpdate: true}, "User.Read Calendars.Read", FeatureCalendar, ReadOnly, false},
		{"mail via .Shared (the integration agrees)", Config{EnableCalendar: Bool(false), EmailSensors: true}, "User.Read Mail.Read.Shared", FeatureEmail, On, false},
		{"send via .Shared", Config{EnableCalendar: Bool(false), EmailSensors: true, EnableUpdate: true}, "User.Read Mail.Read Mail.Send.Shared", FeatureSendMail, On, false},
		{"presence via .All", Config{EnableCalendar: Bool(false), StatusSensors: true}, "User.Read Presence.Read.All", FeatureStatusSensor, ReadOnly, false},
		{"no .Shared fallback for Tasks", Config{EnableCalendar: Bool(false), Todo: true}, "User.Read Tasks.Read.Shared", FeatureTodo, Off, false},
		{"ReadWrite includes Read", Config{EnableCalendar: Bool(false), ChatSensors: true}, "User.Read Chat.ReadWrite", FeatureChat, ReadOnly, false},
		{"ReadBasic does not include Read", Config{}, "User.Read Calendars.ReadBasic", FeatureCalendar, Off, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustCheck(t, tt.cfg, Token{Granted: tt.granted})
			if got := status(t, r, tt.f).Status; got != tt.want {
				t.Errorf("%s = %s, want %s", tt.f, got, tt.want)
			}
			if _, got := noteFix(r.Notes, "calendars-shared-fallback"); got != tt.note {
				t.Errorf("fallback note = %v, want %v (%+v)", got, tt.note, r.Notes)
			}
		})
	}
}

func TestIntegrationRuleNarrowerThanGraph(t *testing.T) {
	// User.ReadWrite implies User.Read (same constraint); User.Read.All does
	// not satisfy the integration, though Graph would allow GET /me.
	r := mustCheck(t, Config{EnableCalendar: Bool(false)}, Token{Granted: "User.ReadWrite"})
	if status(t, r, FeatureAccount).Status != On {
		t.Error("User.ReadWrite should satisfy User.Read")
	}
	if n, ok := noteFix(r.Notes, "implied-scopes"); !ok || !strings.Contains(n.Message, "['User.Read', []]") {
		t.Errorf("no note that older versions would reject it: %+v", r.Notes)
	}
	r = mustCheck(t, Config{EnableCalendar: Bool(false)}, Token{Granted: "User.Read.All"})
	if status(t, r, FeatureAccount).Status != Off || r.LegacyMessages[0] != "Minimum required permissions not granted: ['User.Read', []]" {
		t.Errorf("User.Read.All: %+v %v", status(t, r, FeatureAccount), r.LegacyMessages)
	}
}

func TestGrantedParsing(t *testing.T) {
	cfg := Config{EnableCalendar: Bool(false), EmailSensors: true}
	r := mustCheck(t, cfg, Token{Granted: "https://graph.microsoft.com/mail.read USER.READ openid profile email foo.bar https://outlook.office.com/Mail.Send"})
	if status(t, r, FeatureEmail).Status != On || !r.Complete {
		t.Errorf("email %+v", status(t, r, FeatureEmail))
	}
	if !reflect.DeepEqual(r.Granted, []string{"Mail.Read", "User.Read", "openid", "profile", "email"}) {
		t.Errorf("granted %v", r.Granted)
	}
	if !reflect.DeepEqual(r.Unknown, []string{"foo.bar"}) || !reflect.DeepEqual(r.Ignored, []string{"https://outlook.office.com/Mail.Send"}) {
		t.Errorf("unknown %v ignored %v", r.Unknown, r.Ignored)
	}
	// A Mail scope of another resource does not count.
	r = mustCheck(t, cfg, Token{Granted: "User.Read https://outlook.office.com/Mail.Read"})
	if status(t, r, FeatureEmail).Status != Off {
		t.Error("Outlook's Mail.Read counted as Graph's")
	}
	// Old token files held a JSON list.
	names, _, _ := New(nil).ParseGranted(`["User.Read", "Mail.Read"]`)
	if !reflect.DeepEqual(names, []string{"User.Read", "Mail.Read"}) {
		t.Errorf("list form: %v", names)
	}
	// Granted beyond the configuration.
	r = mustCheck(t, cfg, Token{Granted: "User.Read Mail.ReadWrite Files.Read"})
	if !reflect.DeepEqual(r.Unrequested, []string{"Files.Read"}) {
		t.Errorf("unrequested %v", r.Unrequested)
	}
}

func TestMissingCauses(t *testing.T) {
	todo := Config{EnableCalendar: Bool(false), Todo: true}
	tests := []struct {
		name  string
		cfg   Config
		tok   Token
		f     Feature
		cause Cause
		fix   []string
	}{
		{"never requested", todo, Token{Granted: "User.Read", Requested: "User.Read offline_access"}, FeatureTodo, CauseNeverRequested,
			[]string{"Tasks.Read was never requested: the configuration changed since the last sign-in", "sign in again (the consent screen will ask for: Tasks.Read)"}},
		{"declined", todo, Token{Granted: "User.Read", Requested: "User.Read Tasks.Read"}, FeatureTodo, CauseDeclined,
			[]string{"requested but not granted", "sign in again (the consent screen will ask for: Tasks.Read) and accept"}},
		{"unknown request", todo, Token{Granted: "User.Read"}, FeatureTodo, CauseNotGranted,
			[]string{"not in the token"}},
		{"admin consent", Config{EnableCalendar: Bool(false), Groups: true}, Token{Granted: "User.Read", Requested: "User.Read Group.Read.All"}, FeatureGroups, CauseAdminConsent,
			[]string{"An administrator must consent to Group.Read.All"}},
		{"admin consent never requested", Config{EnableCalendar: Bool(false), Groups: true}, Token{Granted: "User.Read", Requested: "User.Read"}, FeatureGroups, CauseNeverRequested,
			[]string{"never requested", "An administrator must consent to Group.Read.All first"}},
		{"personal account", Config{EnableCalendar: Bool(false), AccountType: Personal, ChatSensors: true}, Token{Granted: "User.Read"}, FeatureChat, CausePersonalAccount,
			[]string{"can never be granted to a personal Microsoft account", "Chat.Read is valid only for work or school accounts"}},
		{"shared mailbox", Config{EnableCalendar: Bool(false), SharedMailbox: sharedBox, AutoReply: true}, Token{Granted: "User.Read MailboxSettings.ReadWrite"}, FeatureAutoReply, CauseSharedMailbox,
			[]string{"Change the configuration", "no MailboxSettings.ReadWrite.Shared"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustCheck(t, tt.cfg, tt.tok)
			fs := status(t, r, tt.f)
			if fs.Status != Off || len(fs.Missing) != 1 {
				t.Fatalf("%s: %+v", tt.f, fs)
			}
			m := fs.Missing[0]
			if m.Cause != tt.cause {
				t.Errorf("cause %s, want %s", m.Cause, tt.cause)
			}
			for _, w := range tt.fix {
				if !strings.Contains(m.Fix, w) {
					t.Errorf("fix %q lacks %q", m.Fix, w)
				}
			}
			if r.Remedy == "" || fs.Explanation == "" || r.Explanation == "" {
				t.Errorf("remedy %q explanation %q / %q", r.Remedy, fs.Explanation, r.Explanation)
			}
		})
	}
}

func TestRemedy(t *testing.T) {
	cfg := Config{EnableCalendar: Bool(false), Todo: true, EmailSensors: true}
	r := mustCheck(t, cfg, Token{Granted: "User.Read", Requested: "User.Read"})
	if r.Remedy != "The configuration changed since the last sign-in: sign in again (the consent screen will ask for: Mail.Read, Tasks.Read)." {
		t.Errorf("remedy %q", r.Remedy)
	}
	r = mustCheck(t, Config{Groups: true, ChatSensors: true, AccountType: Personal}, Token{Granted: "User.Read Calendars.Read"})
	if !strings.Contains(r.Remedy, "Change the configuration: groups, chat can never work") {
		t.Errorf("remedy %q", r.Remedy)
	}
	r = mustCheck(t, Config{Groups: true}, Token{Granted: "User.Read Calendars.Read"})
	if !strings.Contains(r.Remedy, "An administrator must consent to Group.Read.All.") || !reflect.DeepEqual(r.AdminConsent, []string{"Group.Read.All"}) {
		t.Errorf("remedy %q admin %v", r.Remedy, r.AdminConsent)
	}
	r = mustCheck(t, Config{}, Token{Granted: "User.Read Calendars.Read"})
	if r.Remedy != "" || !r.Complete || !r.MinimumMet || r.CurrentMessage != "" {
		t.Errorf("all granted: %+v", r)
	}
}

func TestAccountMissing(t *testing.T) {
	r := mustCheck(t, Config{AccountName: "home"}, Token{Granted: "Calendars.Read"})
	if status(t, r, FeatureAccount).Status != Off || r.MinimumMet {
		t.Error("User.Read missing must block the account")
	}
	if !reflect.DeepEqual(r.LegacyMessages, []string{"Minimum required permissions not granted: ['User.Read', []]"}) {
		t.Errorf("legacy %v", r.LegacyMessages)
	}
	if r.CurrentMessage != "Minimum required permissions: 'User.Read'. Not available in token 'o365_home.token' for account 'home'." {
		t.Errorf("current %q", r.CurrentMessage)
	}
	if !strings.Contains(r.Explanation, "does not set the account up") {
		t.Errorf("explanation %q", r.Explanation)
	}
}

func TestOtherStatusNeedsMoreThanTheIntegrationChecks(t *testing.T) {
	cfg := Config{EnableCalendar: Bool(false), OtherStatusEmails: []string{"adele@contoso.com"}}
	r := mustCheck(t, cfg, Token{Granted: "User.Read Presence.Read"})
	os := status(t, r, FeatureOtherStatus)
	// The integration's pair is met (the account is set up) but reading
	// another user's presence needs Presence.Read.All and User.ReadBasic.All.
	if os.Status != Off || !r.MinimumMet || os.LegacyMessage != "" {
		t.Errorf("other status %+v, minimum met %v", os, r.MinimumMet)
	}
	if len(os.Missing) != 2 || os.Missing[0].Scope != "Presence.Read.All" || os.Missing[1].Scope != "User.ReadBasic.All" {
		t.Errorf("missing %+v", os.Missing)
	}
	r = mustCheck(t, cfg, Token{Granted: "User.Read Presence.Read.All User.ReadBasic.All"})
	if status(t, r, FeatureOtherStatus).Status != On || !r.Complete {
		t.Errorf("granted: %+v", status(t, r, FeatureOtherStatus))
	}
}
