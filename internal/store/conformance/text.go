package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"graphgate/internal/store"
)

// testNULRefused: a NUL character (U+0000) in a key looked up, an object
// or document written, or a query argument is refused with
// ErrInvalidText by every backend — PostgreSQL cannot hold one in text or
// jsonb, so SQLite refuses it too — and changes nothing. Binary values and
// JSON text that only spells "\u0000" (an escaped backslash) are no NUL.
func testNULRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant("Contoso", "contoso.com")
	u := newUser(tn.ID, "adelev@contoso.com")
	app := newApp(tn.ID, "Web")
	it := newItem(tn.ID, "message", u.ID, "inbox", `{"subject":"x"}`)
	must(t, s.CreateTenant(ctx, tn))
	must(t, s.CreateUser(ctx, u))
	must(t, s.CreateApp(ctx, app))
	must(t, s.CreateItems(ctx, it))
	const nul = "a\x00b"
	nulDoc := json.RawMessage(`{"subject":"a\u0000b"}`)
	for _, tc := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"CreateItems, document", func(ctx context.Context) error {
			return s.CreateItems(ctx, newItem(tn.ID, "message", u.ID, "inbox", string(nulDoc)))
		}},
		{"CreateItems, id", func(ctx context.Context) error {
			x := newItem(tn.ID, "message", u.ID, "inbox", `{}`)
			x.ID = nul
			return s.CreateItems(ctx, x)
		}},
		{"GetItem", func(ctx context.Context) error { _, err := s.GetItem(ctx, tn.ID, "message", nul); return err }},
		{"UpdateItem, id", func(ctx context.Context) error {
			_, err := s.UpdateItem(ctx, tn.ID, "message", nul, 0, func(x store.Item) (store.Item, error) { return x, nil })
			return err
		}},
		{"UpdateItem, document", func(ctx context.Context) error {
			_, err := s.UpdateItem(ctx, tn.ID, "message", it.ID, 0, func(x store.Item) (store.Item, error) { x.Doc = nulDoc; return x, nil })
			return err
		}},
		{"DeleteItems", func(ctx context.Context) error {
			_, err := s.DeleteItems(ctx, tn.ID, "message", it.ID, nul)
			return err
		}},
		{"QueryItems, argument", func(ctx context.Context) error {
			_, _, err := s.QueryItems(ctx, store.ItemQuery{TenantID: tn.ID, Kind: "message", Filter: compare(str("subject"), store.Ne, store.String(nul))})
			return err
		}},
		{"QueryItems, parent", func(ctx context.Context) error {
			_, _, err := s.QueryItems(ctx, store.ItemQuery{TenantID: tn.ID, Kind: "message", ParentID: nul})
			return err
		}},
		{"Batch", func(ctx context.Context) error {
			return s.Batch(ctx, func(tx store.Items) error {
				if err := tx.CreateItems(ctx, newItem(tn.ID, "message", u.ID, "inbox", `{"subject":"in the batch"}`)); err != nil {
					return err
				}
				return tx.CreateItems(ctx, newItem(tn.ID, "message", u.ID, "inbox", string(nulDoc)))
			})
		}},
		{"CreateUser, display name", func(ctx context.Context) error {
			x := newUser(tn.ID, "alexw@contoso.com")
			x.DisplayName = nul
			return s.CreateUser(ctx, x)
		}},
		{"CreateUser, list", func(ctx context.Context) error {
			x := newUser(tn.ID, "alexw@contoso.com")
			x.BusinessPhones = []string{nul}
			return s.CreateUser(ctx, x)
		}},
		{"GetUser", func(ctx context.Context) error { _, err := s.GetUser(ctx, tn.ID, nul); return err }},
		{"UserByUPN", func(ctx context.Context) error { _, err := s.UserByUPN(ctx, nul+"@contoso.com"); return err }},
		{"UpdateUser", func(ctx context.Context) error {
			return s.UpdateUser(ctx, tn.ID, u.ID, func(x store.User) (store.User, error) { x.JobTitle = nul; return x, nil })
		}},
		{"QueryUsers, argument", func(ctx context.Context) error {
			_, _, err := s.QueryUsers(ctx, store.DirectoryQuery{TenantID: tn.ID, Filter: colEq("display_name", nul)})
			return err
		}},
		{"TenantByDomain", func(ctx context.Context) error { _, err := s.TenantByDomain(ctx, nul); return err }},
		{"GetApp", func(ctx context.Context) error { _, err := s.GetApp(ctx, nul); return err }},
		{"CreateApp, redirect URI", func(ctx context.Context) error {
			x := newApp(tn.ID, "Native")
			x.RedirectURIs = []store.RedirectURI{{URI: "http://localhost/" + nul, Kind: store.RedirectPublicClient}}
			return s.CreateApp(ctx, x)
		}},
		{"Setting", func(ctx context.Context) error { _, err := s.Setting(ctx, nul); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, tc.call(ctx), store.ErrInvalidText, tc.name)
		})
	}

	// Nothing changed.
	got, err := s.GetItem(ctx, tn.ID, "message", it.ID)
	must(t, err)
	checkItems(t, "the item after the refusals", []store.Item{got}, []store.Item{it})
	items, _, err := s.QueryItems(ctx, store.ItemQuery{TenantID: tn.ID, Kind: "message"})
	must(t, err)
	if len(items) != 1 {
		t.Errorf("%d items after the refusals, want 1", len(items))
	}
	gu, err := s.GetUser(ctx, tn.ID, u.ID)
	must(t, err)
	check(t, "the user after the refusals", gu, u)
	if _, err := s.UserByUPN(ctx, "alexw@contoso.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused user was created: %v", err)
	}

	// What is no NUL: "\\u0000" in JSON is a backslash and the text
	// "u0000"; binary values hold any byte.
	text := newItem(tn.ID, "message", u.ID, "inbox", `{"subject":"\\u0000 \\\\u0000"}`)
	must(t, s.CreateItems(ctx, text))
	back, err := s.GetItem(ctx, tn.ID, "message", text.ID)
	must(t, err)
	var doc struct{ Subject string }
	must(t, json.Unmarshal(back.Doc, &doc))
	if doc.Subject != `\u0000 \\u0000` {
		t.Errorf("subject read back %q", doc.Subject)
	}
	bin := []byte{0, 1, 0, 2}
	must(t, s.PutSetting(ctx, "binary", bin))
	v, err := s.Setting(ctx, "binary")
	must(t, err)
	if !bytes.Equal(v, bin) {
		t.Errorf("binary setting read back %v", v)
	}
}
