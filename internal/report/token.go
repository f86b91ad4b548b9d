package report

import (
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// personalTenant is the tenant id of personal Microsoft accounts.
const personalTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"

// tokenAlgorithms are the signature algorithms a token's header may name
// for ParseSigned to read it. The signature is never checked.
var tokenAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.HS256, jose.HS384, jose.HS512, jose.EdDSA}

// tokenFacts is what a bearer token says about a call.
type tokenFacts struct {
	ok      bool
	app     string
	scheme  Scheme
	granted []string
	user    []string
}

// accessClaims are the access-token claims the report reads: the v1.0
// and v2.0 names of the app (appid, azp), the token type (idtyp: app or
// user), the delegated scopes (scp), the application roles (roles), the
// tenant (tid) and the user (oid; upn, preferred_username or unique_name).
type accessClaims struct {
	AppID      string   `json:"appid"`
	AZP        string   `json:"azp"`
	IDType     string   `json:"idtyp"`
	Scp        string   `json:"scp"`
	Roles      []string `json:"roles"`
	TID        string   `json:"tid"`
	OID        string   `json:"oid"`
	UPN        string   `json:"upn"`
	Preferred  string   `json:"preferred_username"`
	UniqueName string   `json:"unique_name"`
}

// inspectToken reads an Authorization header's bearer token WITHOUT
// verifying it: the report inspects a file the user gave it, offline, to
// learn which app called, in which scheme, with which permissions. Nothing
// here is trusted, and nothing but the report uses it. A token that is not
// a signed JWT (a personal account's opaque token, an encrypted one)
// yields ok false.
func inspectToken(header string) tokenFacts {
	raw, ok := bearer(header)
	if !ok {
		return tokenFacts{}
	}
	tok, err := jwt.ParseSigned(raw, tokenAlgorithms)
	if err != nil {
		return tokenFacts{}
	}
	var c accessClaims
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return tokenFacts{}
	}
	f := tokenFacts{ok: true, app: c.AppID}
	if f.app == "" {
		f.app = c.AZP
	}
	delegated := c.Scp != ""
	switch strings.ToLower(c.IDType) {
	case "app":
		delegated = false
	case "user":
		delegated = true
	}
	switch {
	case delegated && strings.EqualFold(c.TID, personalTenant):
		f.scheme = DelegatedPersonal
	case delegated:
		f.scheme = Delegated
	case len(c.Roles) > 0 || strings.EqualFold(c.IDType, "app"):
		f.scheme = Application
	}
	if delegated {
		f.granted = strings.Fields(c.Scp)
		for _, u := range []string{c.OID, c.UPN, c.Preferred, c.UniqueName} {
			if u != "" {
				f.user = append(f.user, u)
			}
		}
	} else {
		f.granted = c.Roles
	}
	return f
}

// bearer returns the token of an Authorization header.
func bearer(h string) (string, bool) {
	h = strings.TrimSpace(h)
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	t := strings.TrimSpace(h[7:])
	return t, t != ""
}
