package bridge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// Config is the bridge's configuration file (bridge.yaml). Keys follow the
// Home Assistant O365 integration's configuration where it has one
// (account_name → name, enable_update, shared_mailbox, basic_calendar,
// email_sensors, query_sensors, status_sensors, chat_sensors, todo_sensors,
// auto_reply_sensors), so its documentation applies.
type Config struct {
	MQTT MQTTConfig `yaml:"mqtt"`
	// TokenDir holds one token file per account, o365_<name>.token
	// (default: the folder "tokens" beside the configuration file).
	TokenDir string    `yaml:"token_dir"`
	Accounts []Account `yaml:"accounts"`

	// File is the configuration file's path (set by Load).
	File string `yaml:"-"`
	pos  positions
}

// MQTTConfig is the broker connection and the topic layout.
type MQTTConfig struct {
	// Broker: tcp://host:1883 (default tcp://127.0.0.1:1883), ssl://host:8883,
	// ws://, wss://.
	Broker   string `yaml:"broker"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// ClientID (default graphgate-bridge-<base_topic>).
	ClientID string `yaml:"client_id"`
	// CAFile: PEM CA bundle for ssl:// and wss:// brokers.
	CAFile string `yaml:"ca_file"`
	// DiscoveryPrefix is Home Assistant's discovery prefix (default
	// homeassistant).
	DiscoveryPrefix string `yaml:"discovery_prefix"`
	// BaseTopic prefixes every state, availability and command topic
	// (default graphgate).
	BaseTopic string `yaml:"base_topic"`
}

// Account is one Microsoft account and the integration's features for it.
type Account struct {
	// Name is the integration's account_name: it names the token file, the
	// Home Assistant device and the topics.
	Name string `yaml:"name"`
	// AccountType: work (default) or personal.
	AccountType string `yaml:"account_type"`
	// Authority is the identity platform (default
	// https://login.microsoftonline.com; graphgate's https://host:8443).
	Authority string `yaml:"authority"`
	// GraphURL is Graph's base (default https://graph.microsoft.com/v1.0).
	GraphURL string `yaml:"graph_url"`
	// Tenant (default common): common, organizations, consumers, a domain or
	// a tenant id.
	Tenant       string `yaml:"tenant"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// RedirectURI for the pasted auth code sign-in (default Microsoft's
	// nativeclient page).
	RedirectURI string `yaml:"redirect_uri"`
	// CAFile: a PEM CA to trust for the authority and Graph (graphgate's
	// tls/ca.pem), in addition to the system's.
	CAFile string `yaml:"ca_file"`
	// SharedMailbox: every call goes to /users/{shared_mailbox}/….
	SharedMailbox string `yaml:"shared_mailbox"`
	EnableUpdate  bool   `yaml:"enable_update"`
	// PollInterval is the default interval of every sensor (default 60s).
	PollInterval time.Duration `yaml:"poll_interval"`

	// EnableCalendar (default true) and BasicCalendar are the integration's
	// enable_calendar and basic_calendar.
	EnableCalendar *bool            `yaml:"enable_calendar"`
	BasicCalendar  bool             `yaml:"basic_calendar"`
	Calendars      []CalendarConfig `yaml:"calendars"`
	Groups         []GroupConfig    `yaml:"groups"`

	EmailSensors     []EmailSensor     `yaml:"email_sensors"`
	QuerySensors     []QuerySensor     `yaml:"query_sensors"`
	StatusSensors    []StatusSensor    `yaml:"status_sensors"`
	ChatSensors      []ChatSensor      `yaml:"chat_sensors"`
	Todo             *TodoConfig       `yaml:"todo_sensors"`
	AutoReplySensors []AutoReplySensor `yaml:"auto_reply_sensors"`

	index int
}

// CalendarConfig is one tracked calendar (the integration's
// o365_calendars_<account>.yaml entity). Without any, every calendar of the
// mailbox is tracked with the defaults.
type CalendarConfig struct {
	// Calendar selects the calendar by its name in Outlook; CalendarID by id.
	Calendar   string `yaml:"calendar"`
	CalendarID string `yaml:"calendar_id"`
	// Name is the entity's name (default the calendar's).
	Name string `yaml:"name"`
	// Search keeps events whose subject contains it ($filter
	// contains(subject,'…')).
	Search string `yaml:"search"`
	// StartOffset and EndOffset are hours from now bounding the calendarView
	// (default -24 and 24).
	StartOffset *int `yaml:"start_offset"`
	EndOffset   *int `yaml:"end_offset"`
	// MaxResults caps the events ($top, default 50).
	MaxResults int           `yaml:"max_results"`
	Interval   time.Duration `yaml:"interval"`
}

// GroupConfig is a Microsoft 365 group's calendar.
type GroupConfig struct {
	GroupID     string        `yaml:"group_id"`
	Name        string        `yaml:"name"`
	Search      string        `yaml:"search"`
	StartOffset *int          `yaml:"start_offset"`
	EndOffset   *int          `yaml:"end_offset"`
	MaxResults  int           `yaml:"max_results"`
	Interval    time.Duration `yaml:"interval"`
}

// EmailSensor counts the messages of a folder.
type EmailSensor struct {
	Name string `yaml:"name"`
	// Folder is a path of display names from the root, e.g. Inbox/Invoices
	// (default Inbox).
	Folder string `yaml:"folder"`
	// IsUnread: only unread messages (default true, as the integration).
	IsUnread *bool `yaml:"is_unread"`
	// MaxItems caps the messages listed ($top, default 5).
	MaxItems int `yaml:"max_items"`
	// ShowBody puts the body in the attributes; HTMLBody keeps it as HTML.
	ShowBody bool `yaml:"show_body"`
	HTMLBody bool `yaml:"html_body"`
	// Attachments lists attachment names (GET /messages/{id}/attachments).
	Attachments bool          `yaml:"download_attachments"`
	Interval    time.Duration `yaml:"interval"`
}

// QuerySensor is an email sensor with a query.
type QuerySensor struct {
	EmailSensor     `yaml:",inline"`
	From            string `yaml:"from"`
	SubjectContains string `yaml:"subject_contains"`
	SubjectIs       string `yaml:"subject_is"`
	BodyContains    string `yaml:"body_contains"`
	HasAttachment   *bool  `yaml:"has_attachment"`
	// Importance: low, normal or high.
	Importance string `yaml:"importance"`
}

// StatusSensor is a Teams presence sensor: the signed-in user's, or another
// user's when Email is set.
type StatusSensor struct {
	Name         string        `yaml:"name"`
	Email        string        `yaml:"email"`
	EnableUpdate *bool         `yaml:"enable_update"`
	Interval     time.Duration `yaml:"interval"`
}

// ChatSensor shows the latest Teams chat message.
type ChatSensor struct {
	Name         string        `yaml:"name"`
	EnableUpdate *bool         `yaml:"enable_update"`
	Interval     time.Duration `yaml:"interval"`
}

// TodoConfig tracks To Do lists, one sensor per list.
type TodoConfig struct {
	Enabled      *bool `yaml:"enabled"`
	EnableUpdate *bool `yaml:"enable_update"`
	// Lists names the tracked lists (default: every list).
	Lists    []string      `yaml:"lists"`
	Interval time.Duration `yaml:"interval"`
}

// AutoReplySensor shows the mailbox's automatic replies.
type AutoReplySensor struct {
	Name     string        `yaml:"name"`
	Interval time.Duration `yaml:"interval"`
}

// Defaults.
const (
	DefaultAuthority       = "https://login.microsoftonline.com"
	DefaultGraphURL        = "https://graph.microsoft.com/v1.0"
	DefaultBroker          = "tcp://127.0.0.1:1883"
	DefaultDiscoveryPrefix = "homeassistant"
	DefaultBaseTopic       = "graphgate"
	DefaultPollInterval    = 60 * time.Second
	minInterval            = time.Second
)

// Load reads, defaults and validates a configuration file. Every error is
// reported with its line (a *ConfigError), including the combinations the
// planner refuses (a shared mailbox with status, chat, To Do, group calendars
// or auto reply; work-only features on a personal account).
func Load(file string) (*Config, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(file, b)
}

// Parse is Load over the file's content.
func Parse(file string, data []byte) (*Config, error) {
	e := &errs{file: file, pos: positions{}}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		// yaml.v3's syntax errors are plain errors carrying the line in
		// their text ("yaml: line 3: …"); it has no typed error for them.
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		var line int
		if _, serr := fmt.Sscanf(msg, "line %d:", &line); serr == nil {
			msg = strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])
		}
		if errors.Is(err, io.EOF) {
			msg = "the file is empty"
		}
		e.atLine(line, 1, "", "%s", msg)
		return nil, e.err()
	}
	cfg := &Config{File: file}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	walk(root, reflect.TypeOf(*cfg), "", e)
	if err := root.Decode(cfg); err != nil {
		decodeErrors(err, e)
		return nil, e.err()
	}
	cfg.pos = e.pos
	cfg.defaults()
	cfg.validate(e)
	return cfg, e.err()
}

func (c *Config) defaults() {
	m := &c.MQTT
	if m.Broker == "" {
		m.Broker = DefaultBroker
	}
	if m.DiscoveryPrefix == "" {
		m.DiscoveryPrefix = DefaultDiscoveryPrefix
	}
	if m.BaseTopic == "" {
		m.BaseTopic = DefaultBaseTopic
	}
	m.DiscoveryPrefix = strings.Trim(m.DiscoveryPrefix, "/")
	m.BaseTopic = strings.Trim(m.BaseTopic, "/")
	if m.ClientID == "" {
		m.ClientID = "graphgate-bridge-" + mqttha.Slug(m.BaseTopic)
	}
	dir := filepath.Dir(c.File)
	if c.TokenDir == "" {
		c.TokenDir = "tokens"
	}
	c.TokenDir = relTo(dir, c.TokenDir)
	m.CAFile = relTo(dir, m.CAFile)
	for i := range c.Accounts {
		a := &c.Accounts[i]
		a.index = i
		if a.Authority == "" {
			a.Authority = DefaultAuthority
		}
		if a.GraphURL == "" {
			a.GraphURL = DefaultGraphURL
		}
		a.Authority = strings.TrimRight(a.Authority, "/")
		a.GraphURL = strings.TrimRight(a.GraphURL, "/")
		if a.Tenant == "" {
			a.Tenant = "common"
			if t, _ := planner.ParseAccountType(a.AccountType); t == planner.Personal {
				a.Tenant = "consumers"
			}
		}
		if a.PollInterval == 0 {
			a.PollInterval = DefaultPollInterval
		}
		a.CAFile = relTo(dir, a.CAFile)
		for j := range a.Calendars {
			cc := &a.Calendars[j]
			cc.StartOffset, cc.EndOffset = defOffset(cc.StartOffset, -24), defOffset(cc.EndOffset, 24)
			if cc.MaxResults == 0 && !c.written(a.path(fmt.Sprintf("calendars[%d].max_results", j))) {
				cc.MaxResults = 50
			}
		}
		for j := range a.Groups {
			g := &a.Groups[j]
			g.StartOffset, g.EndOffset = defOffset(g.StartOffset, -24), defOffset(g.EndOffset, 24)
			if g.MaxResults == 0 && !c.written(a.path(fmt.Sprintf("groups[%d].max_results", j))) {
				g.MaxResults = 50
			}
		}
		for j := range a.EmailSensors {
			a.EmailSensors[j].defaults(c.written(a.path(fmt.Sprintf("email_sensors[%d].max_items", j))))
		}
		for j := range a.QuerySensors {
			q := &a.QuerySensors[j]
			// A query sensor lists read and unread messages unless told.
			if q.IsUnread == nil {
				q.IsUnread = new(bool)
			}
			q.EmailSensor.defaults(c.written(a.path(fmt.Sprintf("query_sensors[%d].max_items", j))))
		}
	}
}

// written reports whether the file sets the field at path (an explicit 0
// is then an error, not the default).
func (c *Config) written(path string) bool {
	_, ok := c.pos[path]
	return ok
}

func (s *EmailSensor) defaults(maxWritten bool) {
	if s.Folder == "" {
		s.Folder = "Inbox"
	}
	if s.IsUnread == nil {
		t := true
		s.IsUnread = &t
	}
	if s.MaxItems == 0 && !maxWritten {
		s.MaxItems = 5
	}
}

func defOffset(p *int, d int) *int {
	if p == nil {
		return &d
	}
	return p
}

func relTo(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

var accountNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`) })

// Path of account i's field.
func (a *Account) path(field string) string {
	p := fmt.Sprintf("accounts[%d]", a.index)
	if field != "" {
		p += "." + field
	}
	return p
}

func (c *Config) validate(e *errs) {
	if !strings.Contains(c.MQTT.Broker, "://") {
		e.at("mqtt.broker", "must be a URL such as tcp://127.0.0.1:1883 (tcp, ssl, ws or wss)")
	} else if u, err := url.Parse(c.MQTT.Broker); err != nil || u.Host == "" {
		e.at("mqtt.broker", "is not a URL: %q", c.MQTT.Broker)
	} else if s := u.Scheme; s != "tcp" && s != "ssl" && s != "tls" && s != "mqtt" && s != "mqtts" && s != "ws" && s != "wss" {
		e.at("mqtt.broker", "scheme %q is not one of tcp, ssl, ws, wss", s)
	}
	for _, t := range []struct{ path, v string }{{"mqtt.discovery_prefix", c.MQTT.DiscoveryPrefix}, {"mqtt.base_topic", c.MQTT.BaseTopic}} {
		if strings.ContainsAny(t.v, "+#\x00") || t.v == "" {
			e.at(t.path, "must be a topic without wildcards (+, #)")
		}
	}
	if c.MQTT.CAFile != "" {
		if _, err := os.Stat(c.MQTT.CAFile); err != nil {
			e.at("mqtt.ca_file", "%v", err)
		}
	}
	if len(c.Accounts) == 0 {
		e.at("accounts", "at least one account is needed")
	}
	names := map[string]int{}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		if prev, ok := names[strings.ToLower(a.Name)]; ok && a.Name != "" {
			e.at(a.path("name"), "account name %q is already used by accounts[%d]", a.Name, prev)
		}
		names[strings.ToLower(a.Name)] = i
		a.validate(e)
	}
}

func (a *Account) validate(e *errs) {
	switch {
	case a.Name == "":
		e.at(a.path(""), "name is required (the integration's account_name: it names the token file, the device and the topics)")
	case !accountNameRe().MatchString(a.Name):
		e.at(a.path("name"), "%q cannot be used: letters, digits, _ and - only (it is a topic level and a file name)", a.Name)
	}
	if a.ClientID == "" {
		e.at(a.path(""), "client_id is required (the application id of the app registration)")
	}
	if _, err := planner.ParseAccountType(a.AccountType); err != nil {
		e.at(a.path("account_type"), "%v", err)
	}
	for _, u := range []struct{ field, v string }{{"authority", a.Authority}, {"graph_url", a.GraphURL}} {
		p, err := url.Parse(u.v)
		if err != nil || p.Host == "" || (p.Scheme != "https" && p.Scheme != "http") {
			e.at(a.path(u.field), "must be an https URL, not %q", u.v)
		}
	}
	if a.CAFile != "" {
		if _, err := os.Stat(a.CAFile); err != nil {
			e.at(a.path("ca_file"), "%v", err)
		}
	}
	if strings.ContainsAny(a.Tenant, "/?# ") {
		e.at(a.path("tenant"), "must be common, organizations, consumers, a domain or a tenant id, not %q", a.Tenant)
	}
	if a.RedirectURI != "" {
		if u, err := url.Parse(a.RedirectURI); err != nil || u.Scheme == "" {
			e.at(a.path("redirect_uri"), "is not a URL")
		}
	}
	interval := func(field string, d time.Duration) {
		if d != 0 && d < minInterval {
			e.at(field, "must be at least %s, not %s", minInterval, d)
		}
	}
	interval(a.path("poll_interval"), a.PollInterval)
	seen := map[string]string{}
	unique := func(path, kind, name string) {
		k := kind + "/" + mqttha.Slug(name)
		if prev, ok := seen[k]; ok {
			e.at(path, "name %q gives the same entity as %s", name, prev)
		}
		seen[k] = path
	}
	for i, c := range a.Calendars {
		p := a.path(fmt.Sprintf("calendars[%d]", i))
		if c.Calendar == "" && c.CalendarID == "" {
			e.at(p, "calendar (its name) or calendar_id is required")
		}
		checkWindow(e, p, *c.StartOffset, *c.EndOffset, c.MaxResults)
		interval(p+".interval", c.Interval)
		unique(p, "calendar", firstNonEmpty(c.Name, c.Calendar, c.CalendarID))
	}
	for i, g := range a.Groups {
		p := a.path(fmt.Sprintf("groups[%d]", i))
		if g.GroupID == "" {
			e.at(p, "group_id is required")
		}
		checkWindow(e, p, *g.StartOffset, *g.EndOffset, g.MaxResults)
		interval(p+".interval", g.Interval)
		unique(p, "group", firstNonEmpty(g.Name, g.GroupID))
	}
	for i, s := range a.EmailSensors {
		p := a.path(fmt.Sprintf("email_sensors[%d]", i))
		s.validate(e, p)
		interval(p+".interval", s.Interval)
		unique(p, "mail", s.Name)
	}
	for i, s := range a.QuerySensors {
		p := a.path(fmt.Sprintf("query_sensors[%d]", i))
		s.EmailSensor.validate(e, p)
		interval(p+".interval", s.Interval)
		unique(p, "mail", s.Name)
		switch strings.ToLower(s.Importance) {
		case "", "low", "normal", "high":
		default:
			e.at(p+".importance", "must be low, normal or high, not %q", s.Importance)
		}
		if s.SubjectContains != "" && s.SubjectIs != "" {
			e.at(p+".subject_is", "use subject_contains or subject_is, not both")
		}
		if s.From != "" && !strings.Contains(s.From, "@") {
			e.at(p+".from", "must be an email address, not %q", s.From)
		}
	}
	for i, s := range a.StatusSensors {
		p := a.path(fmt.Sprintf("status_sensors[%d]", i))
		if s.Email != "" && !strings.Contains(s.Email, "@") {
			e.at(p+".email", "must be an email address, not %q", s.Email)
		}
		if s.Email != "" && s.EnableUpdate != nil && *s.EnableUpdate {
			e.at(p+".enable_update", "another user's presence cannot be set: remove enable_update or email")
		}
		interval(p+".interval", s.Interval)
		unique(p, "status", firstNonEmpty(s.Name, s.Email, "status"))
	}
	for i, s := range a.ChatSensors {
		p := a.path(fmt.Sprintf("chat_sensors[%d]", i))
		interval(p+".interval", s.Interval)
		unique(p, "chat", firstNonEmpty(s.Name, "chat"))
	}
	if len(a.ChatSensors) > 1 {
		e.at(a.path("chat_sensors[1]"), "one chat sensor per account (it shows the latest chat message)")
	}
	for i, s := range a.AutoReplySensors {
		p := a.path(fmt.Sprintf("auto_reply_sensors[%d]", i))
		interval(p+".interval", s.Interval)
		unique(p, "autoreply", firstNonEmpty(s.Name, "auto_reply"))
	}
	if len(a.AutoReplySensors) > 1 {
		e.at(a.path("auto_reply_sensors[1]"), "one auto reply sensor per account (a mailbox has one setting)")
	}
	if a.Todo != nil {
		interval(a.path("todo_sensors.interval"), a.Todo.Interval)
	}
	if a.ClientID == "" || a.Name == "" {
		return
	}
	a.checkPlan(e)
}

func (s *EmailSensor) validate(e *errs, p string) {
	if s.Name == "" {
		e.at(p, "name is required")
	}
	if s.MaxItems < 1 || s.MaxItems > 1000 {
		e.at(p+".max_items", "must be between 1 and 1000, not %d", s.MaxItems)
	}
	for _, part := range strings.Split(s.Folder, "/") {
		if strings.TrimSpace(part) == "" {
			e.at(p+".folder", "%q has an empty folder name (write Inbox/Sub, without leading or doubled /)", s.Folder)
			break
		}
	}
}

func checkWindow(e *errs, p string, start, end, max int) {
	if end <= start {
		e.at(p+".end_offset", "end_offset (%d h) must be after start_offset (%d h)", end, start)
	}
	if end-start > 24*366 {
		e.at(p+".end_offset", "the window is longer than a year")
	}
	if max < 1 || max > 1000 {
		e.at(p+".max_results", "must be between 1 and 1000, not %d", max)
	}
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// TodoEnabled reports whether To Do lists are tracked.
func (a *Account) TodoEnabled() bool {
	return a.Todo != nil && (a.Todo.Enabled == nil || *a.Todo.Enabled)
}

// CalendarEnabled is enable_calendar (default true).
func (a *Account) CalendarEnabled() bool { return a.EnableCalendar == nil || *a.EnableCalendar }

// PlannerConfig is the account as the planner sees it. upn, when known (after
// sign-in), lets the planner catch the user's own address entered as the
// shared mailbox.
func (a *Account) PlannerConfig(upn string) planner.Config {
	pc := planner.Config{
		AccountName: a.Name, AccountType: planner.AccountType(a.AccountType), UserPrincipalName: upn,
		EnableCalendar: planner.Bool(a.CalendarEnabled()), BasicCalendar: a.BasicCalendar,
		Groups: len(a.Groups) > 0, EmailSensors: len(a.EmailSensors) > 0, QuerySensors: len(a.QuerySensors) > 0,
		ChatSensors: len(a.ChatSensors) > 0, Todo: a.TodoEnabled(), AutoReply: len(a.AutoReplySensors) > 0,
		EnableUpdate: a.EnableUpdate, SharedMailbox: a.SharedMailbox, UpdateOverrides: map[planner.Feature]bool{},
	}
	if t, err := planner.ParseAccountType(a.AccountType); err == nil {
		pc.AccountType = t
	}
	// The integration's status, chat and To Do sensors carry their own
	// enable_update; unset, the account's applies.
	statusUpdate, statusSet := false, false
	for _, s := range a.StatusSensors {
		if s.Email != "" {
			pc.OtherStatusEmails = append(pc.OtherStatusEmails, s.Email)
			continue
		}
		pc.StatusSensors = true
		if s.EnableUpdate != nil {
			statusSet = true
			statusUpdate = statusUpdate || *s.EnableUpdate
		}
	}
	if statusSet {
		pc.UpdateOverrides[planner.FeatureStatusSensor] = statusUpdate
	}
	for _, s := range a.ChatSensors {
		if s.EnableUpdate != nil {
			pc.UpdateOverrides[planner.FeatureChat] = *s.EnableUpdate
		}
	}
	if a.Todo != nil && a.Todo.EnableUpdate != nil {
		pc.UpdateOverrides[planner.FeatureTodo] = *a.Todo.EnableUpdate
	}
	return pc
}

// featureField is where each feature is configured, for error positions.
var featureField = map[planner.Feature]string{
	planner.FeatureAccount: "", planner.FeatureCalendar: "enable_calendar", planner.FeatureGroups: "groups",
	planner.FeatureEmail: "email_sensors", planner.FeatureQuery: "query_sensors", planner.FeatureSendMail: "enable_update",
	planner.FeatureAutoReply: "auto_reply_sensors", planner.FeatureStatusSensor: "status_sensors",
	planner.FeatureOtherStatus: "status_sensors", planner.FeatureChat: "chat_sensors", planner.FeatureTodo: "todo_sensors",
}

// checkPlan asks the planner and reports its refusals at the feature's key.
func (a *Account) checkPlan(e *errs) {
	plan, err := planner.MakePlan(a.PlannerConfig(""))
	if err != nil {
		e.at(a.path("account_type"), "%v", err)
		return
	}
	for _, r := range plan.Refusals {
		field := featureField[r.Feature]
		p := a.path(field)
		if field == "enable_calendar" {
			if _, ok := e.pos[a.path("calendars")]; ok {
				p = a.path("calendars")
			} else if _, ok := e.pos[p]; !ok {
				p = a.path("basic_calendar")
			}
		}
		why := ""
		switch r.Cause {
		case planner.RefusedShared:
			why = " (because shared_mailbox is set"
			if q, ok := e.pos[a.path("shared_mailbox")]; ok {
				why += fmt.Sprintf(" at line %d", q.line)
			}
			why += ")"
		case planner.RefusedPersonal:
			why = " (because account_type is personal"
			if q, ok := e.pos[a.path("account_type")]; ok {
				why += fmt.Sprintf(" at line %d", q.line)
			}
			why += ")"
		}
		e.at(p, "%s is refused%s: %s", r.Feature, why, r.Reason)
	}
}
