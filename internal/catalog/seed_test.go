package catalog

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"graphgate/internal/permname"
)

// The two seed documents are kept verbatim in testdata so that these tests
// check every row of their tables, on any machine.
const (
	referencePath = "testdata/graph-permissions-reference.txt"
	haPagePath    = "testdata/ha-o365-permissions.md"
)

type seedRow struct {
	line    int
	scheme  Scheme
	cells   []string
	name    string
	display string
	admin   string // "Yes" or "No"
}

var yesNoLine = regexp.MustCompile(`^(Yes|No) \|\s*$`)

// parseReferenceTables reads the permission tables of the reference. In the
// flattened text each section has a delegated then an application slot, each
// filled by a table or by "None."; "For more complex scenarios" ends a
// section, and a table after both slots are filled starts a new one (the
// OpenID section has no closing sentence).
func parseReferenceTables(t *testing.T, text string) []seedRow {
	t.Helper()
	lines := strings.Split(text, "\n")
	var rows []seedRow
	slot := 0
	var cur *Scheme
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "| Permission |"):
			if slot >= 2 {
				slot = 0
			}
			s := DelegatedWork
			if slot == 1 {
				s = Application
			}
			cur = &s
			slot++
			i++ // the |---| line
			continue
		case strings.TrimSpace(l) == "None.":
			slot++
			cur = nil
			continue
		}
		if strings.Contains(l, "For more complex scenarios") {
			slot = 0
			cur = nil
		}
		if cur == nil || !strings.HasPrefix(l, "|") {
			cur = nil
			continue
		}
		start := i
		for i+1 < len(lines) && (!strings.HasSuffix(strings.TrimSpace(l), "|") || yesNoLine.MatchString(lines[i+1])) {
			i++
			l += " " + lines[i]
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(l), "|"), "|")
		for k := range cells {
			cells[k] = strings.TrimSpace(cells[k])
		}
		r := seedRow{line: start + 1, scheme: *cur, cells: cells}
		if len(cells) >= 4 {
			r.name, r.display, r.admin = cells[0], cells[1], cells[3]
		}
		rows = append(rows, r)
	}
	return rows
}

func readSeed(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// seedPersonal transcribes the reference's remarks on personal (Microsoft)
// accounts. Absent names: the reference is silent (Files, OpenID, People).
var seedPersonal = map[string]bool{
	// "Calendars.Read.Shared and Calendars.ReadWrite.Shared are only valid for work or school accounts. All other permissions are valid for both"
	"Calendars.Read": true, "Calendars.ReadWrite": true, "Calendars.Read.Shared": false, "Calendars.ReadWrite.Shared": false,
	// "Only the Contacts.Read and Contacts.ReadWrite Delegated permissions are valid for Microsoft accounts."
	"Contacts.Read": true, "Contacts.ReadWrite": true, "Contacts.Read.Shared": false, "Contacts.ReadWrite.Shared": false,
	// Intune: "These permissions are only valid for work or school accounts."
	"DeviceManagementConfiguration.Read.All": false, "DeviceManagementConfiguration.ReadWrite.All": false,
	"DeviceManagementApps.Read.All": false, "DeviceManagementApps.ReadWrite.All": false,
	"DeviceManagementRBAC.Read.All": false, "DeviceManagementRBAC.ReadWrite.All": false,
	"DeviceManagementManagedDevices.Read.All": false, "DeviceManagementManagedDevices.ReadWrite.All": false,
	"DeviceManagementManagedDevices.PrivilegedOperations.All": false,
	"DeviceManagementServiceConfig.Read.All":                  false, "DeviceManagementServiceConfig.ReadWrite.All": false,
	// "Directory permissions are not supported on Microsoft accounts."
	"Directory.Read.All": false, "Directory.ReadWrite.All": false, "Directory.AccessAsUser.All": false,
	// "Group functionality is not supported on Microsoft accounts."
	"Group.Read.All": false, "Group.ReadWrite.All": false,
	// "IdentityRiskEvent.Read.All is valid only for work or school accounts."
	"IdentityRiskEvent.Read.All": false,
	// "Mail.Read.Shared, Mail.ReadWrite.Shared, and Mail.Send.Shared are only valid for work or school accounts. All other permissions are valid for both"
	"Mail.Read": true, "Mail.ReadWrite": true, "Mail.Send": true, "MailboxSettings.Read": true, "MailboxSettings.ReadWrite": true,
	"Mail.Read.Shared": false, "Mail.ReadWrite.Shared": false, "Mail.Send.Shared": false,
	// "Notes.Read.All and Notes.ReadWrite.All are only valid for work or school accounts. All other permissions are valid for both"
	"Notes.Read": true, "Notes.Create": true, "Notes.ReadWrite": true, "Notes.ReadWrite.CreatedByApp": true,
	"Notes.Read.All": false, "Notes.ReadWrite.All": false,
	// "Reports permissions are only valid for work or school accounts."
	"Reports.Read.All": false,
	// "Sites permissions are valid only on work or school accounts."
	"Sites.Read.All": false, "Sites.ReadWrite.All": false,
	// "Shared permissions are currently only supported for work or school accounts."
	"Tasks.Read.Shared": false, "Tasks.ReadWrite.Shared": false,
	// "The only permissions valid for Microsoft accounts are User.Read and User.ReadWrite."
	"User.Read": true, "User.ReadWrite": true, "User.ReadBasic.All": false, "User.Read.All": false,
	"User.ReadWrite.All": false, "User.Invite.All": false,
}

// hasDecision reports whether the overlay documents a disagreement about
// perm with the topic, optionally quoting seed text.
func hasDecision(c *Catalog, perm, topic, seedText string, scheme Scheme) bool {
	for _, d := range c.DecisionsFor(perm, topic) {
		if d.Scheme != "" {
			if s, err := ParseScheme(d.Scheme); err != nil || s != scheme {
				continue
			}
		}
		if seedText == "" || d.Seed == seedText {
			return true
		}
	}
	return false
}

func TestReferenceTableRows(t *testing.T) {
	c := Default()
	rows := parseReferenceTables(t, readSeed(t, referencePath))
	if len(rows) != 87 {
		t.Fatalf("parsed %d table rows from the reference, want 87", len(rows))
	}
	for _, r := range rows {
		r := r
		t.Run(r.scheme.String()+"/"+r.name, func(t *testing.T) {
			if len(r.cells) < 4 {
				t.Fatalf("line %d: row has %d cells: %q", r.line, len(r.cells), r.cells)
			}
			name := r.name
			if _, err := permname.Parse(name); err != nil {
				// A row whose name cell is missing: the overlay must say which
				// permission it is.
				ds := []*Decision{}
				for _, d := range c.Decisions() {
					if d.Topic == TopicSeedRow && d.Seed == r.cells[0] {
						ds = append(ds, d)
					}
				}
				if len(ds) != 1 {
					t.Fatalf("line %d: row %q names no permission and the overlay does not identify it", r.line, r.cells[0])
				}
				name = ds[0].Permissions[0]
				r.display, r.admin = r.cells[0], r.cells[2]
			}
			p, err := c.Resolve(name)
			if err != nil {
				t.Fatalf("line %d: %v", r.line, err)
			}
			if !strings.EqualFold(p.Name, name) && !hasDecision(c, p.Name, TopicAlias, name, r.scheme) {
				t.Errorf("%s resolves to %s without an alias decision", name, p.Name)
			}
			si := p.Schemes[r.scheme]
			if si == nil {
				if !hasDecision(c, p.Name, TopicSeedRow, "", r.scheme) {
					t.Fatalf("line %d: %s has no %s scheme in the data and no overlay decision", r.line, name, r.scheme)
				}
				return
			}
			// A "(preview)" suffix is accounted for by a preview decision.
			display := r.display
			if trimmed, ok := strings.CutSuffix(display, " (preview)"); ok && hasDecision(c, p.Name, TopicPreview, "", r.scheme) {
				display = trimmed
			}
			if display != si.AdminDisplayName && display != si.UserDisplayName &&
				!hasDecision(c, p.Name, TopicDisplay, r.display, r.scheme) {
				t.Errorf("line %d: %s %s display %q: data has admin %q, user %q, and no overlay decision quotes the seed",
					r.line, r.scheme, name, r.display, si.AdminDisplayName, si.UserDisplayName)
			}
			wantAdmin := r.admin == "Yes"
			if r.admin != "Yes" && r.admin != "No" {
				t.Fatalf("line %d: admin consent cell %q", r.line, r.admin)
			}
			if p.RequiresAdminConsent(r.scheme) != wantAdmin && !hasDecision(c, p.Name, TopicAdminConsent, r.admin, r.scheme) {
				t.Errorf("line %d: %s %s: seed says admin consent %s, catalog says %v, no overlay decision",
					r.line, r.scheme, name, r.admin, p.RequiresAdminConsent(r.scheme))
			}
			if want, said := seedPersonal[p.Name]; said && r.scheme != Application {
				if p.ValidForPersonal() != want && !hasDecision(c, p.Name, TopicPersonal, "", r.scheme) {
					t.Errorf("%s: the reference says valid for personal accounts = %v, catalog says %v, no overlay decision",
						p.Name, want, p.ValidForPersonal())
				}
			}
		})
	}
}

// Every personal-validity remark of the reference agrees with the catalog or
// is an overlay decision.
func TestReferencePersonalRemarks(t *testing.T) {
	c := Default()
	for name, want := range seedPersonal {
		p, err := c.Resolve(name)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if p.ValidForPersonal() != want && !hasDecision(c, p.Name, TopicPersonal, "", DelegatedPersonal) {
			t.Errorf("%s: reference says personal=%v, catalog %v, no decision", name, want, p.ValidForPersonal())
		}
		for _, d := range c.DecisionsFor(p.Name, TopicPersonal) {
			// A decision that follows the seed must have made the catalog agree.
			if d.Follow == "seed" && p.ValidForPersonal() != want {
				t.Errorf("%s: decision %s follows the seed but the catalog still says personal=%v", name, d.ID, p.ValidForPersonal())
			}
		}
	}
}

var haRow = regexp.MustCompile(`^\s*\|\s*([^|]+?)\s*\|\s*([A-Za-z0-9._]+)\s*\|\s*(Y?)\s*\|\s*\*([^*]+)\*\s*\|\s*([^|]*?)\s*\|\s*$`)

func TestHAPageRows(t *testing.T) {
	c := Default()
	n := 0
	for i, l := range strings.Split(readSeed(t, haPagePath), "\n") {
		m := haRow.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n++
		feature, name, display, notes := m[1], m[2], m[4], m[5]
		t.Run(feature+"/"+name, func(t *testing.T) {
			p, err := c.Resolve(name)
			if err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			si := p.Schemes[DelegatedWork]
			if si == nil {
				t.Fatalf("%s is not a delegated permission", name)
			}
			// The page's descriptions use the mojibake of its source; compare
			// after repairing the apostrophe.
			display = strings.ReplaceAll(display, "â€™", "'")
			if display != si.AdminDisplayName && display != si.UserDisplayName && !hasDecision(c, p.Name, TopicDisplay, display, DelegatedWork) {
				t.Errorf("line %d: %s display %q: data has admin %q, user %q; no overlay decision", i+1, name, display, si.AdminDisplayName, si.UserDisplayName)
			}
			if strings.Contains(notes, "Not for personal accounts") && p.ValidForPersonal() && !hasDecision(c, p.Name, TopicPersonal, "", DelegatedPersonal) {
				t.Errorf("line %d: the page says %s is not for personal accounts, the catalog says it is valid", i+1, name)
			}
		})
	}
	if n != 19 {
		t.Fatalf("parsed %d rows of the Home Assistant page's table, want 19", n)
	}
}
