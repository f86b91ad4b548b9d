package graph_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"graphgate/internal/demo"
	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// A delegation stored before delegations named a permission resource (a
// family: "contacts") still shares what it meant, so data folders made by
// older graphgate keep their sharing.
func TestStoredFamilyDelegation(t *testing.T) {
	e := newEnv(t)
	megan := e.id("megan")
	path := "/users/" + megan + "/contacts"
	tok := e.delegated("adele", "Contacts.Read.Shared")
	wantError(t, e.do("GET", path, tok, nil), 403, "ErrorAccessDenied", "")
	old := store.Item{TenantID: demo.TenantID, Kind: graph.KindDelegation, ID: "dlg-legacy-contacts", OwnerID: megan,
		Doc:       json.RawMessage(`{"delegateId":"` + e.id("adele") + `","family":"contacts","access":["read"]}`),
		CreatedAt: time.Now(), ModifiedAt: time.Now(), Version: 1}
	if err := e.srv.Store().(store.Items).CreateItems(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	if got := e.all(path, tok); len(got) == 0 {
		t.Errorf("Megan's contacts through the stored family delegation: none")
	}
	// Read is not write.
	wantError(t, e.do("POST", path, e.delegated("adele", "Contacts.ReadWrite.Shared"), map[string]any{"givenName": "X"}), 403, "ErrorAccessDenied", "")
	// It shares contacts only: Megan's To Do is still hers.
	wantError(t, e.do("GET", "/users/"+megan+"/todo/lists", e.delegated("adele", "Tasks.Read.Shared"), nil), 403, "ErrorAccessDenied", "")
}
