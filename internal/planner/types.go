package planner

import (
	"fmt"
	"strings"

	"graphgate/internal/catalog"
)

// AccountType is the kind of Microsoft account the integration signs in with.
type AccountType string

// The two account types. The zero value ("") means Work.
const (
	Work     AccountType = "work"
	Personal AccountType = "personal"
)

// ParseAccountType accepts work (also school, work_or_school, organizational,
// aad) and personal (also msa, consumer, outlook); "" means work.
func ParseAccountType(s string) (AccountType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "work", "school", "work_or_school", "work-or-school", "organizational", "aad", "entra":
		return Work, nil
	case "personal", "msa", "consumer", "outlook", "microsoft":
		return Personal, nil
	}
	return "", fmt.Errorf("unknown account type %q (want work or personal)", s)
}

// Scheme is the catalog scheme whose validity and consent rules apply.
func (a AccountType) Scheme() catalog.Scheme {
	if a == Personal {
		return catalog.DelegatedPersonal
	}
	return catalog.DelegatedWork
}

// Feature is one part of the integration that needs scopes.
type Feature uint8

// The features, in the order plans and reports list them (the integration's
// order of building scopes). FeatureAccount (sign-in and GET /me) is always
// present; FeatureSendMail is derived from enable_update, not configured.
const (
	FeatureAccount      Feature = iota // sign-in, GET /me: User.Read
	FeatureCalendar                    // calendar sensors (on by default)
	FeatureGroups                      // group calendars (groups: true)
	FeatureEmail                       // email sensors
	FeatureQuery                       // query sensors
	FeatureSendMail                    // the send-mail (notify) service
	FeatureAutoReply                   // auto reply sensors and services
	FeatureStatusSensor                // status sensors for the signed-in user
	FeatureOtherStatus                 // status sensors watching another user's address
	FeatureChat                        // chat sensor
	FeatureTodo                        // To Do lists
	numFeatures
)

var featureNames = [numFeatures]string{
	"account", "calendar", "groups", "email", "query", "send_mail",
	"auto_reply", "status", "other_status", "chat", "todo",
}

// Features lists every feature in order.
func Features() []Feature {
	out := make([]Feature, numFeatures)
	for i := range out {
		out[i] = Feature(i)
	}
	return out
}

func (f Feature) String() string {
	if f < numFeatures {
		return featureNames[f]
	}
	return fmt.Sprintf("Feature(%d)", uint8(f))
}

// ParseFeature accepts the names String returns (case-insensitive; '-' for
// '_' and the integration's spellings such as todo_sensors are accepted).
func ParseFeature(s string) (Feature, error) {
	k := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	switch k {
	case "user", "base":
		return FeatureAccount, nil
	case "calendars":
		return FeatureCalendar, nil
	case "group", "group_calendars":
		return FeatureGroups, nil
	case "email_sensors", "mail":
		return FeatureEmail, nil
	case "query_sensors":
		return FeatureQuery, nil
	case "notify", "send", "sendmail":
		return FeatureSendMail, nil
	case "auto_reply_sensors", "autoreply":
		return FeatureAutoReply, nil
	case "status_sensors", "presence":
		return FeatureStatusSensor, nil
	case "chat_sensors", "teams_chat":
		return FeatureChat, nil
	case "todo_sensors", "to_do", "tasks":
		return FeatureTodo, nil
	}
	for i, n := range featureNames {
		if n == k {
			return Feature(i), nil
		}
	}
	return 0, fmt.Errorf("unknown feature %q (want one of %s)", s, strings.Join(featureNames[:], ", "))
}

// MarshalText makes a Feature a JSON string (and a JSON object key).
func (f Feature) MarshalText() ([]byte, error) {
	if f >= numFeatures {
		return nil, fmt.Errorf("invalid feature %d", uint8(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText is ParseFeature.
func (f *Feature) UnmarshalText(b []byte) error {
	v, err := ParseFeature(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Config is the integration's configuration, reduced to what decides scopes.
// The zero value is a work account with only the calendar (on by default).
type Config struct {
	// AccountName is the integration's account_name; it appears in the
	// integration's log messages and in the token file name.
	AccountName string `json:"account_name,omitempty"`
	// AccountType is work (default) or personal.
	AccountType AccountType `json:"account_type,omitempty"`
	// UserPrincipalName is the signed-in user's address, when the caller
	// knows it; used to catch the own address entered as shared mailbox or
	// as another user's status address.
	UserPrincipalName string `json:"user_principal_name,omitempty"`

	// EnableCalendar is the integration's enable_calendar; nil means true.
	EnableCalendar *bool `json:"enable_calendar,omitempty"`
	BasicCalendar  bool  `json:"basic_calendar,omitempty"`
	Groups         bool  `json:"groups,omitempty"`
	EmailSensors   bool  `json:"email_sensors,omitempty"`
	QuerySensors   bool  `json:"query_sensors,omitempty"`
	// StatusSensors: a status sensor for the signed-in user.
	StatusSensors bool `json:"status_sensors,omitempty"`
	// OtherStatusEmails: addresses watched by status sensors with an email
	// (another user's presence).
	OtherStatusEmails []string `json:"other_status_emails,omitempty"`
	ChatSensors       bool     `json:"chat_sensors,omitempty"`
	Todo              bool     `json:"todo,omitempty"`
	AutoReply         bool     `json:"auto_reply_sensors,omitempty"`

	// EnableUpdate is the top-level enable_update: the default for every
	// feature's write services.
	EnableUpdate bool `json:"enable_update,omitempty"`
	// UpdateOverrides sets enable_update per feature, winning over
	// EnableUpdate: the integration's To Do and chat sensors and each status
	// sensor carry their own flag. For send_mail it switches the send-mail
	// service on or off directly.
	UpdateOverrides map[Feature]bool `json:"update_overrides,omitempty"`

	// SharedMailbox, when set, makes every call go to /users/{shared}/… and
	// appends .Shared to the Calendars and Mail scopes.
	SharedMailbox string `json:"shared_mailbox,omitempty"`
}

// CalendarEnabled reports enable_calendar (default true).
func (c Config) CalendarEnabled() bool { return c.EnableCalendar == nil || *c.EnableCalendar }

// UpdateFor is the effective enable_update of feature f: its override if
// set, else the top-level flag.
func (c Config) UpdateFor(f Feature) bool {
	if v, ok := c.UpdateOverrides[f]; ok {
		return v
	}
	return c.EnableUpdate
}

// Bool returns a pointer to b, for Config.EnableCalendar.
func Bool(b bool) *bool { return &b }

// Requirement is the integration's permission pair [primary, [alternatives]]:
// satisfied when the primary or any alternative is granted.
type Requirement struct {
	Primary      string   `json:"primary"`
	Alternatives []string `json:"alternatives"`
}

// Names lists the primary then the alternatives.
func (r Requirement) Names() []string { return append([]string{r.Primary}, r.Alternatives...) }

// PythonRepr renders the pair as Python's repr of the list does, as the
// integration's log shows it: ['Tasks.Read', ['Tasks.ReadWrite']].
func (r Requirement) PythonRepr() string {
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(pyStr(r.Primary))
	b.WriteString(", [")
	for i, a := range r.Alternatives {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(pyStr(a))
	}
	b.WriteString("]]")
	return b.String()
}

// LegacyMessage is the older integration's log line for the unsatisfied pair.
func (r Requirement) LegacyMessage() string {
	return "Minimum required permissions not granted: " + r.PythonRepr()
}

// pyStr is Python's repr of a str: single quotes unless the text holds a
// single quote and no double quote.
func pyStr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// CurrentMessage is the current integration's log line: the failed requested
// scopes joined by ", ", the token file name and the account name.
func CurrentMessage(failed []string, tokenFile, account string) string {
	return fmt.Sprintf("Minimum required permissions: '%s'. Not available in token '%s' for account '%s'.",
		strings.Join(failed, ", "), tokenFile, account)
}

// TokenFilename is the integration's token file name for an account:
// o365_<account>.token (o365.token without an account name).
func TokenFilename(account string) string {
	if account == "" {
		return "o365.token"
	}
	return "o365_" + account + ".token"
}

// ScopeReason is one requested scope and why.
type ScopeReason struct {
	Scope string `json:"scope"`
	Why   string `json:"why"`
}

// FeaturePlan is what one configured feature asks for.
type FeaturePlan struct {
	Feature Feature `json:"feature"`
	// Update: write services are configured (effective enable_update).
	Update  bool          `json:"update"`
	Refused bool          `json:"refused,omitempty"`
	Scopes  []ScopeReason `json:"scopes,omitempty"`
	// Minimum and Write are the pairs the check uses for this feature.
	Minimum     []Requirement `json:"minimum,omitempty"`
	Write       []Requirement `json:"write,omitempty"`
	Explanation string        `json:"explanation"`
}

// RefusalCause says why a feature cannot be planned.
type RefusalCause string

// Refusal causes.
const (
	RefusedPersonal RefusalCause = "personal-account"
	RefusedShared   RefusalCause = "shared-mailbox"
	RefusedInvalid  RefusalCause = "invalid-scope"
)

// Refusal is a configured feature graphgate will not request scopes for.
type Refusal struct {
	Feature Feature      `json:"feature"`
	Cause   RefusalCause `json:"cause"`
	// Scope is the scope at fault (the first, when several are).
	Scope  string `json:"scope,omitempty"`
	Reason string `json:"reason"`
}

// Warning is something the caller should know about a plan; Log is the
// integration's own log line for it, when it has one.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Log     string `json:"log,omitempty"`
}

// Note documents a fix over the original integration that applies here.
type Note struct {
	Fix     string `json:"fix"`
	Message string `json:"message"`
}

// Plan is the result of planning a configuration.
type Plan struct {
	AccountName string      `json:"account_name,omitempty"`
	AccountType AccountType `json:"account_type"`
	// SharedMailbox is the effective shared mailbox ("" when none, or when
	// the configured one was the user's own address and was dropped).
	SharedMailbox string `json:"shared_mailbox,omitempty"`
	// Scopes is the ordered, de-duplicated list to request.
	Scopes []string `json:"scopes"`
	// MSALScopes is Scopes without the OpenID scopes: MSAL adds openid,
	// profile and offline_access by itself and refuses them when passed.
	MSALScopes []string `json:"msal_scopes"`
	// MSALAdds lists what MSAL adds to every request.
	MSALAdds []string `json:"msal_adds"`
	// AdminConsent lists requested scopes only an administrator can consent
	// to (work accounts).
	AdminConsent []string      `json:"admin_consent,omitempty"`
	Features     []FeaturePlan `json:"features"`
	Refusals     []Refusal     `json:"refusals,omitempty"`
	Warnings     []Warning     `json:"warnings,omitempty"`
	Notes        []Note        `json:"notes,omitempty"`
	Explanation  string        `json:"explanation"`
}

// Feature returns the plan of feature f, if configured.
func (p *Plan) Feature(f Feature) (*FeaturePlan, bool) {
	for i := range p.Features {
		if p.Features[i].Feature == f {
			return &p.Features[i], true
		}
	}
	return nil, false
}

// Status is a feature's state given the granted scopes.
type Status string

// Feature states.
const (
	On       Status = "on"        // every service of the feature, write services included
	ReadOnly Status = "read-only" // reading works; the write services are not registered (write scope missing, or enable_update off)
	Off      Status = "off"       // minimum missing, or the feature is refused
)

// Role says what a requirement decides.
type Role string

// Requirement roles.
const (
	RoleMinimum Role = "minimum"
	RoleWrite   Role = "write"
)

// Source says whose requirement it is: the integration checks its own
// pairs; graphgate adds pairs for calls the integration does not check.
type Source string

// Requirement sources.
const (
	SourceIntegration Source = "integration"
	SourceGraphgate   Source = "graphgate"
)

// RequirementStatus is one requirement evaluated against a token.
type RequirementStatus struct {
	Requirement
	Role   Role   `json:"role"`
	Source Source `json:"source"`
	// Blocking: the integration refuses to set the account up while it is
	// unsatisfied.
	Blocking  bool `json:"blocking"`
	Satisfied bool `json:"satisfied"`
	// SatisfiedBy is the granted scope that satisfied it.
	SatisfiedBy string `json:"satisfied_by,omitempty"`
}

// Cause says why a scope is missing.
type Cause string

// Missing-scope causes.
const (
	// CauseNeverRequested: the scope was not asked for at the last sign-in
	// (the configuration changed since).
	CauseNeverRequested Cause = "never-requested"
	// CauseDeclined: it was asked for and not granted.
	CauseDeclined Cause = "declined"
	// CauseAdminConsent: only an administrator can consent to it.
	CauseAdminConsent Cause = "admin-consent"
	// CauseNotGranted: not granted; what was requested is unknown.
	CauseNotGranted Cause = "not-granted"
	// CausePersonalAccount: a personal account can never be granted it.
	CausePersonalAccount Cause = "personal-account"
	// CauseSharedMailbox: the feature cannot work on a shared mailbox.
	CauseSharedMailbox Cause = "shared-mailbox"
	// CauseInvalidScope: the scope does not exist.
	CauseInvalidScope Cause = "invalid-scope"
)

// Missing is one scope a feature lacks, why, and what to do.
type Missing struct {
	Scope string `json:"scope"`
	Cause Cause  `json:"cause"`
	Fix   string `json:"fix"`
}

// FeatureStatus is one feature's state given the granted scopes.
type FeatureStatus struct {
	Feature      Feature             `json:"feature"`
	Status       Status              `json:"status"`
	Update       bool                `json:"update"`
	Refused      bool                `json:"refused,omitempty"`
	Requirements []RequirementStatus `json:"requirements,omitempty"`
	// Services are the services and entities the integration registers.
	Services []string `json:"services"`
	// Unavailable are configured services it does not register.
	Unavailable []string  `json:"unavailable,omitempty"`
	Missing     []Missing `json:"missing,omitempty"`
	// LegacyMessage is the older integration's log line when a blocking
	// minimum pair is unsatisfied.
	LegacyMessage string `json:"legacy_message,omitempty"`
	Explanation   string `json:"explanation"`
}

// Token is what Check reads: the granted scopes and, when known, the scopes
// requested at the sign-in that produced them.
type Token struct {
	// Granted is space-separated, as a token's scp or an MSAL cache entry's
	// target; case-insensitive; names may be resource-qualified.
	Granted string `json:"granted"`
	// Requested, when known, lets Check tell "never requested" from
	// "declined".
	Requested string `json:"requested,omitempty"`
	// Filename is the token file for the current-format message; default
	// TokenFilename(Config.AccountName).
	Filename string `json:"filename,omitempty"`
}

// Report is the result of checking granted scopes against a configuration.
type Report struct {
	Plan *Plan `json:"plan"`
	// Granted lists the recognised granted scopes, canonical names, in
	// token order.
	Granted []string `json:"granted"`
	// Unknown lists granted names that are not permissions.
	Unknown []string `json:"unknown,omitempty"`
	// Ignored lists scopes of other resources than Microsoft Graph.
	Ignored []string `json:"ignored,omitempty"`
	// Unrequested lists granted Graph scopes this configuration does not ask for.
	Unrequested []string        `json:"unrequested,omitempty"`
	Features    []FeatureStatus `json:"features"`
	// MinimumMet: every blocking minimum is satisfied, so the integration
	// sets the account up.
	MinimumMet bool `json:"minimum_met"`
	// Complete: every requested scope is satisfied.
	Complete bool `json:"complete"`
	// LegacyMessages are the older integration's log lines, one per
	// unsatisfied blocking pair.
	LegacyMessages []string `json:"legacy_messages,omitempty"`
	// CurrentMessage is the current integration's log line for the missing
	// requested scopes.
	CurrentMessage string `json:"current_message,omitempty"`
	// Consent lists the scopes the next sign-in must obtain.
	Consent []string `json:"consent,omitempty"`
	// AdminConsent lists those only an administrator can consent to.
	AdminConsent []string `json:"admin_consent,omitempty"`
	Remedy       string   `json:"remedy,omitempty"`
	// Notes record where the integration itself would judge differently.
	Notes       []Note `json:"notes,omitempty"`
	Explanation string `json:"explanation"`
}

// Feature returns the status of feature f, if configured.
func (r *Report) Feature(f Feature) (*FeatureStatus, bool) {
	for i := range r.Features {
		if r.Features[i].Feature == f {
			return &r.Features[i], true
		}
	}
	return nil, false
}
