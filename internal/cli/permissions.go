package cli

import (
	"errors"
	"fmt"
	"io"
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
  graphgate permissions for /users/{id}/presence     every method of a path`,
	}
	cmd.AddCommand(permListCmd(), permShowCmd(), permForCmd())
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

type forEntry struct {
	Permission   string   `json:"permission"`
	Least        bool     `json:"least,omitempty"`
	AdminConsent bool     `json:"requiresAdminConsent"`
	AlsoRequires []string `json:"alsoRequiresOneOf,omitempty"`
	// Source is where the entry comes from: "microsoft" (Microsoft's data),
	// "docs" or "retired" (graphgate's supplement), also when the
	// supplement adds a permission to a route of Microsoft's data.
	Source string `json:"source"`
}

type forMethod struct {
	Method  string                `json:"method"`
	Schemes map[string][]forEntry `json:"schemes"`
}

type forResult struct {
	Path       string      `json:"path"`
	Template   string      `json:"template"`
	Source     string      `json:"source"`
	Note       string      `json:"note,omitempty"`
	MeFallback bool        `json:"meFallback,omitempty"`
	Methods    []forMethod `json:"methods"`

	route *routes.Route
}

func permForCmd() *cobra.Command {
	var schemeFlag string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "for [METHOD] PATH",
		Short: "Show the permissions a call accepts, least privileged first",
		Long: `Show which permissions allow a Graph call, per scheme, least privileged first
(Microsoft's least-privilege marks, per method, then privilege level). PATH may
be a template (/users/{id}/messages), a concrete path (/users/a@b.c/messages),
carry /v1.0 or /beta, a query string, or be a full URL. Without METHOD every
method of the path is shown.

A /me path Microsoft's data lacks uses its /users/{id} twin. Routes that
Microsoft's data lacks come from graphgate's documented supplement (source
"docs") or are retired APIs of the older reference (source "retired").`,
		Example: `  graphgate permissions for GET /me/messages
  graphgate permissions for POST /me/sendMail --scheme app
  graphgate permissions for /users/{id}/presence`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			tab := routes.Default()
			var only []catalog.Scheme
			if schemeFlag != "" {
				s, err := catalog.ParseScheme(schemeFlag)
				if err != nil {
					return usageErr("%v", err)
				}
				only = []catalog.Scheme{s}
			} else {
				only = catalog.Schemes()
			}
			var res forResult
			var methods []routes.Method
			if len(args) == 2 {
				m, err := routes.ParseMethod(args[0])
				if err != nil {
					return usageErr("%v", err)
				}
				match, err := tab.MatchMethod(m, args[1])
				if err != nil {
					return matchErr(err)
				}
				res.fill(match.Route, match.MeFallback)
				methods = []routes.Method{m}
			} else {
				r, fallback, err := tab.AllRules(args[0])
				if err != nil {
					return matchErr(err)
				}
				res.fill(r, fallback)
				methods = r.Methods()
			}
			for _, m := range methods {
				rule := res.route.Rules[m]
				fm := forMethod{Method: m.String(), Schemes: map[string][]forEntry{}}
				for _, s := range only {
					for _, e := range rule.Accepted[s] {
						fe := forEntry{Permission: e.Perm.Name, Least: e.Least, AdminConsent: e.Perm.RequiresAdminConsent(s), Source: e.Source}
						for _, a := range e.AlsoRequires {
							fe.AlsoRequires = append(fe.AlsoRequires, a.Name)
						}
						fm.Schemes[s.String()] = append(fm.Schemes[s.String()], fe)
					}
				}
				res.Methods = append(res.Methods, fm)
			}
			out := cmd.OutOrStdout()
			if jsonOut {
				return writeJSON(out, res)
			}
			return printFor(out, res, only)
		},
	}
	cmd.Flags().StringVar(&schemeFlag, "scheme", "", "only this scheme: work, personal or app")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func (r *forResult) fill(route *routes.Route, fallback bool) {
	r.route = route
	r.Path, r.Template, r.Source, r.Note, r.MeFallback = route.Path, route.Template, route.Source, route.Note, fallback
}

func printFor(out io.Writer, res forResult, schemes []catalog.Scheme) error {
	fmt.Fprintf(out, "%s", res.Template)
	if res.Source != routes.SourceMicrosoft {
		fmt.Fprintf(out, "  [%s: %s]", res.Source, res.Note)
	}
	fmt.Fprintln(out)
	if res.MeFallback {
		fmt.Fprintln(out, "(Microsoft's data has no /me rule for this path; its /users/{id} twin applies.)")
	}
	for _, m := range res.Methods {
		fmt.Fprintf(out, "\n%s\n", m.Method)
		tw := table(out)
		for _, s := range schemes {
			entries := m.Schemes[s.String()]
			if len(entries) == 0 {
				fmt.Fprintf(tw, "  %s\tnot supported\n", s)
				continue
			}
			for i, e := range entries {
				label := ""
				if i == 0 {
					label = s.String()
				}
				marks := []string{}
				if e.Least {
					marks = append(marks, "least privileged")
				}
				if e.AdminConsent && s != catalog.Application {
					marks = append(marks, "admin consent")
				}
				if len(e.AlsoRequires) > 0 {
					marks = append(marks, "also needs one of "+strings.Join(e.AlsoRequires, ", "))
				}
				if e.Source != res.Source {
					// The supplement added it to a route of Microsoft's data.
					marks = append(marks, "added by graphgate ("+e.Source+")")
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", label, e.Permission, strings.Join(marks, "; "))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func matchErr(err error) error {
	switch {
	case errors.Is(err, routes.ErrNoRoute), errors.Is(err, routes.ErrNoMethod):
		return notFound(err)
	}
	return usageErr("%v", err)
}
