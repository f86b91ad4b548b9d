package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"

	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// client is an authenticated (or public) client of the token endpoint.
type client struct {
	app store.App
	// acr is the token's appidacr: 0 public, 1 secret, 2 certificate.
	acr string
}

func (c client) confidential() bool { return c.acr != tokens.AppIDACRPublic }

// authenticateClient identifies the client of a token request: by secret
// (form or HTTP Basic), by a certificate-signed client assertion, or as a
// public client with neither. A confidential app that presents no
// credential, or a public one that presents one, is refused as Microsoft
// does (AADSTS7000218, AADSTS700025).
func (s *Server) authenticateClient(r *http.Request, ts tenantSeg) (client, *Error) {
	clientID := r.PostForm.Get("client_id")
	secret := r.PostForm.Get("client_secret")
	if id, pw, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding.
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		if p, err := url.QueryUnescape(pw); err == nil {
			pw = p
		}
		if clientID != "" && clientID != id {
			return client{}, errInvalidRequest("client_id in the body and in the Authorization header differ.")
		}
		clientID, secret = id, pw
	}
	app, e := s.lookupApp(r.Context(), clientID, ts)
	if e != nil {
		return client{}, e
	}
	assertion := r.PostForm.Get("client_assertion")
	if assertion != "" && r.PostForm.Get("client_assertion_type") != assertionType {
		return client{}, errInvalidRequest("client_assertion_type must be " + assertionType + ".")
	}
	hasCred := secret != "" || assertion != ""
	switch {
	case !hasCred && app.PublicClient:
		return client{app: app, acr: tokens.AppIDACRPublic}, nil
	case !hasCred:
		return client{}, errClientCredentialRequired()
	case app.PublicClient && len(app.Secrets) == 0 && len(app.Certificates) == 0:
		return client{}, errPublicClientWithSecret()
	case assertion != "":
		if e := s.verifyAssertion(r, ts, app, assertion); e != nil {
			return client{}, e
		}
		return client{app: app, acr: tokens.AppIDACRCertificate}, nil
	}
	return s.checkSecret(app, secret)
}

// checkSecret compares the keyed hash of secret with every stored secret
// in constant time. Client secrets are random, so a fast keyed hash is as
// strong as a slow KDF and keeps the token endpoint fast.
func (s *Server) checkSecret(app store.App, secret string) (client, *Error) {
	h := s.SecretHash(secret)
	now := s.now()
	matchedExpired := false
	for _, cs := range app.Secrets {
		if subtle.ConstantTimeCompare(h, cs.Hash) != 1 {
			continue
		}
		if !cs.ExpiresAt.IsZero() && now.After(cs.ExpiresAt) {
			matchedExpired = true
			continue
		}
		return client{app: app, acr: tokens.AppIDACRSecret}, nil
	}
	if matchedExpired {
		return client{}, errSecretExpired(app.AppID)
	}
	return client{}, errInvalidSecret(app.AppID)
}

func (s *Server) verifyAssertion(r *http.Request, ts tenantSeg, app store.App, assertion string) *Error {
	var certs []*x509.Certificate
	now := s.now()
	for _, c := range app.Certificates {
		if !c.ExpiresAt.IsZero() && now.After(c.ExpiresAt) {
			continue
		}
		cert, err := x509.ParseCertificate(c.DER)
		if err != nil {
			continue
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return errAssertionInvalid("No certificate is registered on application '" + app.AppID + "'.")
	}
	base := s.issuerBase(r)
	auds := []string{base + "/" + ts.raw + "/oauth2/v2.0/token"}
	if ts.tenant.ID != "" {
		auds = append(auds, base+"/"+ts.tenant.ID+"/oauth2/v2.0/token")
	}
	for _, d := range ts.tenant.Domains {
		auds = append(auds, base+"/"+d+"/oauth2/v2.0/token")
	}
	err := s.assertions.VerifyClientAssertion(assertion, auds, app.AppID, certs, now)
	// Entra names why an assertion failed (Microsoft's troubleshooting of
	// ClientAssertionCredential in the Azure SDKs lists the codes): the
	// client (700021), the audience (700023), the time range (700024);
	// any other failure — signature, certificate, shape, a replayed jti —
	// is 700027.
	var lt *tokens.LifetimeError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tokens.ErrIssuer):
		return errAssertionClient().WithCause(err)
	case errors.Is(err, tokens.ErrAudience):
		return errAssertionAudience().WithCause(err)
	case errors.As(err, &lt):
		return errAssertionTime(now, lt.NotBefore, lt.Expiry).WithCause(err)
	case errors.Is(err, tokens.ErrReplay):
		return errAssertionInvalid("The assertion was already used (jti replay).").WithCause(err)
	}
	return errAssertionInvalid(err.Error()).WithCause(err)
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}
