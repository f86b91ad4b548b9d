package directory

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"

	"graphgate/internal/catalog"
	"graphgate/internal/store"
)

// An app registration's API permissions, credentials and redirect URIs are
// changed here for the admin console, with the rules Entra's app
// registration blade applies. The app itself lives in the store's Apps; the
// admin commands still write it directly (see arch_test.go).

// APIPermission names a Microsoft Graph permission an app registration
// requests: delegated (a scope) or application (an app role).
type APIPermission struct {
	Name        string
	Application bool
}

// AddAPIPermission adds a Microsoft Graph permission to what the app
// registration requests (requiredResourceAccess). It grants nothing:
// consent is GrantAdminConsent's, or each user's. A name the catalog does
// not hold in that scheme is a *ValidationError; one the app requests
// already is no change. It returns the app as stored.
func (s *Service) AddAPIPermission(ctx context.Context, appID string, p APIPermission) (store.App, error) {
	perm, err := s.apiPermission(p)
	if err != nil {
		return store.App{}, err
	}
	return s.updateApp(ctx, appID, func(a *store.App) error {
		list := &a.RequiredScopes
		if p.Application {
			list = &a.RequiredRoles
		}
		if !hasFold(*list, perm.Name) {
			*list = append(*list, perm.Name)
		}
		return nil
	})
}

// RemoveAPIPermission removes a permission from what the app registration
// requests. As in Entra, consent already given stays until it is revoked
// (RevokeConsent). Removing one the app does not request is ErrNotFound.
func (s *Service) RemoveAPIPermission(ctx context.Context, appID string, p APIPermission) (store.App, error) {
	return s.updateApp(ctx, appID, func(a *store.App) error {
		list := &a.RequiredScopes
		if p.Application {
			list = &a.RequiredRoles
		}
		i := slices.IndexFunc(*list, func(n string) bool { return strings.EqualFold(n, p.Name) })
		if i < 0 {
			return ErrNotFound
		}
		*list = slices.Delete(*list, i, i+1)
		return nil
	})
}

func (s *Service) apiPermission(p APIPermission) (*catalog.Permission, error) {
	perm, ok := s.cat.Lookup(p.Name)
	if !ok || perm.Kind != catalog.Graph {
		return nil, invalid("permission", "%q is not a Microsoft Graph permission", p.Name)
	}
	if p.Application && !perm.In(catalog.Application) {
		return nil, invalid("permission", "%s is not an application permission of Microsoft Graph", perm.Name)
	}
	if !p.Application && !perm.Delegated() {
		return nil, invalid("permission", "%s is not a delegated permission of Microsoft Graph", perm.Name)
	}
	return perm, nil
}

// NewSecret is a client secret just added: its value is returned once and
// never kept.
type NewSecret struct {
	Secret store.ClientSecret
	Value  string
}

// AddClientSecret adds a client secret (40 random URL-safe characters, as
// the admin commands make) that expires at expires; hash is the store's
// keyed hash (identity.SecretHasher), the only form of it kept besides its
// first three characters. An expiry in the past, or more than two years
// ahead (Entra's recommended maximum in the portal), is a *ValidationError.
func (s *Service) AddClientSecret(ctx context.Context, appID, name string, expires time.Time, hash func(string) []byte) (NewSecret, error) {
	now := s.now()
	if !expires.After(now) {
		return NewSecret{}, invalid("expires", "a secret's expiry must be in the future")
	}
	if expires.After(now.AddDate(2, 0, 1)) {
		return NewSecret{}, invalid("expires", "a secret expires within two years")
	}
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		return NewSecret{}, err
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	cs := store.ClientSecret{ID: s.newID(), DisplayName: strings.TrimSpace(name), Hint: v[:3], Hash: hash(v),
		ExpiresAt: expires.UTC().Truncate(time.Millisecond), CreatedAt: now}
	_, err := s.updateApp(ctx, appID, func(a *store.App) error {
		a.Secrets = append(a.Secrets, cs)
		return nil
	})
	if err != nil {
		return NewSecret{}, err
	}
	return NewSecret{Secret: cs, Value: v}, nil
}

// RemoveClientSecret deletes a client secret by its key id.
func (s *Service) RemoveClientSecret(ctx context.Context, appID, keyID string) error {
	_, err := s.updateApp(ctx, appID, func(a *store.App) error {
		i := slices.IndexFunc(a.Secrets, func(c store.ClientSecret) bool { return c.ID == keyID })
		if i < 0 {
			return ErrNotFound
		}
		a.Secrets = slices.Delete(a.Secrets, i, i+1)
		return nil
	})
	return err
}

// AddCertificate registers a public certificate (DER) for client
// assertions; it expires when the certificate does. An expired or
// unparsable certificate is a *ValidationError; one the app has already is
// returned with added false.
func (s *Service) AddCertificate(ctx context.Context, appID, name string, der []byte) (c store.Certificate, added bool, err error) {
	cert, perr := x509.ParseCertificate(der)
	if perr != nil {
		return c, false, invalid("certificate", "not an X.509 certificate: %v", perr)
	}
	if s.now().After(cert.NotAfter) {
		return c, false, invalid("certificate", "the certificate expired on %s", cert.NotAfter.UTC().Format("2006-01-02"))
	}
	if strings.TrimSpace(name) == "" {
		name = cert.Subject.CommonName
	}
	c = store.Certificate{ID: s.newID(), DisplayName: strings.TrimSpace(name), DER: cert.Raw, ExpiresAt: cert.NotAfter.UTC()}
	_, err = s.updateApp(ctx, appID, func(a *store.App) error {
		added = true
		for _, have := range a.Certificates {
			if bytes.Equal(have.DER, c.DER) {
				added, c = false, have
				return nil
			}
		}
		a.Certificates = append(a.Certificates, c)
		return nil
	})
	return c, added, err
}

// AddRedirectURI registers a reply address. Entra's rules: an absolute URI
// without a fragment; web and single-page apps use https, or http only on a
// loopback host (localhost, 127.0.0.1, [::1]); a public client may also use
// a custom scheme (myapp://auth). Adding one the app has is no change.
func (s *Service) AddRedirectURI(ctx context.Context, appID string, r store.RedirectURI) (store.App, error) {
	if err := checkRedirect(r); err != nil {
		return store.App{}, err
	}
	return s.updateApp(ctx, appID, func(a *store.App) error {
		for _, h := range a.RedirectURIs {
			if h.URI == r.URI && h.Kind == r.Kind {
				return nil
			}
		}
		a.RedirectURIs = append(a.RedirectURIs, r)
		return nil
	})
}

// RemoveRedirectURI removes a reply address; one the app does not have is
// ErrNotFound.
func (s *Service) RemoveRedirectURI(ctx context.Context, appID string, r store.RedirectURI) (store.App, error) {
	return s.updateApp(ctx, appID, func(a *store.App) error {
		i := slices.IndexFunc(a.RedirectURIs, func(h store.RedirectURI) bool { return h.URI == r.URI && h.Kind == r.Kind })
		if i < 0 {
			return ErrNotFound
		}
		a.RedirectURIs = slices.Delete(a.RedirectURIs, i, i+1)
		return nil
	})
}

func checkRedirect(r store.RedirectURI) error {
	u, err := url.Parse(r.URI)
	if err != nil || u.Scheme == "" || len(r.URI) > 256 {
		return invalid("redirectUri", "%q is not an absolute URI (at most 256 characters)", r.URI)
	}
	if u.Fragment != "" || strings.Contains(r.URI, "#") {
		return invalid("redirectUri", "a redirect URI has no fragment (#)")
	}
	switch r.Kind {
	case store.RedirectWeb, store.RedirectSPA:
		loopback := u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1"
		if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
			return invalid("redirectUri", "a web or single-page app's redirect URI uses https (http only for localhost)")
		}
		if u.Host == "" {
			return invalid("redirectUri", "%q names no host", r.URI)
		}
	case store.RedirectPublicClient:
	default:
		return invalid("redirectUri", "the platform is web, spa or publicClient, not %q", r.Kind)
	}
	return nil
}

// updateApp changes an app registration in one store update.
func (s *Service) updateApp(ctx context.Context, appID string, f func(*store.App) error) (store.App, error) {
	var out store.App
	err := s.st.UpdateApp(ctx, appID, func(a store.App) (store.App, error) {
		if err := f(&a); err != nil {
			return a, err
		}
		out = a
		return a, nil
	})
	return out, classify(err)
}
