package graph

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"graphgate/internal/store"
)

// Keyset paging. A collection listed by WriteCollection, and the users
// listing in id order (no $orderby; its cursor is the last id, the primary
// key), continue from the last row of the previous page rather than from
// an offset: the nextLink's
// $skiptoken carries that row's order keys and id (store.CursorOf), and
// the store continues after them (store.ItemQuery.After), so that a deep
// page reads what the first does, through the index on the order. The
// token also carries the next page's offset (for its own nextLink) and a
// digest of the ordering it was made for: a token used with another
// $orderby is refused, as one whose text does not parse is. When the last
// row's keys cannot make a cursor (a key the store holds as a column, a
// document value of another type than declared), the token is an offset
// token as before; a client's $skip is an offset, as Graph allows.
//
// Graph's own skip tokens are opaque; these are base64url of "k:" and a
// JSON object, read back strictly.

// keysetPrefix starts the text of a keyset $skiptoken.
const keysetPrefix = "k:"

// keysetJSON is a keyset token's content.
type keysetJSON struct {
	Offset int       `json:"o"`
	Order  uint64    `json:"h"`
	Keys   []keyJSON `json:"k"`
	ID     string    `json:"i"`
}

// keyJSON is one order key: null (T 0) or a typed value; a date-time as
// the stored text.
type keyJSON struct {
	T store.Type `json:"t,omitempty"`
	S string     `json:"s,omitempty"`
	I int64      `json:"n,omitempty"`
	F float64    `json:"f,omitempty"`
	B bool       `json:"b,omitempty"`
}

type keysetCursor struct {
	Offset int
	Order  uint64
	cursor store.Cursor
}

// orderDigest identifies an ordering: its fields, directions, folding and
// null placement.
func orderDigest(orders []store.Order) uint64 {
	h := fnv.New64a()
	for _, o := range orders {
		fmt.Fprintf(h, "%s|%d|%t|%t|%d;", strings.Join(o.Field.Path, "/")+"#"+o.Field.Column, o.Field.Type, o.Desc, o.Fold, o.Nulls)
	}
	return h.Sum64()
}

// keysetToken is the $skiptoken of the page after last, the last row of
// the page q read in orders; an offset token when last makes no cursor.
func keysetToken(q *Query, orders []store.Order, last store.Item) string {
	c, ok := store.CursorOf(last, orders)
	if !ok {
		return ""
	}
	return encodeKeyset(q, orders, c)
}

// encodeKeyset is the $skiptoken of the page after cursor c in orders.
func encodeKeyset(q *Query, orders []store.Order, c store.Cursor) string {
	k := keysetJSON{Offset: q.skip + q.top, Order: orderDigest(orders), ID: c.ID, Keys: make([]keyJSON, len(c.Keys))}
	for i, v := range c.Keys {
		if v == nil {
			continue
		}
		kj := keyJSON{T: v.Type, S: v.Str, I: v.Int, F: v.Float, B: v.Bool}
		if v.Type == store.TypeTime {
			kj.S = v.Time.Format(store.TimeLayout)
		}
		k.Keys[i] = kj
	}
	b, err := json.Marshal(k)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(append([]byte(keysetPrefix), b...))
}

// decodeKeysetToken reads a keyset $skiptoken; ok is false for any other
// text (an offset token, or one that does not parse, which
// decodeSkipToken then refuses).
func decodeKeysetToken(t string) (keysetCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || !strings.HasPrefix(string(b), keysetPrefix) {
		return keysetCursor{}, false
	}
	d := json.NewDecoder(strings.NewReader(strings.TrimPrefix(string(b), keysetPrefix)))
	d.DisallowUnknownFields()
	var k keysetJSON
	if err := d.Decode(&k); err != nil || d.More() || k.Offset < 0 || k.ID == "" {
		return keysetCursor{}, false
	}
	c := store.Cursor{ID: k.ID, Keys: make([]*store.Value, len(k.Keys))}
	for i, kj := range k.Keys {
		var v store.Value
		switch kj.T {
		case 0:
			continue
		case store.TypeString:
			v = store.String(kj.S)
		case store.TypeInt:
			v = store.Int(kj.I)
		case store.TypeFloat:
			v = store.Float(kj.F)
		case store.TypeBool:
			v = store.Bool(kj.B)
		case store.TypeTime:
			tm, err := time.Parse(store.TimeLayout, kj.S)
			if err != nil {
				return keysetCursor{}, false
			}
			v = store.Time(tm)
		default:
			return keysetCursor{}, false
		}
		c.Keys[i] = &v
	}
	return keysetCursor{Offset: k.Offset, Order: k.Order, cursor: c}, true
}

// cursorFits reports whether q's keyset cursor was made for orders: the
// same ordering, a key of each field's type.
func cursorFits(q *Query, orders []store.Order) bool {
	if q.after == nil || q.afterOrder != orderDigest(orders) || len(q.after.Keys) != len(orders) {
		return false
	}
	for i, v := range q.after.Keys {
		if v != nil && !v.Fits(orders[i].Field.Type) {
			return false
		}
	}
	return true
}
