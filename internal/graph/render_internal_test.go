package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"graphgate/internal/model"
	"graphgate/internal/store"
)

// oldRenderProject is the path renderProject replaces, kept as the
// reference: render the whole document, then project it.
func oldRenderProject(it store.Item, selected, defaults []string, allowed map[string]bool, withID bool) (json.RawMessage, error) {
	b, err := RenderItem(it)
	if err != nil {
		return nil, err
	}
	return projectWith(b, selected, defaults, allowed, withID)
}

// orderedMembers decodes a JSON object into its members in order.
func orderedMembers(t *testing.T, b []byte) [][2]string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	var out [][2]string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{k.(string), string(v)})
	}
	return out
}

// sameRender asserts that got is what the old path answers: the same
// bytes when the old path's order was determined, otherwise the same
// members with the same value bytes, the OData annotations first and, in
// the order the old path left to Go's map iteration, sorted by name.
func sameRender(t *testing.T, got, want []byte, wholeDoc bool) {
	t.Helper()
	g, w := orderedMembers(t, got), orderedMembers(t, want)
	annots := func(ms [][2]string) int {
		n := 0
		for n < len(ms) && strings.HasPrefix(ms[n][0], "@odata.") {
			n++
		}
		return n
	}
	ng, nw := annots(g), annots(w)
	if ng != nw || len(g) != len(w) {
		t.Fatalf("members differ:\n got %s\nwant %s", got, want)
	}
	sortFrom := func(ms [][2]string, from, to int) {
		slices.SortFunc(ms[from:to], func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	}
	for _, ms := range [][][2]string{g, w} {
		sortFrom(ms, 0, nw)
		if wholeDoc {
			// Every member after the annotations and id, in map order.
			from := nw
			if from < len(ms) && ms[from][0] == "id" {
				from++
			}
			sortFrom(ms, from, len(ms))
		}
	}
	if !slices.Equal(g, w) {
		t.Fatalf("render differs:\n got %s\nwant %s", got, want)
	}
	if nw <= 1 && !wholeDoc && !bytes.Equal(got, want) {
		t.Fatalf("bytes differ:\n got %s\nwant %s", got, want)
	}
}

func TestRenderProjectMatchesOldPath(t *testing.T) {
	msg := map[string]any{
		"id": "AAMkAD1", "subject": "Q3 <budget> & plan", "bodyPreview": "héllo\u2028wörld",
		"from":             map[string]any{"emailAddress": map[string]any{"name": "Megan", "address": "megan@contoso.com"}},
		"toRecipients":     []any{map[string]any{"emailAddress": map[string]any{"address": "a@b.c", "name": "A"}}},
		"receivedDateTime": "2026-12-05T07:00:00.0000000Z", "sentDateTime": "not a time",
		"createdDateTime": nil, "isRead": false, "importance": "normal", "changeKey": "stale",
		"size": 12345, "ratio": 0.5, "big": 1e21, "neg": -3, "zero": 0,
		"start":     map[string]any{"dateTime": "2026-12-05T08:00:00.0000000", "timeZone": "UTC", "utc": "2026-12-05T08:00:00.0000000Z"},
		"_internal": "drop me", "_folder": map[string]any{"x": 1},
		"@odata.type": "#microsoft.graph.message", "@odata.etag": "W/\"stale\"",
		"categories": []any{}, "flag": map[string]any{"flagStatus": "notFlagged"},
	}
	canonical, _ := json.Marshal(msg)
	docs := map[string][]byte{
		"canonical message": canonical,
		"struct order and spaces": []byte(`{ "subject" : "Hi", "id":"AAMk2", "from":{"emailAddress":{"name":"N","address":"n@x"}},` +
			` "receivedDateTime":"2026-01-02T03:04:05.0000000Z", "n": 1.50, "e": 1E3, "lead": -0, "esc":"a\/b\u0041", "_x":1 }`),
		"escaped date-time": []byte(`{"id":"1","receivedDateTime":"2026-01-02T03:04:05.0000000\u005a","subject":"s"}`),
		"duplicate names":   []byte(`{"id":"1","subject":"one","subject":"two"}`),
		"escaped name":      []byte(`{"id":"1","sub\u006aect":"s","a<b":"x"}`),
		"invalid utf-8":     []byte("{\"id\":\"1\",\"subject\":\"\xff\"}"),
		"case variants":     []byte(`{"id":"1","Subject":"S"}`),
		"only annotations":  []byte(`{"@odata.type":"#x"}`),
		"empty":             []byte(`{}`),
	}
	projections := []struct {
		name             string
		selected, deflt  []string
		allowed          map[string]bool
		withID, wholeDoc bool
	}{
		{name: "whole document", withID: true, wholeDoc: true},
		{name: "select=*", selected: []string{"*"}, withID: true, wholeDoc: true},
		{name: "subject,from", selected: []string{"subject", "from"}, withID: true},
		{name: "case and repeats", selected: []string{"SUBJECT", "subject", "From", "changeKey", "start", "receivedDateTime"}, withID: true},
		{name: "storage-only and unknown", selected: []string{"_internal", "nope", "size", "ratio", "big", "neg", "zero", "lead", "n", "e", "esc"}, withID: true},
		{name: "allowed", selected: []string{"subject", "bodyPreview", "toRecipients"}, allowed: map[string]bool{"id": true, "subject": true}, withID: true},
		{name: "defaults", deflt: []string{"subject", "isRead", "sentDateTime", "createdDateTime", "categories"}, withID: true},
		{name: "directory without id", selected: []string{"subject"}},
		{name: "directory defaults", deflt: []string{"id", "subject"}},
		{name: "annotation selected", selected: []string{"@odata.type", "subject"}, withID: true},
	}
	for dname, doc := range docs {
		for _, p := range projections {
			t.Run(dname+"/"+p.name, func(t *testing.T) {
				it := store.Item{ID: "x", Version: 7, Doc: doc}
				want, werr := oldRenderProject(it, p.selected, p.deflt, p.allowed, p.withID)
				got, gerr := renderProject(it, p.selected, p.deflt, p.allowed, p.withID)
				if (werr != nil) != (gerr != nil) {
					t.Fatalf("errors differ: got %v, want %v", gerr, werr)
				}
				if werr != nil {
					return
				}
				sameRender(t, got, want, p.wholeDoc)
				_, fast := renderProjectFast(it, p.selected, p.deflt, p.allowed, p.withID)
				if wantFast := !strings.Contains("duplicate names,escaped name,invalid utf-8", dname) && p.name != "annotation selected"; fast != wantFast {
					t.Errorf("fast path = %v, want %v", fast, wantFast)
				}
			})
		}
	}
}

// TestRenderProjectFastPath pins which documents take the one-pass render
// (the common ones: a render that silently fell back would cost the old
// path's time and no test would notice) and which fall back.
func TestRenderProjectFastPath(t *testing.T) {
	cases := []struct {
		doc  string
		fast bool
	}{
		{`{"id":"1","subject":"s","from":{"emailAddress":{"name":"N","address":"n@x"}},"receivedDateTime":"2026-01-02T03:04:05.0000000Z"}`, true},
		{`{"id":"1","subject":"h\u00e9"}`, true},
		{`{"id":"1","subject":"one","subject":"two"}`, false},
		{`{"id":"1","sub\u006aect":"s"}`, false},
		{"{\"id\":\"1\",\"subject\":\"\xff\"}", false},
		{`{"id":"1"} {}`, false},
		{`{"id":"1"`, false},
		{`[1]`, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%.30s", c.doc), func(t *testing.T) {
			_, ok := renderProjectFast(store.Item{ID: "1", Version: 1, Doc: []byte(c.doc)}, []string{"subject"}, nil, nil, true)
			if ok != c.fast {
				t.Fatalf("fast path = %v, want %v", ok, c.fast)
			}
		})
	}
}

// BenchmarkRenderProject renders one stored message, as a messages page
// does 25 times, by the old path (render the whole document, then project)
// and the one-pass render, in one binary, and renderProject as a page read
// again meets it (a renderCache hit): $select=subject,from as the
// throughput harness asks, and no $select (every property).
//
//	go test ./internal/graph -run XXX -bench RenderProject -benchmem -count 6
func BenchmarkRenderProject(b *testing.B) {
	now := storedTime(time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC))
	megan := &recipient{EmailAddress: emailAddress{Name: "Megan Bowen", Address: "megan@contoso.onmicrosoft.com"}}
	doc := model.EncodeDoc(messageDoc{ID: NewItemID("AAMkAD"), CreatedDateTime: now, LastModifiedDateTime: now,
		ChangeKey: "CQAAAB1", Categories: []string{}, ReceivedDateTime: now, SentDateTime: now,
		InternetMessageID: "<" + NewItemID("") + "@contoso.onmicrosoft.com>", Subject: "Quarterly numbers",
		BodyPreview: "The numbers for the quarter are in the attached sheet.", Importance: "normal",
		ParentFolderID: NewItemID("AAMkAD"), ConversationID: NewItemID("AAQkAD"),
		WebLink: "https://outlook.office365.com/owa/?ItemID=" + NewItemID("AAMkAD"), InferenceClassification: "focused",
		Body:   itemBody{ContentType: "html", Content: strings.Repeat("<p>The numbers for the quarter are in the attached sheet.</p>", 8)},
		Sender: megan, From: megan, ToRecipients: []recipient{*megan, *megan}, CcRecipients: []recipient{}, BccRecipients: []recipient{},
		ReplyTo: []recipient{}})
	it := store.Item{ID: "x", Version: 3, Doc: doc}
	for _, sel := range []struct {
		name     string
		selected []string
	}{{"select=subject,from", []string{"subject", "from"}}, {"no select", nil}} {
		for _, p := range []struct {
			name   string
			render func(store.Item, []string, []string, map[string]bool, bool) (json.RawMessage, error)
		}{{"old", oldRenderProject}, {"one-pass", func(it store.Item, sel, def []string, allowed map[string]bool, withID bool) (json.RawMessage, error) {
			b, _ := renderProjectFast(it, sel, def, allowed, withID)
			return b, nil
		}}, {"cached", renderProject}} {
			b.Run(sel.name+"/"+p.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.render(it, sel.selected, nil, nil, true); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestRenderCache: a remembered render is used only for the same bytes,
// version and projection, and a caller cannot change it.
func TestRenderCache(t *testing.T) {
	doc := []byte(`{"id":"m1","subject":"first","changeKey":"x"}`)
	it := store.Item{TenantID: "t", Kind: "message", ID: "m1", Version: 1, Doc: doc}
	render := func(it store.Item, sel ...string) string {
		t.Helper()
		b, err := renderProject(it, sel, nil, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first := render(it, "subject", "changeKey")
	cases := []struct {
		name string
		it   store.Item
		sel  []string
		want string
	}{
		{"same item again", it, []string{"subject", "changeKey"}, first},
		{"new version", store.Item{TenantID: "t", Kind: "message", ID: "m1", Version: 2, Doc: doc}, []string{"subject", "changeKey"},
			`{"@odata.etag":"W/\"CQAAAB2\"","id":"m1","subject":"first","changeKey":"CQAAAB2"}`},
		{"other bytes, same id and version", store.Item{TenantID: "t", Kind: "message", ID: "m1", Version: 1,
			Doc: []byte(`{"id":"m1","subject":"second","changeKey":"x"}`)}, []string{"subject", "changeKey"},
			`{"@odata.etag":"W/\"CQAAAB1\"","id":"m1","subject":"second","changeKey":"CQAAAB1"}`},
		{"other projection", it, []string{"subject"}, `{"@odata.etag":"W/\"CQAAAB1\"","id":"m1","subject":"first"}`},
	}
	if want := `{"@odata.etag":"W/\"CQAAAB1\"","id":"m1","subject":"first","changeKey":"CQAAAB1"}`; first != want {
		t.Fatalf("first render %s, want %s", first, want)
	}
	for _, c := range cases {
		if got := render(c.it, c.sel...); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	b, _ := renderProject(it, []string{"subject", "changeKey"}, nil, nil, true)
	_ = append(b, " appended"...)
	if got := render(it, "subject", "changeKey"); got != first {
		t.Fatalf("an append to a returned render changed the cache: %s", got)
	}
}

// TestRenderCacheBounded: otter applies evictions in batches, so the render
// cache may hold more than renderCacheSize for a moment, but never more than
// its write buffer beyond it, also with writers on every core; once its
// pending work is done it holds no more than renderCacheSize.
func TestRenderCacheBounded(t *testing.T) {
	c := renderCache()
	const slack = 1024 // otter's write buffer is far smaller than this
	body := json.RawMessage(`{"id":"x"}`)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 4 * renderCacheSize {
				c.Set(renderKey{tenant: "bounded-" + strconv.Itoa(w), id: strconv.Itoa(i)}, body)
				if n := c.EstimatedSize(); n > renderCacheSize+slack {
					t.Errorf("after %d writes: %d entries, bound %d + %d", i+1, n, renderCacheSize, slack)
					return
				}
			}
		})
	}
	wg.Wait()
	c.CleanUp()
	if n := c.EstimatedSize(); n > renderCacheSize {
		t.Fatalf("after its pending work: %d entries, bound %d", n, renderCacheSize)
	}
}
