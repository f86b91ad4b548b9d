package graph_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"testing"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// TestDownloadURLOfUnknownTenant: a forged download URL naming a tenant
// that has no signing key is refused, and the unauthenticated request does
// not make the server create a key (or write anything) for that tenant.
func TestDownloadURLOfUnknownTenant(t *testing.T) {
	e := newEnv(t)
	for _, tenant := range []string{"evil-tenant", "11111111-2222-3333-4444-555555555555"} {
		payload := base64.RawURLEncoding.EncodeToString([]byte(`{"t":"` + tenant + `","d":"b!x","i":"01ABC","e":4102444800}`))
		res, err := http.Get(e.base + "/_transfer/download?tempauth=" + payload + "." + base64.RawURLEncoding.EncodeToString([]byte("not a signature")))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tenant, res.StatusCode)
		}
		keys, _, err := e.srv.Store().QueryItems(context.Background(), store.ItemQuery{TenantID: tenant, Kind: graph.KindDriveURLKey})
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 0 {
			t.Errorf("%s: the forged URL created %d signing keys", tenant, len(keys))
		}
	}
}
