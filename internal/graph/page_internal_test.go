package graph

import (
	"bytes"
	"encoding/json"
	"testing"

	"graphgate/internal/store"
)

// encoderPage is how WritePageNext wrote a page before appendPage: the
// page value through a json.Encoder without HTML escaping (c.JSON).
func encoderPage(p Page) ([]byte, error) {
	if p.Value == nil {
		p.Value = []json.RawMessage{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(p)
	return buf.Bytes(), err
}

// TestAppendPageMatchesEncoder pins appendPage to the bytes the Encoder
// wrote: every envelope (context, $count, nextLink, each present or not,
// and strings that need escaping) over empty, nil and full pages of items
// renderProject rendered from odd documents (written as they are) and of
// values built elsewhere (compacted).
func TestAppendPageMatchesEncoder(t *testing.T) {
	docs := []string{
		`{"id":"AAMkAD1","subject":"Q3 <budget> & plan","bodyPreview":"h\u00e9llo\u2028w\u00f6rld","from":{"emailAddress":{"name":"Megan","address":"megan@contoso.com"}},` +
			`"toRecipients":[ {"emailAddress": {"address":"a@b.c","name":"A"}} ],"receivedDateTime":"2026-12-05T07:00:00.0000000Z","isRead":false,"changeKey":"x",` +
			`"start":{"dateTime":"2026-12-05T08:00:00.0000000","timeZone":"UTC","utc":"2026-12-05T08:00:00.0000000Z"},"size":12345,"ratio":0.50,"big":1e21,"_internal":"drop"}`,
		`{ "subject" : "Hi\t", "id":"AAMk2", "from":{ "emailAddress":{"name":"N","address":"n@x"}}, "categories" : [ "a" , "b" ], "e": 1E3, "lead": -0, "esc":"a\/b\u0041" }`,
		"{\"id\":\"1\",\"subject\":\"raw \xe2\x80\xa8 and <&>\"}",
		`{"id":"1","subject":"one","subject":"two"}`, // the old path (duplicate names)
		"{\"id\":\"1\",\"subject\":\"\xff\"}",        // the old path (invalid UTF-8)
		`{"@odata.type":"#microsoft.graph.eventMessage","id":"2","from":null}`,
		`{}`,
	}
	projections := []struct {
		selected, deflt []string
	}{
		{selected: []string{"subject", "from"}},
		{selected: []string{"*"}},
		{deflt: []string{"subject", "toRecipients", "start", "categories"}},
		{}, // every member
	}
	var rendered []json.RawMessage
	for i, d := range docs {
		for _, p := range projections {
			b, err := renderProject(store.Item{TenantID: "t", Kind: "message", ID: "x", Version: int64(i + 1), Doc: []byte(d)}, p.selected, p.deflt, nil, true)
			if err != nil {
				t.Fatalf("render %s: %v", d, err)
			}
			rendered = append(rendered, b)
		}
	}
	count := func(n int) *int { return &n }
	envelopes := map[string]Page{
		"none":               {},
		"context":            {Context: "https://graph.microsoft.com/v1.0/$metadata#users('a%40b')/messages(subject,from)"},
		"context, count 0":   {Context: "https://graph.microsoft.com/v1.0/$metadata#me/messages", Count: count(0)},
		"count and nextLink": {Context: "c", Count: count(1234567), NextLink: "https://localhost:8443/v1.0/me/messages?$select=subject%2Cfrom&$skiptoken=azE6eA&$top=25"},
		"nextLink only":      {NextLink: "https://x/v1.0/me/messages?$skiptoken=o%3A25"},
		"strings to escape":  {Context: "q\"uote\\back\x01ctl<&>\u2028\u2029é", NextLink: "bad \xff utf-8\x7f"},
	}
	values := map[string][]json.RawMessage{
		"nil":      nil,
		"empty":    {},
		"one":      rendered[:1],
		"rendered": rendered,
	}
	for en, env := range envelopes {
		for vn, vals := range values {
			t.Run(en+"/"+vn, func(t *testing.T) {
				p := env
				p.Value = vals
				want, err := encoderPage(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, asRendered := range []bool{true, false} {
					got, err := appendPage(nil, p, asRendered)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, want) {
						t.Fatalf("rendered=%v:\n got %s\nwant %s", asRendered, got, want)
					}
				}
				if p.size() < len(want)-64 {
					t.Errorf("size %d for %d bytes", p.size(), len(want))
				}
			})
		}
	}

	// Values built elsewhere are compacted as the Encoder did; an invalid
	// one fails as it did.
	others := []json.RawMessage{[]byte(" { \"a\" : [ 1 , 2 ],\n\"b\":\"<x>\" } "), nil, []byte(`"s"`), []byte("\t17\n")}
	p := Page{Context: "c", Value: others}
	want, _ := encoderPage(p)
	if got, err := appendPage(nil, p, false); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("built elsewhere: got %s (%v), want %s", got, err, want)
	}
	p.Value = []json.RawMessage{[]byte(`{"a":`)}
	if _, err := encoderPage(p); err == nil {
		t.Fatal("the Encoder took an invalid value")
	}
	if _, err := appendPage(nil, p, false); err == nil {
		t.Fatal("appendPage took an invalid value")
	}
}
