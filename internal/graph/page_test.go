package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// TestMessagesPageBytes checks the pages graph writes against what
// json.Encoder (graph's writer before appendPage) makes of the same page:
// every body must come back byte for byte when decoded and encoded again —
// pages with and without @odata.nextLink, $count and annotations, an empty
// page, whole documents, and $expand (values graph compacts). Subjects
// hold characters JSON writers escape differently.
func TestMessagesPageBytes(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("megan", "Mail.ReadWrite")
	for _, subject := range []string{"budget <Q3> & plan", "line\u2028sep \"quoted\" \\ é", "tab\there"} {
		e.must(201, "POST", "/me/messages", tok, map[string]any{"subject": subject,
			"body":         map[string]any{"contentType": "html", "content": "<p>hi &amp; bye</p>"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "adele@contoso.com"}}}})
	}
	type page struct {
		Context  string            `json:"@odata.context,omitempty"`
		Count    *int              `json:"@odata.count,omitempty"`
		NextLink string            `json:"@odata.nextLink,omitempty"`
		Value    []json.RawMessage `json:"value"`
	}
	for _, c := range []struct {
		path           string
		next, count    bool
		wantAtLeastOne bool
	}{
		{path: "/me/messages?$top=2&$select=subject,from", next: true, wantAtLeastOne: true},
		{path: "/me/messages?$top=2&$count=true&$select=subject,from,toRecipients,receivedDateTime", next: true, count: true, wantAtLeastOne: true},
		{path: "/me/messages?$top=3", next: true, wantAtLeastOne: true},
		{path: "/me/messages?$top=1000&$select=subject", wantAtLeastOne: true},
		{path: "/me/mailFolders/drafts/messages?$select=subject,body", wantAtLeastOne: true},
		{path: "/me/messages?$top=2&$expand=attachments&$select=subject", next: true, wantAtLeastOne: true},
		{path: "/me/messages?$filter=subject%20eq%20'no%20such%20subject'&$count=true", count: true},
		{path: "/me/messages?$filter=subject%20eq%20'no%20such%20subject'"},
	} {
		t.Run(c.path, func(t *testing.T) {
			r := e.do("GET", c.path, tok, nil)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Raw)
			}
			var p page
			if err := json.Unmarshal(r.Raw, &p); err != nil {
				t.Fatal(err)
			}
			if (p.NextLink != "") != c.next || (p.Count != nil) != c.count || (len(p.Value) > 0) != c.wantAtLeastOne {
				t.Fatalf("nextLink %q, count %v, %d values; want nextLink %v, count %v, values %v",
					p.NextLink, p.Count, len(p.Value), c.next, c.count, c.wantAtLeastOne)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if p.Value == nil {
				p.Value = []json.RawMessage{}
			}
			if err := enc.Encode(p); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r.Raw, want.Bytes()) {
				t.Fatalf("the page is not the Encoder's:\n got %s\nwant %s", r.Raw, want.Bytes())
			}
		})
	}
}

// TestKeyedPageNeverStale: a messages page is listed by its items' keys and
// renders come from the render cache by (id, version); a message changed
// after its render was cached must be served changed — on the page that
// cached it, at the position whose document the next link reads, and on a
// next page read again after the change.
func TestKeyedPageNeverStale(t *testing.T) {
	e := newEnv(t)
	tok := e.delegated("megan", "Mail.ReadWrite")
	for i := range 8 {
		e.must(201, "POST", "/me/messages", tok, map[string]any{"subject": fmt.Sprintf("keyed %d", i)})
	}
	const first = "/me/messages?$top=3&$select=subject,from"
	subjects := func(body map[string]any) (ids, subs []string) {
		for _, v := range body["value"].([]any) {
			m := v.(map[string]any)
			ids, subs = append(ids, m["id"].(string)), append(subs, fmt.Sprint(m["subject"]))
		}
		return ids, subs
	}
	for _, c := range []struct {
		name string
		page int // 0: the first page, 1: the page its nextLink names
		pos  int // the changed message's position on that page
	}{
		{"first page, cached position", 0, 0},
		{"first page, the next link's position", 0, 2},
		{"next page, cached position", 1, 1},
		{"next page, the next link's position", 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := first
			if c.page == 1 {
				next, _ := e.must(200, "GET", first, tok, nil)["@odata.nextLink"].(string)
				if next == "" {
					t.Fatal("no nextLink")
				}
				path = next
			}
			cold := e.must(200, "GET", path, tok, nil) // the renders and the cursor are cached now
			warm := e.must(200, "GET", path, tok, nil)
			if cold["@odata.nextLink"] != warm["@odata.nextLink"] {
				t.Fatalf("nextLink %v read again, %v first", warm["@odata.nextLink"], cold["@odata.nextLink"])
			}
			ids, _ := subjects(warm)
			changed := c.name + " changed"
			e.must(200, "PATCH", "/me/messages/"+ids[c.pos], tok, map[string]any{"subject": changed})
			gotIDs, got := subjects(e.must(200, "GET", path, tok, nil))
			if !slices.Equal(gotIDs, ids) {
				t.Fatalf("page ids %v, want %v", gotIDs, ids)
			}
			for i, id := range ids {
				want := fmt.Sprint(e.must(200, "GET", "/me/messages/"+id+"?$select=subject", tok, nil)["subject"])
				if got[i] != want {
					t.Errorf("position %d: subject %q on the page, %q by id (stale render)", i, got[i], want)
				}
			}
			if got[c.pos] != changed {
				t.Errorf("position %d: subject %q, want %q", c.pos, got[c.pos], changed)
			}
		})
	}
}
