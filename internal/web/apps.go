package web

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/directory"
	"graphgate/internal/store"
)

// maxSearchResults bounds the "Add a permission" search.
const maxSearchResults = 50

type appsData struct{ Apps []store.App }

// handleApps lists the tenant's app registrations.
func (s *Server) handleApps(c *creq) {
	as, err := s.d.Store.ListApps(c.r.Context(), c.tenant.ID)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	sort.Slice(as, func(i, j int) bool { return strings.ToLower(as[i].DisplayName) < strings.ToLower(as[j].DisplayName) })
	s.show(c, http.StatusOK, "apps", "App registrations", "apps", appsData{Apps: as}, "", "")
}

// app reads an app registration of the signed-in administrator's tenant;
// another tenant's app is not found (as in the portal).
func (s *Server) app(c *creq) (store.App, bool) {
	id := strings.ToLower(c.r.PathValue("id"))
	a, err := s.d.Store.GetApp(c.r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.TenantID != c.tenant.ID) {
		s.notFound(c, "The app registration "+id)
		return a, false
	}
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return a, false
	}
	return a, true
}

type certRow struct {
	store.Certificate
	Thumbprint string
}

type appData struct {
	App       store.App
	Certs     []certRow
	NewSecret *directory.NewSecret
	Now       time.Time
}

// handleApp is an app registration's overview: redirect URIs, client
// secrets (a new one's value shown once) and certificates.
func (s *Server) handleApp(c *creq) {
	a, ok := s.app(c)
	if !ok {
		return
	}
	ctx := c.r.Context()
	d := appData{Now: s.d.Now()}
	status, notice, errMsg := http.StatusOK, "", ""
	if c.r.Method == http.MethodPost {
		var err error
		switch c.r.PostFormValue("action") {
		case "add-redirect":
			r := store.RedirectURI{URI: strings.TrimSpace(c.r.PostFormValue("uri")), Kind: store.RedirectKind(c.r.PostFormValue("platform"))}
			if _, err = s.d.Dir.AddRedirectURI(ctx, a.AppID, r); err == nil {
				notice = "Added the redirect URI " + r.URI + "."
			}
		case "remove-redirect":
			r := store.RedirectURI{URI: c.r.PostFormValue("uri"), Kind: store.RedirectKind(c.r.PostFormValue("platform"))}
			if _, err = s.d.Dir.RemoveRedirectURI(ctx, a.AppID, r); err == nil {
				notice = "Removed the redirect URI " + r.URI + "."
			}
		case "add-secret":
			months := map[string]int{"6": 6, "12": 12, "24": 24}[c.r.PostFormValue("expires")]
			if months == 0 {
				months = 6
			}
			var ns directory.NewSecret
			ns, err = s.d.Dir.AddClientSecret(ctx, a.AppID, c.r.PostFormValue("description"), s.d.Now().AddDate(0, months, 0), s.d.SecretHash)
			if err == nil {
				d.NewSecret = &ns
				notice = "Added a client secret. Copy its value now: graphgate keeps only a hash, and this page will not show it again."
			}
		case "remove-secret":
			if err = s.d.Dir.RemoveClientSecret(ctx, a.AppID, c.r.PostFormValue("keyId")); err == nil {
				notice = "Deleted the client secret."
			}
		case "add-cert":
			var der []byte
			der, err = uploadedCert(c.r)
			if err == nil {
				var added bool
				var cert store.Certificate
				cert, added, err = s.d.Dir.AddCertificate(ctx, a.AppID, c.r.PostFormValue("description"), der)
				switch {
				case err != nil:
				case added:
					notice = "Uploaded the certificate " + cert.DisplayName + " (thumbprint " + thumbprint(cert.DER) + ")."
				default:
					notice = "The app has this certificate already."
				}
			}
		default:
			err = &directory.ValidationError{Field: "action", Reason: "unknown action"}
		}
		if err != nil {
			status, errMsg = s.failure(c, err)
		}
		if a, ok = s.app(c); !ok {
			return
		}
	}
	d.App = a
	for _, ct := range a.Certificates {
		d.Certs = append(d.Certs, certRow{Certificate: ct, Thumbprint: thumbprint(ct.DER)})
	}
	s.show(c, status, "app", a.DisplayName, "apps", d, notice, errMsg)
}

// uploadedCert reads the certificate of the form: a PEM file, or PEM text
// pasted. Only the first CERTIFICATE block counts; a private key is never
// read.
func uploadedCert(r *http.Request) ([]byte, error) {
	var text []byte
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		text, err = io.ReadAll(io.LimitReader(f, maxFormBytes))
		if err != nil {
			return nil, err
		}
	} else {
		text = []byte(r.PostFormValue("pem"))
	}
	rest := text
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			return b.Bytes, nil
		}
	}
	return nil, &directory.ValidationError{Field: "certificate", Reason: "upload a PEM file with a CERTIFICATE block (.pem, .cer or .crt); only the public certificate is stored"}
}

// thumbprint is a certificate's SHA-1 thumbprint, as Entra shows it.
func thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Status of a requested permission in the tenant, as the portal's API
// permissions page shows it.
const (
	statusGranted    = "granted"
	statusNotGranted = "not granted"
	statusNeedsAdmin = "needs admin consent"
)

type permRow struct {
	Name, Type, Description string
	Application             bool
	AdminConsentRequired    bool
	Status                  string
}

type searchRow struct {
	Name, Description string
	AdminConsent      bool
	Requested         bool
}

type permissionsData struct {
	App             store.App
	Rows            []permRow
	MayConsent      bool
	Query, Type     string
	Results         []searchRow
	MoreResults     bool
	Searched        bool
	AllGranted      bool
	TenantName      string
	ConsentRoles    string
	UnknownRequests []string
	// Preselected is the permission a link asked to add (?add=NAME&type=):
	// the page shows a confirm form for it and changes nothing on GET.
	Preselected *preselected
}

// preselected is a permission offered for adding by a link (the decision
// log's "would allow" links).
type preselected struct {
	Name, Type, Description string
	AdminConsent            bool
	Requested               bool
	// Unknown: no Microsoft Graph permission of that name and type.
	Unknown bool
}

// handlePermissions is an app registration's API permissions page: the
// Microsoft Graph permissions it requests with their status in the
// tenant, adding (with a search of the catalog) and removing them, and
// "Grant admin consent for <tenant>".
func (s *Server) handlePermissions(c *creq) {
	a, ok := s.app(c)
	if !ok {
		return
	}
	ctx := c.r.Context()
	d := permissionsData{MayConsent: c.may(authz.ConsoleConsent), Query: strings.TrimSpace(c.r.FormValue("q")), Type: c.r.FormValue("type"),
		TenantName: c.tenant.DisplayName, ConsentRoles: authz.ConsoleRolesFor(authz.ConsoleConsent).String()}
	if d.Type != "application" {
		d.Type = "delegated"
	}
	status, notice, errMsg := http.StatusOK, "", ""
	if c.r.Method == http.MethodPost {
		p := directory.APIPermission{Name: c.r.PostFormValue("permission"), Application: c.r.PostFormValue("type") == "application"}
		var err error
		switch c.r.PostFormValue("action") {
		case "add":
			if a, err = s.d.Dir.AddAPIPermission(ctx, a.AppID, p); err == nil {
				notice = "Added " + p.Name + ". It is requested, not granted: users consent when they sign in, or grant admin consent for " + c.tenant.DisplayName + "."
			}
		case "remove":
			if a, err = s.d.Dir.RemoveAPIPermission(ctx, a.AppID, p); err == nil {
				notice = "Removed " + p.Name + " from the requested permissions. Consent already given stays until it is revoked (Enterprise applications)."
			}
		case "grant":
			if !d.MayConsent {
				s.forbidden(c, "Granting consent for the whole organisation needs one of these roles: "+d.ConsentRoles+".",
					"graphgate user roles "+c.admin.UserPrincipalName+" --add privileged-role-admin")
				return
			}
			if len(a.RequiredRoles) > 0 && !authz.TenantConsent(c.admin.Kind == store.UserMember, c.roles).Application {
				s.forbidden(c, "This app requests application permissions of Microsoft Graph ("+strings.Join(a.RequiredRoles, ", ")+
					"). Granting those needs one of these roles: "+authz.ApplicationConsentRoles().String()+
					"; an Application or Cloud Application Administrator may grant delegated permissions only. Nothing was granted.",
					"graphgate user roles "+c.admin.UserPrincipalName+" --add privileged-role-admin")
				return
			}
			err = s.d.Dir.GrantAdminConsent(ctx, directory.AdminConsent{TenantID: c.tenant.ID, App: a, Delegated: a.RequiredScopes, Application: a.RequiredRoles})
			if err == nil {
				notice = "Granted admin consent for " + c.tenant.DisplayName + ": every user may use the requested permissions without a consent prompt."
			}
		default:
			err = &directory.ValidationError{Field: "action", Reason: "unknown action"}
		}
		if err != nil {
			status, errMsg = s.failure(c, err)
			if a, ok = s.app(c); !ok {
				return
			}
		}
	}
	d.App = a
	if err := s.permissionRows(c, &d); err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	if add := strings.TrimSpace(c.r.URL.Query().Get("add")); add != "" && c.r.Method == http.MethodGet {
		d.Preselected = s.preselect(add, d.Type, a)
	}
	if d.Query != "" || (c.r.FormValue("type") != "" && d.Preselected == nil) {
		d.Searched = true
		s.searchCatalog(&d)
	}
	s.show(c, status, "permissions", a.DisplayName+" – API permissions", "apps", d, notice, errMsg)
}

// preselect looks up the permission a link asked to add, in the catalog,
// as the "Add a permission" search would show it.
func (s *Server) preselect(name, typ string, a store.App) *preselected {
	scheme, requested := catalog.DelegatedWork, a.RequiredScopes
	if typ == "application" {
		scheme, requested = catalog.Application, a.RequiredRoles
	}
	p, ok := s.d.Catalog.Lookup(name)
	if !ok || p.Kind != catalog.Graph || !p.In(scheme) {
		return &preselected{Name: name, Type: typ, Unknown: true}
	}
	return &preselected{Name: p.Name, Type: typ, Description: p.Schemes[scheme].AdminDisplayName, AdminConsent: p.RequiresAdminConsent(scheme),
		Requested: hasFold(requested, p.Name)}
}

// permissionRows computes each requested permission's status: granted for
// the tenant (the tenant-wide delegated grant, or an app role assignment),
// or not, and whether only an administrator can grant it.
func (s *Server) permissionRows(c *creq, d *permissionsData) error {
	ctx := c.r.Context()
	grants, err := s.d.Store.ListDelegatedGrants(ctx, c.tenant.ID)
	if err != nil {
		return err
	}
	granted := map[*catalog.Permission]bool{}
	for _, g := range grants {
		if g.ClientID == d.App.AppID && g.ConsentType == store.ConsentAllPrincipals {
			for _, n := range g.Scopes {
				if p, ok := s.d.Catalog.Lookup(n); ok {
					granted[p] = true
				}
			}
		}
	}
	assigned := map[*catalog.Permission]bool{}
	as, err := s.d.Store.AppRoleAssignments(ctx, c.tenant.ID, d.App.AppID)
	if err != nil {
		return err
	}
	for _, x := range as {
		if p, ok := s.d.Catalog.Lookup(x.Permission); ok {
			assigned[p] = true
		}
	}
	d.AllGranted = true
	add := func(names []string, application bool) {
		for _, n := range names {
			p, ok := s.d.Catalog.Lookup(n)
			if !ok {
				d.UnknownRequests = append(d.UnknownRequests, n)
				continue
			}
			scheme, typ, have := catalog.DelegatedWork, "Delegated", granted[p]
			if application {
				scheme, typ, have = catalog.Application, "Application", assigned[p]
			}
			row := permRow{Name: p.Name, Type: typ, Application: application, AdminConsentRequired: p.RequiresAdminConsent(scheme)}
			if si := p.Schemes[scheme]; si != nil {
				row.Description = si.AdminDisplayName
			}
			switch {
			case have:
				row.Status = statusGranted
			case row.AdminConsentRequired:
				row.Status, d.AllGranted = statusNeedsAdmin, false
			default:
				row.Status, d.AllGranted = statusNotGranted, false
			}
			d.Rows = append(d.Rows, row)
		}
	}
	add(d.App.RequiredScopes, false)
	add(d.App.RequiredRoles, true)
	return nil
}

// searchCatalog finds Microsoft Graph permissions of the chosen type whose
// name or description contains the query: names that start with it
// first, at most maxSearchResults. Permissions Microsoft hides from the
// portal are left out, as there.
func (s *Server) searchCatalog(d *permissionsData) {
	scheme := catalog.DelegatedWork
	requested := d.App.RequiredScopes
	if d.Type == "application" {
		scheme, requested = catalog.Application, d.App.RequiredRoles
	}
	q := strings.ToLower(d.Query)
	type hit struct {
		row    searchRow
		prefix bool
	}
	var hits []hit
	for _, p := range s.d.Catalog.All() {
		si := p.Schemes[scheme]
		if p.Kind != catalog.Graph || !p.In(scheme) || si.Hidden {
			continue
		}
		name := strings.ToLower(p.Name)
		if q != "" && !strings.Contains(name, q) && !strings.Contains(strings.ToLower(si.AdminDisplayName), q) {
			continue
		}
		hits = append(hits, hit{searchRow{Name: p.Name, Description: si.AdminDisplayName, AdminConsent: p.RequiresAdminConsent(scheme),
			Requested: hasFold(requested, p.Name)}, strings.HasPrefix(name, q)})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].prefix != hits[j].prefix {
			return hits[i].prefix
		}
		return hits[i].row.Name < hits[j].row.Name
	})
	if len(hits) > maxSearchResults {
		hits, d.MoreResults = hits[:maxSearchResults], true
	}
	for _, h := range hits {
		d.Results = append(d.Results, h.row)
	}
}

func hasFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

type enterpriseRow struct {
	AppID, Name, Home string
	Users             int
	TenantWide        bool
	Roles             int
}

type enterpriseData struct{ Apps []enterpriseRow }

// handleEnterprise lists the apps with a service principal in the tenant
// (enterprise applications) and the consent they hold.
func (s *Server) handleEnterprise(c *creq) {
	ctx := c.r.Context()
	sps, err := s.d.Store.ListServicePrincipals(ctx, c.tenant.ID)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	grants, err := s.d.Store.ListDelegatedGrants(ctx, c.tenant.ID)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	rows := map[string]*enterpriseRow{}
	var d enterpriseData
	for _, sp := range sps {
		d.Apps = append(d.Apps, enterpriseRow{AppID: sp.AppID, Name: sp.DisplayName})
	}
	for i := range d.Apps {
		rows[d.Apps[i].AppID] = &d.Apps[i]
	}
	for _, g := range grants {
		r := rows[g.ClientID]
		if r == nil {
			continue
		}
		if g.ConsentType == store.ConsentAllPrincipals {
			r.TenantWide = true
		} else {
			r.Users++
		}
	}
	for i := range d.Apps {
		as, err := s.d.Store.AppRoleAssignments(ctx, c.tenant.ID, d.Apps[i].AppID)
		if err != nil {
			s.storeFailed(c.w, c.r, err)
			return
		}
		d.Apps[i].Roles = len(as)
	}
	sort.Slice(d.Apps, func(i, j int) bool { return strings.ToLower(d.Apps[i].Name) < strings.ToLower(d.Apps[j].Name) })
	s.show(c, http.StatusOK, "enterprise", "Enterprise applications", "enterprise", d, "", "")
}

type userGrant struct {
	UserID, UPN, Name string
	Scopes            []string
	Updated           time.Time
}

type enterpriseAppData struct {
	AppID, Name string
	TenantWide  *store.DelegatedGrant
	Users       []userGrant
	Roles       []store.AppRoleAssignment
}

// handleEnterpriseApp shows the consent an app holds in the tenant (the
// administrator's, each user's, application permissions) and revokes it.
func (s *Server) handleEnterpriseApp(c *creq) {
	ctx := c.r.Context()
	appID := strings.ToLower(c.r.PathValue("id"))
	sps, err := s.d.Store.ListServicePrincipals(ctx, c.tenant.ID)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	d := enterpriseAppData{AppID: appID}
	for _, sp := range sps {
		if sp.AppID == appID {
			d.Name = sp.DisplayName
		}
	}
	if d.Name == "" {
		s.notFound(c, "The enterprise application "+appID)
		return
	}
	status, notice, errMsg := http.StatusOK, "", ""
	if c.r.Method == http.MethodPost {
		rv := directory.Revocation{TenantID: c.tenant.ID, ClientID: appID}
		switch c.r.PostFormValue("action") {
		case "revoke-user":
			rv.UserID = c.r.PostFormValue("user")
		case "revoke-tenant":
			rv.AllUsers = true
		case "revoke-role":
			rv.Roles = []string{c.r.PostFormValue("permission")}
		default:
			rv.TenantID = ""
		}
		var err error
		if rv.TenantID == "" {
			err = &directory.ValidationError{Field: "action", Reason: "unknown action"}
		} else {
			_, err = s.d.Dir.RevokeConsent(ctx, rv)
		}
		if err != nil {
			status, errMsg = s.failure(c, err)
		} else {
			notice = "Revoked. The app gets no new token with it; tokens it holds expire within their lifetime."
		}
	}
	grants, err := s.d.Store.ListDelegatedGrants(ctx, c.tenant.ID)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	for _, g := range grants {
		if g.ClientID != appID {
			continue
		}
		if g.ConsentType == store.ConsentAllPrincipals {
			g := g
			d.TenantWide = &g
			continue
		}
		ug := userGrant{UserID: g.PrincipalID, UPN: g.PrincipalID, Scopes: g.Scopes, Updated: g.UpdatedAt}
		if u, err := s.d.Store.GetUser(ctx, c.tenant.ID, g.PrincipalID); err == nil {
			ug.UPN, ug.Name = u.UserPrincipalName, u.DisplayName
		}
		d.Users = append(d.Users, ug)
	}
	if d.Roles, err = s.d.Store.AppRoleAssignments(ctx, c.tenant.ID, appID); err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	s.show(c, status, "enterpriseapp", d.Name+" – permissions", "enterprise", d, notice, errMsg)
}

type activityRow struct {
	When             time.Time
	App, Who, Scopes string
	Kind             string
}

// handleActivity lists consent as it stands, newest change first: the
// store keeps grants with their creation and update times, not a log of
// every consent and sign-in (see the README).
func (s *Server) handleActivity(c *creq) {
	ctx := c.r.Context()
	grants, err := s.d.Store.ListDelegatedGrants(ctx, c.tenant.ID)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	names := map[string]string{}
	sps, err := s.d.Store.ListServicePrincipals(ctx, c.tenant.ID)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	var rows []activityRow
	for _, sp := range sps {
		names[sp.AppID] = sp.DisplayName
		as, err := s.d.Store.AppRoleAssignments(ctx, c.tenant.ID, sp.AppID)
		if err != nil {
			s.storeFailed(c.w, c.r, err)
			return
		}
		for _, a := range as {
			rows = append(rows, activityRow{When: a.CreatedAt, App: sp.DisplayName, Who: "an administrator", Scopes: a.Permission, Kind: "Application permission granted"})
		}
	}
	for _, g := range grants {
		r := activityRow{When: g.UpdatedAt, App: names[g.ClientID], Scopes: strings.Join(g.Scopes, " "), Kind: "Delegated consent"}
		if r.App == "" {
			r.App = g.ClientID
		}
		if g.ConsentType == store.ConsentAllPrincipals {
			r.Who, r.Kind = "an administrator, for all users", "Admin consent"
		} else if u, err := s.d.Store.GetUser(ctx, c.tenant.ID, g.PrincipalID); err == nil {
			r.Who = u.UserPrincipalName
		} else {
			r.Who = g.PrincipalID
		}
		rows = append(rows, r)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].When.After(rows[j].When) })
	if len(rows) > maxScan {
		rows = rows[:maxScan]
	}
	s.show(c, http.StatusOK, "activity", "Consent activity", "activity", rows, "", "")
}
