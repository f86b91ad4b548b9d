package identity

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// discoveryDoc is the OpenID Connect discovery document, as Microsoft's
// v2.0 endpoint publishes it (the fields clients read).
//
// It has no code_challenge_methods_supported, because Entra's has none
// (clients that insist on it — kubelogin, sigstore, the MCP SDK — carry
// workarounds for Entra). graphgate accepts S256 from every client and
// plain only from confidential ones (authorize), so a list would have had
// to be one or the other; absent, a client that relies on the field fails
// against graphgate as it will against Entra.
type discoveryDoc struct {
	TokenEndpoint                string   `json:"token_endpoint"`
	TokenEndpointAuthMethods     []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                      string   `json:"jwks_uri"`
	ResponseModes                []string `json:"response_modes_supported"`
	SubjectTypes                 []string `json:"subject_types_supported"`
	IDTokenSigningAlgs           []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypes                []string `json:"response_types_supported"`
	ScopesSupported              []string `json:"scopes_supported"`
	Issuer                       string   `json:"issuer"`
	RequestURIParameterSupported bool     `json:"request_uri_parameter_supported"`
	UserInfoEndpoint             string   `json:"userinfo_endpoint"`
	AuthorizationEndpoint        string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint  string   `json:"device_authorization_endpoint"`
	HTTPLogoutSupported          bool     `json:"http_logout_supported"`
	FrontchannelLogoutSupported  bool     `json:"frontchannel_logout_supported"`
	EndSessionEndpoint           string   `json:"end_session_endpoint"`
	ClaimsSupported              []string `json:"claims_supported"`
	GrantTypesSupported          []string `json:"grant_types_supported"`
	TenantRegionScope            any      `json:"tenant_region_scope"`
	CloudInstanceName            string   `json:"cloud_instance_name"`
	CloudGraphHostName           string   `json:"cloud_graph_host_name"`
	MSGraphHost                  string   `json:"msgraph_host"`
	RBACURL                      string   `json:"rbac_url"`
	RequestParameterSupported    bool     `json:"request_parameter_supported"`
	ClaimsParameterSupported     bool     `json:"claims_parameter_supported"`
}

func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	ts, e := s.resolveTenant(r.Context(), r.PathValue("tenant"))
	if e != nil {
		s.fail(w, r, e)
		return
	}
	base := s.issuerBase(r)
	seg := ts.raw
	tid := ts.idTenant()
	doc := discoveryDoc{
		TokenEndpoint:               base + "/" + seg + "/oauth2/v2.0/token",
		TokenEndpointAuthMethods:    []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		JWKSURI:                     base + "/" + seg + "/discovery/v2.0/keys",
		ResponseModes:               []string{"query", "fragment", "form_post"},
		SubjectTypes:                []string{"pairwise"},
		IDTokenSigningAlgs:          []string{"RS256"},
		ResponseTypes:               []string{"code"},
		ScopesSupported:             []string{"openid", "profile", "email", "offline_access"},
		Issuer:                      base + "/" + tid + "/v2.0",
		UserInfoEndpoint:            base + "/oidc/userinfo",
		AuthorizationEndpoint:       base + "/" + seg + "/oauth2/v2.0/authorize",
		DeviceAuthorizationEndpoint: base + "/" + seg + "/oauth2/v2.0/devicecode",
		HTTPLogoutSupported:         true,
		FrontchannelLogoutSupported: true,
		EndSessionEndpoint:          base + "/" + seg + "/oauth2/v2.0/logout",
		ClaimsSupported:             []string{"sub", "iss", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "name", "preferred_username", "email", "oid", "tid", "ver", "aio", "rh", "uti"},
		GrantTypesSupported: []string{"authorization_code", "refresh_token", "client_credentials", "password",
			"urn:ietf:params:oauth:grant-type:device_code", "device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
		TenantRegionScope:  nil,
		CloudInstanceName:  "microsoftonline.com",
		CloudGraphHostName: "graph.windows.net",
		MSGraphHost:        hostOf(base),
		RBACURL:            "https://pas.windows.net",
	}
	writeJSON(w, http.StatusOK, doc)
}

func hostOf(base string) string {
	if i := strings.Index(base, "://"); i >= 0 {
		return base[i+3:]
	}
	return base
}

// handleInstanceDiscovery answers MSAL's instance discovery, naming
// graphgate's host as the only alias.
func (s *Server) handleInstanceDiscovery(w http.ResponseWriter, r *http.Request) {
	base := s.issuerBase(r)
	host := hostOf(base)
	tenant := "common"
	if ae := r.URL.Query().Get("authorization_endpoint"); ae != "" {
		// https://host/{tenant}/oauth2/v2.0/authorize
		parts := strings.Split(strings.TrimPrefix(strings.TrimPrefix(ae, "https://"), "http://"), "/")
		if len(parts) > 1 && parts[1] != "" {
			tenant = parts[1]
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": base + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host,
			"preferred_cache":   host,
			"aliases":           []string{host},
		}},
	})
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	ts, e := s.resolveTenant(r.Context(), r.PathValue("tenant"))
	if e != nil {
		s.fail(w, r, e)
		return
	}
	issuer := s.issuerBase(r) + "/" + ts.idTenant() + "/v2.0"
	b, err := s.keys.JWKS(r.Context(), issuer)
	if err != nil {
		s.fail(w, r, errServer("publishing the signing keys", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=86400, private")
	_, _ = w.Write(b)
}

// handleUserRealm tells MSAL's password flow whether the account is managed
// (graphgate) or unknown.
func (s *Server) handleUserRealm(w http.ResponseWriter, r *http.Request) {
	upn := r.PathValue("upn")
	domain := upn
	if i := strings.LastIndexByte(upn, '@'); i >= 0 {
		domain = upn[i+1:]
	}
	resp := map[string]any{
		"ver":                 "1.0",
		"account_type":        "Unknown",
		"domain_name":         domain,
		"cloud_instance_name": "microsoftonline.com",
		"cloud_audience_urn":  "urn:federation:MicrosoftOnline",
	}
	if t, err := s.store.TenantByDomain(r.Context(), domain); err == nil {
		// Personal accounts answer Managed too: graphgate lets tests sign
		// them in with the password grant, which Microsoft does not offer
		// for personal accounts.
		resp["account_type"] = "Managed"
		resp["federation_brand_name"] = t.DisplayName
	} else if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, errStore("finding the tenant of a domain", err))
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleUserInfo is the OpenID Connect userinfo endpoint: a Graph access
// token in, the signed-in user's OIDC claims out. Every 401 carries the
// Bearer challenge (RFC 6750 §3): without error information when the
// request has no bearer token (§3.1: the client may not know it needs
// one), with error="invalid_token" when the token does not verify, is not
// a user's, or its user is not an enabled user of the token's tenant — the
// rule Graph applies to the same token (graph.authenticate).
func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" || s.verifier == nil {
		userinfoChallenge(w, "")
		return
	}
	c, err := s.verifier.Verify(r.Context(), raw, tokens.Expectations{})
	if err != nil || c.IDType != tokens.IDTypeUser {
		userinfoChallenge(w, "invalid_token")
		return
	}
	u, err := s.store.GetUser(r.Context(), c.TenantID, c.ObjectID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !u.AccountEnabled {
		userinfoChallenge(w, "invalid_token")
		return
	}
	if err != nil {
		s.log.Error("userinfo: reading the user", "err", err)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"sub": c.Subject, "name": u.DisplayName, "family_name": u.Surname, "given_name": u.GivenName,
		"picture": s.issuerBase(r) + "/v1.0/me/photo/$value", "email": u.Mail,
	})
}

// userinfoChallenge answers 401 with the Bearer challenge, naming the
// error when there is one (RFC 6750 §3).
func userinfoChallenge(w http.ResponseWriter, errorCode string) {
	v := `Bearer realm=""`
	if errorCode != "" {
		v += `, error="` + errorCode + `"`
	}
	w.Header().Set("WWW-Authenticate", v)
	w.WriteHeader(http.StatusUnauthorized)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
