package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/directory"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

// admUserOut is a user as the admin commands print it. Password is set only
// when a command generated or set one and prints it once.
type admUserOut struct {
	ID                string    `json:"id"`
	TenantID          string    `json:"tenantId"`
	UserPrincipalName string    `json:"userPrincipalName"`
	DisplayName       string    `json:"displayName"`
	GivenName         string    `json:"givenName,omitempty"`
	Surname           string    `json:"surname,omitempty"`
	Mail              string    `json:"mail,omitempty"`
	JobTitle          string    `json:"jobTitle,omitempty"`
	Department        string    `json:"department,omitempty"`
	Kind              string    `json:"kind"`
	AccountEnabled    bool      `json:"accountEnabled"`
	HasPassword       bool      `json:"hasPassword"`
	Roles             []string  `json:"roles"`
	RoleTemplateIDs   []string  `json:"roleTemplateIds"`
	CreatedAt         time.Time `json:"createdAt"`
	Password          string    `json:"password,omitempty"`
	PasswordGenerated bool      `json:"passwordGenerated,omitempty"`
}

func admUserRow(u store.User) admUserOut {
	ids := u.Roles
	if ids == nil {
		ids = []string{}
	}
	return admUserOut{ID: u.ID, TenantID: u.TenantID, UserPrincipalName: u.UserPrincipalName, DisplayName: u.DisplayName,
		GivenName: u.GivenName, Surname: u.Surname, Mail: u.Mail, JobTitle: u.JobTitle, Department: u.Department,
		Kind: string(u.Kind), AccountEnabled: u.AccountEnabled, HasPassword: u.PasswordHash != "",
		Roles: admRoleNames(u.Roles), RoleTemplateIDs: ids, CreatedAt: u.CreatedAt}
}

func admUserCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "List, create and change users: passwords, directory roles, sign-in, deletion",
		Long: `Manage the users of a tenant: members, guests, shared mailboxes and personal
Microsoft accounts. Users are named by user principal name (unique across the
data folder) or object id. Passwords are stored as argon2id hashes; a
generated password is printed once and cannot be shown again.

Changes take effect at once, also for a running 'graphgate serve'.
` + admExitCodes,
		Example: `  graphgate user list --tenant contoso.onmicrosoft.com
  graphgate user create --upn alex@contoso.onmicrosoft.com --name "Alex Wilber" --role user-admin
  graphgate user set-password alex@contoso.onmicrosoft.com
  graphgate user roles alex@contoso.onmicrosoft.com --add global-reader --remove user-admin
  graphgate user set-type kim_fabrikam.com#EXT#@contoso.onmicrosoft.com --user-type member
  graphgate user disable alex@contoso.onmicrosoft.com`,
	}
	cmd.AddCommand(admUserListCmd(), admUserCreateCmd(), admUserSetPasswordCmd(), admUserRolesCmd(), admUserSetTypeCmd(),
		admUserEnableCmd(false), admUserEnableCmd(true), admUserDeleteCmd())
	return cmd
}

func admUserListCmd() *cobra.Command {
	var o admOpts
	var tenant string
	cmd := &cobra.Command{
		Use:   "list [--tenant T]",
		Short: "List a tenant's users",
		Long: `List a tenant's users: user principal name, display name, kind (member,
guest, sharedMailbox, personal), whether the account is enabled, whether it
has a password, and its directory roles.

Without --tenant: the only organisation tenant of the data folder; with
several, --tenant is required. '--tenant consumers' lists personal accounts.`,
		Example: `  graphgate user list
  graphgate user list --tenant contoso.onmicrosoft.com --json
  graphgate user list --tenant consumers`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		t, err := admTenant(ctx, st, tenant)
		if err != nil {
			return err
		}
		us, err := st.ListUsers(ctx, t.ID, "", 0)
		if err != nil {
			return err
		}
		sort.Slice(us, func(i, j int) bool {
			return strings.ToLower(us[i].UserPrincipalName) < strings.ToLower(us[j].UserPrincipalName)
		})
		rows := []admUserOut{}
		for _, u := range us {
			rows = append(rows, admUserRow(u))
		}
		return writeList(cmd.OutOrStdout(), o.json, rows, fmt.Sprintf("Users of %s: %d", admTenantLabel(t), len(rows)), "",
			"USER PRINCIPAL NAME\tDISPLAY NAME\tKIND\tENABLED\tPASSWORD\tROLES\tID", func(_ int, r admUserOut) string {
				return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s", r.UserPrincipalName, r.DisplayName, r.Kind, yesNo(r.AccountEnabled),
					yesNo(r.HasPassword), or(strings.Join(r.Roles, ", "), "-"), r.ID)
			})
	})
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant id or domain (default: the only organisation tenant)")
	admFlags(cmd, &o)
	return cmd
}

func admUserCreateCmd() *cobra.Command {
	var o admOpts
	var upn, name, pw, tenant, given, surname, job, dept string
	var roleFlags []string
	var guest, shared, personal bool
	cmd := &cobra.Command{
		Use:   "create --upn UPN --name NAME [flags]",
		Short: "Create a user (member, guest, shared mailbox or personal account)",
		Long: `Create a user. The tenant is the one whose verified domain ends the user
principal name.

Kinds:
  (default)          a member of the organisation
  --guest            a guest: give the guest's own address (kim@fabrikam.com) and
                     the tenant (--tenant, or the only organisation tenant); the
                     user principal name becomes kim_fabrikam.com#EXT#@<tenant domain>.
                     A name with #EXT# is taken as it is.
  --shared-mailbox   a mailbox no one signs in to: no password, sign-in disabled
  --personal         a personal Microsoft account, in the personal-accounts tenant
                     (created if needed); any address, e.g. sam@outlook.com

Without --password a password is generated and printed once; --password -
reads it from standard input. Passwords need 8 to 256 characters and three of
lower case, upper case, digits and symbols. --role takes directory roles by
name (global-admin, user-admin, "Global Reader", …) or template id.`,
		Example: `  graphgate user create --upn alex@contoso.onmicrosoft.com --name "Alex Wilber" --given Alex --surname Wilber \
      --job "Marketing Assistant" --department Marketing
  graphgate user create --upn it@contoso.onmicrosoft.com --name "IT Admin" --role global-admin
  echo 'S3cret-pass' | graphgate user create --upn bob@contoso.onmicrosoft.com --name Bob --password -
  graphgate user create --guest --upn pradeep@fabrikam.com --name "Pradeep Gupta" --tenant contoso.onmicrosoft.com
  graphgate user create --shared-mailbox --upn help@contoso.onmicrosoft.com --name "Help Desk"
  graphgate user create --personal --upn sam@outlook.com --name "Sam Personal"`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		name = strings.TrimSpace(name)
		switch {
		case upn == "":
			return usageErr("--upn is required")
		case name == "":
			return usageErr("--name is required")
		case len(name) > 256:
			return usageErr("--name has at most 256 characters")
		}
		n := 0
		for _, b := range []bool{guest, shared, personal} {
			if b {
				n++
			}
		}
		if n > 1 {
			return usageErr("--guest, --shared-mailbox and --personal exclude each other")
		}
		rs, err := admParseRoles(roleFlags)
		if err != nil {
			return err
		}
		if len(rs) > 0 && (shared || personal) {
			return usageErr("directory roles are for people who sign in to the organisation, not for a shared mailbox or a personal account")
		}
		if shared && pw != "" {
			return usageErr("a shared mailbox has no password (no one signs in to it)")
		}
		clean, domain, err := admCheckUPN(upn)
		if err != nil {
			return err
		}
		dir := admDirectory(st)
		u := store.User{UserPrincipalName: clean, DisplayName: name, GivenName: given, Surname: surname,
			Mail: clean, JobTitle: job, Department: dept, Kind: store.UserMember, AccountEnabled: true,
			UsageLocation: "US", PreferredLanguage: "en-US"}
		for _, r := range rs {
			u.Roles = append(u.Roles, r.TemplateID())
		}
		t, err := admNewUserTenant(ctx, st, dir, &u, domain, tenant, guest, personal, len(rs) > 0)
		if err != nil {
			return err
		}
		u.TenantID = t.ID
		row := admUserOut{}
		secret := ""
		if shared {
			u.Kind = store.UserSharedMailbox
		} else {
			generated := false
			if secret, generated, err = admPassword(cmd, pw); err != nil {
				return err
			}
			row.Password, row.PasswordGenerated = secret, generated
		}
		u, err = dir.CreateUser(ctx, directory.NewUser{User: u, Password: secret})
		if errors.Is(err, directory.ErrExists) {
			return usageErr("a user %s exists already", u.UserPrincipalName)
		}
		if err != nil {
			return err
		}
		full := admUserRow(u)
		full.Password, full.PasswordGenerated = row.Password, row.PasswordGenerated
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, full)
		}
		fmt.Fprintf(out, "Created %s %s (%s) in %s\n  object id: %s\n", u.Kind, u.UserPrincipalName, u.DisplayName, admTenantLabel(t), u.ID)
		if len(full.Roles) > 0 {
			fmt.Fprintf(out, "  roles:     %s\n", strings.Join(full.Roles, ", "))
		}
		switch {
		case shared:
			fmt.Fprintln(out, "  sign-in:   none (shared mailbox)")
		case full.PasswordGenerated:
			fmt.Fprintf(out, "  password:  %s   (generated; shown once, graphgate keeps only a hash)\n", full.Password)
		default:
			fmt.Fprintln(out, "  password:  as given")
		}
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&upn, "upn", "", "user principal name, name@domain (required)")
	f.StringVar(&name, "name", "", "display name (required)")
	f.StringVar(&pw, "password", "", `password; "-" reads it from standard input; generated if not given`)
	f.StringArrayVar(&roleFlags, "role", nil, "directory role(s), comma-separated or repeated (global-admin, user-admin, …)")
	f.BoolVar(&guest, "guest", false, "create a guest from an external address")
	f.BoolVar(&shared, "shared-mailbox", false, "create a shared mailbox (no sign-in)")
	f.BoolVar(&personal, "personal", false, "create a personal Microsoft account")
	f.StringVar(&tenant, "tenant", "", "tenant id or domain (guests; otherwise it must match the name's domain)")
	f.StringVar(&given, "given", "", "given name")
	f.StringVar(&surname, "surname", "", "surname")
	f.StringVar(&job, "job", "", "job title")
	f.StringVar(&dept, "department", "", "department")
	admFlags(cmd, &o)
	return cmd
}

// admNewUserTenant finds the tenant a new user goes to and sets the user's
// kind: the personal-accounts tenant (created if needed) for --personal,
// --tenant for a guest named by their own address, else the tenant whose
// verified domain ends the name (which --tenant, if given, must be).
func admNewUserTenant(ctx context.Context, st store.Store, dir *directory.Service, u *store.User, domain, tenant string, guest, personal, roles bool) (store.Tenant, error) {
	var t store.Tenant
	var err error
	switch {
	case personal:
		if tenant != "" {
			return t, usageErr("--personal puts the account in the personal-accounts tenant; leave out --tenant")
		}
		if t, err = dir.EnsurePersonalTenant(ctx); err != nil {
			return t, err
		}
		u.Kind = store.UserPersonal
	case guest && !strings.Contains(strings.ToUpper(u.UserPrincipalName), "#EXT#@"):
		if t, err = admTenant(ctx, st, tenant); err != nil {
			return t, err
		}
		if t.Kind != store.TenantWork {
			return t, usageErr("guests are invited to an organisation, not to %s", admTenantLabel(t))
		}
		// The directory derives the guest's name from their address.
		u.Kind, u.Mail = store.UserGuest, ""
	default:
		t, err = st.TenantByDomain(ctx, domain)
		if errors.Is(err, store.ErrNotFound) {
			hint := "use a tenant's domain ('graphgate tenant list'), or add --guest for an external address"
			for _, p := range directory.PersonalDomains() {
				if domain == p {
					hint = "add --personal for a personal Microsoft account"
				}
			}
			return t, admNotFound("no tenant has the domain %s: %s", domain, hint)
		}
		if err != nil {
			return t, err
		}
		if tenant != "" {
			want, err := admTenant(ctx, st, tenant)
			if err != nil {
				return t, err
			}
			if want.ID != t.ID {
				return t, usageErr("%s is in the domain of tenant %s, not of %s", u.UserPrincipalName, admTenantLabel(t), admTenantLabel(want))
			}
		}
		if t.Kind == store.TenantPersonal && roles {
			return t, usageErr("directory roles are for people who sign in to the organisation, not for a personal account")
		}
		if guest {
			// A name with #EXT# is taken as it is; the directory derives
			// the guest's mail from it.
			u.Kind, u.Mail = store.UserGuest, ""
		}
	}
	return t, nil
}

func admUserSetPasswordCmd() *cobra.Command {
	var o admOpts
	var pw string
	cmd := &cobra.Command{
		Use:   "set-password UPN [--password P]",
		Short: "Set (or generate) a user's password; signs the user out of refresh tokens",
		Long: `Set a user's password: --password P, --password - to read it from standard
input, or nothing to generate one (printed once). As in Entra, a password
reset revokes the user's refresh tokens, so apps must sign the user in again;
access tokens already issued stay valid until they expire.`,
		Example: `  graphgate user set-password adele@contoso.onmicrosoft.com
  graphgate user set-password adele@contoso.onmicrosoft.com --password 'N3w-passw0rd'`,
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		u, err := admUser(ctx, st, args[0], "")
		if err != nil {
			return err
		}
		secret, generated, err := admPassword(cmd, pw)
		if err != nil {
			return err
		}
		n, err := admDirectory(st).SetPassword(ctx, u.TenantID, u.ID, secret)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if o.json {
			r := struct {
				UserPrincipalName    string `json:"userPrincipalName"`
				ID                   string `json:"id"`
				Password             string `json:"password,omitempty"`
				PasswordGenerated    bool   `json:"passwordGenerated"`
				RefreshTokensRevoked int    `json:"refreshTokensRevoked"`
			}{u.UserPrincipalName, u.ID, "", generated, n}
			if generated {
				r.Password = secret
			}
			return writeJSON(out, r)
		}
		if generated {
			fmt.Fprintf(out, "New password of %s: %s   (generated; shown once, graphgate keeps only a hash)\n", u.UserPrincipalName, secret)
		} else {
			fmt.Fprintf(out, "Set the password of %s.\n", u.UserPrincipalName)
		}
		fmt.Fprintf(out, "Revoked %d refresh token(s): apps sign the user in again.\n", n)
		return nil
	})
	cmd.Flags().StringVar(&pw, "password", "", `the password; "-" reads it from standard input; generated if not given`)
	admFlags(cmd, &o)
	return cmd
}

func admUserRolesCmd() *cobra.Command {
	var o admOpts
	var add, remove []string
	cmd := &cobra.Command{
		Use:   "roles UPN [--add R,…] [--remove R,…]",
		Short: "Show or change a user's directory roles",
		Long: `Show a user's directory roles, or add and remove some. Roles are named by
display name ("Global Administrator"), short form (global-admin, ga,
user-admin, groups-admin, exchange-admin, security-reader, global-reader, …)
or template id. Tokens carry the roles (wids) from the next sign-in or refresh.
Removing a role the user does not have is a not-found error (nothing changes).
Known roles: ` + admKnownRoles(),
		Example: `  graphgate user roles adele@contoso.onmicrosoft.com
  graphgate user roles adele@contoso.onmicrosoft.com --add global-admin
  graphgate user roles adele@contoso.onmicrosoft.com --add "Global Reader,user-admin" --remove global-admin`,
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		u, err := admUser(ctx, st, args[0], "")
		if err != nil {
			return err
		}
		adds, err := admParseRoles(add)
		if err != nil {
			return err
		}
		rems, err := admParseRoles(remove)
		if err != nil {
			return err
		}
		var already []string
		if len(adds)+len(rems) > 0 {
			res, err := admDirectory(st).SetRoles(ctx, u.TenantID, u.ID, adds, rems)
			var rn *directory.RoleNotHeldError
			if errors.As(err, &rn) {
				return admNotFound("%s does not have the role %s (roles: %s)", u.UserPrincipalName, rn.Role, or(strings.Join(rn.Held, ", "), "none"))
			}
			if err != nil {
				return err
			}
			u, already = res.User, res.AlreadyHad
		}
		row := admUserRow(u)
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				UserPrincipalName string   `json:"userPrincipalName"`
				ID                string   `json:"id"`
				Roles             []string `json:"roles"`
				RoleTemplateIDs   []string `json:"roleTemplateIds"`
				AlreadyHad        []string `json:"alreadyHad,omitempty"`
			}{row.UserPrincipalName, row.ID, row.Roles, row.RoleTemplateIDs, already})
		}
		for _, a := range already {
			fmt.Fprintf(out, "%s already has the role %s.\n", u.UserPrincipalName, a)
		}
		fmt.Fprintf(out, "Roles of %s: %s\n", u.UserPrincipalName, or(strings.Join(row.Roles, ", "), "none"))
		return nil
	})
	cmd.Flags().StringArrayVar(&add, "add", nil, "role(s) to add, comma-separated or repeated")
	cmd.Flags().StringArrayVar(&remove, "remove", nil, "role(s) to remove, comma-separated or repeated")
	admFlags(cmd, &o)
	return cmd
}

func admUserSetTypeCmd() *cobra.Command {
	var o admOpts
	var userType string
	cmd := &cobra.Command{
		Use:   "set-type UPN --user-type member|guest",
		Short: "Turn a guest into a member or a member into a guest (userType)",
		Long: `Change a user's type, as Entra's "Convert to member" / "Convert to guest"
and Graph's PATCH /users/{id} {"userType": …} do. Everything else stays: the
user principal name (a guest's name_domain#EXT#@… is kept; rename separately),
password, directory roles, memberships and refresh tokens. A guest has the
restricted directory view: Graph refuses guests listing users and groups.
Access tokens already issued keep the type they were issued with until they
expire; tokens issued afterwards (next sign-in or refresh) carry the new one.
Shared mailboxes and personal accounts have no type to change (exit 2).`,
		Example: `  graphgate user set-type kim_fabrikam.com#EXT#@contoso.onmicrosoft.com --user-type member
  graphgate user set-type adele@contoso.onmicrosoft.com --user-type guest --json`,
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		var kind store.UserKind
		switch strings.ToLower(strings.TrimSpace(userType)) {
		case "member":
			kind = store.UserMember
		case "guest":
			kind = store.UserGuest
		default:
			return usageErr("--user-type is member or guest, not %q", userType)
		}
		u, err := admUser(ctx, st, args[0], "")
		if err != nil {
			return err
		}
		res, err := admDirectory(st).SetUserType(ctx, u.TenantID, u.ID, kind)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				UserPrincipalName string `json:"userPrincipalName"`
				ID                string `json:"id"`
				UserType          string `json:"userType"`
				Changed           bool   `json:"changed"`
			}{res.User.UserPrincipalName, res.User.ID, admUserType(res.User.Kind), res.Changed})
		}
		if !res.Changed {
			fmt.Fprintf(out, "%s is a %s already.\n", u.UserPrincipalName, kind)
			return nil
		}
		fmt.Fprintf(out, "%s is now a %s (userType %s); the user principal name is unchanged.\n", u.UserPrincipalName, kind, admUserType(kind))
		fmt.Fprintln(out, "Access tokens already issued keep the old type until they expire; new tokens carry the new one.")
		return nil
	})
	cmd.Flags().StringVar(&userType, "user-type", "", "member or guest (required)")
	_ = cmd.MarkFlagRequired("user-type")
	admFlags(cmd, &o)
	return cmd
}

// admUserType is Graph's userType for a kind of user.
func admUserType(k store.UserKind) string {
	if k == store.UserGuest {
		return "Guest"
	}
	return "Member"
}

func admKnownRoles() string {
	var names []string
	for _, r := range roles.All() {
		names = append(names, strings.ReplaceAll(strings.ToLower(r.String()), " ", "-"))
	}
	return strings.Join(names, ", ") + "."
}

// admUserEnableCmd is 'user disable' (disable) or 'user enable'.
func admUserEnableCmd(disable bool) *cobra.Command {
	var o admOpts
	verb, short, long := "enable", "Allow a user to sign in again", `Enable a user's account: they can sign in again, and refresh tokens issued
before the account was disabled work again until they expire.`
	example := `  graphgate user enable adele@contoso.onmicrosoft.com`
	if disable {
		verb, short, long = "disable", "Block a user's sign-in (account disabled)", `Disable a user's account (accountEnabled false): sign-in is refused and
refresh tokens stop working at their next use (AADSTS50057); access tokens
already issued stay valid until they expire. The user, their data and
memberships are kept; 'graphgate user enable' undoes it.`
		example = `  graphgate user disable adele@contoso.onmicrosoft.com`
	}
	cmd := &cobra.Command{
		Use:     verb + " UPN",
		Short:   short,
		Long:    long,
		Example: example,
		Args:    cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		u, err := admUser(ctx, st, args[0], "")
		if err != nil {
			return err
		}
		changed := u.AccountEnabled == disable
		if changed {
			enabled := !disable
			if _, err := admDirectory(st).UpdateUser(ctx, u.TenantID, u.ID, directory.UserChanges{AccountEnabled: &enabled}); err != nil {
				return err
			}
		}
		if !disable && u.Kind == store.UserSharedMailbox {
			admNote(cmd, "%s is a shared mailbox without a password; set one with 'graphgate user set-password' to sign in to it", u.UserPrincipalName)
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				UserPrincipalName string `json:"userPrincipalName"`
				ID                string `json:"id"`
				AccountEnabled    bool   `json:"accountEnabled"`
				Changed           bool   `json:"changed"`
			}{u.UserPrincipalName, u.ID, !disable, changed})
		}
		state := "enabled"
		if disable {
			state = "disabled"
		}
		if !changed {
			fmt.Fprintf(out, "%s is %s already.\n", u.UserPrincipalName, state)
		} else {
			fmt.Fprintf(out, "%s is now %s.\n", u.UserPrincipalName, state)
		}
		return nil
	})
	admFlags(cmd, &o)
	return cmd
}

func admUserDeleteCmd() *cobra.Command {
	var o admOpts
	cmd := &cobra.Command{
		Use:   "delete UPN",
		Short: "Delete a user, their memberships, their own consent grants and refresh tokens",
		Long: `Delete a user for good: the user object, their group memberships and
ownerships, their own (Principal) consent grants, and their refresh tokens.
Access tokens already issued stay valid until they expire; Graph calls for a
deleted user find no user.`,
		Example: `  graphgate user delete lynne@contoso.onmicrosoft.com`,
		Args:    cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		u, err := admUser(ctx, st, args[0], "")
		if err != nil {
			return err
		}
		d, err := admDirectory(st).DeleteUser(ctx, u.TenantID, u.ID, directory.DeleteUserOptions{RevokeTokens: true, RemoveConsent: true})
		if err != nil {
			return err
		}
		grants, revoked := d.GrantsDeleted, d.TokensRevoked
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				UserPrincipalName    string `json:"userPrincipalName"`
				ID                   string `json:"id"`
				Deleted              bool   `json:"deleted"`
				GrantsDeleted        int    `json:"grantsDeleted"`
				RefreshTokensRevoked int    `json:"refreshTokensRevoked"`
			}{u.UserPrincipalName, u.ID, true, grants, revoked})
		}
		fmt.Fprintf(out, "Deleted %s (%s), %d consent grant(s) and %d refresh token(s).\n", u.UserPrincipalName, u.ID, grants, revoked)
		return nil
	})
	admFlags(cmd, &o)
	return cmd
}
