package tokens

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
)

// TestRealMSALClientAssertion lets MSAL Go itself build and send a
// certificate assertion to a loopback token endpoint, and verifies it.
func TestRealMSALClientAssertion(t *testing.T) {
	const tid = "99999999-8888-7777-6666-555555555555"
	client := newRSAClientCert(t)
	v := NewAssertionVerifier(AssertionOptions{})
	var (
		mu   sync.Mutex
		errs []error
	)
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := srv.URL + "/" + tid
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/" + tid + "/v2.0/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{
				"issuer":                 base + "/v2.0",
				"authorization_endpoint": base + "/oauth2/v2.0/authorize",
				"token_endpoint":         base + "/oauth2/v2.0/token",
			})
		case "/" + tid + "/oauth2/v2.0/token":
			err := v.VerifyClientAssertion(r.PostFormValue("client_assertion"), []string{base + "/oauth2/v2.0/token"},
				r.PostFormValue("client_id"), []*x509.Certificate{client.cert}, time.Now())
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			if err != nil {
				w.WriteHeader(http.StatusUnauthorized)
				json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_description": err.Error()})
				return
			}
			json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3600, "access_token": "opaque"})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	cred, err := confidential.NewCredFromCert([]*x509.Certificate{client.cert}, client.key)
	if err != nil {
		t.Fatal(err)
	}
	app, err := confidential.New(srv.URL+"/"+tid, testClientID, cred,
		confidential.WithHTTPClient(srv.Client()), confidential.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := app.AcquireTokenByCredential(ctx, []string{GraphResource + "/.default"}); err != nil {
		t.Fatalf("MSAL: %v", err)
	}
	// A second request (MSAL's cache skipped) carries a fresh jti.
	if _, err := app.AcquireTokenByCredential(ctx, []string{"api://other/.default"}); err != nil {
		t.Fatalf("MSAL second request: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 2 {
		t.Fatalf("token endpoint saw %d assertions, want 2", len(errs))
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
