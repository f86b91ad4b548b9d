package tokens

import (
	"strings"

	"github.com/go-jose/go-jose/v4/jwt"
)

// Audiences and issuers of Microsoft Graph access tokens.
const (
	// GraphResource is the aud of Graph access tokens.
	GraphResource = "https://graph.microsoft.com"
	// GraphAppID is Graph's application id, the other aud form clients see.
	GraphAppID = "00000003-0000-0000-c000-000000000000"
)

// GraphAudiences are the aud values Verify accepts by default (a trailing
// slash is tolerated as well).
var GraphAudiences = []string{GraphResource, GraphAppID}

// Values of AccessClaims.AppIDACR: how the client authenticated.
const (
	AppIDACRPublic      = "0" // public client, no credential
	AppIDACRSecret      = "1" // client secret
	AppIDACRCertificate = "2" // certificate (client assertion)
)

// Values of AccessClaims.IDType.
const (
	IDTypeUser = "user" // delegated token, carries scp
	IDTypeApp  = "app"  // app-only token, carries roles
)

// IdPPersonal is the idp of personal Microsoft accounts.
const IdPPersonal = "live.com"

// AccessClaims are the claims of a Microsoft Graph access token in the v1.0
// shape Graph's own tokens have. Fields marked "set by MintAccessToken" are
// overwritten or defaulted when minting; the rest come from the caller.
type AccessClaims struct {
	// Audience defaults to GraphResource.
	Audience string `json:"aud"`
	// Issuer is https://sts.windows.net/{tid}/ (set by MintAccessToken).
	Issuer string `json:"iss"`
	// IssuedAt, NotBefore, ExpiresAt: set by MintAccessToken.
	IssuedAt  jwt.NumericDate `json:"iat"`
	NotBefore jwt.NumericDate `json:"nbf"`
	ExpiresAt jwt.NumericDate `json:"exp"`
	// AIO is an opaque Entra-internal value; random when empty.
	AIO string `json:"aio,omitempty"`
	// Acct is Entra's optional claim of the user's account status in the
	// tenant: AcctGuest for a guest, absent (AcctMember) for a member.
	// graphgate always issues it, so that a token keeps the user's type
	// as of its issue until it expires (a member turned guest keeps a
	// member's token, as in Entra).
	Acct int `json:"acct,omitempty"`
	// AppDisplayName is the client application's display name.
	AppDisplayName string `json:"app_displayname,omitempty"`
	// AppID is the client application's id (required).
	AppID string `json:"appid"`
	// AppIDACR is one of the AppIDACR* values (required).
	AppIDACR string `json:"appidacr"`
	// IdP is the identity provider, IdPPersonal for personal accounts.
	IdP string `json:"idp,omitempty"`
	// IDType is IDTypeUser or IDTypeApp (required).
	IDType string `json:"idtyp"`
	// Name is the user's display name.
	Name string `json:"name,omitempty"`
	// ObjectID is the user's object id, or the service principal's for
	// app-only tokens (required).
	ObjectID string `json:"oid"`
	// RH is an opaque Entra-internal value; random when empty.
	RH string `json:"rh,omitempty"`
	// Scope lists delegated permissions, space-separated.
	Scope string `json:"scp,omitempty"`
	// Roles lists application permissions (app-only) or app roles.
	Roles []string `json:"roles,omitempty"`
	// Subject defaults to ObjectID for app-only tokens and to
	// PairwiseSubject(appid, oid) for user tokens, as Entra's is per app.
	Subject string `json:"sub"`
	// TenantID is the directory's id (required).
	TenantID string `json:"tid"`
	// UniqueName and UPN are the user's sign-in name (users only).
	UniqueName string `json:"unique_name,omitempty"`
	UPN        string `json:"upn,omitempty"`
	// UTI is a unique token id (set by MintAccessToken).
	UTI string `json:"uti"`
	// Version is "1.0" (set by MintAccessToken).
	Version string `json:"ver"`
	// WIDs are the template ids of the user's directory roles.
	WIDs []string `json:"wids,omitempty"`
	// TenantCreated is the tenant's creation time in Unix seconds.
	TenantCreated int64 `json:"xms_tcdt,omitempty"`
}

// Values of AccessClaims.Acct.
const (
	AcctMember = 0
	AcctGuest  = 1
)

// IDClaims are the claims of a v2.0 ID token. Fields marked "set by
// MintIDToken" are overwritten or defaulted when minting.
type IDClaims struct {
	// Audience is the client id (required).
	Audience string `json:"aud"`
	// Issuer is https://{host}/{tid}/v2.0 with the host of the request, as
	// the discovery document says (required).
	Issuer string `json:"iss"`
	// IssuedAt, NotBefore, ExpiresAt: set by MintIDToken.
	IssuedAt  jwt.NumericDate `json:"iat"`
	NotBefore jwt.NumericDate `json:"nbf"`
	ExpiresAt jwt.NumericDate `json:"exp"`
	// Name is the user's display name.
	Name string `json:"name,omitempty"`
	// ObjectID is the user's object id (required).
	ObjectID string `json:"oid"`
	// PreferredUsername is the user's sign-in name.
	PreferredUsername string `json:"preferred_username,omitempty"`
	// Email is set by the caller only when the email scope was granted.
	Email string `json:"email,omitempty"`
	// Subject defaults to PairwiseSubject(aud, oid).
	Subject string `json:"sub"`
	// TenantID is the directory's id (required).
	TenantID string `json:"tid"`
	// Nonce echoes the authorization request's nonce, if it had one.
	Nonce string `json:"nonce,omitempty"`
	// AIO and RH are opaque; random when empty.
	AIO string `json:"aio,omitempty"`
	RH  string `json:"rh,omitempty"`
	// UTI is a unique token id (set by MintIDToken).
	UTI string `json:"uti"`
	// Version is "2.0" (set by MintIDToken).
	Version string `json:"ver"`
}

// AccessTokenIssuer returns the iss of v1.0 access tokens for a tenant.
func AccessTokenIssuer(tenantID string) string {
	return issuerPrefix + tenantID + "/"
}

const issuerPrefix = "https://sts.windows.net/"

// isAccessTokenIssuer is iss == AccessTokenIssuer(tenantID) without
// building the string (it runs on every Graph request).
func isAccessTokenIssuer(iss, tenantID string) bool {
	return len(iss) == len(issuerPrefix)+len(tenantID)+1 && strings.HasPrefix(iss, issuerPrefix) &&
		iss[len(issuerPrefix):len(iss)-1] == tenantID && iss[len(iss)-1] == '/'
}
