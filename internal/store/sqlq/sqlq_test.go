package sqlq

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"graphgate/internal/store"
)

var items = Table{Document: "doc", Columns: map[string]string{"id": "id", "created_at": "created_at"}}

// TestWhere: the SQL each dialect gets for the conditions graph builds
// itself (odata's are checked in package odata, through this renderer).
func TestWhere(t *testing.T) {
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	end := store.Literal("9999-12-31")
	seriesEnd := store.Field{Path: []string{"_seriesEnd"}, Type: store.TypeString, IfNull: &end}
	tests := []struct {
		name             string
		cond             store.Cond
		sqlite, postgres string
		args             []any
	}{
		{"exact string", store.Compare{Field: store.Doc("iCalUId", store.TypeString), Op: store.Eq, Value: store.String("x")},
			`json_extract(doc,'$.iCalUId') = ?`, `doc #>> '{iCalUId}' = $1`, []any{"x"}},
		{"folded string", store.Compare{Field: store.Doc("name", store.TypeString), Op: store.Eq, Value: store.String("A"), Fold: true},
			`lower(json_extract(doc,'$.name')) = lower(?)`, `lower(doc #>> '{name}') = lower($1)`, []any{"A"}},
		{"an index's literal and expression", store.And{
			store.Compare{Field: store.Doc("type", store.TypeString), Op: store.Eq, Value: store.Literal("seriesMaster")},
			store.Compare{Field: seriesEnd, Op: store.Gt, Value: store.String("2024")}},
			`json_extract(doc,'$.type') = 'seriesMaster' AND ifnull(json_extract(doc,'$._seriesEnd'), '9999-12-31') > ?`,
			`doc #>> '{type}' = 'seriesMaster' AND coalesce(doc #>> '{_seriesEnd}', '9999-12-31') COLLATE "C" > $1`, []any{"2024"}},
		{"a time as the stored text", store.Compare{Field: store.Doc("_at", store.TypeTime), Op: store.Lt, Value: store.Time(at)},
			`json_extract(doc,'$._at') < ?`, `doc #>> '{_at}' < $1 COLLATE "C"`, []any{"2024-05-01T00:00:00.0000000Z"}},
		{"a time column", store.Compare{Field: store.Column("created_at", store.TypeTime), Op: store.Ge, Value: store.Time(at)},
			`created_at >= ?`, `created_at >= $1`, nil},
		{"contains, escaped", store.Match{Field: store.Doc("name", store.TypeString), Kind: store.Contains, Text: "100%_"},
			`lower(json_extract(doc,'$.name')) LIKE lower(?) ESCAPE '\'`, `lower(doc #>> '{name}') LIKE lower($1) ESCAPE '\'`, []any{`%100\%\_%`}},
		{"not null, any of primitives", store.And{store.Not{Cond: store.IsNull{Field: store.Doc("folder", store.TypeString)}},
			store.Any{Array: store.Field{Path: []string{"roles"}, Type: store.TypeString}, Var: "r",
				Cond: store.In{Field: store.Field{Var: "r", Type: store.TypeString}, Values: []store.Value{store.String("write"), store.String("owner")}}}},
			`NOT (json_extract(doc,'$.folder') IS NULL) AND EXISTS (SELECT 1 FROM json_each(CASE json_type(doc,'$.roles') WHEN 'array' THEN json_extract(doc,'$.roles') END) AS l1 WHERE l1.value IN (?, ?))`,
			`NOT (doc #>> '{folder}' IS NULL) AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(doc #> '{roles}') WHEN 'array' THEN doc #> '{roles}' END) AS l1 WHERE l1.value IN ($1, $2))`,
			[]any{"write", "owner"}},
	}
	for _, tt := range tests {
		for d, want := range map[Dialect]string{SQLite: tt.sqlite, Postgres: tt.postgres} {
			got, args, err := Where(d, items, tt.cond, 0)
			if err != nil || got != want {
				t.Errorf("%s, %v:\n got  %s (%v)\n want %s", tt.name, d, got, err, want)
			}
			if tt.args != nil && !reflect.DeepEqual(args, tt.args) {
				t.Errorf("%s, %v: args %#v, want %#v", tt.name, d, args, tt.args)
			}
		}
	}
}

// TestWhereRefusesMalformed: what would be written into the SQL text is
// checked, and a malformed condition is an error before any SQL.
func TestWhereRefusesMalformed(t *testing.T) {
	for _, c := range []store.Cond{
		store.IsNull{Field: store.Field{Path: []string{"a'b"}, Type: store.TypeString}},
		store.IsNull{Field: store.Column("nosuch", store.TypeString)},
		store.Compare{Field: store.Doc("a", store.TypeBool), Op: store.Eq, Value: store.String("x")},
		store.IsNull{Field: store.Field{Var: "x", Type: store.TypeString}},
	} {
		if sql, _, err := Where(SQLite, items, c, 0); !errors.Is(err, ErrQuery) {
			t.Errorf("%#v: %q, %v", c, sql, err)
		}
	}
	// An inline value outside the safe alphabet is bound instead.
	sql, args, err := Where(Postgres, items, store.Compare{Field: store.Doc("a", store.TypeString), Op: store.Eq, Value: store.Literal("x'; --")}, 0)
	if err != nil || sql != `doc #>> '{a}' = $1` || len(args) != 1 {
		t.Errorf("inline quote: %s %v %v", sql, args, err)
	}
}

func TestOrderBy(t *testing.T) {
	orders := []store.Order{
		{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true},
		{Field: store.Doc("subject", store.TypeString), Fold: true, Nulls: store.NullsLow},
	}
	for d, want := range map[Dialect]string{
		SQLite:   `json_extract(doc,'$.receivedDateTime') DESC, lower(json_extract(doc,'$.subject')) ASC`,
		Postgres: `(doc #>> '{receivedDateTime}') COLLATE "C" DESC, lower(doc #>> '{subject}') COLLATE "C" ASC NULLS FIRST`,
	} {
		if got, err := OrderBy(d, items, orders); err != nil || got != want {
			t.Errorf("%v:\n got  %s (%v)\n want %s", d, got, err, want)
		}
	}
}

// TestAfter: a cursor's condition bounds the first key (an index range),
// binds values in the order of the text, and leaves the nulls that follow
// to the tail.
func TestAfter(t *testing.T) {
	at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	v := store.Time(at)
	newest := []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true, Nulls: store.NullsLow}}
	for _, tc := range []struct {
		d         Dialect
		orders    []store.Order
		keys      []*store.Value
		sql, tail string
		args      []any
	}{
		{SQLite, newest, []*store.Value{&v},
			`json_extract(doc,'$.receivedDateTime') <= ? AND (json_extract(doc,'$.receivedDateTime') < ? OR (id > ?))`,
			`json_extract(doc,'$.receivedDateTime') IS NULL`, []any{"2024-05-01T00:00:00.0000000Z", "2024-05-01T00:00:00.0000000Z", "m9"}},
		{Postgres, newest, []*store.Value{&v},
			`(doc #>> '{receivedDateTime}') COLLATE "C" <= $3 COLLATE "C" AND ((doc #>> '{receivedDateTime}') COLLATE "C" < $4 COLLATE "C" OR (id > $5))`,
			`(doc #>> '{receivedDateTime}') COLLATE "C" IS NULL`, []any{"2024-05-01T00:00:00.0000000Z", "2024-05-01T00:00:00.0000000Z", "m9"}},
		{SQLite, newest, []*store.Value{nil}, `json_extract(doc,'$.receivedDateTime') IS NULL AND (id > ?)`, "", []any{"m9"}},
		{Postgres, []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true}}, []*store.Value{&v},
			`(doc #>> '{receivedDateTime}') COLLATE "C" <= $3 COLLATE "C" AND ((doc #>> '{receivedDateTime}') COLLATE "C" < $4 COLLATE "C" OR (id > $5))`,
			"", nil},
	} {
		sql, args, tail, err := After(tc.d, items, tc.orders, store.Cursor{Keys: tc.keys, ID: "m9"}, 2)
		if err != nil || sql != tc.sql || tail != tc.tail || (tc.args != nil && !reflect.DeepEqual(args, tc.args)) {
			t.Errorf("%v %v:\n got  %s | %s %v (%v)\n want %s | %s %v", tc.d, tc.keys, sql, tail, args, err, tc.sql, tc.tail, tc.args)
		}
	}
	if _, _, _, err := After(SQLite, items, newest, store.Cursor{ID: "m9"}, 0); !errors.Is(err, ErrQuery) {
		t.Errorf("a cursor without keys: %v", err)
	}
}

// TestPrefixRange: the range startswith adds holds exactly the byte-ordered
// strings that start with the lower-cased prefix; a prefix that is empty
// or not ASCII gets none.
func TestPrefixRange(t *testing.T) {
	for _, tc := range []struct {
		prefix, lo, hi string
		ok             bool
	}{
		{"David", "david", "davie", true},
		{"a", "a", "b", true},
		{"Z", "z", "{", true},
		{"a_", "a_", "a`", true},
		{"100%", "100%", "100&", true},
		{"x\x7f", "x\x7f", "x\u0080", true},
		{"", "", "", false},
		{"Zoë", "", "", false},
	} {
		lo, hi, ok := prefixRange(tc.prefix)
		if lo != tc.lo || hi != tc.hi || ok != tc.ok {
			t.Errorf("prefixRange(%q) = %q, %q, %t; want %q, %q, %t", tc.prefix, lo, hi, ok, tc.lo, tc.hi, tc.ok)
		}
	}
}

// TestPositional: PostgreSQL's SQL with '?' placeholders, in the order of
// the arguments, whatever the offset; the rest of the text as numbered.
func TestPositional(t *testing.T) {
	cond := store.And{
		store.Compare{Field: store.Doc("a", store.TypeString), Op: store.Eq, Value: store.String("x")},
		store.Match{Field: store.Doc("b", store.TypeString), Kind: store.Prefix, Text: "ab"},
	}
	for _, tc := range []struct {
		d      Dialect
		offset int
		want   string
	}{
		{Postgres, 2, `doc #>> '{a}' = $3 AND lower(doc #>> '{b}') LIKE lower($4) ESCAPE '\' AND lower(doc #>> '{b}') >= $5 COLLATE "C" AND lower(doc #>> '{b}') < $6 COLLATE "C"`},
		{Postgres.Positional(), 2, `doc #>> '{a}' = ? AND lower(doc #>> '{b}') LIKE lower(?) ESCAPE '\' AND lower(doc #>> '{b}') >= ? COLLATE "C" AND lower(doc #>> '{b}') < ? COLLATE "C"`},
		{SQLite.Positional(), 0, `json_extract(doc,'$.a') = ? AND lower(json_extract(doc,'$.b')) LIKE lower(?) ESCAPE '\' AND lower(json_extract(doc,'$.b')) >= ? AND lower(json_extract(doc,'$.b')) < ?`},
	} {
		got, args, err := Where(tc.d, items, cond, tc.offset)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want || !reflect.DeepEqual(args, []any{"x", "ab%", "ab", "ac"}) {
			t.Errorf("%s, offset %d:\n got %s %v\nwant %s", tc.d, tc.offset, got, args, tc.want)
		}
	}
}
