package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

func permissionsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "permissions",
		Short: "Look up Microsoft Graph permissions and which calls they allow",
		Long: `The catalog of every Microsoft Graph permission (from Microsoft's own
machine-readable data plus the OpenID scopes) and the per-endpoint table of
accepted permissions.

  graphgate permissions list --scheme personal       permissions a personal account can get
  graphgate permissions list --admin-consent         permissions only an administrator can grant
  graphgate permissions show Mail.Read.Shared        one permission in every scheme
  graphgate permissions for GET /me/messages         the permissions a call accepts, least first
  graphgate permissions for /users/{id}/presence     every method of a path
  graphgate permissions for - < calls.txt            many calls, one per line, as JSON Lines
  graphgate permissions routes --json                the whole route table, one route per line`,
	}
	cmd.PersistentPreRun = oneShot
	cmd.AddCommand(permListCmd(), permShowCmd(), permForCmd(), permRoutesCmd())
	return cmd
}

type permListRow struct {
	Name           string   `json:"name"`
	Schemes        []string `json:"schemes"`
	AdminConsent   bool     `json:"requiresAdminConsent"`
	PrivilegeLevel int      `json:"privilegeLevel,omitempty"`
	DisplayName    string   `json:"displayName"`
	Kind           string   `json:"kind"`
	Hidden         bool     `json:"hidden,omitempty"`
	Preview        bool     `json:"preview,omitempty"`
	Deprecated     bool     `json:"deprecated,omitempty"`
}

func permListCmd() *cobra.Command {
	var schemeFlag, grep string
	var adminOnly, userOnly, jsonOut, all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List permissions",
		Long: `List permissions, one per line: name, schemes (W = delegated work or school,
P = delegated personal account, A = application), whether only an
administrator can consent (in the chosen scheme, else the delegated one),
privilege level (1 least … 5 most) and display name.

Hidden permissions (provisioned but not offered by Microsoft) are left out
unless --all is given.`,
		Example: `  graphgate permissions list --grep Mail.
  graphgate permissions list --scheme personal --grep Calendars
  graphgate permissions list --admin-consent --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cat := catalog.Default()
			var scheme *catalog.Scheme
			if schemeFlag != "" {
				s, err := catalog.ParseScheme(schemeFlag)
				if err != nil {
					return usageErr("%v", err)
				}
				scheme = &s
			}
			if adminOnly && userOnly {
				return usageErr("--admin-consent and --user-consent exclude each other")
			}
			var rows []permListRow
			for _, p := range cat.All() {
				if !all && p.Hidden() {
					continue
				}
				if scheme != nil && !p.In(*scheme) {
					continue
				}
				if grep != "" && !strings.Contains(strings.ToLower(p.Name), strings.ToLower(grep)) {
					continue
				}
				s := catalog.DelegatedWork
				if scheme != nil {
					s = *scheme
				} else if !p.Delegated() {
					s = catalog.Application
				}
				admin := p.RequiresAdminConsent(s)
				if adminOnly && !admin || userOnly && admin {
					continue
				}
				row := permListRow{Name: p.Name, AdminConsent: admin, PrivilegeLevel: p.PrivilegeLevel(s), Kind: p.Kind.String(),
					Hidden: p.Hidden(), Preview: p.Preview, Deprecated: p.Deprecated}
				for _, sc := range catalog.Schemes() {
					if p.In(sc) {
						row.Schemes = append(row.Schemes, sc.String())
					}
				}
				if si := p.Schemes[s]; si != nil {
					row.DisplayName = si.AdminDisplayName
					if row.DisplayName == "" {
						row.DisplayName = si.UserDisplayName
					}
				}
				rows = append(rows, row)
			}
			out := cmd.OutOrStdout()
			if jsonOut {
				return writeJSON(out, rows)
			}
			tw := table(out)
			fmt.Fprintln(tw, "PERMISSION\tSCHEMES\tADMIN\tLEVEL\tDISPLAY NAME")
			for _, r := range rows {
				level := "-"
				if r.PrivilegeLevel > 0 {
					level = fmt.Sprint(r.PrivilegeLevel)
				}
				name := r.DisplayName
				if r.Deprecated {
					name += " [deprecated]"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, schemeLetters(r.Schemes), yesNo(r.AdminConsent), level, name)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d permissions\n", len(rows))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&schemeFlag, "scheme", "", "only permissions of this scheme: work, personal or app")
	f.BoolVar(&adminOnly, "admin-consent", false, "only permissions that need an administrator's consent")
	f.BoolVar(&userOnly, "user-consent", false, "only permissions a user may consent to")
	f.StringVar(&grep, "grep", "", "only names containing this text")
	f.BoolVar(&all, "all", false, "include hidden permissions")
	f.BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

// schemeLetters renders schemes as W (work), P (personal), A (application)
// or '-' in a fixed order.
func schemeLetters(schemes []string) string {
	out := []byte("---")
	for _, x := range schemes {
		switch x {
		case "DelegatedWork":
			out[0] = 'W'
		case "DelegatedPersonal":
			out[1] = 'P'
		case "Application":
			out[2] = 'A'
		}
	}
	return string(out)
}

type permShow struct {
	Name          string                         `json:"name"`
	Kind          string                         `json:"kind"`
	Parts         map[string]string              `json:"parts"`
	Schemes       map[string]*catalog.SchemeInfo `json:"schemes"`
	Personal      bool                           `json:"validForPersonalAccounts"`
	Preview       bool                           `json:"preview,omitempty"`
	Deprecated    bool                           `json:"deprecated,omitempty"`
	GrantsNothing bool                           `json:"grantsNothing,omitempty"`
	Hidden        bool                           `json:"hidden,omitempty"`
	Aliases       []string                       `json:"aliases,omitempty"`
	Sources       []string                       `json:"sources"`
	Decisions     []*catalog.Decision            `json:"decisions,omitempty"`
	Routes        int                            `json:"routes"`
}

func permShowCmd() *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one permission in every scheme",
		Long: `Show one permission: its parts (resource.operation.constraint), per scheme its
id, display strings, descriptions, admin-consent flag and privilege level,
whether personal accounts may hold it, and every decision of graphgate's
overlay where the older prose reference disagrees with Microsoft's data.

An unknown name exits 3 and suggests the closest names.`,
		Example: `  graphgate permissions show Mail.Read
  graphgate permissions show Calendars.Read.Shared --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat := catalog.Default()
			p, err := cat.Resolve(args[0])
			if err != nil {
				return notFound(err)
			}
			v := permShow{Name: p.Name, Kind: p.Kind.String(), Schemes: map[string]*catalog.SchemeInfo{},
				Parts:    map[string]string{"resource": p.Parts.Resource, "operation": p.Parts.Operation, "constraint": p.Parts.Constraint},
				Personal: p.ValidForPersonal(), Preview: p.Preview, Deprecated: p.Deprecated, GrantsNothing: p.GrantsNothing,
				Hidden: p.Hidden(), Aliases: p.Aliases, Sources: p.Sources, Decisions: p.Decisions}
			for _, s := range catalog.Schemes() {
				if si := p.Schemes[s]; si != nil {
					v.Schemes[s.String()] = si
				}
			}
			for _, r := range routes.Default().Rules() {
				for s := range r.Sets {
					if r.Sets[s].Has(p) {
						v.Routes++
						break
					}
				}
			}
			out := cmd.OutOrStdout()
			if jsonOut {
				return writeJSON(out, v)
			}
			if !strings.EqualFold(args[0], p.Name) {
				fmt.Fprintf(out, "%s is the reference's name for %s.\n\n", args[0], p.Name)
			}
			fmt.Fprintf(out, "%s  (%s, resource %s, operation %s, constraint %s)\n", p.Name, v.Kind, or(p.Parts.Resource, "-"), or(p.Parts.Operation, "-"), or(p.Parts.Constraint, "own data"))
			flags := []string{}
			if v.Preview {
				flags = append(flags, "preview")
			}
			if v.Deprecated {
				flags = append(flags, "deprecated")
			}
			if v.GrantsNothing {
				flags = append(flags, "grants nothing")
			}
			if v.Hidden {
				flags = append(flags, "hidden")
			}
			if len(flags) > 0 {
				fmt.Fprintf(out, "  %s\n", strings.Join(flags, ", "))
			}
			fmt.Fprintf(out, "  valid for personal Microsoft accounts: %s\n", yesNo(v.Personal))
			fmt.Fprintf(out, "  allows %d method+path rules\n", v.Routes)
			for _, s := range catalog.Schemes() {
				si := p.Schemes[s]
				if si == nil {
					fmt.Fprintf(out, "\n%s: not available\n", s)
					continue
				}
				fmt.Fprintf(out, "\n%s\n", s)
				tw := table(out)
				fmt.Fprintf(tw, "  id\t%s\n", or(si.ID, "-"))
				fmt.Fprintf(tw, "  admin consent\t%s\n", yesNo(p.RequiresAdminConsent(s)))
				if si.PrivilegeLevel > 0 {
					fmt.Fprintf(tw, "  privilege level\t%d of 5\n", si.PrivilegeLevel)
				}
				if si.AdminDisplayName != "" {
					fmt.Fprintf(tw, "  admin display\t%s\n", si.AdminDisplayName)
				}
				if si.AdminDescription != "" {
					fmt.Fprintf(tw, "  admin description\t%s\n", si.AdminDescription)
				}
				if si.UserDisplayName != "" {
					fmt.Fprintf(tw, "  user display\t%s\n", si.UserDisplayName)
				}
				if si.UserDescription != "" {
					fmt.Fprintf(tw, "  user description\t%s\n", si.UserDescription)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			}
			for _, d := range p.Decisions {
				topic := d.Topic
				if d.Route != "" {
					topic += " " + d.Route
				}
				fmt.Fprintf(out, "\nOverlay decision %s (%s): follows the %s.\n  reference: %s\n  data: %s\n  why: %s\n", d.ID, topic, d.Follow, d.Seed, d.Data, d.Why)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
