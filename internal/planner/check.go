package planner

import (
	"fmt"
	"sort"
	"strings"

	"graphgate/internal/catalog"
	"graphgate/internal/permname"
)

// Check checks tok against cfg over the default catalog.
func Check(cfg Config, tok Token) (*Report, error) { return New(nil).Check(cfg, tok) }

// graphResources are the resource prefixes of Microsoft Graph a scope may
// be qualified with (global, US government, China, and the app id).
var graphResources = []string{
	"https://graph.microsoft.com",
	"https://graph.microsoft.us",
	"https://dod-graph.microsoft.us",
	"https://microsoftgraph.chinacloudapi.cn",
	"00000003-0000-0000-c000-000000000000",
}

// grantSet is a parsed scope list.
type grantSet struct {
	perms   []*catalog.Permission
	unknown []string
	ignored []string
}

// ParseGranted reads a scope list as Check does: space- or comma-separated
// (list punctuation such as ['a', 'b'] is tolerated), case-insensitive,
// optionally qualified with a Microsoft Graph resource
// (https://graph.microsoft.com/Mail.Read). It returns the canonical names of
// the recognised permissions, the names that are not permissions, and the
// scopes of other resources.
func (pl *Planner) ParseGranted(s string) (names, unknown, ignored []string) {
	g := pl.parse(s)
	for _, p := range g.perms {
		names = append(names, p.Name)
	}
	return names, g.unknown, g.ignored
}

func (pl *Planner) parse(s string) grantSet {
	var g grantSet
	seen := map[int]bool{}
	fields := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', ',', '[', ']', '\'', '"':
			return true
		}
		return false
	})
	for _, f := range fields {
		name := f
		if i := strings.LastIndexByte(f, '/'); i >= 0 {
			res := strings.ToLower(strings.TrimRight(f[:i], "/"))
			graph := false
			for _, r := range graphResources {
				if res == r {
					graph = true
				}
			}
			if !graph {
				g.ignored = append(g.ignored, f)
				continue
			}
			name = f[i+1:]
		}
		p, ok := pl.cat.Lookup(name)
		if !ok {
			g.unknown = append(g.unknown, f)
			continue
		}
		if !seen[p.Index] {
			seen[p.Index] = true
			g.perms = append(g.perms, p)
		}
	}
	return g
}

// sharedFallback lists the resources whose .Shared permission includes the
// own-mailbox one in the satisfaction rule (fix (b): Calendars as well as
// Mail); allFallback those whose .All does (Presence).
var (
	sharedFallback = map[string]bool{"mail": true, "calendars": true}
	allFallback    = map[string]bool{"presence": true}
)

// satisfies reports whether granted satisfies want, and by which scope:
// want itself; or a scope on the same resource whose operation includes
// want's (ReadBasic ⊂ Read ⊂ ReadWrite) with the same constraint; or, for
// an own-data want, the .Shared variant (Mail, Calendars) or the .All
// variant (Presence) with such an operation. It is deliberately narrower
// than permname.Implies: it is the integration's rule (with the calendar
// fix), not Graph's.
func satisfies(want string, granted []*catalog.Permission) (string, bool) {
	for _, g := range granted {
		if strings.EqualFold(g.Name, want) {
			return g.Name, true
		}
	}
	w, err := permname.Parse(want)
	if err != nil {
		return "", false
	}
	res := strings.ToLower(w.Resource)
	for _, g := range granted {
		h := g.Parts
		if !strings.EqualFold(h.Resource, w.Resource) || !permname.OperationImplies(h.Operation, w.Operation) {
			continue
		}
		switch {
		case strings.EqualFold(h.Constraint, w.Constraint):
		case w.Constraint == permname.ConstraintOwn && sharedFallback[res] && strings.EqualFold(h.Constraint, permname.ConstraintShared):
		case w.Constraint == permname.ConstraintOwn && allFallback[res] && strings.EqualFold(h.Constraint, permname.ConstraintAll):
		default:
			continue
		}
		return g.Name, true
	}
	return "", false
}

// integrationSatisfies is the current integration's validate_authorization,
// defect included: its .Shared fallback tests the resource "Calendar", so it
// never applies to Calendars.
func integrationSatisfies(want string, granted []*catalog.Permission) bool {
	has := func(n string) bool {
		for _, g := range granted {
			if strings.EqualFold(g.Name, n) {
				return true
			}
		}
		return false
	}
	higher := func(perm string) bool {
		parts := strings.Split(perm, ".")
		if len(parts) < 2 {
			return has(perm)
		}
		op := parts[1]
		ops := []string{op}
		switch op {
		case "ReadBasic":
			ops = append(ops, "Read", "ReadWrite")
		case "Read":
			ops = append(ops, "ReadWrite")
		}
		for _, o := range ops {
			if has(strings.ReplaceAll(perm, op, o)) {
				return true
			}
		}
		return false
	}
	if has(want) || higher(want) {
		return true
	}
	switch strings.Split(want, ".")[0] {
	case "Calendar", "Mail": // sic: "Calendar", so Calendars never gets here
		return higher(want + ".Shared")
	case "Presence":
		return higher(want + ".All")
	}
	return false
}

// legacySatisfies is the older integration's pair check: the primary or an
// alternative granted by its exact name.
func legacySatisfies(r Requirement, granted []*catalog.Permission) bool {
	for _, n := range r.Names() {
		for _, g := range granted {
			if strings.EqualFold(g.Name, n) {
				return true
			}
		}
	}
	return false
}

type checkState struct {
	pl        *Planner
	cfg       Config
	plan      *Plan
	report    *Report
	granted   []*catalog.Permission
	requested []*catalog.Permission
	reqKnown  bool
}

// Check evaluates the granted scopes of tok against cfg: each feature's
// status and services, the integration's log messages for what is missing,
// and what to do about it.
func (pl *Planner) Check(cfg Config, tok Token) (*Report, error) {
	plan, err := pl.Plan(cfg)
	if err != nil {
		return nil, err
	}
	return pl.check(cfg, plan, tok), nil
}

// check is Check with the plan of cfg already made.
func (pl *Planner) check(cfg Config, plan *Plan, tok Token) *Report {
	g := pl.parse(tok.Granted)
	st := &checkState{pl: pl, cfg: cfg, plan: plan, granted: g.perms,
		report: &Report{Plan: plan, Unknown: g.unknown, Ignored: g.ignored, Granted: []string{}}}
	if strings.TrimSpace(tok.Requested) != "" {
		st.reqKnown = true
		st.requested = pl.parse(tok.Requested).perms
	}
	for _, p := range g.perms {
		st.report.Granted = append(st.report.Granted, p.Name)
		if p.Kind != catalog.OpenID && !pl.related(p, plan.Scopes) {
			st.report.Unrequested = append(st.report.Unrequested, p.Name)
		}
	}

	st.report.MinimumMet = true
	for _, fp := range plan.Features {
		st.report.Features = append(st.report.Features, st.feature(fp))
	}
	st.report.Consent = inPlanOrder(st.report.Consent, plan.Scopes)
	st.report.AdminConsent = inPlanOrder(st.report.AdminConsent, plan.Scopes)
	st.currentMessage(tok)
	st.remedy()
	st.explain()
	return st.report
}

// related reports whether granted scope g has to do with a planned scope:
// it satisfies one, or one satisfies it (a lower scope of a requested one).
func (pl *Planner) related(g *catalog.Permission, planned []string) bool {
	for _, s := range planned {
		if _, ok := satisfies(s, []*catalog.Permission{g}); ok {
			return true
		}
		if p, ok := pl.cat.Lookup(s); ok {
			if _, ok := satisfies(g.Name, []*catalog.Permission{p}); ok {
				return true
			}
		}
	}
	return false
}

// inPlanOrder sorts names by their position in the plan's scopes.
func inPlanOrder(names, scopes []string) []string {
	if len(names) == 0 {
		return names
	}
	idx := func(n string) int {
		for i, s := range scopes {
			if strings.EqualFold(s, n) {
				return i
			}
		}
		return len(scopes)
	}
	out := append([]string(nil), names...)
	sort.SliceStable(out, func(i, j int) bool { return idx(out[i]) < idx(out[j]) })
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func appendUnique(list []string, s string) []string {
	if containsFold(list, s) {
		return list
	}
	return append(list, s)
}

func (st *checkState) note(fix, msg string) {
	for _, n := range st.report.Notes {
		if n.Fix == fix && n.Message == msg {
			return
		}
	}
	st.report.Notes = append(st.report.Notes, Note{Fix: fix, Message: msg})
}

func (st *checkState) feature(fp FeaturePlan) FeatureStatus {
	f := fp.Feature
	spec := specs[f]
	fs := FeatureStatus{Feature: f, Update: fp.Update, Refused: fp.Refused, Services: []string{}}
	if fp.Refused {
		fs.Status = Off
		fs.Unavailable = append(append([]string(nil), spec.readServices...), writeServicesIf(spec, st.cfg.UpdateFor(f))...)
		var reasons []string
		for _, r := range st.plan.Refusals {
			if r.Feature != f {
				continue
			}
			m := Missing{Scope: r.Scope}
			switch r.Cause {
			case RefusedPersonal:
				m.Cause = CausePersonalAccount
				m.Fix = fmt.Sprintf("%s can never be granted to a personal Microsoft account; change the configuration: %s", r.Scope, r.Reason)
			case RefusedShared:
				m.Cause = CauseSharedMailbox
				m.Fix = "Change the configuration: " + r.Reason
			default:
				m.Cause = CauseInvalidScope
				m.Fix = "Change the configuration: " + r.Reason
			}
			fs.Missing = append(fs.Missing, m)
			reasons = append(reasons, r.Reason)
		}
		fs.Explanation = fmt.Sprintf("%s %s off, refused: %s", spec.label, spec.be(), strings.Join(reasons, " "))
		return fs
	}

	minOK, writeOK := true, true
	for _, d := range requirements(f, st.plan.SharedMailbox != "", fp.Update, st.cfg.BasicCalendar, st.cfg.StatusSensors) {
		rs := RequirementStatus{Requirement: d.req, Role: d.role, Source: d.source, Blocking: d.blocking}
		for _, n := range d.req.Names() {
			if by, ok := satisfies(n, st.granted); ok {
				rs.Satisfied, rs.SatisfiedBy = true, by
				break
			}
		}
		if !rs.Satisfied {
			if d.role == RoleMinimum {
				minOK = false
				if d.blocking && d.source == SourceIntegration {
					st.report.MinimumMet = false
					if fs.LegacyMessage == "" {
						fs.LegacyMessage = d.req.LegacyMessage()
					}
					st.report.LegacyMessages = appendUnique(st.report.LegacyMessages, d.req.LegacyMessage())
				}
			} else {
				writeOK = false
			}
		} else if d.source == SourceIntegration && d.role == RoleMinimum && !legacySatisfies(d.req, st.granted) {
			st.note("implied-scopes", fmt.Sprintf("Older versions of the integration would log %q although %s is granted: they accept only the exact names of the pair, graphgate also accepts a scope that includes one.", d.req.LegacyMessage(), rs.SatisfiedBy))
		}
		fs.Requirements = append(fs.Requirements, rs)
	}

	switch {
	case !minOK:
		fs.Status = Off
		fs.Unavailable = append(append([]string(nil), spec.readServices...), writeServicesIf(spec, fp.Update)...)
	case fp.Update && !writeOK:
		fs.Status = ReadOnly
		fs.Services = append(fs.Services, spec.readServices...)
		fs.Unavailable = append([]string(nil), spec.writeServices...)
	case !fp.Update && len(spec.writeServices) > 0:
		// Read-only as configured: the feature has write services, and
		// enable_update does not ask for them.
		fs.Status = ReadOnly
		fs.Services = append(fs.Services, spec.readServices...)
	default:
		fs.Status = On
		fs.Services = append(append(fs.Services, spec.readServices...), writeServicesIf(spec, fp.Update)...)
	}

	for _, s := range fp.Scopes {
		p, ok := st.pl.cat.Lookup(s.Scope)
		if !ok || p.Kind == catalog.OpenID {
			continue
		}
		by, sat := satisfies(s.Scope, st.granted)
		if sat && !integrationSatisfies(s.Scope, st.granted) {
			st.note("calendars-shared-fallback", fmt.Sprintf("Current versions of the integration would report %s missing although %s is granted: their .Shared fallback never applies to Calendars; graphgate applies it.", s.Scope, by))
		}
		if sat {
			continue
		}
		fs.Missing = append(fs.Missing, st.missing(p))
	}
	fs.Explanation = st.featureExplanation(fs, spec)
	return fs
}

func writeServicesIf(spec featureSpec, update bool) []string {
	if update {
		return spec.writeServices
	}
	return nil
}

// consentPhrase is graphgate's remedy: sign in again, naming what the
// consent screen will ask for.
func consentPhrase(scopes ...string) string {
	return fmt.Sprintf("sign in again (the consent screen will ask for: %s)", strings.Join(scopes, ", "))
}

// missing classifies one missing requested scope.
func (st *checkState) missing(p *catalog.Permission) Missing {
	m := Missing{Scope: p.Name}
	admin := st.plan.AccountType != Personal && p.RequiresAdminConsent(catalog.DelegatedWork)
	requested := false
	if st.reqKnown {
		_, requested = satisfies(p.Name, st.requested)
	}
	switch {
	case st.reqKnown && !requested:
		m.Cause = CauseNeverRequested
		m.Fix = fmt.Sprintf("%s was never requested: the configuration changed since the last sign-in; %s.", p.Name, consentPhrase(p.Name))
		if admin {
			m.Fix += fmt.Sprintf(" An administrator must consent to %s first.", p.Name)
		}
	case admin:
		m.Cause = CauseAdminConsent
		m.Fix = fmt.Sprintf("An administrator must consent to %s for the tenant (users cannot), then %s.", p.Name, consentPhrase(p.Name))
	case st.reqKnown:
		m.Cause = CauseDeclined
		m.Fix = fmt.Sprintf("%s was requested but not granted (consent declined, or the tenant's consent policy blocks it); %s and accept.", p.Name, consentPhrase(p.Name))
	default:
		m.Cause = CauseNotGranted
		m.Fix = fmt.Sprintf("%s is not in the token: it was not requested at the last sign-in (the configuration changed) or consent was declined; %s.", p.Name, consentPhrase(p.Name))
	}
	st.report.Consent = appendUnique(st.report.Consent, p.Name)
	if admin {
		st.report.AdminConsent = appendUnique(st.report.AdminConsent, p.Name)
	}
	return m
}

func (st *checkState) featureExplanation(fs FeatureStatus, spec featureSpec) string {
	var miss []string
	for _, m := range fs.Missing {
		miss = append(miss, m.Scope)
	}
	if len(miss) == 0 {
		for _, r := range fs.Requirements {
			if !r.Satisfied {
				miss = append(miss, r.Primary)
			}
		}
	}
	switch fs.Status {
	case On:
		switch {
		case spec.writeOnly || fs.Feature == FeatureAccount:
			return fmt.Sprintf("%s %s on.", spec.label, spec.be())
		case fs.Update && len(spec.writeServices) > 0:
			return fmt.Sprintf("%s %s on, read and write.", spec.label, spec.be())
		}
		return fmt.Sprintf("%s %s on.", spec.label, spec.be())
	case ReadOnly:
		if !fs.Update {
			return fmt.Sprintf("%s %s read-only as configured: enable_update is off, so %s %s not registered.", spec.label, spec.be(), strings.Join(spec.writeServices, ", "), pluralBe(len(spec.writeServices)))
		}
		return fmt.Sprintf("%s %s read-only: %s %s missing, so %s %s not registered.", spec.label, spec.be(), strings.Join(miss, ", "), pluralBe(len(miss)), strings.Join(fs.Unavailable, ", "), pluralBe(len(fs.Unavailable)))
	}
	return fmt.Sprintf("%s %s off: %s %s missing.", spec.label, spec.be(), strings.Join(miss, ", "), pluralBe(len(miss)))
}

func pluralBe(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// currentMessage builds the current integration's message over the
// requested scopes (OpenID scopes are not checked, as there).
func (st *checkState) currentMessage(tok Token) {
	var failed []string
	for _, s := range st.plan.Scopes {
		if p, ok := st.pl.cat.Lookup(s); ok && p.Kind == catalog.OpenID {
			continue
		}
		if _, ok := satisfies(s, st.granted); !ok {
			failed = append(failed, s)
		}
	}
	st.report.Complete = len(failed) == 0
	if len(failed) == 0 {
		return
	}
	file := tok.Filename
	if file == "" {
		file = TokenFilename(st.cfg.AccountName)
	}
	st.report.CurrentMessage = CurrentMessage(failed, file, st.cfg.AccountName)
}

func (st *checkState) remedy() {
	var parts []string
	var refused []string
	for _, fs := range st.report.Features {
		if fs.Refused {
			refused = append(refused, fs.Feature.String())
		}
	}
	if len(refused) > 0 {
		parts = append(parts, fmt.Sprintf("Change the configuration: %s can never work with this account and mailbox (see each feature's reason).", strings.Join(refused, ", ")))
	}
	if len(st.report.AdminConsent) > 0 {
		parts = append(parts, fmt.Sprintf("An administrator must consent to %s.", strings.Join(st.report.AdminConsent, ", ")))
	}
	if len(st.report.Consent) > 0 {
		allNew := st.reqKnown
		for _, fs := range st.report.Features {
			for _, m := range fs.Missing {
				if m.Cause != CauseNeverRequested && m.Cause != CausePersonalAccount && m.Cause != CauseSharedMailbox && m.Cause != CauseInvalidScope {
					allNew = false
				}
			}
		}
		s := consentPhrase(st.report.Consent...)
		if allNew {
			parts = append(parts, "The configuration changed since the last sign-in: "+s+".")
		} else {
			parts = append(parts, strings.ToUpper(s[:1])+s[1:]+".")
		}
	}
	st.report.Remedy = strings.Join(parts, " ")
}

func (st *checkState) explain() {
	var on, ro, off int
	for _, fs := range st.report.Features {
		switch fs.Status {
		case On:
			on++
		case ReadOnly:
			ro++
		default:
			off++
		}
	}
	setup := "every minimum is met, so the integration sets the account up"
	if !st.report.MinimumMet {
		setup = "a minimum is missing, so the integration does not set the account up and asks to re-authenticate"
	}
	st.report.Explanation = fmt.Sprintf("%d on, %d read-only, %d off; %s.", on, ro, off, setup)
}
