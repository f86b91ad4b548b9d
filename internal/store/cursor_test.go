package store

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// oldCursorOf is CursorOf as it was before pathValue: the whole document
// decoded, then each key's path walked. The reference for TestCursorOf.
func oldCursorOf(it Item, orders []Order) (c Cursor, ok bool) {
	var doc map[string]any
	if len(orders) > 0 {
		d := json.NewDecoder(bytes.NewReader(it.Doc))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			return Cursor{}, false
		}
	}
	c = Cursor{ID: it.ID, Keys: make([]*Value, len(orders))}
	for i, o := range orders {
		f := o.Field
		if f.Column != "" || f.Var != "" || f.Count || len(f.Path) == 0 {
			return Cursor{}, false
		}
		var v any = doc
		for _, p := range f.Path {
			m, isObject := v.(map[string]any)
			if !isObject {
				v = nil
				break
			}
			v = m[p]
		}
		if v == nil {
			if f.IfNull != nil {
				return Cursor{}, false
			}
			continue
		}
		val, ok := valueOf(v, f.Type)
		if !ok {
			return Cursor{}, false
		}
		c.Keys[i] = &val
	}
	return c, true
}

// TestCursorOf compares CursorOf, which decodes only the keys' paths, with
// the whole-document decoding it replaced, over documents jsontext and
// encoding/json read differently and keys of every type.
func TestCursorOf(t *testing.T) {
	docs := map[string]string{
		"message":             `{"id":"m1","subject":"Hi","receivedDateTime":"2026-12-05T07:00:00.0000000Z","from":{"emailAddress":{"address":"a@b.c","name":"A"}},"isRead":false,"size":123,"ratio":0.5,"body":{"content":"<p>x</p>"}}`,
		"spaces":              ` { "subject" : "S" , "from" : { "emailAddress" : { "address" : "x@y" } } , "size" : 7 } `,
		"null member":         `{"subject":null,"from":null,"size":null}`,
		"missing":             `{}`,
		"not an object":       `[1,2]`,
		"null document":       `null`,
		"invalid":             `{"subject":"S",`,
		"trailing":            `{"subject":"S"} {"x":1}`,
		"duplicate names":     `{"subject":"one","subject":"two","from":{"emailAddress":{"address":"1"},"emailAddress":{"address":"2"}}}`,
		"invalid utf-8":       "{\"subject\":\"\xff\",\"size\":3}",
		"escaped name":        `{"sub\u006aect":"E","\u0073ize":9}`,
		"wrong types":         `{"subject":3,"isRead":"yes","size":"big","receivedDateTime":"yesterday"}`,
		"path through scalar": `{"from":"someone"}`,
		"big number":          `{"size":12345678901234567890,"ratio":1e400}`,
	}
	str := Field{Path: []string{"subject"}, Type: TypeString}
	addr := Field{Path: []string{"from", "emailAddress", "address"}, Type: TypeString}
	orders := map[string][]Order{
		"none":        nil,
		"string":      {{Field: str}},
		"nested":      {{Field: addr, Desc: true}},
		"time":        {{Field: Field{Path: []string{"receivedDateTime"}, Type: TypeTime}, Desc: true}},
		"bool":        {{Field: Field{Path: []string{"isRead"}, Type: TypeBool}}},
		"int, float":  {{Field: Field{Path: []string{"size"}, Type: TypeInt}}, {Field: Field{Path: []string{"ratio"}, Type: TypeFloat}}},
		"several":     {{Field: str}, {Field: addr}, {Field: Field{Path: []string{"size"}, Type: TypeInt}}},
		"ifnull":      {{Field: Field{Path: []string{"subject"}, Type: TypeString, IfNull: &Value{}}}},
		"column":      {{Field: Field{Column: "id"}}},
		"column last": {{Field: str}, {Field: Field{Column: "created_at"}}},
	}
	for dn, doc := range docs {
		for on, o := range orders {
			t.Run(dn+"/"+on, func(t *testing.T) {
				it := Item{ID: "x", Doc: []byte(doc)}
				want, wok := oldCursorOf(it, o)
				got, gok := CursorOf(it, o)
				if gok != wok || !reflect.DeepEqual(got, want) {
					t.Fatalf("CursorOf = %+v, %v; want %+v, %v", got, gok, want, wok)
				}
			})
		}
	}
}

// BenchmarkCursorOf reads a message's receivedDateTime cursor, as a
// messages page's next link does, by the whole-document decoding and by
// CursorOf, in one binary:
//
//	go test ./internal/store -run XXX -bench CursorOf -benchmem
func BenchmarkCursorOf(b *testing.B) {
	doc := []byte(`{"id":"AAMkAD1","subject":"Q3 budget and plan","bodyPreview":"Hello all, here is the plan for the quarter","body":{"contentType":"html","content":"<html><body><p>Hello all, here is the plan for the quarter, with the figures attached.</p></body></html>"},` +
		`"from":{"emailAddress":{"name":"Megan Bowen","address":"megan@contoso.com"}},"toRecipients":[{"emailAddress":{"name":"Adele","address":"adele@contoso.com"}}],` +
		`"receivedDateTime":"2026-12-05T07:00:00.0000000Z","sentDateTime":"2026-12-05T07:00:00.0000000Z","isRead":false,"importance":"normal","categories":[],"flag":{"flagStatus":"notFlagged"}}`)
	it := Item{ID: "AAMkAD1", Doc: doc}
	order := []Order{{Field: Field{Path: []string{"receivedDateTime"}, Type: TypeTime}, Desc: true}}
	for _, c := range []struct {
		name string
		f    func(Item, []Order) (Cursor, bool)
	}{{"whole-document", oldCursorOf}, {"paths", CursorOf}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := c.f(it, order); !ok {
					b.Fatal("no cursor")
				}
			}
		})
	}
}
