package planner

import (
	"fmt"
	"strings"
	"testing"

	"graphgate/internal/catalog"
)

// overrideChoices are the (To Do, status sensor) enable_update overrides:
// none, on or off each.
var overrideChoices = func() [][2]*bool {
	vals := []*bool{nil, Bool(true), Bool(false)}
	var out [][2]*bool
	for _, a := range vals {
		for _, b := range vals {
			out = append(out, [2]*bool{a, b})
		}
	}
	return out
}()

// allConfigs enumerates the combinations of the features and options: 10
// feature switches × global enable_update × mailbox (own, shared, own address
// entered as shared) × account type (12,288), each with the (To Do, status
// sensor) enable_update overrides. When full, every override that can matter
// is combined: the To Do override only when To Do is on, the status one only
// when a status sensor is (an override of a feature that is off yields the
// same configuration), 49,152 configurations in all. Otherwise one per
// combination, cycling through the 9 (12,288).
func allConfigs(full bool, yield func(Config)) {
	const upn = "megan@contoso.com"
	i := 0
	for bits := 0; bits < 1<<10; bits++ {
		b := func(i int) bool { return bits&(1<<i) != 0 }
		for _, update := range []bool{false, true} {
			for _, shared := range []string{"", sharedBox, upn} {
				for _, acct := range []AccountType{Work, Personal} {
					var choices [][2]*bool
					for _, ov := range overrideChoices {
						if (ov[0] == nil || b(8)) && (ov[1] == nil || b(5)) {
							choices = append(choices, ov)
						}
					}
					if !full {
						choices = overrideChoices[i%len(overrideChoices) : i%len(overrideChoices)+1]
						i++
					}
					for _, ov := range choices {
						cfg := Config{
							AccountName:       "acct",
							AccountType:       acct,
							UserPrincipalName: upn,
							EnableCalendar:    Bool(b(0)),
							BasicCalendar:     b(1),
							Groups:            b(2),
							EmailSensors:      b(3),
							QuerySensors:      b(4),
							StatusSensors:     b(5),
							ChatSensors:       b(7),
							Todo:              b(8),
							AutoReply:         b(9),
							EnableUpdate:      update,
							SharedMailbox:     shared,
						}
						if b(6) {
							cfg.OtherStatusEmails = []string{"adele@contoso.com"}
						}
						if ov[0] != nil || ov[1] != nil {
							cfg.UpdateOverrides = map[Feature]bool{}
							if ov[0] != nil {
								cfg.UpdateOverrides[FeatureTodo] = *ov[0]
							}
							if ov[1] != nil {
								cfg.UpdateOverrides[FeatureStatusSensor] = *ov[1]
							}
						}
						yield(cfg)
					}
				}
			}
		}
	}
}

// readOnly is cfg with every write switched off.
func readOnly(cfg Config) Config {
	cfg.EnableUpdate = false
	cfg.UpdateOverrides = map[Feature]bool{}
	for _, f := range Features() {
		if f != FeatureAutoReply && f != FeatureAccount && f != FeatureOtherStatus {
			cfg.UpdateOverrides[f] = false
		}
	}
	return cfg
}

// failer reports the first 20 failures of a property and counts the rest.
type failer struct {
	t *testing.T
	n int
}

func (f *failer) fail(cfg Config, format string, args ...any) {
	f.n++
	if f.n <= 20 {
		f.t.Errorf("%+v: %s", cfg, fmt.Sprintf(format, args...))
	}
}

func (f *failer) done() {
	if f.n > 20 {
		f.t.Errorf("… %d failures in all", f.n)
	}
}

// TestEveryCombinationPlan checks, for every configuration: every requested
// scope exists in the catalog, grants something and is valid for the account
// type (fix (d)); the list is de-duplicated and starts with offline_access,
// User.Read; every scope is some feature's and refused features request
// nothing; the shared-mailbox rules hold.
func TestEveryCombinationPlan(t *testing.T) {
	pl := New(nil)
	cat := catalog.Default()
	fl := &failer{t: t}
	fail := fl.fail
	n := 0
	allConfigs(true, func(cfg Config) {
		n++
		p, err := pl.Plan(cfg)
		if err != nil {
			fail(cfg, "Plan: %v", err)
			return
		}
		scheme := cfg.AccountType.Scheme()
		if len(p.Scopes) < 2 || p.Scopes[0] != "offline_access" || p.Scopes[1] != "User.Read" {
			fail(cfg, "scopes start %v", p.Scopes)
		}
		seen := map[string]bool{}
		for _, s := range p.Scopes {
			perm, ok := cat.Lookup(s)
			switch {
			case !ok:
				fail(cfg, "requests %s, which is not in the catalog", s)
			case perm.Name != s:
				fail(cfg, "requests %s, not the catalog's spelling %s", s, perm.Name)
			case !perm.In(scheme):
				fail(cfg, "requests %s, invalid for %s", s, scheme)
			case perm.GrantsNothing:
				fail(cfg, "requests %s, which grants nothing", s)
			}
			if seen[strings.ToLower(s)] {
				fail(cfg, "requests %s twice", s)
			}
			seen[strings.ToLower(s)] = true
		}
		if len(p.MSALScopes) != len(p.Scopes)-1 || has(p.MSALScopes, "offline_access") {
			fail(cfg, "MSAL scopes %v", p.MSALScopes)
		}
		planned := map[string]bool{}
		for _, fp := range p.Features {
			if fp.Refused && len(fp.Scopes) > 0 {
				fail(cfg, "refused %s requests %v", fp.Feature, fp.Scopes)
			}
			for _, s := range fp.Scopes {
				planned[s.Scope] = true
				if !has(p.Scopes, s.Scope) {
					fail(cfg, "%s scope %s missing from the list", fp.Feature, s.Scope)
				}
			}
			if fp.Explanation == "" {
				fail(cfg, "%s without explanation", fp.Feature)
			}
		}
		if len(planned) != len(p.Scopes) {
			fail(cfg, "scope list %v has scopes no feature asked for", p.Scopes)
		}
		if p.SharedMailbox != "" {
			for f := range sharedRefusedTail {
				if fp, ok := p.Feature(f); ok && !fp.Refused {
					fail(cfg, "%s planned with a shared mailbox", f)
				}
			}
			for _, s := range p.Scopes {
				if (strings.HasPrefix(s, "Mail.") || strings.HasPrefix(s, "Calendars.")) && !strings.HasSuffix(s, ".Shared") {
					fail(cfg, "shared mailbox plan requests own-mailbox %s", s)
				}
			}
		} else {
			for _, s := range p.Scopes {
				if strings.HasSuffix(s, ".Shared") {
					fail(cfg, "own mailbox plan requests %s", s)
				}
			}
		}
		if cfg.AccountType == Personal && len(p.AdminConsent) > 0 {
			fail(cfg, "admin consent for a personal account: %v", p.AdminConsent)
		}
	})
	fl.done()
	if n != 49152 {
		t.Errorf("enumerated %d configurations, want 49152", n)
	}
}

// TestEveryCombinationCheck checks, for every combination (overrides
// cycled): granting the plan turns every planned feature on; granting
// nothing turns every one off; granting the read-only plan makes the write
// features read-only and leaves the rest on.
func TestEveryCombinationCheck(t *testing.T) {
	pl := New(nil)
	fl := &failer{t: t}
	fail := fl.fail
	n := 0
	allConfigs(false, func(cfg Config) {
		n++
		p, err := pl.Plan(cfg)
		if err != nil {
			fail(cfg, "Plan: %v", err)
			return
		}
		// Granting the plan: everything planned is on.
		r := pl.check(cfg, p, Token{Granted: strings.Join(p.Scopes, " ")})
		if !r.Complete || !r.MinimumMet || r.CurrentMessage != "" || len(r.LegacyMessages) != 0 || len(r.Consent) != 0 {
			fail(cfg, "plan granted but report incomplete: %+v", r)
		}
		for _, fs := range r.Features {
			if fs.Refused != (fs.Status == Off) {
				fail(cfg, "plan granted: %s is %s (refused %v)", fs.Feature, fs.Status, fs.Refused)
			}
			if !fs.Refused && len(fs.Missing) != 0 {
				fail(cfg, "plan granted: %s misses %+v", fs.Feature, fs.Missing)
			}
		}
		// MSAL's view: the scopes without offline_access suffice.
		if r2 := pl.check(cfg, p, Token{Granted: strings.Join(p.MSALScopes, " ")}); !r2.Complete {
			fail(cfg, "MSAL scopes granted but incomplete")
		}

		// Granting nothing: everything is off, each with a message or a fix.
		r = pl.check(cfg, p, Token{Granted: ""})
		if r.MinimumMet || r.Complete {
			fail(cfg, "nothing granted but minimum met")
		}
		for _, fs := range r.Features {
			if fs.Status != Off || len(fs.Services) != 0 || len(fs.Missing) == 0 || fs.Explanation == "" {
				fail(cfg, "nothing granted: %+v", fs)
			}
		}

		// Granting the read-only plan: write features are read-only.
		ro, err := pl.Plan(readOnly(cfg))
		if err != nil {
			fail(cfg, "read-only Plan: %v", err)
			return
		}
		r = pl.check(cfg, p, Token{Granted: strings.Join(ro.Scopes, " ")})
		for _, fs := range r.Features {
			fp, _ := p.Feature(fs.Feature)
			var want Status
			switch {
			case fs.Refused:
				want = Off
			case fs.Feature == FeatureSendMail:
				want = Off // write-only and not in a read-only plan
			case !specs[fs.Feature].writeOnly && len(specs[fs.Feature].writeServices) > 0:
				want = ReadOnly // write scope missing, or enable_update off
			default:
				want = On
			}
			if fs.Status != want {
				fail(cfg, "read-only plan granted: %s is %s, want %s", fs.Feature, fs.Status, want)
			}
			if (fs.Status == On || fs.Status == ReadOnly && !fp.Update) != (len(fs.Missing) == 0) {
				fail(cfg, "read-only plan granted: %s is %s with missing %+v", fs.Feature, fs.Status, fs.Missing)
			}
		}
		if !r.MinimumMet {
			fail(cfg, "read-only plan granted: minimum not met: %v", r.LegacyMessages)
		}
	})
	fl.done()
	if n != 12288 {
		t.Errorf("enumerated %d configurations, want 12288", n)
	}
}
