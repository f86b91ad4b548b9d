package directory_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"slices"
	"testing"
	"time"

	"graphgate/internal/directory"
	"graphgate/internal/store"
)

// TestAPIPermissions: what the app registration requests changes with the
// catalog's rules, and nothing is granted by it.
func TestAPIPermissions(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		steps := []struct {
			name               string
			add                bool
			p                  directory.APIPermission
			want               error
			wantScopes, wantRs []string
		}{
			{"delegated", true, directory.APIPermission{Name: "Mail.Read"}, nil, []string{"Mail.Read"}, nil},
			{"again is no change", true, directory.APIPermission{Name: "mail.read"}, nil, []string{"Mail.Read"}, nil},
			{"application", true, directory.APIPermission{Name: "User.Read.All", Application: true}, nil, []string{"Mail.Read"}, []string{"User.Read.All"}},
			{"unknown", true, directory.APIPermission{Name: "Mail.Fly"}, invalid("permission"), []string{"Mail.Read"}, []string{"User.Read.All"}},
			{"delegated-only as application", true, directory.APIPermission{Name: "offline_access", Application: true}, invalid("permission"), []string{"Mail.Read"}, []string{"User.Read.All"}},
			{"remove", false, directory.APIPermission{Name: "Mail.Read"}, nil, []string{}, []string{"User.Read.All"}},
			{"remove absent", false, directory.APIPermission{Name: "Mail.Read"}, directory.ErrNotFound, []string{}, []string{"User.Read.All"}},
		}
		for _, s := range steps {
			var err error
			if s.add {
				_, err = x.dir.AddAPIPermission(ctx, x.app.AppID, s.p)
			} else {
				_, err = x.dir.RemoveAPIPermission(ctx, x.app.AppID, s.p)
			}
			wantErr(t, s.name, err, s.want)
			a, err := x.st.GetApp(ctx, x.app.AppID)
			must(t, err)
			if !slices.Equal(orEmpty(a.RequiredScopes), s.wantScopes) || !slices.Equal(orEmpty(a.RequiredRoles), orEmpty(s.wantRs)) {
				t.Errorf("%s: scopes %v roles %v, want %v %v", s.name, a.RequiredScopes, a.RequiredRoles, s.wantScopes, s.wantRs)
			}
		}
		if got := x.roles(t, contosoID); len(got) != 0 {
			t.Errorf("requesting a permission granted %v", got)
		}
		if _, err := x.dir.AddAPIPermission(ctx, "00000000-0000-0000-0000-00000000dead", directory.APIPermission{Name: "Mail.Read"}); err == nil {
			t.Error("an unknown app took a permission")
		}
	})
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestAppCredentials: a secret's value is returned once and only its hash
// kept; certificates and redirect URIs follow Entra's rules.
func TestAppCredentials(t *testing.T) {
	eachStore(t, func(t *testing.T, x *fixture) {
		ctx := t.Context()
		hash := func(v string) []byte { return []byte("h:" + v) }
		if _, err := x.dir.AddClientSecret(ctx, x.app.AppID, "old", t0.Add(-time.Hour), hash); err == nil {
			t.Error("a secret expiring in the past was added")
		}
		if _, err := x.dir.AddClientSecret(ctx, x.app.AppID, "long", t0.AddDate(3, 0, 0), hash); err == nil {
			t.Error("a secret expiring in three years was added")
		}
		ns, err := x.dir.AddClientSecret(ctx, x.app.AppID, "ci", t0.AddDate(0, 6, 0), hash)
		must(t, err)
		a, err := x.st.GetApp(ctx, x.app.AppID)
		must(t, err)
		if len(a.Secrets) != 1 || string(a.Secrets[0].Hash) != "h:"+ns.Value || a.Secrets[0].Hint != ns.Value[:3] || len(ns.Value) != 40 {
			t.Fatalf("stored %+v for value %q", a.Secrets, ns.Value)
		}
		must(t, x.dir.RemoveClientSecret(ctx, x.app.AppID, ns.Secret.ID))
		wantErr(t, "remove again", x.dir.RemoveClientSecret(ctx, x.app.AppID, ns.Secret.ID), directory.ErrNotFound)

		der := selfSigned(t, t0.AddDate(1, 0, 0))
		c, added, err := x.dir.AddCertificate(ctx, x.app.AppID, "", der)
		must(t, err)
		if !added || c.DisplayName != "console-test" {
			t.Errorf("certificate %+v added %v", c, added)
		}
		if _, added, _ := x.dir.AddCertificate(ctx, x.app.AppID, "", der); added {
			t.Error("the same certificate was added twice")
		}
		if _, _, err := x.dir.AddCertificate(ctx, x.app.AppID, "", selfSigned(t, t0.Add(-time.Hour))); err == nil {
			t.Error("an expired certificate was added")
		}
		if _, _, err := x.dir.AddCertificate(ctx, x.app.AppID, "", []byte("junk")); err == nil {
			t.Error("junk was added as a certificate")
		}

		for _, c := range []struct {
			r  store.RedirectURI
			ok bool
		}{
			{store.RedirectURI{URI: "https://app.contoso.com/cb", Kind: store.RedirectWeb}, true},
			{store.RedirectURI{URI: "http://localhost:5000/cb", Kind: store.RedirectWeb}, true},
			{store.RedirectURI{URI: "http://app.contoso.com/cb", Kind: store.RedirectWeb}, false},
			{store.RedirectURI{URI: "https://app.contoso.com/cb#x", Kind: store.RedirectSPA}, false},
			{store.RedirectURI{URI: "myapp://auth", Kind: store.RedirectPublicClient}, true},
			{store.RedirectURI{URI: "myapp://auth", Kind: store.RedirectWeb}, false},
			{store.RedirectURI{URI: "/relative", Kind: store.RedirectPublicClient}, false},
			{store.RedirectURI{URI: "https://x", Kind: "desktop"}, false},
		} {
			_, err := x.dir.AddRedirectURI(ctx, x.app.AppID, c.r)
			if (err == nil) != c.ok {
				t.Errorf("%+v: err %v, want ok %v", c.r, err, c.ok)
			}
		}
		a, err = x.st.GetApp(ctx, x.app.AppID)
		must(t, err)
		if len(a.RedirectURIs) != 3 {
			t.Errorf("redirect URIs %+v, want the 3 valid ones", a.RedirectURIs)
		}
		_, err = x.dir.RemoveRedirectURI(ctx, x.app.AppID, store.RedirectURI{URI: "myapp://auth", Kind: store.RedirectPublicClient})
		must(t, err)
		_, err = x.dir.RemoveRedirectURI(ctx, x.app.AppID, store.RedirectURI{URI: "myapp://auth", Kind: store.RedirectPublicClient})
		wantErr(t, "remove absent redirect", err, directory.ErrNotFound)
	})
}

func selfSigned(t *testing.T, notAfter time.Time) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "console-test"},
		NotBefore: notAfter.AddDate(-2, 0, 0), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	must(t, err)
	return der
}
