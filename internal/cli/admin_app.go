package cli

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"graphgate/internal/identity"
	"graphgate/internal/store"
)

type admRedirectOut struct {
	URI  string `json:"uri"`
	Kind string `json:"kind"`
}

type admSecretOut struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName,omitempty"`
	Hint        string    `json:"hint"`
	CreatedAt   time.Time `json:"createdAt"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Expired     bool      `json:"expired"`
}

type admCertOut struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName,omitempty"`
	Subject     string    `json:"subject,omitempty"`
	Thumbprint  string    `json:"thumbprint"` // SHA-1, as Entra shows it
	ExpiresAt   time.Time `json:"expiresAt"`
	Expired     bool      `json:"expired"`
}

// admNewSecretOut is a secret value, printed once.
type admNewSecretOut struct {
	ID        string    `json:"id"`
	Value     string    `json:"value"`
	Hint      string    `json:"hint"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// admAppOut is an app registration as the admin commands print it; secret
// values are never kept, so never shown (except a new one, once).
type admAppOut struct {
	AppID             string           `json:"appId"`
	ObjectID          string           `json:"objectId"`
	TenantID          string           `json:"tenantId"`
	DisplayName       string           `json:"displayName"`
	SignInAudience    string           `json:"signInAudience"`
	PublicClient      bool             `json:"publicClient"`
	RedirectURIs      []admRedirectOut `json:"redirectUris"`
	Secrets           []admSecretOut   `json:"secrets"`
	Certificates      []admCertOut     `json:"certificates"`
	RequiredScopes    []string         `json:"requiredScopes"`
	RequiredRoles     []string         `json:"requiredRoles"`
	ServicePrincipals []string         `json:"servicePrincipalTenants,omitempty"`
	CreatedAt         time.Time        `json:"createdAt"`
	ClientSecret      *admNewSecretOut `json:"clientSecret,omitempty"`
}

func admAppRow(a store.App) admAppOut {
	now := time.Now()
	o := admAppOut{AppID: a.AppID, ObjectID: a.ObjectID, TenantID: a.TenantID, DisplayName: a.DisplayName,
		SignInAudience: string(a.SignInAudience), PublicClient: a.PublicClient, CreatedAt: a.CreatedAt,
		RedirectURIs: []admRedirectOut{}, Secrets: []admSecretOut{}, Certificates: []admCertOut{},
		RequiredScopes: append([]string{}, a.RequiredScopes...), RequiredRoles: append([]string{}, a.RequiredRoles...)}
	for _, r := range a.RedirectURIs {
		o.RedirectURIs = append(o.RedirectURIs, admRedirectOut{r.URI, string(r.Kind)})
	}
	for _, s := range a.Secrets {
		o.Secrets = append(o.Secrets, admSecretOut{ID: s.ID, DisplayName: s.DisplayName, Hint: s.Hint, CreatedAt: s.CreatedAt,
			ExpiresAt: s.ExpiresAt, Expired: !s.ExpiresAt.IsZero() && now.After(s.ExpiresAt)})
	}
	for _, c := range a.Certificates {
		co := admCertOut{ID: c.ID, DisplayName: c.DisplayName, Thumbprint: admThumbprint(c.DER), ExpiresAt: c.ExpiresAt,
			Expired: !c.ExpiresAt.IsZero() && now.After(c.ExpiresAt)}
		if cert, err := x509.ParseCertificate(c.DER); err == nil {
			co.Subject = cert.Subject.String()
		}
		o.Certificates = append(o.Certificates, co)
	}
	return o
}

func admThumbprint(der []byte) string {
	h := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(h[:]))
}

// admAudienceShort is the --audience spelling of an audience.
func admAudienceShort(a store.SignInAudience) string {
	switch a {
	case store.AudienceMyOrg:
		return "myorg"
	case store.AudienceMultipleOrgs:
		return "multiorg"
	case store.AudienceMultipleOrgsAndPersonal:
		return "multiorg-personal"
	case store.AudiencePersonalOnly:
		return "personal"
	}
	return string(a)
}

func admClientType(a store.App) string {
	if a.PublicClient {
		return "public"
	}
	return "confidential"
}

// admParseRedirect reads a redirect URI, optionally ending in :web, :spa or
// :publicClient (unless kindFlag names the kind), and applies Entra's rules:
// web and spa addresses are https, or http on localhost; public clients may
// also use custom schemes (myapp://auth). No fragments, no wildcards.
func admParseRedirect(s, kindFlag string, def store.RedirectKind) (store.RedirectURI, error) {
	s = strings.TrimSpace(s)
	kind := def
	if kindFlag != "" {
		k, ok := admRedirectKind(kindFlag)
		if !ok {
			return store.RedirectURI{}, usageErr("--kind takes web, spa or publicClient, not %q", kindFlag)
		}
		kind = k
	} else if i := strings.LastIndex(s, ":"); i > 0 {
		if k, ok := admRedirectKind(s[i+1:]); ok {
			s, kind = s[:i], k
		}
	}
	bad := func(why string) error { return usageErr("redirect URI %q: %s", s, why) }
	if s == "" {
		return store.RedirectURI{}, usageErr("a redirect URI is empty")
	}
	if len(s) > 256 {
		return store.RedirectURI{}, bad("longer than 256 characters")
	}
	if strings.Contains(s, "*") {
		return store.RedirectURI{}, bad("wildcards are not allowed")
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return store.RedirectURI{}, bad("not an absolute URI (want e.g. https://localhost:5001/signin-oidc)")
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return store.RedirectURI{}, bad("a fragment (#…) is not allowed")
	}
	scheme := strings.ToLower(u.Scheme)
	localhost := false
	switch strings.ToLower(u.Hostname()) {
	case "localhost", "127.0.0.1", "::1":
		localhost = true
	}
	switch {
	case scheme == "https":
		if u.Host == "" {
			return store.RedirectURI{}, bad("no host")
		}
	case scheme == "http":
		if !localhost {
			return store.RedirectURI{}, bad("http is allowed only for localhost; use https")
		}
	case kind == store.RedirectPublicClient:
		// Custom schemes of native apps (msal{client id}://auth, myapp://callback).
	default:
		return store.RedirectURI{}, bad(fmt.Sprintf("a %s redirect must be https (or http on localhost); custom schemes are for --kind publicClient", kind))
	}
	return store.RedirectURI{URI: s, Kind: kind}, nil
}

func admRedirectKind(s string) (store.RedirectKind, bool) {
	switch strings.ToLower(s) {
	case "web":
		return store.RedirectWeb, true
	case "spa":
		return store.RedirectSPA, true
	case "publicclient", "public", "native", "mobile":
		return store.RedirectPublicClient, true
	}
	return "", false
}

func admAppCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "app",
		Short: "Register apps and manage their secrets, certificates and redirect URIs",
		Long: `Manage app registrations: client ids, public or confidential clients, who may
sign in (audience), redirect URIs, client secrets and certificates, and the
Microsoft Graph permissions the app requests (what /.default means before
anything is consented). Apps are named by client id, or by display name when
it names one app. Consent is 'graphgate consent'.

Client secrets are 40 random characters, shown once: graphgate keeps only a
keyed hash and the first three characters (the hint).
` + admExitCodes,
		Example: `  graphgate app create --name "My Daemon" --roles "User.Read.All Mail.Read"
  graphgate app create --name "My CLI" --public --audience multiorg-personal \
      --redirect http://localhost --scopes "User.Read Mail.Read offline_access"
  graphgate app add-secret 2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b --expires 6mo
  graphgate app show "My Daemon"`,
	}
	cmd.AddCommand(admAppListCmd(), admAppCreateCmd(), admAppAddSecretCmd(), admAppAddCertCmd(), admAppAddRedirectCmd(),
		admAppShowCmd(), admAppDeleteCmd())
	return cmd
}

func admAppListCmd() *cobra.Command {
	var o admOpts
	var tenant string
	cmd := &cobra.Command{
		Use:   "list [--tenant T]",
		Short: "List the apps registered in a tenant",
		Long: `List the apps whose home is a tenant: display name, client id, public or
confidential, audience, and how many redirect URIs, secrets and certificates
they have.

Without --tenant: the only organisation tenant of the data folder; with
several, --tenant is required.`,
		Example: `  graphgate app list
  graphgate app list --tenant contoso.onmicrosoft.com --json`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		t, err := admTenant(ctx, st, tenant)
		if err != nil {
			return err
		}
		as, err := st.ListApps(ctx, t.ID)
		if err != nil {
			return err
		}
		sort.Slice(as, func(i, j int) bool { return strings.ToLower(as[i].DisplayName) < strings.ToLower(as[j].DisplayName) })
		rows := []admAppOut{}
		for _, a := range as {
			rows = append(rows, admAppRow(a))
		}
		return writeList(cmd.OutOrStdout(), o.json, rows, fmt.Sprintf("Apps of %s: %d", admTenantLabel(t), len(rows)), "",
			"DISPLAY NAME\tCLIENT ID\tTYPE\tAUDIENCE\tREDIRECTS\tSECRETS\tCERTS", func(i int, r admAppOut) string {
				return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%d", r.DisplayName, r.AppID, admClientType(as[i]), admAudienceShort(as[i].SignInAudience),
					len(r.RedirectURIs), len(r.Secrets), len(r.Certificates))
			})
	})
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant id or domain (default: the only organisation tenant)")
	admFlags(cmd, &o)
	return cmd
}

// admMakeSecret creates a client secret and its stored form.
func admMakeSecret(ctx context.Context, st store.Store, name string, expires time.Time) (store.ClientSecret, admNewSecretOut, error) {
	hasher, err := identity.SecretHasher(ctx, st)
	if err != nil {
		return store.ClientSecret{}, admNewSecretOut{}, err
	}
	v := admNewSecret()
	cs := store.ClientSecret{ID: admNewID(), DisplayName: name, Hint: v[:3], Hash: hasher(v), ExpiresAt: expires, CreatedAt: admNow()}
	return cs, admNewSecretOut{ID: cs.ID, Value: v, Hint: cs.Hint, ExpiresAt: expires}, nil
}

func admAppCreateCmd() *cobra.Command {
	var o admOpts
	var name, audience, tenant, expires string
	var public bool
	var redirects, scopes, appRoles []string
	cmd := &cobra.Command{
		Use:   "create --name NAME [flags]",
		Short: "Register an app; prints its client id (and a secret for confidential apps, once)",
		Long: `Register an app in a tenant (--tenant, or the only organisation tenant) and
create its service principal there. Prints the client id and, for a
confidential app, a generated client secret (shown once).

  --public        a public client (desktop, mobile, CLI, device code): no
                  secret, PKCE required
  --audience      myorg (default): this tenant's accounts only
                  multiorg: work and school accounts of any tenant
                  multiorg-personal: those and personal Microsoft accounts
                  personal: personal Microsoft accounts only
  --redirect      URI[:kind], repeatable; kind is web, spa or publicClient
                  (default publicClient for --public apps, web otherwise)
  --scopes        delegated Graph permissions the app requests
  --roles         application Graph permissions the app requests

Requesting permissions is not consent: grant them with 'graphgate consent
grant' (delegated) and 'graphgate consent grant-roles' (application), or let
users consent at sign-in.`,
		Example: `  graphgate app create --name "Contoso Web" --redirect https://localhost:5001/signin-oidc --scopes "User.Read Mail.Read"
  graphgate app create --name "Contoso Daemon" --roles "User.Read.All,Mail.Read"
  graphgate app create --name "Home Assistant" --public --audience multiorg-personal \
      --redirect https://login.microsoftonline.com/common/oauth2/nativeclient --redirect http://localhost \
      --scopes "User.Read Calendars.ReadWrite Mail.Read offline_access"
  graphgate app create --name "My SPA" --redirect http://localhost:3000:spa --scopes User.Read`,
		Args: cobra.NoArgs,
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, _ []string) error {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return usageErr("--name is required")
		case len(name) > 120:
			return usageErr("--name has at most 120 characters")
		}
		aud, err := admAudience(audience)
		if err != nil {
			return err
		}
		def := store.RedirectWeb
		if public {
			def = store.RedirectPublicClient
		}
		var rus []store.RedirectURI
		for _, r := range redirects {
			ru, err := admParseRedirect(r, "", def)
			if err != nil {
				return err
			}
			dup := false
			for _, x := range rus {
				if x.URI == ru.URI {
					if x.Kind != ru.Kind {
						return usageErr("redirect URI %s is given for both %s and %s", ru.URI, x.Kind, ru.Kind)
					}
					dup = true
				}
			}
			if !dup {
				rus = append(rus, ru)
			}
		}
		sc, skipped, err := admPerms(scopes, admDelegated)
		if err != nil {
			return err
		}
		ro, _, err := admPerms(appRoles, admApplication)
		if err != nil {
			return err
		}
		if len(ro) > 0 && public {
			return usageErr("a public client has no credential, so it cannot use application permissions (--roles); leave out --public")
		}
		if aud == store.AudiencePersonalOnly {
			if len(ro) > 0 {
				return usageErr("application permissions (--roles) do not exist for personal Microsoft accounts (--audience personal)")
			}
			if bad := admNotPersonal(sc); len(bad) > 0 {
				return usageErr("%s: not valid for personal Microsoft accounts (--audience personal)", strings.Join(bad, ", "))
			}
		}
		t, err := admTenant(ctx, st, tenant)
		if err != nil {
			return err
		}
		if t.Kind != store.TenantWork {
			return usageErr("apps are registered in an organisation, not in %s", admTenantLabel(t))
		}
		a := store.App{AppID: admNewID(), ObjectID: admNewID(), TenantID: t.ID, DisplayName: name, SignInAudience: aud,
			PublicClient: public, RedirectURIs: rus, RequiredScopes: admPermNames(sc), RequiredRoles: admPermNames(ro), CreatedAt: admNow()}
		var secret *admNewSecretOut
		if !public {
			exp, err := admParseExpiry(expires, time.Now().UTC())
			if err != nil {
				return err
			}
			cs, so, err := admMakeSecret(ctx, st, "graphgate app create", exp)
			if err != nil {
				return err
			}
			a.Secrets, secret = []store.ClientSecret{cs}, &so
		}
		if err := st.CreateApp(ctx, a); err != nil {
			return err
		}
		if _, err := admDirectory(st).EnsureServicePrincipal(ctx, t.ID, a); err != nil {
			return err
		}
		if len(skipped) > 0 {
			admNote(cmd, "%s: OpenID Connect scopes need no consent; every sign-in may ask for them", strings.Join(skipped, ", "))
		}
		row := admAppRow(a)
		row.ClientSecret = secret
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, row)
		}
		fmt.Fprintf(out, "Registered %s app %q in %s\n", admClientType(a), a.DisplayName, admTenantLabel(t))
		fmt.Fprintf(out, "  client id:      %s\n  audience:       %s (%s)\n  authority:      %s\n",
			a.AppID, admAudienceShort(aud), aud, admAuthority(admAuthorityTenant(aud, t.Domains[0])))
		for _, r := range rus {
			fmt.Fprintf(out, "  redirect URI:   %s (%s)\n", r.URI, r.Kind)
		}
		if len(a.RequiredScopes) > 0 {
			fmt.Fprintf(out, "  scopes:         %s\n", strings.Join(a.RequiredScopes, " "))
		}
		if len(a.RequiredRoles) > 0 {
			fmt.Fprintf(out, "  roles:          %s\n", strings.Join(a.RequiredRoles, " "))
		}
		if secret != nil {
			fmt.Fprintf(out, "  client secret:  %s\n                  (shown once: graphgate keeps only a hash; expires %s)\n", secret.Value, secret.ExpiresAt.Format("2006-01-02"))
		}
		if len(a.RequiredScopes) > 0 {
			fmt.Fprintf(out, "Consent for everyone: graphgate consent grant --app %s --all-users --scopes %q\n", a.AppID, strings.Join(a.RequiredScopes, " "))
		}
		if len(a.RequiredRoles) > 0 {
			fmt.Fprintf(out, "Grant the roles:      graphgate consent grant-roles --app %s --roles %q\n", a.AppID, strings.Join(a.RequiredRoles, " "))
		}
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&name, "name", "", "display name (required)")
	f.BoolVar(&public, "public", false, "a public client: no secret, PKCE")
	f.StringVar(&audience, "audience", "myorg", "who may sign in: myorg, multiorg, multiorg-personal or personal")
	f.StringArrayVar(&redirects, "redirect", nil, "redirect URI[:web|spa|publicClient] (repeatable)")
	f.StringArrayVar(&scopes, "scopes", nil, `delegated permissions, e.g. "User.Read Mail.Read"`)
	f.StringArrayVar(&appRoles, "roles", nil, `application permissions, e.g. "User.Read.All"`)
	f.StringVar(&tenant, "tenant", "", "home tenant id or domain (default: the only organisation tenant)")
	f.StringVar(&expires, "secret-expires", "2y", "lifetime of the generated secret: "+admExpiryForms)
	admFlags(cmd, &o)
	return cmd
}

func admAppAddSecretCmd() *cobra.Command {
	var o admOpts
	var expires, name string
	cmd := &cobra.Command{
		Use:   "add-secret APPID [--expires 2y]",
		Short: "Add a client secret to an app; prints it once",
		Long: `Add a client secret (40 random URL-safe characters) to an app and print it
once: graphgate keeps only a keyed hash and its first three characters.
Existing secrets keep working until they expire. --expires takes days (180d),
weeks (12w), months (6mo), years (1y), hours (720h) or a date (2027-12-31);
default 2y. "6m" is refused as ambiguous: write 6mo for months.`,
		Example: `  graphgate app add-secret 2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b
  graphgate app add-secret "Contoso Web App" --expires 6mo --name rotation-2026`,
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		a, err := admApp(ctx, st, args[0])
		if err != nil {
			return err
		}
		exp, err := admParseExpiry(expires, time.Now().UTC())
		if err != nil {
			return err
		}
		cs, so, err := admMakeSecret(ctx, st, name, exp)
		if err != nil {
			return err
		}
		if err := st.UpdateApp(ctx, a.AppID, func(x store.App) (store.App, error) {
			x.Secrets = append(x.Secrets, cs)
			return x, nil
		}); err != nil {
			return err
		}
		if a.PublicClient {
			admNote(cmd, "%s is a public client: it may still call the token endpoint without a secret", a.DisplayName)
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				AppID        string          `json:"appId"`
				DisplayName  string          `json:"displayName"`
				ClientSecret admNewSecretOut `json:"clientSecret"`
			}{a.AppID, a.DisplayName, so})
		}
		fmt.Fprintf(out, "New client secret of %s (%s):\n  %s\n  id %s, expires %s; shown once: graphgate keeps only a hash.\n",
			a.DisplayName, a.AppID, so.Value, so.ID, so.ExpiresAt.Format("2006-01-02"))
		return nil
	})
	cmd.Flags().StringVar(&expires, "expires", "2y", "lifetime: "+admExpiryForms)
	cmd.Flags().StringVar(&name, "name", "", "description of the secret")
	admFlags(cmd, &o)
	return cmd
}

// admReadCert reads the first certificate of a PEM (or DER) file, and
// reports whether the file also holds a private key.
func admReadCert(path string) (*x509.Certificate, bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, false, admNotFound("no file %s", path)
		}
		return nil, false, admFail(err)
	}
	var der []byte
	hasKey := false
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		switch {
		case blk.Type == "CERTIFICATE" && der == nil:
			der = blk.Bytes
		case strings.Contains(blk.Type, "PRIVATE KEY"):
			hasKey = true
		}
	}
	if der == nil {
		if bytes.Contains(b, []byte("-----BEGIN")) {
			return nil, hasKey, usageErr("%s holds no CERTIFICATE block", path)
		}
		der = b // DER
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, hasKey, usageErr("%s: not an X.509 certificate: %v", path, err)
	}
	return cert, hasKey, nil
}

func admAppAddCertCmd() *cobra.Command {
	var o admOpts
	var file, name string
	cmd := &cobra.Command{
		Use:   "add-cert APPID --cert FILE.pem",
		Short: "Register a certificate for client assertions (certificate credentials)",
		Long: `Register a certificate (PEM, or DER) with an app, so the app can authenticate
with a signed client assertion instead of a secret (as MSAL's
NewCredFromCert and azidentity's ClientCertificateCredential do). Only the
public certificate is stored; it expires when the certificate does.`,
		Example: `  openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 365 -subj /CN=mydaemon
  graphgate app add-cert 2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b --cert cert.pem`,
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		if file == "" {
			return usageErr("--cert FILE is required")
		}
		a, err := admApp(ctx, st, args[0])
		if err != nil {
			return err
		}
		cert, hasKey, err := admReadCert(file)
		if err != nil {
			return err
		}
		if time.Now().After(cert.NotAfter) {
			return usageErr("the certificate expired on %s", cert.NotAfter.UTC().Format("2006-01-02"))
		}
		if name == "" {
			name = cert.Subject.CommonName
		}
		c := store.Certificate{ID: admNewID(), DisplayName: name, DER: cert.Raw, ExpiresAt: cert.NotAfter.UTC()}
		added := true
		if err := st.UpdateApp(ctx, a.AppID, func(x store.App) (store.App, error) {
			added = true
			for _, have := range x.Certificates {
				if bytes.Equal(have.DER, c.DER) {
					added, c = false, have
					return x, nil
				}
			}
			x.Certificates = append(x.Certificates, c)
			return x, nil
		}); err != nil {
			return err
		}
		if hasKey {
			admNote(cmd, "%s also holds a private key: graphgate stored only the certificate", file)
		}
		co := admCertOut{ID: c.ID, DisplayName: c.DisplayName, Subject: cert.Subject.String(), Thumbprint: admThumbprint(c.DER), ExpiresAt: c.ExpiresAt}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				AppID       string     `json:"appId"`
				Certificate admCertOut `json:"certificate"`
				Added       bool       `json:"added"`
			}{a.AppID, co, added})
		}
		if !added {
			fmt.Fprintf(out, "%s has this certificate already (id %s, thumbprint %s).\n", a.DisplayName, co.ID, co.Thumbprint)
			return nil
		}
		fmt.Fprintf(out, "Registered certificate %s with %s (%s)\n  id %s, thumbprint %s, expires %s\n",
			co.Subject, a.DisplayName, a.AppID, co.ID, co.Thumbprint, co.ExpiresAt.Format("2006-01-02"))
		return nil
	})
	cmd.Flags().StringVar(&file, "cert", "", "certificate file, PEM or DER (required)")
	cmd.Flags().StringVar(&name, "name", "", "description (default: the certificate's common name)")
	admFlags(cmd, &o)
	return cmd
}

func admAppAddRedirectCmd() *cobra.Command {
	var o admOpts
	var kind string
	cmd := &cobra.Command{
		Use:   "add-redirect APPID URI [--kind web|spa|publicClient]",
		Short: "Add a redirect URI to an app",
		Long: `Add a redirect (reply) URI to an app, for a platform: web (server-side apps,
the default for confidential apps), spa (browser apps, PKCE) or publicClient
(desktop and mobile apps, the default for public clients). Web and spa URIs
are https, or http on localhost; public clients may use custom schemes.`,
		Example: `  graphgate app add-redirect 2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b https://localhost:5001/signin-oidc
  graphgate app add-redirect "Contoso Web App" http://localhost:3000 --kind spa
  graphgate app add-redirect "Home Assistant O365" msal8b1e4a3c-5d6f-4e2a-9c7b-1a0d3e5f7b9c://auth --kind publicClient`,
		Args: cobra.ExactArgs(2),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		a, err := admApp(ctx, st, args[0])
		if err != nil {
			return err
		}
		def := store.RedirectWeb
		if a.PublicClient {
			def = store.RedirectPublicClient
		}
		ru, err := admParseRedirect(args[1], kind, def)
		if err != nil {
			return err
		}
		added := true
		if err := st.UpdateApp(ctx, a.AppID, func(x store.App) (store.App, error) {
			added = true
			for _, have := range x.RedirectURIs {
				if have.URI == ru.URI {
					if have.Kind != ru.Kind {
						return x, usageErr("%s is registered already as a %s redirect URI", ru.URI, have.Kind)
					}
					added = false
					return x, nil
				}
			}
			x.RedirectURIs = append(x.RedirectURIs, ru)
			return x, nil
		}); err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				AppID       string         `json:"appId"`
				RedirectURI admRedirectOut `json:"redirectUri"`
				Added       bool           `json:"added"`
			}{a.AppID, admRedirectOut{ru.URI, string(ru.Kind)}, added})
		}
		if !added {
			fmt.Fprintf(out, "%s has the %s redirect URI %s already.\n", a.DisplayName, ru.Kind, ru.URI)
		} else {
			fmt.Fprintf(out, "Added the %s redirect URI %s to %s.\n", ru.Kind, ru.URI, a.DisplayName)
		}
		return nil
	})
	cmd.Flags().StringVar(&kind, "kind", "", "platform: web, spa or publicClient (default: publicClient for public clients, else web)")
	admFlags(cmd, &o)
	return cmd
}

func admAppShowCmd() *cobra.Command {
	var o admOpts
	cmd := &cobra.Command{
		Use:   "show APPID",
		Short: "Show an app: audience, redirect URIs, secrets (hints), certificates, permissions",
		Long: `Show an app registration: client id, home tenant, audience, public or
confidential, redirect URIs, secrets (id, hint and expiry; never the value),
certificates (thumbprint and expiry), the permissions it requests, and the
tenants it has a service principal in. 'graphgate consent list --app' shows
what is consented.`,
		Example: `  graphgate app show 2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b
  graphgate app show "Contoso Web App" --json`,
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		a, err := admApp(ctx, st, args[0])
		if err != nil {
			return err
		}
		row := admAppRow(a)
		ts, err := st.ListTenants(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if _, err := st.GetServicePrincipal(ctx, t.ID, a.AppID); err == nil {
				row.ServicePrincipals = append(row.ServicePrincipals, t.ID)
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, row)
		}
		fmt.Fprintf(out, "%s\n  client id:        %s\n  object id:        %s\n  home tenant:      %s\n  type:             %s client\n  audience:         %s (%s)\n",
			a.DisplayName, a.AppID, a.ObjectID, a.TenantID, admClientType(a), admAudienceShort(a.SignInAudience), a.SignInAudience)
		fmt.Fprintf(out, "  requested scopes: %s\n  requested roles:  %s\n", or(strings.Join(a.RequiredScopes, " "), "-"), or(strings.Join(a.RequiredRoles, " "), "-"))
		fmt.Fprintf(out, "  service principal in: %s\n", or(strings.Join(row.ServicePrincipals, ", "), "-"))
		fmt.Fprintf(out, "\nREDIRECT URIS (%d)\n", len(row.RedirectURIs))
		for _, r := range row.RedirectURIs {
			fmt.Fprintf(out, "  %-12s %s\n", r.Kind, r.URI)
		}
		fmt.Fprintf(out, "\nSECRETS (%d)\n", len(row.Secrets))
		tw := table(out)
		for _, s := range row.Secrets {
			state := "expires " + admTime(s.ExpiresAt)
			if s.Expired {
				state = "EXPIRED " + admTime(s.ExpiresAt)
			}
			fmt.Fprintf(tw, "  %s…\t%s\t%s\t%s\n", s.Hint, s.ID, state, s.DisplayName)
		}
		_ = tw.Flush()
		fmt.Fprintf(out, "\nCERTIFICATES (%d)\n", len(row.Certificates))
		tw = table(out)
		for _, c := range row.Certificates {
			state := "expires " + admTime(c.ExpiresAt)
			if c.Expired {
				state = "EXPIRED " + admTime(c.ExpiresAt)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Thumbprint, c.Subject, state, c.ID)
		}
		return tw.Flush()
	})
	admFlags(cmd, &o)
	return cmd
}

func admAppDeleteCmd() *cobra.Command {
	var o admOpts
	var purge bool
	cmd := &cobra.Command{
		Use:   "delete APPID [--purge]",
		Short: "Delete an app registration (with --purge, its consent in every tenant too)",
		Long: `Delete an app registration: its secrets, certificates and redirect URIs go
with it, and its tokens can no longer be obtained or refreshed. As in Entra,
consent (delegated grants, app role assignments) and service principals are
kept unless --purge removes the grants and role assignments in every tenant.`,
		Example: `  graphgate app delete 2f7c9e1a-4b6d-4c8e-a0b2-3d5f7a9c1e3b
  graphgate app delete "Contoso Daemon" --purge`,
		Args: cobra.ExactArgs(1),
	}
	cmd.RunE = admRun(&o, false, func(ctx context.Context, cmd *cobra.Command, st store.Store, args []string) error {
		a, err := admApp(ctx, st, args[0])
		if err != nil {
			return err
		}
		if err := st.DeleteApp(ctx, a.AppID); err != nil {
			return err
		}
		grants, assigns := 0, 0
		if purge {
			if grants, assigns, err = admDirectory(st).PurgeAppConsent(ctx, a.AppID); err != nil {
				return err
			}
		}
		out := cmd.OutOrStdout()
		if o.json {
			return writeJSON(out, struct {
				AppID                     string `json:"appId"`
				DisplayName               string `json:"displayName"`
				Deleted                   bool   `json:"deleted"`
				GrantsDeleted             int    `json:"grantsDeleted"`
				AppRoleAssignmentsDeleted int    `json:"appRoleAssignmentsDeleted"`
			}{a.AppID, a.DisplayName, true, grants, assigns})
		}
		fmt.Fprintf(out, "Deleted app %s (%s).\n", a.DisplayName, a.AppID)
		if purge {
			fmt.Fprintf(out, "Removed %d delegated grant(s) and %d app role assignment(s).\n", grants, assigns)
		} else {
			fmt.Fprintln(out, "Its consent is kept ('graphgate consent list --app' shows it; --purge removes it).")
		}
		return nil
	})
	cmd.Flags().BoolVar(&purge, "purge", false, "also remove the app's delegated grants and app role assignments in every tenant")
	admFlags(cmd, &o)
	return cmd
}
