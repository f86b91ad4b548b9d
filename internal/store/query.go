package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// The query IR: what the Graph server asks of ItemQuery and DirectoryQuery
// as typed values — conditions, orderings and a keyset cursor — rather
// than SQL. The odata package builds it from a $filter/$orderby AST; the
// Graph server builds its own fixed queries with it; the backends render
// it (one renderer, store/sqlq, parameterised by a dialect). No SQL text
// crosses this boundary: the caller names document paths and the store's
// own columns, never expressions.
//
// Semantics (OData's, as odata.Eval evaluates them):
//   - a missing or JSON-null property is null; a comparison with null is
//     false (Ne: true), except through IsNull;
//   - Not of a condition that met a null is true (Not folds SQL's unknown
//     to false first);
//   - Fold compares and sorts strings ignoring case (lower() both sides);
//   - strings and date-times compare and sort in byte order in every
//     backend (date-times are stored text in TimeLayout).

// Type is the type of a field's values, which decides how a backend reads
// the field and binds the values compared with it.
type Type int

const (
	// TypeString is text.
	TypeString Type = iota + 1
	// TypeBool is a boolean (JSON true/false; a 0/1 or boolean column).
	TypeBool
	// TypeInt is an integer.
	TypeInt
	// TypeFloat is a floating-point number.
	TypeFloat
	// TypeTime is a date-time. In a document it is text in TimeLayout
	// (UTC, fixed width), compared as that text so that an index over the
	// text serves it; a Value of TypeTime is bound as that text there.
	TypeTime
)

// Field names what a condition or an ordering reads: a path in the JSON
// document of the row (or of a lambda's element), or a column the store
// declares for the queried objects (ItemColumns, DirectoryColumns).
type Field struct {
	// Var is the variable of the enclosing Any or All whose element Path
	// is read from; "" for the row itself.
	Var string
	// Path is the property's path in the document ("from",
	// "emailAddress", "address"); empty with Var set for the element of a
	// primitive array itself. Identifiers only (letters, digits, _).
	Path []string
	// Column, when set, names a column instead of a document path (Path
	// and Var are then unused).
	Column string
	Type   Type
	// Count makes the field the number of elements of the array at Path
	// (TypeInt): OData's collection/$count.
	Count bool
	// IfNull, when set, stands for a null or missing value (SQL's
	// COALESCE): an index over that expression serves the field.
	IfNull *Value
}

// Doc is the field at a document path given as "a/b/c".
func Doc(path string, t Type) Field { return Field{Path: splitPath(path), Type: t} }

// Column is the field of a store column.
func Column(name string, t Type) Field { return Field{Column: name, Type: t} }

func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

// String names the field for errors.
func (f Field) String() string {
	if f.Column != "" {
		return f.Column
	}
	s := f.Var
	for _, p := range f.Path {
		if s != "" {
			s += "/"
		}
		s += p
	}
	if f.Count {
		s += "/$count"
	}
	return s
}

// Value is a typed literal.
type Value struct {
	Type Type
	// Inline asks the backend to write the value into the statement
	// rather than bind it, so that the planner can match a partial
	// index's predicate or expression in a generic plan (see Literal).
	// Only integers and strings of letters, digits, spaces and -:.+ are
	// written; others are bound. A Field's IfNull is always inline.
	Inline bool

	Str   string
	Int   int64
	Float float64
	Bool  bool
	Time  time.Time
}

// String, Int, Float, Bool and Time make typed values.
func String(s string) Value  { return Value{Type: TypeString, Str: s} }
func Int(i int64) Value      { return Value{Type: TypeInt, Int: i} }
func Float(f float64) Value  { return Value{Type: TypeFloat, Float: f} }
func Bool(b bool) Value      { return Value{Type: TypeBool, Bool: b} }
func Time(t time.Time) Value { return Value{Type: TypeTime, Time: t.UTC()} }

// Literal is a string written into the statement (Value.Inline).
func Literal(s string) Value   { return Value{Type: TypeString, Str: s, Inline: true} }
func (v Value) String() string { return fmt.Sprint(v.Any()) }
func (v Value) isNumber() bool { return v.Type == TypeInt || v.Type == TypeFloat }
func (Compare) cond()          {}
func (In) cond()               {}
func (Match) cond()            {}
func (IsNull) cond()           {}
func (And) cond()              {}
func (Or) cond()               {}
func (Not) cond()              {}
func (Const) cond()            {}
func (Any) cond()              {}
func (All) cond()              {}
func (f Field) valid() bool    { return f.Type >= TypeString && f.Type <= TypeTime }
func (v Value) valid() bool    { return v.Type >= TypeString && v.Type <= TypeTime }

// Fits reports whether v may be compared with a field of type t (numbers
// of either kind with numeric fields).
func (v Value) Fits(t Type) bool {
	switch t {
	case TypeInt, TypeFloat:
		return v.isNumber()
	}
	return v.Type == t
}

// Any returns the Go value of v: a string, int64, float64, bool or a UTC
// time.Time.
func (v Value) Any() any {
	switch v.Type {
	case TypeString:
		return v.Str
	case TypeInt:
		return v.Int
	case TypeFloat:
		return v.Float
	case TypeBool:
		return v.Bool
	case TypeTime:
		return v.Time
	}
	return nil
}

// Op is a comparison operator.
type Op int

const (
	Eq Op = iota + 1
	Ne
	Gt
	Ge
	Lt
	Le
)

// Cond is a condition on the queried objects: Compare, In, Match,
// IsNull, And, Or, Not, Const, Any or All.
type Cond interface{ cond() }

// Compare is Field Op Value. Ne is true for a null field (OData's ne);
// the other operators are false for it. Fold compares strings ignoring
// case.
type Compare struct {
	Field Field
	Op    Op
	Value Value
	Fold  bool
}

// In is true when Field equals one of Values; for a null field it is
// false, or true with OrNull (OData's in (…, null)).
type In struct {
	Field  Field
	Values []Value
	Fold   bool
	OrNull bool
}

// MatchKind is where Match looks for its text.
type MatchKind int

const (
	Prefix   MatchKind = iota + 1 // startswith
	Suffix                        // endswith
	Contains                      // contains, $search
)

// Match is true when the string Field starts with, ends with or contains
// Text, ignoring case; Text's characters are literal (no wildcards).
type Match struct {
	Field Field
	Kind  MatchKind
	Text  string
}

// IsNull is true when Field is null or missing.
type IsNull struct{ Field Field }

// And is true when every condition is (true when empty).
type And []Cond

// Or is true when one condition is (false when empty).
type Or []Cond

// Not negates a condition; a condition that met a null is false first.
type Not struct{ Cond Cond }

// Const is a constant condition.
type Const bool

// Any is true when the array at Array (a document path; Array.Type is the
// type of its elements when they are primitive, 0 when they are objects)
// has an element
// for which Cond holds (any element when Cond is nil); inside Cond,
// fields with Var set read that element. A missing, null or non-array
// value has no elements.
type Any struct {
	Array Field
	Var   string
	Cond  Cond
}

// All is true when Cond holds for every element of the array at Array.
type All struct {
	Array Field
	Var   string
	Cond  Cond
}

// Nulls says where an ordering puts null values.
type Nulls int

const (
	// NullsBackend leaves it to the backend (PostgreSQL: nulls above every
	// value; SQLite: below). The server's own fixed orders over properties
	// every object has use it, so that an index ordered the backend's way
	// serves them.
	NullsBackend Nulls = iota
	// NullsLow sorts nulls below every value (first ascending, last
	// descending), as OData specifies for $orderby.
	NullsLow
)

// Order is one key of an ordering. The backend always breaks ties by id,
// ascending. Strings and date-times sort in byte order; Fold sorts
// strings ignoring case.
type Order struct {
	Field Field
	Desc  bool
	Fold  bool
	Nulls Nulls
}

// Cursor continues a keyset-paged listing after the last row of the
// previous page: the values of that row's order keys (one per Order, in
// order; a nil entry for a null key) and its id. The backend returns only
// the rows after it in the query's order (order keys, then id), with a
// row-value comparison an index on the order serves, so that a deep page
// costs what the first does.
type Cursor struct {
	Keys []*Value
	ID   string
}

// CheckCond reports a malformed condition (an unknown type, a value of
// another type than its field, an array path without Any): a programming
// error of the caller, which backends refuse before any statement runs.
func CheckCond(c Cond) error {
	switch c := c.(type) {
	case nil, Const:
		return nil
	case Compare:
		if !c.Field.valid() || !c.Value.Fits(c.Field.Type) || c.Op < Eq || c.Op > Le {
			return fmt.Errorf("store: bad comparison %s %d %v", c.Field, c.Op, c.Value)
		}
	case In:
		for _, v := range c.Values {
			if !c.Field.valid() || !v.Fits(c.Field.Type) {
				return fmt.Errorf("store: bad value %v in %s", v, c.Field)
			}
		}
	case Match:
		if c.Field.Type != TypeString || c.Kind < Prefix || c.Kind > Contains {
			return fmt.Errorf("store: bad match on %s", c.Field)
		}
	case IsNull:
		if !c.Field.valid() {
			return fmt.Errorf("store: bad field %s", c.Field)
		}
	case And:
		for _, x := range c {
			if err := CheckCond(x); err != nil {
				return err
			}
		}
	case Or:
		for _, x := range c {
			if err := CheckCond(x); err != nil {
				return err
			}
		}
	case Not:
		return CheckCond(c.Cond)
	case Any:
		if c.Array.Column != "" || c.Array.Count {
			return fmt.Errorf("store: bad array %s", c.Array)
		}
		return CheckCond(c.Cond)
	case All:
		if c.Array.Column != "" || c.Array.Count {
			return fmt.Errorf("store: bad array %s", c.Array)
		}
		return CheckCond(c.Cond)
	default:
		return fmt.Errorf("store: unknown condition %T", c)
	}
	return nil
}

// AndAll joins conditions, leaving out nil ones: nil when none is left.
func AndAll(cs ...Cond) Cond {
	var out And
	for _, c := range cs {
		if c != nil {
			out = append(out, c)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

// CursorOf is the cursor after it in orders: its values of the order keys,
// read from its document (a missing or null value is a nil key), and its
// id. ok is false when a key cannot make a cursor — a column other than
// id, a lambda variable or a count, or a document value of another JSON
// type than the field's — and the listing must continue by offset.
//
// Only the members on the keys' paths are decoded (pathValue): a page's
// next link reads its last item's cursor on every request, and decoding
// the whole document was 7 % of a messages page's CPU.
func CursorOf(it Item, orders []Order) (c Cursor, ok bool) {
	c = Cursor{ID: it.ID, Keys: make([]*Value, len(orders))}
	var doc map[string]any // the whole document, when pathValue cannot serve
	decoded := false
	for i, o := range orders {
		f := o.Field
		if f.Column != "" || f.Var != "" || f.Count || len(f.Path) == 0 {
			return Cursor{}, false
		}
		v, fast := pathValue(it.Doc, f.Path)
		if !fast {
			if !decoded {
				d := json.NewDecoder(bytes.NewReader(it.Doc))
				d.UseNumber()
				if err := d.Decode(&doc); err != nil {
					return Cursor{}, false
				}
				decoded = true
			}
			v = any(doc)
			for _, p := range f.Path {
				m, isObject := v.(map[string]any)
				if !isObject {
					v = nil
					break
				}
				v = m[p]
			}
		}
		if v == nil {
			if f.IfNull != nil {
				return Cursor{}, false // the key is the IfNull value, not null
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

// pathValue is the value at path in the JSON object doc, decoded as
// CursorOf's whole-document decoding (json.Decoder with UseNumber) holds
// it: nil when a member on the path is missing or not an object. Only the
// objects on the path are read member by member (jsontext, the tokenizer
// odata and graph use; skipped members are validated, not decoded). ok is
// false when jsontext refuses the document where encoding/json would not
// — a name given twice (encoding/json keeps the last), invalid UTF-8
// (replaced) — or anything else unexpected: the caller then decodes the
// whole document as before.
func pathValue(doc []byte, path []string) (v any, ok bool) {
	raw := jsontext.Value(doc)
	for _, p := range path {
		dec := jsontext.NewDecoder(bytes.NewReader(raw))
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, false
		}
		if tok.Kind() != '{' {
			if len(raw) == len(doc) {
				return nil, false // not an object: the decoding's error
			}
			return nil, true // a member on the path that is not an object
		}
		var found jsontext.Value
		for dec.PeekKind() != '}' {
			name, err := dec.ReadValue()
			if err != nil {
				return nil, false
			}
			var match bool // a read value is valid until the next read
			if bytes.IndexByte(name, '\\') < 0 {
				match = string(name[1:len(name)-1]) == p
			} else {
				u, err := jsontext.AppendUnquote(nil, name)
				match = err == nil && string(u) == p
			}
			val, err := dec.ReadValue()
			if err != nil {
				return nil, false
			}
			if match {
				// A slice of raw (the decoder's own bytes are valid
				// only until its next read).
				end := int(dec.InputOffset())
				found = raw[end-len(val) : end]
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, false
		}
		if found == nil {
			return nil, true
		}
		raw = found
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// valueOf types a decoded JSON value as a field of type t holds it.
func valueOf(v any, t Type) (Value, bool) {
	switch t {
	case TypeString:
		if s, ok := v.(string); ok {
			return String(s), true
		}
	case TypeTime:
		if s, ok := v.(string); ok {
			if tm, err := time.Parse(TimeLayout, s); err == nil && tm.Format(TimeLayout) == s {
				return Time(tm), true
			}
		}
	case TypeBool:
		if b, ok := v.(bool); ok {
			return Bool(b), true
		}
	case TypeInt, TypeFloat:
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil && t == TypeInt {
				return Int(i), true
			}
			if f, err := n.Float64(); err == nil {
				return Float(f), true
			}
		}
	}
	return Value{}, false
}
