package graph_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/store"
)

// TestKeysetPaging: following the nextLinks of a message listing (keyset
// $skiptokens) visits exactly the pages $skip does, for orderings whose
// keys tie and are sometimes missing, with a filter and $count; a token
// used with another $orderby, or altered, is refused.
func TestKeysetPaging(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Mail.Read")
	owner := e.id("adele")
	base := time.Date(2025, 2, 3, 9, 0, 0, 0, time.UTC)
	subjects := []string{"Budget", "budget", "Alpha", "zeta"}
	var items []store.Item
	for i := range 40 {
		doc := fmt.Sprintf(`{"id":"kmsg%02d","subject":%q,"isRead":%t`, i, subjects[i%len(subjects)], i%3 == 0)
		if i%9 != 0 {
			doc += fmt.Sprintf(`,"receivedDateTime":%q`, base.Add(time.Duration(i%5)*time.Hour).Format(store.TimeLayout))
		}
		items = append(items, store.Item{TenantID: e.user("adele").TenantID, Kind: graph.KindMessage, ID: fmt.Sprintf("kmsg%02d", i),
			OwnerID: owner, ParentID: "keyset-folder", Doc: []byte(doc + "}"), Version: 1, CreatedAt: base, ModifiedAt: base})
	}
	if err := e.srv.Store().CreateItems(t.Context(), items...); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []string{"", "$orderby=subject", "$orderby=" + q("subject desc,isRead"), "$filter=" + q("isRead eq false") + "&$count=true",
		"$orderby=receivedDateTime&$filter=" + q("startswith(subject,'b')")} {
		t.Run(opts, func(t *testing.T) {
			path := "/me/messages?$top=6&$select=subject"
			if opts != "" {
				path += "&" + opts
			}
			var keyset []string
			next, pages := path, 0
			for ; next != ""; pages++ {
				body := e.must(200, "GET", next, read, nil)
				var ids []string
				for _, m := range list(t, body) {
					ids = append(ids, str(m, "id"))
				}
				offset := e.must(200, "GET", fmt.Sprintf("%s&$skip=%d", path, pages*6), read, nil)
				var want []string
				for _, m := range list(t, offset) {
					want = append(want, str(m, "id"))
				}
				if !slices.Equal(ids, want) {
					t.Fatalf("page %d: %v by nextLink, %v by $skip", pages, ids, want)
				}
				if strings.Contains(opts, "$count") && body["@odata.count"] != offset["@odata.count"] {
					t.Errorf("page %d: count %v, by $skip %v", pages, body["@odata.count"], offset["@odata.count"])
				}
				keyset = append(keyset, ids...)
				next, _ = body["@odata.nextLink"].(string)
				if next != "" {
					u, err := url.Parse(next)
					if err != nil {
						t.Fatal(err)
					}
					tok, _ := base64.RawURLEncoding.DecodeString(u.Query().Get("$skiptoken"))
					if !strings.HasPrefix(string(tok), "k:") {
						t.Fatalf("nextLink %s: not a keyset token: %q", next, tok)
					}
					next = strings.TrimPrefix(next, e.base)
				}
			}
			if pages < 2 {
				t.Fatalf("%d pages", pages)
			}
			sorted := slices.Clone(keyset)
			slices.Sort(sorted)
			if len(slices.Compact(sorted)) != len(keyset) {
				t.Errorf("an item listed twice: %v", keyset)
			}
		})
	}
	t.Run("RefusedTokens", func(t *testing.T) {
		first := e.must(200, "GET", "/me/messages?$top=3&$orderby=subject", read, nil)
		next, _ := first["@odata.nextLink"].(string)
		u, err := url.Parse(next)
		if err != nil || next == "" {
			t.Fatalf("nextLink %q: %v", next, err)
		}
		tok := u.Query().Get("$skiptoken")
		wantError(t, e.do("GET", "/me/messages?$top=3&$orderby=receivedDateTime&$skiptoken="+tok, read, nil), 400, "BadRequest", "The $skiptoken is not valid.")
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		for _, bad := range []string{strings.Replace(string(raw), `"i":`, `"x":1,"i":`, 1), string(raw) + "{}", "k:" + `{"o":-1,"h":1,"k":[],"i":"a"}`} {
			wantError(t, e.do("GET", "/me/messages?$top=3&$orderby=subject&$skiptoken="+base64.RawURLEncoding.EncodeToString([]byte(bad)), read, nil),
				400, "BadRequest", "The $skiptoken is not valid.")
		}
	})
}

// TestUsersKeysetPaging: a users listing in id order pages by keyset (the
// last id), visiting what $skip does; with $orderby it pages by offset.
func TestUsersKeysetPaging(t *testing.T) {
	e := newEnv(t)
	token := e.delegated("adele", "User.ReadBasic.All")
	for _, opts := range []string{"", "&$orderby=displayName", "&$filter=" + q("accountEnabled eq true")} {
		path := "/users?$top=2&$select=id" + opts
		next, pages := path, 0
		for ; next != ""; pages++ {
			body := e.must(200, "GET", next, token, nil)
			offset := e.must(200, "GET", fmt.Sprintf("%s&$skip=%d", path, pages*2), token, nil)
			var got, want []string
			for _, u := range list(t, body) {
				got = append(got, str(u, "id"))
			}
			for _, u := range list(t, offset) {
				want = append(want, str(u, "id"))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s page %d: %v by nextLink, %v by $skip", opts, pages, got, want)
			}
			next, _ = body["@odata.nextLink"].(string)
			if next != "" {
				u, err := url.Parse(next)
				if err != nil {
					t.Fatal(err)
				}
				tok, _ := base64.RawURLEncoding.DecodeString(u.Query().Get("$skiptoken"))
				if keyset := strings.HasPrefix(string(tok), "k:"); keyset != !strings.Contains(opts, "$orderby") {
					t.Errorf("%s: nextLink token %q", opts, tok)
				}
				next = strings.TrimPrefix(next, e.base)
			}
		}
		if pages < 3 {
			t.Errorf("%s: %d pages", opts, pages)
		}
	}
}
