package cli

// The admin commands (tenant, user, group, app, consent) manage a tenant in
// a data folder (or the --store) without the web: they open the same store
// as 'graphgate serve' (SQLite and PostgreSQL are safe to share between
// processes, and the server caches nothing, so a running server sees every
// change at once).
//
// Shared here: flags, opening the store, naming tenants, users, groups and
// apps on the command line, permission and role names, generated
// credentials and the error-to-exit-code mapping.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"graphgate/internal/catalog"
	"graphgate/internal/directory"
	"graphgate/internal/password"
	"graphgate/internal/roles"
	"graphgate/internal/server"
	"graphgate/internal/store"
	"graphgate/internal/store/open"
	"graphgate/internal/store/sqlite"
)

func init() {
	extraCommands = append(extraCommands, admTenantCmd, admUserCmd, admGroupCmd, admAppCmd, admConsentCmd)
}

// admPasswordParams are the argon2id parameters of passwords the admin
// commands set (the tests lower them).
var admPasswordParams = password.Default

// admExitCodes is the exit-code paragraph of every admin command's help.
const admExitCodes = `
Tenants are named by id (GUID) or verified domain; "consumers" names the
personal-accounts tenant. Without --tenant, a command that needs a tenant uses
the only organisation tenant of the data folder; if there are several it
asks for --tenant (it never guesses which one to change).

Exit codes:
  0  success (adding what is there already is a success and says so)
  2  usage error, an invalid value or combination, or a conflict with what
     exists (a taken user principal name, domain, id or group name)
  3  not found: no such tenant, user, group, app, grant or assignment;
     unknown permission or directory role (with suggestions)
  4  runtime failure (the data folder cannot be read or written)`

// admOpts are the flags every admin command has.
type admOpts struct {
	data  string
	store string
	json  bool
}

func admFlags(cmd *cobra.Command, o *admOpts) {
	dataFlag(cmd, &o.data)
	storeFlag(cmd, &o.store)
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
}

func admFail(err error) error { return &exitError{ExitFailure, err} }

// admNotFound is a not-found error with a formatted message.
func admNotFound(format string, a ...any) error { return notFound(fmt.Errorf(format, a...)) }

// admErr gives an unclassified error its exit code: a value the directory
// refuses 2 (with its reason), store.ErrNotFound 3, store.ErrConflict 2,
// anything else 4.
func admErr(err error) error {
	var ee *exitError
	var ve *directory.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return err
	case errors.As(err, &ve):
		return usageErr("%s", ve.Reason)
	case errors.Is(err, directory.ErrDomainNotVerified):
		return usageErr("the user principal name's domain is not a verified domain of the tenant ('graphgate tenant list' shows them)")
	case errors.Is(err, store.ErrNotFound):
		return notFound(err)
	case errors.Is(err, store.ErrConflict):
		return &exitError{ExitUsage, err}
	}
	return admFail(err)
}

// admDirectory is the directory service over st: every change the admin
// commands make to users, groups, memberships, roles, consent and service
// principals goes through it.
func admDirectory(st store.Store) *directory.Service {
	return directory.New(st, directory.Options{Passwords: admPasswordParams})
}

// admRun builds a RunE that opens the store of o.data, runs f and closes the
// store. Only create may start a new data folder: every other command
// refuses a folder without a database, so that a mistyped --data is not
// silently a new, empty tenant store.
func admRun(o *admOpts, create bool, f func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		spec, err := open.Parse(storeSpec(o.store), o.data)
		if err != nil {
			return usageErr("%v", err)
		}
		if spec.Kind == open.SQLite && spec.Dir == "" {
			return usageErr("--data must name a data folder")
		}
		if spec.Kind == open.SQLite && !create {
			_, err := os.Stat(filepath.Join(spec.Dir, sqlite.FileName))
			if errors.Is(err, fs.ErrNotExist) {
				return admNotFound("no graphgate data in %s; create a tenant with 'graphgate tenant create --data %s', or seed the demo tenant with 'graphgate demo --data %s'",
					spec.Dir, spec.Dir, spec.Dir)
			}
			if err != nil {
				return admFail(err)
			}
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		spec.Logger = warnLogger(cmd)
		st, err := spec.Open(ctx)
		if err != nil {
			return admFail(err)
		}
		defer st.Close()
		return admErr(f(ctx, cmd, st, args))
	}
}

// admNote prints a remark on standard error (not part of the result).
func admNote(cmd *cobra.Command, format string, a ...any) {
	fmt.Fprintf(cmd.ErrOrStderr(), "note: "+format+"\n", a...)
}

// --- identifiers ---

var admGUIDRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

func admIsGUID(s string) bool { return admGUIDRe().MatchString(s) }

func admNewID() string { return uuid.NewString() }

func admNow() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// admRandom returns n random bytes in URL-safe base64 (no padding).
func admRandom(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// admNewSecret is a client secret: 40 random URL-safe characters.
func admNewSecret() string { return admRandom(30) }

// admNewPassword is a random, typeable password that meets the complexity
// rule (upper and lower case letters and a symbol, from the prefix).
func admNewPassword() string { return "Gg-" + admRandom(12) }

// --- tenants ---

// admTenantLabel names a tenant for people: "Contoso (contoso.onmicrosoft.com)".
func admTenantLabel(t store.Tenant) string {
	if len(t.Domains) > 0 {
		return fmt.Sprintf("%s (%s)", t.DisplayName, t.Domains[0])
	}
	return fmt.Sprintf("%s (%s)", t.DisplayName, t.ID)
}

func admTenantNames(ts []store.Tenant) string {
	var names []string
	for _, t := range ts {
		if len(t.Domains) > 0 {
			names = append(names, t.Domains[0])
		} else {
			names = append(names, t.ID)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// admTenant finds the tenant ref names (id, verified domain, "consumers");
// "" picks the only organisation tenant.
func admTenant(ctx context.Context, st store.Store, ref string) (store.Tenant, error) {
	ref = strings.TrimSpace(ref)
	all, err := st.ListTenants(ctx)
	if err != nil {
		return store.Tenant{}, err
	}
	if ref == "" {
		var work []store.Tenant
		for _, t := range all {
			if t.Kind == store.TenantWork {
				work = append(work, t)
			}
		}
		switch len(work) {
		case 0:
			return store.Tenant{}, admNotFound("this data folder has no organisation tenant; create one with 'graphgate tenant create --name NAME --domain DOMAIN'")
		case 1:
			return work[0], nil
		}
		return store.Tenant{}, usageErr("this data folder has %d tenants; name one with --tenant (%s)", len(work), admTenantNames(work))
	}
	var t store.Tenant
	switch strings.ToLower(ref) {
	case "consumers", "personal":
		t, err = st.GetTenant(ctx, store.PersonalTenantID)
		if errors.Is(err, store.ErrNotFound) {
			return t, admNotFound("no personal-accounts tenant yet; it is created with the first personal account ('graphgate user create --personal …')")
		}
		return t, err
	case "common", "organizations":
		return t, usageErr("--tenant names one tenant (id or domain), not %q", ref)
	}
	switch {
	case admIsGUID(ref):
		t, err = st.GetTenant(ctx, strings.ToLower(ref))
	case strings.Contains(ref, "."):
		t, err = st.TenantByDomain(ctx, ref)
	default:
		return t, usageErr("--tenant takes a tenant id (GUID) or a verified domain, not %q", ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return t, admNotFound("no tenant %q (tenants: %s)", ref, or(admTenantNames(all), "none"))
	}
	return t, err
}

// --- users ---

// admUser finds a user by user principal name (in any tenant) or object id.
// tenantID, when set, must be the user's tenant.
func admUser(ctx context.Context, st store.Store, ref, tenantID string) (store.User, error) {
	ref = strings.TrimSpace(ref)
	var u store.User
	var err error
	switch {
	case strings.Contains(ref, "@"):
		u, err = st.UserByUPN(ctx, ref)
	case admIsGUID(ref):
		ts, lerr := st.ListTenants(ctx)
		if lerr != nil {
			return u, lerr
		}
		err = store.ErrNotFound
		for _, t := range ts {
			if tenantID != "" && t.ID != tenantID {
				continue
			}
			if u, err = st.GetUser(ctx, t.ID, strings.ToLower(ref)); !errors.Is(err, store.ErrNotFound) {
				break
			}
		}
	default:
		return u, usageErr("a user is named by user principal name or object id, not %q", ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return u, admNotFound("no user %q ('graphgate user list' shows them)", ref)
	}
	if err != nil {
		return u, err
	}
	if tenantID != "" && u.TenantID != tenantID {
		return u, admNotFound("user %s is not in this tenant (it belongs to tenant %s)", u.UserPrincipalName, u.TenantID)
	}
	return u, nil
}

// admRoleNames gives display names for role template ids.
func admRoleNames(ids []string) []string { return directory.RoleNames(ids) }

// admParseRoles reads directory role names (display name, short form such
// as global-admin, or template id), comma-separated or repeated.
func admParseRoles(values []string) ([]roles.Role, error) {
	var out []roles.Role
	seen := map[roles.Role]bool{}
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			r, err := roles.Parse(f)
			if err != nil {
				return nil, notFound(admUnknownRole(f))
			}
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// admUnknownRole explains an unknown role name with the closest known ones.
func admUnknownRole(name string) error {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	var known []string
	k := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", "-"))
	for _, r := range roles.All() {
		kebab := strings.ReplaceAll(strings.ToLower(r.String()), " ", "-")
		known = append(known, kebab)
		d := admEditDistance(k, kebab)
		// Short forms: global-admin for global-administrator.
		short := strings.ReplaceAll(kebab, "administrator", "admin")
		if ds := admEditDistance(k, short); ds < d {
			d, kebab = ds, short
		}
		if d <= len(k)/3+2 {
			cs = append(cs, cand{kebab, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	if len(cs) > 0 {
		var s []string
		for i := 0; i < len(cs) && i < 3 && cs[i].d <= cs[0].d+2; i++ {
			s = append(s, cs[i].name)
		}
		return fmt.Errorf("unknown directory role %q; did you mean %s? (known: %s)", name, strings.Join(s, ", "), strings.Join(known, ", "))
	}
	return fmt.Errorf("unknown directory role %q (known: %s)", name, strings.Join(known, ", "))
}

func admEditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// --- groups ---

// admGroup finds a group by id or display name (or mail nickname), in the
// tenant tenantRef names or, without it, in every tenant.
func admGroup(ctx context.Context, st store.Store, ref, tenantRef string) (store.Group, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return store.Group{}, usageErr("a group is named by id or display name")
	}
	var ts []store.Tenant
	if tenantRef != "" {
		t, err := admTenant(ctx, st, tenantRef)
		if err != nil {
			return store.Group{}, err
		}
		ts = []store.Tenant{t}
	} else {
		var err error
		if ts, err = st.ListTenants(ctx); err != nil {
			return store.Group{}, err
		}
	}
	if admIsGUID(ref) {
		for _, t := range ts {
			g, err := st.GetGroup(ctx, t.ID, strings.ToLower(ref))
			if err == nil || !errors.Is(err, store.ErrNotFound) {
				return g, err
			}
		}
		return store.Group{}, admNotFound("no group with id %s ('graphgate group list' shows them)", ref)
	}
	var byName, byNick []store.Group
	for _, t := range ts {
		gs, err := st.ListGroups(ctx, t.ID, "", 0)
		if err != nil {
			return store.Group{}, err
		}
		for _, g := range gs {
			switch {
			case strings.EqualFold(g.DisplayName, ref):
				byName = append(byName, g)
			case g.MailNickname != "" && strings.EqualFold(g.MailNickname, ref), g.Mail != "" && strings.EqualFold(g.Mail, ref):
				byNick = append(byNick, g)
			}
		}
	}
	if len(byName) == 0 {
		byName = byNick
	}
	switch len(byName) {
	case 0:
		return store.Group{}, admNotFound("no group named %q ('graphgate group list' shows them)", ref)
	case 1:
		return byName[0], nil
	}
	var ids []string
	for _, g := range byName {
		ids = append(ids, g.ID)
	}
	return store.Group{}, usageErr("%d groups are named %q; name one by id (%s) or with --tenant", len(byName), ref, strings.Join(ids, ", "))
}

// --- apps ---

// admApp finds an app registration by client id, or by display name when
// that names exactly one app.
func admApp(ctx context.Context, st store.Store, ref string) (store.App, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return store.App{}, usageErr("an app is named by client id (or its display name)")
	}
	if admIsGUID(ref) {
		a, err := st.GetApp(ctx, strings.ToLower(ref))
		if errors.Is(err, store.ErrNotFound) {
			return a, admNotFound("no app with client id %s ('graphgate app list' shows them)", ref)
		}
		return a, err
	}
	ts, err := st.ListTenants(ctx)
	if err != nil {
		return store.App{}, err
	}
	var found []store.App
	for _, t := range ts {
		as, err := st.ListApps(ctx, t.ID)
		if err != nil {
			return store.App{}, err
		}
		for _, a := range as {
			if strings.EqualFold(a.DisplayName, ref) {
				found = append(found, a)
			}
		}
	}
	switch len(found) {
	case 0:
		return store.App{}, admNotFound("no app %q ('graphgate app list' shows them)", ref)
	case 1:
		return found[0], nil
	}
	var ids []string
	for _, a := range found {
		ids = append(ids, a.AppID)
	}
	return store.App{}, usageErr("%d apps are named %q; name one by client id (%s)", len(found), ref, strings.Join(ids, ", "))
}

// admAudience reads --audience.
func admAudience(s string) (store.SignInAudience, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "myorg", "single", "azureadmyorg":
		return store.AudienceMyOrg, nil
	case "multiorg", "multi", "azureadmultipleorgs":
		return store.AudienceMultipleOrgs, nil
	case "multiorg-personal", "multiorg+personal", "common", "azureadandpersonalmicrosoftaccount":
		return store.AudienceMultipleOrgsAndPersonal, nil
	case "personal", "personalmicrosoftaccount":
		return store.AudiencePersonalOnly, nil
	}
	return "", usageErr("--audience takes myorg, multiorg, multiorg-personal or personal, not %q", s)
}

// admAudienceAllows checks that an app may be used in tenant t (consent is
// recorded per tenant): a single-tenant app only in its home tenant,
// organisations-only apps not in the personal-accounts tenant, a
// personal-only app only there.
func admAudienceAllows(a store.App, t store.Tenant) error {
	personal := t.Kind == store.TenantPersonal
	switch a.SignInAudience {
	case store.AudienceMyOrg:
		if t.ID != a.TenantID {
			return usageErr("app %s is single-tenant (myorg): it is used only in its home tenant %s, not in %s", a.DisplayName, a.TenantID, admTenantLabel(t))
		}
	case store.AudienceMultipleOrgs:
		if personal {
			return usageErr("app %s accepts work and school accounts only (multiorg), not personal Microsoft accounts", a.DisplayName)
		}
	case store.AudiencePersonalOnly:
		if !personal {
			return usageErr("app %s accepts personal Microsoft accounts only, not the organisation %s", a.DisplayName, admTenantLabel(t))
		}
	}
	return nil
}

// --- permissions ---

// admPermKind is the kind of permission a flag takes.
type admPermKind int

const (
	admDelegated admPermKind = iota
	admApplication
)

// admPerms resolves permission names (space- or comma-separated, aliases
// accepted) to catalog permissions of the kind. OpenID scopes are left out
// of delegated lists with a note (every sign-in may ask for them; they are
// not consented). Unknown names are a not-found error with suggestions; a
// name of the other kind is a not-found error saying what it is.
func admPerms(values []string, kind admPermKind) (perms []*catalog.Permission, skipped []string, err error) {
	cat := catalog.Default()
	seen := map[*catalog.Permission]bool{}
	var unknown []string
	for _, n := range splitList(values) {
		p, rerr := cat.Resolve(n)
		if rerr != nil {
			unknown = append(unknown, rerr.Error())
			continue
		}
		switch {
		case p.Kind == catalog.OpenID:
			if kind == admApplication {
				unknown = append(unknown, fmt.Sprintf("%s is an OpenID Connect scope, not an application permission", p.Name))
			} else {
				skipped = append(skipped, p.Name)
			}
			continue
		case p.Kind == catalog.RSC:
			return nil, nil, usageErr("%s is a resource-specific consent permission: it is granted per team or chat, not tenant-wide", p.Name)
		case kind == admDelegated && !p.Delegated():
			unknown = append(unknown, fmt.Sprintf("%s is an application permission, not a delegated one (grant it with 'graphgate consent grant-roles' or list it in --roles)", p.Name))
			continue
		case kind == admApplication && !p.In(catalog.Application):
			msg := fmt.Sprintf("%s is a delegated permission, not an application permission", p.Name)
			if q, ok := cat.Lookup(p.Name + ".All"); ok && q.In(catalog.Application) {
				msg += fmt.Sprintf("; did you mean %s?", q.Name)
			}
			unknown = append(unknown, msg)
			continue
		}
		if !seen[p] {
			seen[p] = true
			perms = append(perms, p)
		}
	}
	if len(unknown) > 0 {
		return nil, nil, notFound(errors.New(strings.Join(unknown, "; ")))
	}
	return perms, skipped, nil
}

func admPermNames(ps []*catalog.Permission) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// admNotPersonal lists the permissions a personal account cannot hold.
func admNotPersonal(ps []*catalog.Permission) []string {
	var bad []string
	for _, p := range ps {
		if !p.ValidForPersonal() {
			bad = append(bad, p.Name)
		}
	}
	return bad
}

// admMerge adds names to have, case-insensitively, sorted.
func admMerge(have, add []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, n := range append(append([]string(nil), have...), add...) {
		if k := strings.ToLower(n); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// --- validation ---

// admCheckDomain validates a DNS domain name and returns it in lower case.
func admCheckDomain(d string) (string, error) {
	d, err := directory.CheckDomain(d)
	return d, admErr(err)
}

// admCheckUPN validates a user principal name (local@domain) and returns it
// with the domain in lower case, and the domain.
func admCheckUPN(upn string) (string, string, error) {
	clean, d, err := directory.CheckUPN(upn)
	return clean, d, admErr(err)
}

// admCheckPassword applies Entra's password rule (directory.CheckPassword).
func admCheckPassword(pw string) error { return admErr(directory.CheckPassword(pw)) }

// admPassword returns the password to set: --password, a line of standard
// input for "-", or a generated one (generated reports which).
func admPassword(cmd *cobra.Command, flag string) (pw string, generated bool, err error) {
	switch flag {
	case "":
		return admNewPassword(), true, nil
	case "-":
		line, rerr := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return "", false, admFail(fmt.Errorf("reading the password from standard input: %w", rerr))
		}
		pw = strings.TrimRight(line, "\r\n")
	default:
		pw = flag
	}
	if err := admCheckPassword(pw); err != nil {
		return "", false, err
	}
	return pw, false, nil
}

// admExpiryForms is the help's list of what --expires takes.
const admExpiryForms = "180d, 12w, 6mo, 1y, 720h or a date 2027-12-31"

// admParseExpiry reads an expiry: a count of days (d), weeks (w), months
// (mo) or years (y), a Go duration in hours (720h, 1h30m), or a date
// (2027-12-31). A bare count of m ("6m") is refused: next to Go durations,
// where m is minutes, it is ambiguous; the message says to write 6mo for
// months or hours for a short lifetime.
func admParseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := usageErr("--expires takes e.g. %s, not %q", admExpiryForms, s)
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if !t.After(now) {
			return t, usageErr("--expires %s is in the past", s)
		}
		return t.UTC(), nil
	}
	if m := admCountUnitRe().FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n <= 0 {
			return time.Time{}, bad
		}
		var t time.Time
		switch m[2] {
		case "d":
			t = now.AddDate(0, 0, n)
		case "w":
			t = now.AddDate(0, 0, 7*n)
		case "mo":
			t = now.AddDate(0, n, 0)
		case "y":
			t = now.AddDate(n, 0, 0)
		case "m":
			return time.Time{}, usageErr("--expires %s is ambiguous (months or minutes?): write %dmo for %d months, or a duration in hours such as 360h",
				s, n, n)
		default:
			return time.Time{}, bad
		}
		if t.After(now.AddDate(100, 0, 0)) {
			return t, usageErr("--expires %s is more than 100 years away", s)
		}
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, bad
		}
		if d > 100*366*24*time.Hour {
			return time.Time{}, usageErr("--expires %s is more than 100 years away", s)
		}
		return now.Add(d), nil
	}
	return time.Time{}, bad
}

// admCountUnitRe is a count and a unit of admParseExpiry's calendar forms.
var admCountUnitRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(\d+)(d|w|mo|y|m)$`) })

// admAuthority is the authority URL of tenant on the server's address:
// GRAPHGATE_ADDR, else serve's default (https://localhost:8443/<tenant>),
// the value MSAL and azidentity take.
func admAuthority(tenant string) string {
	return server.BaseURL(defaultAddr()) + "/" + tenant
}

// admAuthorityTenant is the tenant segment an app of audience aud signs in
// with: its home tenant for single-tenant apps, else the multi-tenant
// endpoint Microsoft documents for the audience.
func admAuthorityTenant(aud store.SignInAudience, home string) string {
	switch aud {
	case store.AudienceMultipleOrgs:
		return "organizations"
	case store.AudienceMultipleOrgsAndPersonal:
		return "common"
	case store.AudiencePersonalOnly:
		return "consumers"
	}
	return home
}

// admTime formats a time for tables.
func admTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}
