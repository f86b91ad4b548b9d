package identity

import (
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// tokenRequest is one parsed call of the token endpoint.
type tokenRequest struct {
	r  *http.Request
	w  http.ResponseWriter
	ts tenantSeg
	// rotated is the refresh token the refresh grant already stored.
	rotated string
}

// grantHandler serves one grant type. Handlers are composed in a table
// rather than a switch, in the manner of fosite's token handlers.
type grantHandler struct {
	types  []string
	handle func(s *Server, tr *tokenRequest) *Error
}

var grantHandlers = []grantHandler{
	{[]string{"authorization_code"}, (*Server).grantAuthorizationCode},
	{[]string{"refresh_token"}, (*Server).grantRefreshToken},
	{[]string{"client_credentials"}, (*Server).grantClientCredentials},
	{[]string{"password"}, (*Server).grantPassword},
	{[]string{"device_code", "urn:ietf:params:oauth:grant-type:device_code"}, (*Server).grantDeviceCode},
	{[]string{"urn:ietf:params:oauth:grant-type:jwt-bearer"}, (*Server).grantOnBehalfOf},
}

// maxFormBytes bounds a token request body.
const maxFormBytes = 64 << 10

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, errInvalidRequest("The request body could not be parsed as a form."))
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		s.fail(w, r, errInvalidRequest("The request body must be application/x-www-form-urlencoded."))
		return
	}
	ts, e := s.resolveTenant(r.Context(), r.PathValue("tenant"))
	if e != nil {
		s.fail(w, r, e)
		return
	}
	gt := r.PostForm.Get("grant_type")
	if gt == "" {
		s.fail(w, r, errMissingParameter("grant_type"))
		return
	}
	for _, h := range grantHandlers {
		for _, t := range h.types {
			if t == gt {
				if e := h.handle(s, &tokenRequest{r: r, w: w, ts: ts}); e != nil {
					s.fail(w, r, e)
				}
				return
			}
		}
	}
	s.fail(w, r, errUnsupportedGrant(gt))
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope,omitempty"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	ClientInfo   string `json:"client_info,omitempty"`
}

// userIssue is everything needed to answer a user flow with tokens.
type userIssue struct {
	tenant   store.Tenant
	user     store.User
	cl       client
	req      *scopeRequest
	perms    []*catalog.Permission // Graph permissions in the token
	nonce    string
	authTime time.Time
	// familyID names the refresh-token family a new refresh token joins;
	// "" starts a new family.
	familyID string
	// requested are the scopes to remember in the refresh token.
	requested []string
	noIDToken bool
}

// issueUser mints the access token (and id token, refresh token and
// client_info as the request asks) and writes the response.
func (s *Server) issueUser(tr *tokenRequest, in userIssue) *Error {
	ctx := tr.r.Context()
	now := s.now()
	u, t, app := in.user, in.tenant, in.cl.app
	var scp []string
	for _, p := range in.perms {
		scp = append(scp, p.Name)
	}
	for _, o := range []string{"openid", "profile", "email"} {
		if in.req.openid[o] || in.req.openid["openid"] {
			scp = append(scp, o)
		}
	}
	ac := tokens.AccessClaims{
		Audience: GraphResource, TenantID: t.ID, AppID: app.AppID, AppDisplayName: app.DisplayName, AppIDACR: in.cl.acr,
		IDType: tokens.IDTypeUser, Name: u.DisplayName, ObjectID: u.ID, Scope: strings.Join(scp, " "),
		UniqueName: u.UserPrincipalName, UPN: u.UserPrincipalName, WIDs: u.Roles, TenantCreated: t.CreatedAt.Unix(),
	}
	if u.Kind == store.UserPersonal {
		ac.IdP, ac.UPN, ac.UniqueName = tokens.IdPPersonal, "", "live.com#"+u.UserPrincipalName
	}
	if api := in.req.api; api != "" {
		// A token for a registered API (for its on-behalf-of flow): its
		// audience and the API's own scope names.
		ac.Audience, ac.Scope = "api://"+api, strings.Join(in.req.apiScopes, " ")
	}
	access, _, err := s.minter.MintAccessToken(ctx, ac, s.cfg.AccessTokenLifetime)
	if err != nil {
		return errServer("signing the access token", err)
	}
	resp := tokenResponse{TokenType: "Bearer", AccessToken: access,
		ExpiresIn: int64(s.cfg.AccessTokenLifetime / time.Second), ExtExpiresIn: int64(s.cfg.AccessTokenLifetime / time.Second)}
	resp.Scope = responseScopes(in.req, in.perms)
	if in.req.openid["openid"] && !in.noIDToken {
		ic := tokens.IDClaims{Audience: app.AppID, Issuer: s.issuerBase(tr.r) + "/" + t.ID + "/v2.0", Name: u.DisplayName,
			ObjectID: u.ID, PreferredUsername: u.UserPrincipalName, TenantID: t.ID, Nonce: in.nonce}
		if in.req.openid["email"] {
			ic.Email = u.Mail
		}
		idt, _, err := s.minter.MintIDToken(ctx, ic, s.cfg.IDTokenLifetime)
		if err != nil {
			return errServer("signing the ID token", err)
		}
		resp.IDToken = idt
	}
	if in.req.offline() {
		rt, e := s.newRefreshToken(tr, in, now)
		if e != nil {
			return e
		}
		resp.RefreshToken = rt
	}
	if tr.r.PostForm.Get("client_info") == "1" {
		resp.ClientInfo = tokens.ClientInfo(u.ID, t.ID)
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "token issued", slog.String("grant", tr.r.PostForm.Get("grant_type")),
		slog.String("client", app.AppID), slog.String("user", u.UserPrincipalName), slog.String("scp", ac.Scope))
	writeTokenJSON(tr.w, resp)
	return nil
}

// newRefreshToken stores a refresh token for the sign-in and returns its
// value; the family continues if the issue continues one.
func (s *Server) newRefreshToken(tr *tokenRequest, in userIssue, now time.Time) (string, *Error) {
	if tr.rotated != "" {
		// Rotation already stored the successor (grantRefreshToken).
		return tr.rotated, nil
	}
	fam := in.familyID
	if fam == "" {
		fam = newGUID()
	}
	value := newOpaque("0.A")
	rt := store.RefreshToken{Hash: hashToken(value), FamilyID: fam, TenantID: in.tenant.ID, ClientID: in.cl.app.AppID,
		UserID: in.user.ID, Scopes: in.requested, AuthTime: in.authTime, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenLifetime)}
	if err := s.store.CreateRefreshToken(tr.r.Context(), rt); err != nil {
		return "", errStore("storing the refresh token", err)
	}
	return value, nil
}

// issueApp answers the client-credentials grant.
func (s *Server) issueApp(tr *tokenRequest, t store.Tenant, cl client, sp store.ServicePrincipal, audience string, roles []string) *Error {
	ac := tokens.AccessClaims{Audience: audience, TenantID: t.ID, AppID: cl.app.AppID, AppDisplayName: cl.app.DisplayName,
		AppIDACR: cl.acr, IDType: tokens.IDTypeApp, ObjectID: sp.ID, Subject: sp.ID, Roles: roles, TenantCreated: t.CreatedAt.Unix()}
	access, _, err := s.minter.MintAccessToken(tr.r.Context(), ac, s.cfg.AccessTokenLifetime)
	if err != nil {
		return errServer("signing the access token", err)
	}
	s.log.LogAttrs(tr.r.Context(), slog.LevelInfo, "token issued", slog.String("grant", "client_credentials"),
		slog.String("client", cl.app.AppID), slog.String("roles", strings.Join(roles, " ")))
	writeTokenJSON(tr.w, tokenResponse{TokenType: "Bearer", AccessToken: access,
		ExpiresIn: int64(s.cfg.AccessTokenLifetime / time.Second), ExtExpiresIn: int64(s.cfg.AccessTokenLifetime / time.Second)})
	return nil
}

func writeTokenJSON(w http.ResponseWriter, resp tokenResponse) {
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// hashToken is the storage key of an opaque credential: random values need
// no salt, and SHA-256 keeps a database leak from yielding usable tokens.
func hashToken(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}

// newOpaque returns a random opaque credential with a recognisable prefix.
func newOpaque(prefix string) string {
	return prefix + base64.RawURLEncoding.EncodeToString(randomBytes(48))
}
