package identity

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// The token endpoint, in the manner of dex's server/grants and zitadel's
// op: each grant type (grant_*.go, one file each) parses its parameters
// into a value, then validates it and returns the response to write or an
// *Error; the grants neither authenticate the client nor write. handleToken
// parses the form, finds the grant type, lets it parse, authenticates the
// client once (every grant here has one: a confidential client by secret
// or certificate assertion, a public one by client_id), and writes once.
//
// The order of the checks is the wire behaviour: a grant's own missing
// parameters are answered before the client is authenticated, whatever is
// wrong with the client before anything the grant finds in the store.

// grant is one parsed token request of some grant type.
type grant interface {
	// exchange validates the request for the authenticated client and
	// returns the response, or the error to answer with.
	exchange(ctx context.Context, s *Server, tc *tokenCall) (tokenResponse, *Error)
}

// tokenCall is what every grant is given: the request's tenant segment
// and the authenticated client, and what the response depends on besides
// the grant.
type tokenCall struct {
	ts tenantSeg
	cl client
	// grantType is the grant_type as sent (for the log).
	grantType string
	// issuerBase is the request's scheme and host (Server.issuerBase), on
	// which the ID token's issuer is built.
	issuerBase string
	// clientInfo: the client asked for client_info (MSAL's client_info=1).
	clientInfo bool
	// at records the sign-in (signins.go); nil when none is kept.
	at *attempt
}

// grantType is one grant type of the token endpoint.
type grantType struct {
	names []string
	// confidentialOnly names the grant in AADSTS700025's message when only a
	// confidential client may use it ("" when a public client may too).
	confidentialOnly string
	// parse reads and checks the grant's parameters, before the client is
	// authenticated.
	parse func(f url.Values, ts tenantSeg) (grant, *Error)
}

var grantTypes = []grantType{
	{names: []string{"authorization_code"}, parse: parseCodeRequest},
	{names: []string{"refresh_token"}, parse: parseRefreshRequest},
	{names: []string{"client_credentials"}, confidentialOnly: "client_credentials", parse: parseClientCredentialsRequest},
	{names: []string{"password"}, parse: parsePasswordRequest},
	{names: []string{"device_code", "urn:ietf:params:oauth:grant-type:device_code"}, parse: parseDeviceCodeRequest},
	{names: []string{"urn:ietf:params:oauth:grant-type:jwt-bearer"}, confidentialOnly: "on-behalf-of", parse: parseOnBehalfOfRequest},
}

// maxFormBytes bounds a token request body.
const maxFormBytes = 64 << 10

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	trace := traceID()
	at := s.newAttempt(r, trace, false)
	resp, e := s.token(r, at)
	s.record(at, e)
	if e != nil {
		s.failTrace(w, r, e, trace)
		return
	}
	w.Header().Set("x-ms-request-id", trace)
	writeTokenJSON(w, resp)
}

// token answers one token request: the form, the tenant segment, the grant
// type and its parameters, the client, then the grant's exchange.
func (s *Server) token(r *http.Request, at *attempt) (tokenResponse, *Error) {
	if err := r.ParseForm(); err != nil {
		return tokenResponse{}, errInvalidRequest("The request body could not be parsed as a form.")
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return tokenResponse{}, errInvalidRequest("The request body must be application/x-www-form-urlencoded.")
	}
	ts, e := s.resolveTenant(r.Context(), r.PathValue("tenant"))
	if e != nil {
		return tokenResponse{}, e
	}
	at.tenant(ts)
	at.app(store.App{AppID: r.PostForm.Get("client_id")})
	gt := r.PostForm.Get("grant_type")
	if gt == "" {
		return tokenResponse{}, errMissingParameter("grant_type")
	}
	typ, ok := findGrantType(gt)
	if !ok {
		return tokenResponse{}, errUnsupportedGrant(gt)
	}
	at.grant(typ.logName())
	if typ.logName() == "password" {
		at.typed(r.PostForm.Get("username"))
	}
	g, e := typ.parse(r.PostForm, ts)
	if e != nil {
		return tokenResponse{}, e
	}
	cl, e := s.authenticateClient(r, ts)
	if e != nil {
		return tokenResponse{}, e
	}
	at.app(cl.app)
	if typ.confidentialOnly != "" && !cl.confidential() {
		return tokenResponse{}, errPublicClientOnlyGrant(typ.confidentialOnly)
	}
	tc := &tokenCall{ts: ts, cl: cl, grantType: gt, issuerBase: s.issuerBase(r), clientInfo: r.PostForm.Get("client_info") == "1", at: at}
	return g.exchange(r.Context(), s, tc)
}

// logName is the grant's name in the sign-in log: its first name, but
// on_behalf_of for the jwt-bearer grant and device_code for both of its.
func (t grantType) logName() string {
	switch n := t.names[0]; n {
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		return "on_behalf_of"
	default:
		return n
	}
}

func findGrantType(name string) (grantType, bool) {
	for _, t := range grantTypes {
		for _, n := range t.names {
			if n == name {
				return t, true
			}
		}
	}
	return grantType{}, false
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
	// rotated is the refresh token the refresh grant already stored, to
	// answer with instead of a new one.
	rotated string
}

// issueUser mints the access token (and id token, refresh token and
// client_info as the request asks) and returns the response.
func (s *Server) issueUser(ctx context.Context, tc *tokenCall, in userIssue) (tokenResponse, *Error) {
	now := s.now()
	u, t, app := in.user, in.tenant, in.cl.app
	tc.at.user(u)
	tc.at.resource(in.req.api)
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
	if u.Kind == store.UserGuest {
		ac.Acct = tokens.AcctGuest
	}
	if api := in.req.api; api != "" {
		// A token for a registered API (for its on-behalf-of flow): its
		// audience and the API's own scope names.
		ac.Audience, ac.Scope = "api://"+api, strings.Join(in.req.apiScopes, " ")
	}
	access, _, err := s.minter.MintAccessToken(ctx, ac, s.cfg.AccessTokenLifetime)
	if err != nil {
		return tokenResponse{}, errServer("signing the access token", err)
	}
	resp := tokenResponse{TokenType: "Bearer", AccessToken: access,
		ExpiresIn: int64(s.cfg.AccessTokenLifetime / time.Second), ExtExpiresIn: int64(s.cfg.AccessTokenLifetime / time.Second)}
	resp.Scope = responseScopes(in.req, in.perms)
	if in.req.openid["openid"] && !in.noIDToken {
		ic := tokens.IDClaims{Audience: app.AppID, Issuer: tc.issuerBase + "/" + t.ID + "/v2.0", Name: u.DisplayName,
			ObjectID: u.ID, PreferredUsername: u.UserPrincipalName, TenantID: t.ID, Nonce: in.nonce}
		if in.req.openid["email"] {
			ic.Email = u.Mail
		}
		idt, _, err := s.minter.MintIDToken(ctx, ic, s.cfg.IDTokenLifetime)
		if err != nil {
			return tokenResponse{}, errServer("signing the ID token", err)
		}
		resp.IDToken = idt
	}
	if in.req.offline() {
		rt, e := s.newRefreshToken(ctx, in, now)
		if e != nil {
			return tokenResponse{}, e
		}
		resp.RefreshToken = rt
	}
	if tc.clientInfo {
		resp.ClientInfo = tokens.ClientInfo(u.ID, t.ID)
	}
	// At debug, as every request that worked (README, --log-level): the
	// sign-in log records each token. At info this line took the log
	// handler's one mutex and a write(2) per token, the token endpoint's
	// only lock that grows with concurrency (bench/README.md).
	s.log.LogAttrs(ctx, slog.LevelDebug, "token issued", slog.String("grant", tc.grantType),
		slog.String("client", app.AppID), slog.String("user", u.UserPrincipalName), slog.String("scp", ac.Scope))
	return resp, nil
}

// newRefreshToken stores a refresh token for the sign-in and returns its
// value; the family continues if the issue continues one.
func (s *Server) newRefreshToken(ctx context.Context, in userIssue, now time.Time) (string, *Error) {
	if in.rotated != "" {
		// Rotation already stored the successor (refreshRequest).
		return in.rotated, nil
	}
	fam := in.familyID
	if fam == "" {
		fam = newGUID()
	}
	value := newOpaque("0.A")
	rt := store.RefreshToken{Hash: hashToken(value), FamilyID: fam, TenantID: in.tenant.ID, ClientID: in.cl.app.AppID,
		UserID: in.user.ID, Scopes: in.requested, AuthTime: in.authTime, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenLifetime)}
	if err := s.store.CreateRefreshToken(ctx, rt); err != nil {
		return "", errStore("storing the refresh token", err)
	}
	return value, nil
}

// issueApp answers the client-credentials grant.
func (s *Server) issueApp(ctx context.Context, t store.Tenant, cl client, sp store.ServicePrincipal, audience string, roles []string) (tokenResponse, *Error) {
	ac := tokens.AccessClaims{Audience: audience, TenantID: t.ID, AppID: cl.app.AppID, AppDisplayName: cl.app.DisplayName,
		AppIDACR: cl.acr, IDType: tokens.IDTypeApp, ObjectID: sp.ID, Subject: sp.ID, Roles: roles, TenantCreated: t.CreatedAt.Unix()}
	access, _, err := s.minter.MintAccessToken(ctx, ac, s.cfg.AccessTokenLifetime)
	if err != nil {
		return tokenResponse{}, errServer("signing the access token", err)
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "token issued", slog.String("grant", "client_credentials"),
		slog.String("client", cl.app.AppID), slog.String("roles", strings.Join(roles, " ")))
	return tokenResponse{TokenType: "Bearer", AccessToken: access,
		ExpiresIn: int64(s.cfg.AccessTokenLifetime / time.Second), ExtExpiresIn: int64(s.cfg.AccessTokenLifetime / time.Second)}, nil
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
