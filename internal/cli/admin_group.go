package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/directory"
	"graphgate/internal/store"
)

// admGroupOut is a group as the admin commands print it.
type admGroupOut struct {
	ID              string    `json:"id"`
	TenantID        string    `json:"tenantId"`
	DisplayName     string    `json:"displayName"`
	Description     string    `json:"description,omitempty"`
	MailNickname    string    `json:"mailNickname"`
	Mail            string    `json:"mail,omitempty"`
	GroupTypes      []string  `json:"groupTypes"`
	MailEnabled     bool      `json:"mailEnabled"`
	SecurityEnabled bool      `json:"securityEnabled"`
	Visibility      string    `json:"visibility"`
	Members         int       `json:"members"`
	Owners          int       `json:"owners"`
	CreatedAt       time.Time `json:"createdAt"`
}

// admMemberOut is a member or owner of a group.
type admMemberOut struct {
	ID                string `json:"id"`
	Type              string `json:"type"` // user or group
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	DisplayName       string `json:"displayName"`
	Kind              string `json:"kind,omitempty"`
	Role              string `json:"role"` // member or owner
}

func admGroupRow(ctx context.Context, st store.Store, g store.Group) (admGroupOut, error) {
	o := admGroupOut{ID: g.ID, TenantID: g.TenantID, DisplayName: g.DisplayName, Description: g.Description, MailNickname: g.MailNickname,
		Mail: g.Mail, GroupTypes: g.GroupTypes, MailEnabled: g.MailEnabled, SecurityEnabled: g.SecurityEnabled,
		Visibility: string(g.Visibility), CreatedAt: g.CreatedAt}
	if o.GroupTypes == nil {
		o.GroupTypes = []string{}
	}
	ms, err := st.Members(ctx, g.TenantID, g.ID, store.RoleMember)
	if err != nil {
		return o, err
	}
	ow, err := st.Members(ctx, g.TenantID, g.ID, store.RoleOwner)
	if err != nil {
		return o, err
	}
	o.Members, o.Owners = len(ms), len(ow)
	return o, nil
}

func admGroupType(g store.Group) string {
	for _, t := range g.GroupTypes {
		if strings.EqualFold(t, "Unified") {
			return "Microsoft 365"
		}
	}
	return "Security"
}

func admGroupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "group",
		Short: "List and create groups, and manage their members and owners",
		Long: `Manage groups: security groups and Microsoft 365 ("Unified") groups, their
members and owners. Groups are named by id or display name (or mail
nickname); users by user principal name or object id. Without --tenant a group
name is looked up in every tenant.
` + admExitCodes,
		Example: `  graphgate group list
  graphgate group create --name "Sales" --unified --description "Sales team"
  graphgate group add-member Sales megan@contoso.onmicrosoft.com
  graphgate group add-member Sales megan@contoso.onmicrosoft.com --owner
  graphgate group members Sales`,
	}
	cmd.AddCommand(admGroupListCmd(), admGroupCreateCmd(), admGroupMemberCmd(true), admGroupMemberCmd(false), admGroupMembersCmd())
	return cmd
}

func admGroupListCmd() *cobra.Command {
	var o admOpts
	var tenant string
	cmd := &cobra.Command{
		Use:   "list [--tenant T]",
		Short: "List a tenant's groups",
		Long: `List a tenant's groups: name, type (Microsoft 365 or Security), visibility,
mail, and how many members and owners they have.

Without --tenant: the only organisation tenant of the data folder; with
several, --tenant is required.`,
		Example: `  graphgate group list
  graphgate group list --tenant contoso.onmicrosoft.com --json`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		t, err := admTenant(ctx, st, tenant)
		if err != nil {
			return err
		}
		gs, err := st.ListGroups(ctx, t.ID, "", 0)
		if err != nil {
			return err
		}
		sort.Slice(gs, func(i, j int) bool { return strings.ToLower(gs[i].DisplayName) < strings.ToLower(gs[j].DisplayName) })
		rows := []admGroupOut{}
		for _, g := range gs {
			r, err := admGroupRow(ctx, st, g)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return writeList(cmd.OutOrStdout(), o.json, rows, fmt.Sprintf("Groups of %s: %d", admTenantLabel(t), len(rows)), "",
			"DISPLAY NAME\tTYPE\tVISIBILITY\tMAIL\tMEMBERS\tOWNERS\tID", func(i int, r admGroupOut) string {
				return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%s", r.DisplayName, admGroupType(gs[i]), r.Visibility, or(r.Mail, "-"), r.Members, r.Owners, r.ID)
			})
	})
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant id or domain (default: the only organisation tenant)")
	admFlags(cmd, &o)
	return cmd
}

var (
	admNickRe     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`) })
	admNickDropRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^a-z0-9]+`) })
)

func admGroupCreateCmd() *cobra.Command {
	var o admOpts
	var name, desc, nick, tenant string
	var unified, hidden bool
	cmd := &cobra.Command{
		Use:   "create --name NAME [--unified] [--hidden-membership] [--description D]",
		Short: "Create a security group or a Microsoft 365 group",
		Long: `Create a group in a tenant (--tenant, or the only organisation tenant).

Without --unified: a security group (securityEnabled, not mail-enabled,
visibility Private). With --unified: a Microsoft 365 group (groupTypes
Unified, mail-enabled, mail <nickname>@<default domain>, visibility Public,
or HiddenMembership with --hidden-membership: only owners and members see
who the members are).

The mail nickname is derived from the name (lower case letters and digits)
unless --mail-nickname is given; it must be unique in the tenant. Display
names must be unique too, since these commands name groups by them.`,
		Example: `  graphgate group create --name "All Staff"
  graphgate group create --name Sales --unified --description "Sales team"
  graphgate group create --name "Project Kestrel" --unified --hidden-membership --mail-nickname kestrel`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return usageErr("--name is required")
		case len(name) > 256:
			return usageErr("--name has at most 256 characters")
		case len(desc) > 1024:
			return usageErr("--description has at most 1024 characters")
		case hidden && !unified:
			return usageErr("--hidden-membership is for Microsoft 365 groups: add --unified")
		}
		t, err := admTenant(ctx, st, tenant)
		if err != nil {
			return err
		}
		if t.Kind != store.TenantWork {
			return usageErr("groups belong to an organisation, not to %s", admTenantLabel(t))
		}
		if nick == "" {
			nick = admNickDropRe().ReplaceAllString(strings.ToLower(name), "")
			if len(nick) > 64 {
				nick = nick[:64]
			}
			if nick == "" {
				return usageErr("cannot derive a mail nickname from %q: give --mail-nickname", name)
			}
		} else if !admNickRe().MatchString(nick) {
			return usageErr("--mail-nickname takes letters, digits and . _ - (at most 64), not %q", nick)
		}
		gs, err := st.ListGroups(ctx, t.ID, "", 0)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if strings.EqualFold(g.DisplayName, name) {
				return usageErr("tenant %s has a group named %q already (id %s)", admTenantLabel(t), g.DisplayName, g.ID)
			}
			if strings.EqualFold(g.MailNickname, nick) {
				return usageErr("the mail nickname %q is taken by group %q; give another with --mail-nickname", nick, g.DisplayName)
			}
		}
		g := store.Group{TenantID: t.ID, DisplayName: name, Description: desc, MailNickname: nick,
			SecurityEnabled: true, Visibility: store.VisibilityPrivate}
		if unified {
			// Mail-enabled: the directory gives it <nickname>@<default domain>.
			g.GroupTypes = []string{"Unified"}
			g.MailEnabled, g.SecurityEnabled = true, false
			g.Visibility = store.VisibilityPublic
			if hidden {
				g.Visibility = store.VisibilityHiddenMembership
			}
		}
		g, err = admDirectory(st).CreateGroup(ctx, directory.NewGroup{Group: g})
		if err != nil {
			return err
		}
		row, err := admGroupRow(ctx, st, g)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, row)
		}
		fmt.Fprintf(out, "Created %s group %q in %s\n  id:         %s\n  visibility: %s\n", admGroupType(g), g.DisplayName, admTenantLabel(t), g.ID, g.Visibility)
		if g.Mail != "" {
			fmt.Fprintf(out, "  mail:       %s\n", g.Mail)
		}
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "display name (required)")
	f.BoolVar(&unified, "unified", false, "a Microsoft 365 group instead of a security group")
	f.BoolVar(&hidden, "hidden-membership", false, "hide the membership from non-members (Microsoft 365 groups)")
	f.StringVar(&desc, "description", "", "description")
	f.StringVar(&nick, "mail-nickname", "", "mail nickname (default: derived from the name)")
	f.StringVar(&tenant, "tenant", "", "tenant id or domain (default: the only organisation tenant)")
	admFlags(cmd, &o)
	return cmd
}

// admGroupMemberCmd is 'group add-member' (add) or 'group remove-member'.
func admGroupMemberCmd(add bool) *cobra.Command {
	var o admOpts
	var owner bool
	var tenant string
	cmd := &cobra.Command{
		Use:   "add-member GROUP USER [--owner]",
		Short: "Add a user to a group as a member (or an owner)",
		Long: `Add a user (by user principal name or object id) to a group (by id or
display name) as a member, or with --owner as an owner. The user must be in
the group's tenant (guests included; personal accounts cannot join).
Adding someone who is a member already is a success that says so.`,
		Example: `  graphgate group add-member Marketing lynne@contoso.onmicrosoft.com
  graphgate group add-member 0a1b2c3d-3333-4a5b-8c6d-000000000001 adele@contoso.onmicrosoft.com --owner`,
		Args: cobra.ExactArgs(2),
	}
	if !add {
		cmd.Use = "remove-member GROUP USER [--owner]"
		cmd.Short = "Remove a user from a group's members (or owners)"
		cmd.Long = `Remove a user from a group's members, or with --owner from its owners.
Removing someone who is not a member (or owner) is a not-found error.`
		cmd.Example = `  graphgate group remove-member Marketing adele@contoso.onmicrosoft.com
  graphgate group remove-member Marketing megan@contoso.onmicrosoft.com --owner`
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		g, err := admGroup(ctx, st, args[0], tenant)
		if err != nil {
			return err
		}
		u, err := admUser(ctx, st, args[1], "")
		if err != nil {
			return err
		}
		if u.TenantID != g.TenantID {
			return usageErr("%s is not in the tenant of group %q (%s); invite them as a guest with 'graphgate user create --guest'",
				u.UserPrincipalName, g.DisplayName, g.TenantID)
		}
		role, what, aWhat := store.RoleMember, "member", "a member"
		if owner {
			role, what, aWhat = store.RoleOwner, "owner", "an owner"
		}
		m := store.Membership{TenantID: g.TenantID, ContainerID: g.ID, ContainerKind: store.ContainerGroup, MemberID: u.ID, Role: role}
		changed := true
		dir := admDirectory(st)
		if add {
			if err := dir.AddMember(ctx, m); errors.Is(err, directory.ErrExists) {
				changed = false
			} else if err != nil {
				return err
			}
		} else if err := dir.RemoveMember(ctx, m); errors.Is(err, directory.ErrNotFound) {
			return admNotFound("%s is not %s of group %q", u.UserPrincipalName, aWhat, g.DisplayName)
		} else if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				GroupID           string `json:"groupId"`
				Group             string `json:"group"`
				UserID            string `json:"userId"`
				UserPrincipalName string `json:"userPrincipalName"`
				Role              string `json:"role"`
				Added             bool   `json:"added,omitempty"`
				Removed           bool   `json:"removed,omitempty"`
				Changed           bool   `json:"changed"`
			}{g.ID, g.DisplayName, u.ID, u.UserPrincipalName, what, add && changed, !add, changed})
		}
		switch {
		case add && !changed:
			fmt.Fprintf(out, "%s is %s of %q already.\n", u.UserPrincipalName, aWhat, g.DisplayName)
		case add:
			fmt.Fprintf(out, "Added %s to %q as %s.\n", u.UserPrincipalName, g.DisplayName, aWhat)
		default:
			fmt.Fprintf(out, "Removed %s from the %ss of %q.\n", u.UserPrincipalName, what, g.DisplayName)
		}
		return nil
	})
	cmd.Flags().BoolVar(&owner, "owner", false, "an owner instead of a member")
	cmd.Flags().StringVar(&tenant, "tenant", "", "look the group up in this tenant only (id or domain)")
	admFlags(cmd, &o)
	return cmd
}

func admGroupMembersCmd() *cobra.Command {
	var o admOpts
	var tenant string
	cmd := &cobra.Command{
		Use:   "members GROUP",
		Short: "List a group's members and owners",
		Long: `List a group's direct members and owners (by id or display name of the
group). Hidden membership does not hide anything here: this is the
administrator's view.`,
		Example: `  graphgate group members Marketing
  graphgate group members "Project Falcon" --json`,
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		g, err := admGroup(ctx, st, args[0], tenant)
		if err != nil {
			return err
		}
		list := func(role store.MemberRole) ([]admMemberOut, error) {
			ms, err := st.Members(ctx, g.TenantID, g.ID, role)
			if err != nil {
				return nil, err
			}
			rows := []admMemberOut{}
			for _, m := range ms {
				r := admMemberOut{ID: m.MemberID, Role: string(role), Type: "user"}
				if u, err := st.GetUser(ctx, g.TenantID, m.MemberID); err == nil {
					r.UserPrincipalName, r.DisplayName, r.Kind = u.UserPrincipalName, u.DisplayName, string(u.Kind)
				} else if sg, gerr := st.GetGroup(ctx, g.TenantID, m.MemberID); gerr == nil {
					r.Type, r.DisplayName = "group", sg.DisplayName
				} else if !errors.Is(err, store.ErrNotFound) {
					return nil, err
				} else {
					r.Type, r.DisplayName = "unknown", "(deleted object)"
				}
				rows = append(rows, r)
			}
			sort.Slice(rows, func(i, j int) bool {
				return strings.ToLower(rows[i].UserPrincipalName+rows[i].DisplayName) < strings.ToLower(rows[j].UserPrincipalName+rows[j].DisplayName)
			})
			return rows, nil
		}
		members, err := list(store.RoleMember)
		if err != nil {
			return err
		}
		owners, err := list(store.RoleOwner)
		if err != nil {
			return err
		}
		row, err := admGroupRow(ctx, st, g)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				Group   admGroupOut    `json:"group"`
				Members []admMemberOut `json:"members"`
				Owners  []admMemberOut `json:"owners"`
			}{row, members, owners})
		}
		fmt.Fprintf(out, "%s (%s group, %s), id %s\n", g.DisplayName, admGroupType(g), g.Visibility, g.ID)
		for _, part := range []struct {
			title string
			rows  []admMemberOut
		}{{"MEMBERS", members}, {"OWNERS", owners}} {
			fmt.Fprintf(out, "\n%s (%d)\n", part.title, len(part.rows))
			if len(part.rows) == 0 {
				continue
			}
			tw := table(out)
			for _, r := range part.rows {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", or(r.UserPrincipalName, "-"), r.DisplayName, or(r.Kind, r.Type), r.ID)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		return nil
	})
	cmd.Flags().StringVar(&tenant, "tenant", "", "look the group up in this tenant only (id or domain)")
	admFlags(cmd, &o)
	return cmd
}
