package planner

import (
	"fmt"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/permname"
)

// Planner plans and checks over one catalog. It holds no mutable state and
// is safe for concurrent use.
type Planner struct{ cat *catalog.Catalog }

// New returns a planner over c (catalog.Default() when c is nil).
func New(c *catalog.Catalog) *Planner {
	if c == nil {
		c = catalog.Default()
	}
	return &Planner{cat: c}
}

// MakePlan plans cfg over the default catalog.
func MakePlan(cfg Config) (*Plan, error) { return New(nil).Plan(cfg) }

// Names the planner reasons with.
const (
	scopeOfflineAccess = "offline_access"
	scopeUserRead      = "User.Read"
	suffixShared       = ".Shared"
)

// msalReserved are the scopes MSAL adds to every request by itself.
var msalReserved = []string{"openid", "profile", "offline_access"}

// featureSpec describes a feature's services.
type featureSpec struct {
	label         string   // subject of sentences ("The calendar")
	readServices  []string // registered when the minimum is met
	writeServices []string // registered when enable_update is on and the write scope granted
	writeOnly     bool     // the minimum is a write scope (auto reply, send mail)
	plural        bool     // the label is plural
}

// be is the label's "is" or "are".
func (s featureSpec) be() string {
	if s.plural {
		return "are"
	}
	return "is"
}

var specs = [numFeatures]featureSpec{
	FeatureAccount:      {label: "Sign-in", readServices: []string{"sign-in and profile (GET /me)"}},
	FeatureCalendar:     {label: "The calendar", readServices: []string{"calendar entities", "scan for calendars"}, writeServices: []string{"create event", "modify event", "remove event", "respond to event"}},
	FeatureGroups:       {label: "Group calendars", plural: true, readServices: []string{"group calendar entities"}, writeServices: []string{"create group event", "modify group event", "remove group event"}},
	FeatureEmail:        {label: "Email sensors", plural: true, readServices: []string{"email sensors"}},
	FeatureQuery:        {label: "Query sensors", plural: true, readServices: []string{"query sensors"}},
	FeatureSendMail:     {label: "Sending mail", readServices: []string{"send mail (notify)"}, writeOnly: true},
	FeatureAutoReply:    {label: "Auto reply", readServices: []string{"auto reply sensor", "auto reply enable", "auto reply disable"}, writeOnly: true},
	FeatureStatusSensor: {label: "The status sensor", readServices: []string{"status sensor"}, writeServices: []string{"set presence", "set preferred presence"}},
	FeatureOtherStatus:  {label: "Other users' status sensors", plural: true, readServices: []string{"other user's status sensor"}},
	FeatureChat:         {label: "The chat sensor", readServices: []string{"chat sensor"}, writeServices: []string{"send chat message"}},
	FeatureTodo:         {label: "To Do", readServices: []string{"to-do list entities"}, writeServices: []string{"new task", "update task", "complete task", "delete task"}},
}

// sharedRefusedTail is, for the features the integration refuses with a
// shared mailbox, why they cannot work there.
var sharedRefusedTail = map[Feature]string{
	FeatureGroups:       "group calendars are reached through /groups/{id}/calendar with the tenant-wide Group.Read.All, not through the mailbox, and the integration does not support them with a shared mailbox",
	FeatureAutoReply:    "Graph answers 403 on /users/{shared}/mailboxSettings",
	FeatureStatusSensor: "presence belongs to a Teams user, and a shared mailbox has none to read or set (/users/{shared}/presence)",
	FeatureOtherStatus:  "status sensors need the signed-in user's Teams identity, which a shared mailbox does not have, and the integration refuses them with a shared mailbox",
	FeatureChat:         "chats belong to the signed-in user's Teams identity and a shared mailbox has none (/users/{shared}/chats)",
	FeatureTodo:         "Microsoft To Do (/users/{id}/todo/lists) accepts only Tasks.Read and Tasks.ReadWrite, for the signed-in user's own lists",
}

// reqDef is a requirement with its role, source and blocking flag.
type reqDef struct {
	req      Requirement
	role     Role
	source   Source
	blocking bool
}

func pair(primary string, alts ...string) Requirement {
	if alts == nil {
		alts = []string{}
	}
	return Requirement{Primary: primary, Alternatives: alts}
}

// addShared is the integration's _add_shared: append .Shared to the primary
// and to each alternative that lacks it, dropping repeated alternatives (an
// alternative equal to the primary is kept, as there).
func addShared(r Requirement) Requirement {
	out := Requirement{Primary: r.Primary, Alternatives: []string{}}
	if !strings.Contains(out.Primary, suffixShared) {
		out.Primary += suffixShared
	}
	for _, a := range r.Alternatives {
		if !strings.Contains(a, suffixShared) {
			a += suffixShared
		}
		dup := false
		for _, x := range out.Alternatives {
			if x == a {
				dup = true
			}
		}
		if !dup {
			out.Alternatives = append(out.Alternatives, a)
		}
	}
	return out
}

// The integration's pairs.
var (
	pairUser            = pair("User.Read")
	pairCalendar        = pair("Calendars.ReadBasic", "Calendars.Read", "Calendars.Read.Shared", "Calendars.ReadWrite", "Calendars.ReadWrite.Shared")
	pairCalendarWrite   = pair("Calendars.ReadWrite", "Calendars.ReadWrite.Shared")
	pairMail            = pair("Mail.Read", "Mail.Read.Shared", "Mail.ReadWrite", "Mail.ReadWrite.Shared")
	pairSend            = pair("Mail.Send", "Mail.Send.Shared")
	pairPresence        = pair("Presence.Read", "Presence.ReadWrite", "Presence.Read.All")
	pairChat            = pair("Chat.Read", "Chat.ReadWrite")
	pairChatWrite       = pair("Chat.ReadWrite")
	pairTasks           = pair("Tasks.Read", "Tasks.ReadWrite")
	pairTasksWrite      = pair("Tasks.ReadWrite")
	pairGroup           = pair("Group.Read.All", "Group.ReadWrite.All")
	pairMailboxSettings = pair("MailboxSettings.ReadWrite")
	// graphgate's own pairs, for calls the integration does not check.
	pairGroupWrite    = pair("Group.ReadWrite.All")
	pairPresenceWrite = pair("Presence.ReadWrite")
	pairPresenceAll   = pair("Presence.Read.All")
	pairUserBasicAll  = pair("User.ReadBasic.All")
)

// requirements lists the pairs that decide feature f's status. shared: a
// shared mailbox is set; update: the feature's effective enable_update;
// basic: basic_calendar; ownStatus: a status sensor for the signed-in user
// is configured.
func requirements(f Feature, shared, update, basic, ownStatus bool) []reqDef {
	sh := func(r Requirement) Requirement {
		if shared {
			return addShared(r)
		}
		return pair(r.Primary, r.Alternatives...)
	}
	integ := func(r Requirement) reqDef {
		return reqDef{req: r, role: RoleMinimum, source: SourceIntegration, blocking: true}
	}
	write := func(r Requirement, s Source) reqDef { return reqDef{req: r, role: RoleWrite, source: s} }
	var out []reqDef
	switch f {
	case FeatureAccount:
		out = append(out, integ(pairUser))
	case FeatureCalendar:
		out = append(out, integ(sh(pairCalendar)))
		if !basic {
			// The integration's pair accepts Calendars.ReadBasic, but a
			// calendar without basic_calendar selects body and attendees,
			// which need Calendars.Read.
			read := pair("Calendars.Read")
			if shared {
				read = pair("Calendars.Read.Shared")
			}
			out = append(out, reqDef{req: read, role: RoleMinimum, source: SourceGraphgate})
		}
		if update {
			out = append(out, write(sh(pairCalendarWrite), SourceIntegration))
		}
	case FeatureGroups:
		out = append(out, integ(pairGroup))
		if update {
			out = append(out, write(pairGroupWrite, SourceGraphgate))
		}
	case FeatureEmail, FeatureQuery:
		out = append(out, integ(sh(pairMail)))
	case FeatureSendMail:
		// The integration checks this pair when it sets up the send-mail
		// service, not when it sets up the account.
		out = append(out, reqDef{req: sh(pairSend), role: RoleMinimum, source: SourceIntegration})
	case FeatureAutoReply:
		out = append(out, integ(pairMailboxSettings))
	case FeatureStatusSensor:
		out = append(out, integ(pairPresence))
		if update {
			out = append(out, write(pairPresenceWrite, SourceGraphgate))
		}
	case FeatureOtherStatus:
		if !ownStatus {
			out = append(out, integ(pairPresence))
		}
		out = append(out,
			reqDef{req: pairPresenceAll, role: RoleMinimum, source: SourceGraphgate},
			reqDef{req: pairUserBasicAll, role: RoleMinimum, source: SourceGraphgate})
	case FeatureChat:
		out = append(out, integ(pairChat))
		if update {
			out = append(out, write(pairChatWrite, SourceIntegration))
		}
	case FeatureTodo:
		out = append(out, integ(pairTasks))
		if update {
			out = append(out, write(pairTasksWrite, SourceIntegration))
		}
	}
	return out
}

// planState is the working state of one Plan call.
type planState struct {
	pl      *Planner
	cfg     Config
	acct    AccountType
	scheme  catalog.Scheme
	shared  string
	plan    *Plan
	fplans  map[Feature]*FeaturePlan
	refused map[Feature]bool
}

// Plan computes the scopes to request for cfg, with explanations, warnings,
// refusals and the notes on fixes over the original integration.
func (pl *Planner) Plan(cfg Config) (*Plan, error) {
	acct, err := ParseAccountType(string(cfg.AccountType))
	if err != nil {
		return nil, err
	}
	st := &planState{
		pl: pl, cfg: cfg, acct: acct, scheme: acct.Scheme(),
		plan:    &Plan{AccountName: cfg.AccountName, AccountType: acct, MSALAdds: append([]string(nil), msalReserved...)},
		fplans:  map[Feature]*FeaturePlan{},
		refused: map[Feature]bool{},
	}
	st.checkAddresses()
	st.checkOverrides()

	// Features in order; send mail after the features that trigger it.
	for _, f := range Features() {
		if f == FeatureSendMail {
			continue
		}
		if st.configured(f) {
			st.planFeature(f)
		}
	}
	if triggers, on := st.sendMailTriggers(); on {
		st.planFeature(FeatureSendMail)
		st.noteSendMail(triggers)
	}
	st.assemble()
	st.noteFixes()
	st.adminConsent()
	st.explain()
	return st.plan, nil
}

func (st *planState) warn(code, msg, log string) {
	st.plan.Warnings = append(st.plan.Warnings, Warning{Code: code, Message: msg, Log: log})
}

func (st *planState) note(fix, msg string) {
	for _, n := range st.plan.Notes {
		if n.Fix == fix && n.Message == msg {
			return
		}
	}
	st.plan.Notes = append(st.plan.Notes, Note{Fix: fix, Message: msg})
}

// checkAddresses catches the user's own address entered as the shared
// mailbox (dropped, as the current integration does) or watched as
// "another user's" status.
func (st *planState) checkAddresses() {
	shared := strings.TrimSpace(st.cfg.SharedMailbox)
	upn := strings.TrimSpace(st.cfg.UserPrincipalName)
	if shared != "" && upn != "" && strings.EqualFold(shared, upn) {
		st.warn("shared-mailbox-is-own-address",
			fmt.Sprintf("The shared mailbox %s is your own address: it was dropped, because your own mailbox needs no .Shared scope (with it you would be asked for .Shared scopes you do not need and status, chat, To Do, group calendars and auto reply would be refused).", shared),
			fmt.Sprintf("Login email address '%s' should not be entered as shared email address, config attribute removed.", upn))
		shared = ""
	}
	if shared != "" && !strings.Contains(shared, "@") {
		st.warn("shared-mailbox-address",
			fmt.Sprintf("The shared mailbox %q is not an email address; calls to /users/%s/… will answer 404 unless it is the mailbox's user id.", shared, shared), "")
	}
	if shared != "" {
		st.warn("shared-mailbox-delegation",
			fmt.Sprintf("A .Shared scope only lets the app use what Exchange grants you: the signed-in user needs Full Access on %s (and Send As or Send on Behalf to send from it), otherwise Graph answers 403 even with the scope granted.", shared), "")
	}
	st.shared = shared
	st.plan.SharedMailbox = shared
	for _, e := range st.cfg.OtherStatusEmails {
		if upn != "" && strings.EqualFold(strings.TrimSpace(e), upn) {
			st.warn("other-status-is-own-address",
				fmt.Sprintf("A status sensor watches %s, your own address, as another user: it costs Presence.Read.All and User.ReadBasic.All; a status sensor without an email needs only Presence.Read.", e), "")
		}
	}
}

func (st *planState) checkOverrides() {
	for _, f := range Features() {
		v, ok := st.cfg.UpdateOverrides[f]
		if !ok {
			continue
		}
		switch f {
		case FeatureAccount, FeatureOtherStatus:
			st.warn("update-override-ignored", fmt.Sprintf("enable_update for %s has no effect: it has no write services.", f), "")
		case FeatureAutoReply:
			if !v {
				st.warn("update-override-ignored", "enable_update false for auto_reply has no effect: auto reply is write-only and always needs MailboxSettings.ReadWrite.", "")
			}
		}
	}
}

// configured reports whether the configuration turns f on (before refusals).
func (st *planState) configured(f Feature) bool {
	c := st.cfg
	switch f {
	case FeatureAccount:
		return true
	case FeatureCalendar:
		return c.CalendarEnabled()
	case FeatureGroups:
		return c.Groups
	case FeatureEmail:
		return c.EmailSensors
	case FeatureQuery:
		return c.QuerySensors
	case FeatureAutoReply:
		return c.AutoReply
	case FeatureStatusSensor:
		return c.StatusSensors
	case FeatureOtherStatus:
		return len(c.OtherStatusEmails) > 0
	case FeatureChat:
		return c.ChatSensors
	case FeatureTodo:
		return c.Todo
	}
	return false
}

// active reports whether f is configured and not refused.
func (st *planState) active(f Feature) bool {
	_, ok := st.fplans[f]
	return ok && !st.refused[f]
}

// update is the effective enable_update of f in this plan.
func (st *planState) update(f Feature) bool {
	switch f {
	case FeatureAccount, FeatureEmail, FeatureQuery, FeatureOtherStatus:
		return false
	case FeatureAutoReply, FeatureSendMail:
		return true
	case FeatureCalendar:
		return st.cfg.UpdateFor(f) && !st.cfg.BasicCalendar
	}
	return st.cfg.UpdateFor(f)
}

// sendMailTriggers decides fix (a): Mail.Send is requested when the
// calendar's enable_update is on (the original's only trigger) or when email
// or query sensors have enable_update, or when forced by the send_mail
// override.
func (st *planState) sendMailTriggers() ([]Feature, bool) {
	if v, ok := st.cfg.UpdateOverrides[FeatureSendMail]; ok {
		if !v {
			return nil, false
		}
		return []Feature{FeatureSendMail}, true
	}
	var t []Feature
	if st.active(FeatureCalendar) && st.update(FeatureCalendar) {
		t = append(t, FeatureCalendar)
	}
	for _, f := range []Feature{FeatureEmail, FeatureQuery} {
		if st.active(f) && st.cfg.UpdateFor(f) {
			t = append(t, f)
		}
	}
	return t, len(t) > 0
}

func (st *planState) noteSendMail(triggers []Feature) {
	for _, f := range triggers {
		if f == FeatureEmail || f == FeatureQuery {
			st.note("mail-send",
				fmt.Sprintf("Mail.Send%s is requested because %s sensors have enable_update; the original requests it only inside the calendar branch, so its send-mail service never works without calendar updates.", st.sharedSuffix(), f))
			return
		}
	}
}

func (st *planState) sharedSuffix() string {
	if st.shared != "" {
		return suffixShared
	}
	return ""
}

// sharedName appends .Shared to a Calendars or Mail scope when a shared
// mailbox is set. When that permission does not exist (Calendars.ReadBasic
// has no .Shared variant) it moves up the operation lattice to the least
// operation whose .Shared variant exists: fix (c).
func (st *planState) sharedName(name string) (string, string) {
	if st.shared == "" {
		return name, ""
	}
	n := permname.MustParse(name)
	want := n.WithConstraint(permname.ConstraintShared)
	if _, ok := st.pl.cat.Lookup(want.String()); ok {
		return want.String(), ""
	}
	for _, op := range []string{permname.OpRead, permname.OpReadWrite} {
		if !permname.OperationImplies(op, n.Operation) {
			continue
		}
		alt := want.WithOperation(op)
		if _, ok := st.pl.cat.Lookup(alt.String()); ok {
			return alt.String(), fmt.Sprintf("%s does not exist (the original requests it and Microsoft answers AADSTS70011, invalid scope); graphgate requests %s, the least-privileged existing %s scope that covers it.", want, alt, suffixShared)
		}
	}
	return want.String(), ""
}

// scopesFor lists what feature f requests, with the reason for each, for an
// effective enable_update of update.
func (st *planState) scopesFor(f Feature, update bool) ([]ScopeReason, []string) {
	mailbox := "your own mailbox (/me/…)"
	if st.shared != "" {
		mailbox = fmt.Sprintf("the shared mailbox %s (/users/%s/…)", st.shared, st.shared)
	}
	var out []ScopeReason
	var notes []string
	add := func(scope, why string) { out = append(out, ScopeReason{Scope: scope, Why: why}) }
	shared := func(name string) string {
		s, n := st.sharedName(name)
		if n != "" {
			notes = append(notes, n)
		}
		return s
	}
	switch f {
	case FeatureAccount:
		add(scopeOfflineAccess, "keeps a refresh token so the integration stays signed in (MSAL adds it by itself)")
		add(scopeUserRead, "sign-in and GET /me at start-up; always requested")
	case FeatureCalendar:
		switch {
		case st.cfg.BasicCalendar:
			add(shared("Calendars.ReadBasic"), "basic_calendar: reads event times, subjects and locations of the calendars of "+mailbox)
		case update:
			add(shared("Calendars.ReadWrite"), "enable_update: reads, creates, modifies, removes and responds to events of "+mailbox)
		default:
			add(shared("Calendars.Read"), "reads the calendars and calendarView of "+mailbox)
		}
	case FeatureGroups:
		if update {
			add("Group.ReadWrite.All", "enable_update: reads and writes events of group calendars (/groups/{id}/calendar/events)")
		} else {
			add("Group.Read.All", "reads group calendars (/groups/{id}/calendar/calendarView)")
		}
	case FeatureEmail:
		add(shared("Mail.Read"), "email sensors read mail folders and messages of "+mailbox)
	case FeatureQuery:
		add(shared("Mail.Read"), "query sensors search messages of "+mailbox)
	case FeatureSendMail:
		add(shared("Mail.Send"), "the send-mail service (POST sendMail) from "+mailbox)
	case FeatureAutoReply:
		add("MailboxSettings.ReadWrite", "auto reply reads and sets automaticRepliesSetting (/me/mailboxSettings); write-only")
	case FeatureStatusSensor:
		if update {
			add("Presence.ReadWrite", "enable_update: reads /me/presence and sets presence (setPresence, setUserPreferredPresence)")
		} else {
			add("Presence.Read", "reads your presence (/me/presence)")
		}
	case FeatureOtherStatus:
		if !st.configured(FeatureStatusSensor) {
			add("Presence.Read", "requested for every status sensor, as the integration does")
		}
		add("Presence.Read.All", "reads another user's presence (/users/{id}/presence)")
		add("User.ReadBasic.All", "looks the watched user up by address (GET /users/{email})")
	case FeatureChat:
		if update {
			add("Chat.ReadWrite", "enable_update: reads chats and sends chat messages (POST /chats/{id}/messages)")
		} else {
			add("Chat.Read", "reads your chats and their messages (/me/chats)")
		}
	case FeatureTodo:
		if update {
			add("Tasks.ReadWrite", "enable_update: reads lists and creates, updates, completes and deletes tasks (/me/todo/lists)")
		} else {
			add("Tasks.Read", "reads your To Do lists and tasks (/me/todo/lists)")
		}
	}
	return out, notes
}

// planFeature plans one configured feature: its scopes, or a refusal.
func (st *planState) planFeature(f Feature) {
	update := st.update(f)
	fp := &FeaturePlan{Feature: f, Update: update}
	st.fplans[f] = fp
	scopes, notes := st.scopesFor(f, update)

	if f == FeatureCalendar && st.cfg.BasicCalendar && st.cfg.UpdateFor(FeatureCalendar) {
		st.warn("basic-calendar-ignores-update",
			"basic_calendar wins over enable_update: the calendar requests Calendars.ReadBasic"+st.sharedSuffix()+" only and registers no create, modify, remove or respond services.",
			fmt.Sprintf("'enable_update' should not be true when 'basic_calendar' is true .for account: %s ReadBasic used. ", st.cfg.AccountName))
	}

	var refusals []Refusal
	if tail, ok := sharedRefusedTail[f]; ok && st.shared != "" {
		refusals = append(refusals, st.sharedRefusal(f, scopes, tail))
	}
	refusals = append(refusals, st.validate(f, scopes, update)...)
	if len(refusals) > 0 {
		st.refused[f] = true
		fp.Refused = true
		fp.Update = false
		st.plan.Refusals = append(st.plan.Refusals, refusals...)
		fp.Explanation = refusals[0].Reason
		return
	}
	for _, n := range notes {
		st.note("readbasic-shared", n)
	}
	fp.Scopes = scopes
	for _, r := range requirements(f, st.shared != "", update, st.cfg.BasicCalendar, st.configured(FeatureStatusSensor)) {
		if r.role == RoleWrite {
			fp.Write = append(fp.Write, r.req)
		} else {
			fp.Minimum = append(fp.Minimum, r.req)
		}
	}
	fp.Explanation = st.featureExplanation(f, fp)
}

func (st *planState) sharedRefusal(f Feature, scopes []ScopeReason, tail string) Refusal {
	first := scopes[0].Scope
	n := permname.MustParse(first)
	var reason string
	switch {
	case n.Constraint != permname.ConstraintOwn:
		reason = fmt.Sprintf("%s %s not valid for shared mailboxes: %s.", specs[f].label, specs[f].be(), tail)
	default:
		variant := n.WithConstraint(permname.ConstraintShared).String()
		if _, ok := st.pl.cat.Lookup(variant); ok {
			reason = fmt.Sprintf("%s %s not valid for shared mailboxes: %s exists, but %s.", specs[f].label, specs[f].be(), variant, tail)
		} else {
			reason = fmt.Sprintf("%s %s not valid for shared mailboxes: there is no %s permission; %s.", specs[f].label, specs[f].be(), variant, tail)
		}
	}
	return Refusal{Feature: f, Cause: RefusedShared, Scope: first, Reason: reason}
}

// validate checks every scope of a feature against the catalog: it must
// exist, grant something and be valid for the account type: fix (d).
func (st *planState) validate(f Feature, scopes []ScopeReason, update bool) []Refusal {
	var out []Refusal
	var invalid []string
	for _, s := range scopes {
		p, ok := st.pl.cat.Lookup(s.Scope)
		switch {
		case !ok:
			_, err := st.pl.cat.Resolve(s.Scope)
			out = append(out, Refusal{Feature: f, Cause: RefusedInvalid, Scope: s.Scope,
				Reason: fmt.Sprintf("%s would need %s: %v.", specs[f].label, s.Scope, err)})
		case p.GrantsNothing:
			out = append(out, Refusal{Feature: f, Cause: RefusedInvalid, Scope: s.Scope,
				Reason: fmt.Sprintf("%s would need %s, which grants nothing.", specs[f].label, s.Scope)})
		case !p.In(st.scheme):
			invalid = append(invalid, p.Name)
		}
	}
	if len(invalid) == 0 {
		return out
	}
	verb := "is"
	if len(invalid) > 1 {
		verb = "are"
	}
	var reason string
	if st.acct == Personal {
		reason = fmt.Sprintf("%s %s not available to personal Microsoft accounts: %s %s valid only for work or school accounts.", specs[f].label, specs[f].be(), strings.Join(invalid, ", "), verb)
	} else {
		reason = fmt.Sprintf("%s %s not available to work or school accounts: %s %s not a delegated permission there.", specs[f].label, specs[f].be(), strings.Join(invalid, ", "), verb)
	}
	if update && f != FeatureSendMail && f != FeatureAutoReply {
		if ro, _ := st.scopesFor(f, false); st.allValid(ro) {
			names := make([]string, len(ro))
			for i, s := range ro {
				names[i] = s.Scope
			}
			reason = strings.TrimSuffix(reason, ".") + fmt.Sprintf("; without enable_update it would need only %s, which %s valid.", strings.Join(names, ", "), pluralVerb(len(names)))
		}
	}
	cause := RefusedPersonal
	if st.acct != Personal {
		cause = RefusedInvalid
	}
	return append(out, Refusal{Feature: f, Cause: cause, Scope: invalid[0], Reason: reason})
}

func pluralVerb(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func (st *planState) allValid(scopes []ScopeReason) bool {
	for _, s := range scopes {
		p, ok := st.pl.cat.Lookup(s.Scope)
		if !ok || p.GrantsNothing || !p.In(st.scheme) {
			return false
		}
	}
	return true
}

// assemble builds the ordered, de-duplicated scope list in the integration's
// order: offline_access, User.Read, calendar (Mail.Send first when the
// calendar triggers it), groups, mail, send mail, auto reply, status, chat,
// To Do.
func (st *planState) assemble() {
	seen := map[string]bool{}
	addFrom := func(f Feature) {
		fp, ok := st.fplans[f]
		if !ok || fp.Refused {
			return
		}
		for _, s := range fp.Scopes {
			k := strings.ToLower(s.Scope)
			if !seen[k] {
				seen[k] = true
				st.plan.Scopes = append(st.plan.Scopes, s.Scope)
			}
		}
	}
	addFrom(FeatureAccount)
	if st.active(FeatureSendMail) && st.active(FeatureCalendar) && st.update(FeatureCalendar) {
		addFrom(FeatureSendMail)
	}
	for _, f := range Features()[FeatureCalendar:] {
		addFrom(f)
	}
	for _, s := range st.plan.Scopes {
		if p, ok := st.pl.cat.Lookup(s); ok && p.Kind == catalog.OpenID {
			continue
		}
		st.plan.MSALScopes = append(st.plan.MSALScopes, s)
	}
	for _, f := range Features() {
		if fp, ok := st.fplans[f]; ok {
			st.plan.Features = append(st.plan.Features, *fp)
		}
	}
}

// noteFixes records fixes (b) and (d) where they apply to this plan.
func (st *planState) noteFixes() {
	if st.active(FeatureCalendar) && st.shared == "" {
		st.note("calendars-shared-fallback",
			"A granted Calendars.*.Shared scope satisfies the calendar's own-mailbox scope as it does for Mail; the original's check misses it for calendars (it tests the resource name \"Calendar\").")
	}
	for _, r := range st.plan.Refusals {
		if r.Cause == RefusedPersonal {
			st.note("valid-scopes",
				fmt.Sprintf("The original would request %s for %s, which a personal account is never granted, so its minimum check fails and the account is not set up; graphgate refuses the feature instead and requests only scopes the catalog lists for %s.", r.Scope, r.Feature, st.scheme))
		}
	}
}

func (st *planState) adminConsent() {
	if st.acct == Personal {
		return
	}
	for _, s := range st.plan.Scopes {
		if p, ok := st.pl.cat.Lookup(s); ok && p.RequiresAdminConsent(catalog.DelegatedWork) {
			st.plan.AdminConsent = append(st.plan.AdminConsent, p.Name)
		}
	}
	if len(st.plan.AdminConsent) > 0 {
		st.warn("admin-consent-required",
			fmt.Sprintf("An administrator must consent to %s for the tenant before users can sign in with this configuration.", strings.Join(st.plan.AdminConsent, ", ")), "")
	}
}

func (st *planState) featureExplanation(f Feature, fp *FeaturePlan) string {
	names := make([]string, len(fp.Scopes))
	for i, s := range fp.Scopes {
		names[i] = s.Scope
	}
	mode := "read-only"
	switch {
	case specs[f].writeOnly:
		mode = "write-only"
	case f == FeatureAccount:
		mode = "always on"
	case fp.Update:
		mode = "read and write"
	case f == FeatureCalendar && st.cfg.BasicCalendar:
		mode = "basic, read-only"
	}
	verb := "requests"
	if specs[f].plural {
		verb = "request"
	}
	return fmt.Sprintf("%s (%s) %s %s.", specs[f].label, mode, verb, strings.Join(names, ", "))
}

func (st *planState) explain() {
	acct := "a work or school account"
	if st.acct == Personal {
		acct = "a personal Microsoft account"
	}
	where := "its own mailbox"
	if st.shared != "" {
		where = "the shared mailbox " + st.shared
	}
	s := fmt.Sprintf("Request %d scopes for %s on %s", len(st.plan.Scopes), acct, where)
	if n := len(st.refused); n == 1 {
		s += "; 1 feature refused"
	} else if n > 1 {
		s += fmt.Sprintf("; %d features refused", n)
	}
	if n := len(st.plan.AdminConsent); n > 0 {
		s += fmt.Sprintf("; %d %s admin consent", n, map[bool]string{true: "needs", false: "need"}[n == 1])
	}
	st.plan.Explanation = s + "."
}
