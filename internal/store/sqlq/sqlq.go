package sqlq

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"graphgate/internal/store"
)

// Dialect is what differs between the backends' SQL for a query: JSON
// paths (json_extract against #>> with casts), array elements (json_each
// against jsonb_array_elements[_text]), placeholders (? against $n), the
// byte-order collation PostgreSQL needs for text ranges and sorts, and
// where each puts nulls in a sort.
type Dialect struct {
	name     string
	postgres bool
	// positional writes PostgreSQL's placeholders as '?' too, for a
	// caller that numbers a whole statement itself (Positional).
	positional bool
}

var (
	// SQLite: ? placeholders; documents are JSON text read with
	// json_extract (numbers as INTEGER/REAL, booleans as 0/1); text
	// compares bytewise already; nulls sort lowest.
	SQLite = Dialect{name: "sqlite"}
	// Postgres: $n placeholders; documents are jsonb read with #>> and
	// cast to the field's type; text ranges and sorts use COLLATE "C";
	// nulls sort highest unless told.
	Postgres = Dialect{name: "postgres", postgres: true}
)

func (d Dialect) String() string { return d.name }

// Positional is d writing every placeholder as '?', in the order of the
// arguments, for a caller that writes the rest of the statement with '?'
// too and numbers them all at once (store/sqlstore's Flavor.Rebind); the
// offsets Render and friends take are then unused.
func (d Dialect) Positional() Dialect { d.positional = true; return d }

// Table describes the queried table to the renderer: the SQL of its JSON
// document, and the SQL of each column a Field may name.
type Table struct {
	// Document is the SQL of the row's JSON document: "doc" for items;
	// for groups, an object built from a JSON column.
	Document string
	// Columns maps the column names a query may use (the items' id and
	// times, store.DirectoryColumns, store.UserType) to their SQL. A
	// column of store.TypeTime is a timestamptz in PostgreSQL and text in
	// store.TimeLayout in SQLite.
	Columns map[string]string
}

// ErrQuery wraps every error of a malformed query (a programming error of
// the caller: odata and graph build only valid ones).
var ErrQuery = errors.New("sqlq: malformed query")

// Where renders c as a boolean SQL expression for a WHERE clause ("" for
// nil) and its arguments. PostgreSQL placeholders are numbered from
// offset+1.
func Where(d Dialect, t Table, c store.Cond, offset int) (string, []any, error) {
	if c == nil {
		return "", nil, nil
	}
	if err := store.CheckCond(c); err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrQuery, err)
	}
	r := &renderer{d: d, t: t, offset: offset}
	f, err := r.cond(c)
	if err != nil {
		return "", nil, err
	}
	return f.sql, r.args, nil
}

// OrderBy renders an ordering as an ORDER BY list (without the keywords
// and without the id tie-breaker, which the backend appends): "" for
// none. It binds no arguments.
func OrderBy(d Dialect, t Table, orders []store.Order) (string, error) {
	r := &renderer{d: d, t: t}
	parts := make([]string, 0, len(orders))
	for _, o := range orders {
		expr, err := r.orderExpr(o)
		if err != nil {
			return "", err
		}
		switch {
		case o.Desc && o.Nulls == store.NullsLow && d.postgres:
			expr += " DESC NULLS LAST"
		case o.Desc:
			expr += " DESC"
		case o.Nulls == store.NullsLow && d.postgres:
			expr += " ASC NULLS FIRST"
		default:
			expr += " ASC"
		}
		parts = append(parts, expr)
	}
	return strings.Join(parts, ", "), nil
}

// orderExpr is the expression an ordering sorts by: strings through
// lower() when folded, text (strings and stored date-times) in byte
// order.
func (r *renderer) orderExpr(o store.Order) (string, error) {
	if o.Field.Var != "" || o.Field.Count {
		return "", fmt.Errorf("%w: cannot sort by %s", ErrQuery, o.Field)
	}
	op, err := r.field(o.Field)
	if err != nil {
		return "", err
	}
	expr := op.sql
	switch {
	case o.Fold && o.Field.Type == store.TypeString:
		expr = "lower(" + expr + ")"
		if r.d.postgres {
			expr += ` COLLATE "C"`
		}
	case op.text && r.d.postgres && op.ifNull:
		expr += ` COLLATE "C"`
	case op.text && r.d.postgres:
		expr = "(" + expr + `) COLLATE "C"`
	}
	return expr, nil
}

// After renders the condition of a keyset cursor: the rows after it in
// the order of orders followed by id ascending (the backend's
// tie-breaker), as
//
//	k1 <= v1 AND (k1 < v1 OR (… OR id > last))   (descending k1)
//
// with the first key's bound first, so that an index on the order starts
// its range there instead of reading the rows before. Nulls are where the
// ordering puts them. When the first key is not null and the nulls of the
// first key come after every value, they are not in that range (an OR
// would keep the index from searching it): tail is then the condition of
// those rows (k1 IS NULL), which follow the range's rows in the order;
// the backend reads them when the range does not fill the page. tail is
// "" otherwise. It returns an error when the cursor does not fit the
// ordering. PostgreSQL placeholders are numbered from offset+1 in each.
func After(d Dialect, t Table, orders []store.Order, c store.Cursor, offset int) (rng string, rangeArgs []any, tail string, err error) {
	if len(c.Keys) != len(orders) {
		return "", nil, "", fmt.Errorf("%w: a cursor of %d keys for %d orders", ErrQuery, len(c.Keys), len(orders))
	}
	r := &renderer{d: d, t: t, offset: offset}
	top := true
	sql, err := r.after(orders, c, 0, &top)
	if err != nil {
		return "", nil, "", err
	}
	if len(orders) > 0 && c.Keys[0] != nil && nullsAfter(d, orders[0]) {
		expr, err := (&renderer{d: d, t: t}).orderExpr(orders[0])
		if err != nil {
			return "", nil, "", err
		}
		tail = expr + " IS NULL"
	}
	return sql, r.args, tail, nil
}

// nullsAfter reports whether an ordering puts nulls after every value.
func nullsAfter(d Dialect, o store.Order) bool {
	nullsLow := o.Nulls == store.NullsLow || !d.postgres
	return nullsLow == o.Desc
}

// after renders the rows after c from the i-th order key on, binding the
// arguments in the order of the text (SQLite's ? are positional).
func (r *renderer) after(orders []store.Order, c store.Cursor, i int, top *bool) (string, error) {
	first := *top
	*top = false
	if i == len(orders) {
		idCol := "id"
		if sql, ok := r.t.Columns["id"]; ok {
			idCol = sql
		}
		return idCol + " > " + r.bind(c.ID), nil
	}
	o, v := orders[i], c.Keys[i]
	expr, err := r.orderExpr(o)
	if err != nil {
		return "", err
	}
	nullsAfter := nullsAfter(r.d, o)
	if v == nil {
		if !nullsAfter {
			// The values follow the nulls; after this null, the nulls
			// that tie with it by the rest of the order.
			rest, err := r.after(orders, c, i+1, top)
			if err != nil {
				return "", err
			}
			return "(" + expr + " IS NOT NULL OR (" + expr + " IS NULL AND (" + rest + ")))", nil
		}
		rest, err := r.after(orders, c, i+1, top)
		if err != nil {
			return "", err
		}
		return expr + " IS NULL AND (" + rest + ")", nil
	}
	if !v.Fits(o.Field.Type) {
		return "", fmt.Errorf("%w: a cursor value %v for %s", ErrQuery, v.Any(), o.Field)
	}
	beyond, bound := " > ", " >= "
	if o.Desc {
		beyond, bound = " < ", " <= "
	}
	v1, err := r.orderValue(o, *v)
	if err != nil {
		return "", err
	}
	v2, err := r.orderValue(o, *v)
	if err != nil {
		return "", err
	}
	rest, err := r.after(orders, c, i+1, top)
	if err != nil {
		return "", err
	}
	cond := expr + bound + v1 + " AND (" + expr + beyond + v2 + " OR (" + rest + "))"
	if nullsAfter && !first {
		// The first key's nulls are After's tail instead.
		cond = "(" + expr + " IS NULL OR (" + cond + "))"
	}
	return cond, nil
}

// orderValue binds a cursor value the way orderExpr reads the field.
func (r *renderer) orderValue(o store.Order, v store.Value) (string, error) {
	op, err := r.field(o.Field)
	if err != nil {
		return "", err
	}
	switch {
	case o.Fold && o.Field.Type == store.TypeString:
		s := "lower(" + r.bind(v.Str) + ")"
		if r.d.postgres {
			s += ` COLLATE "C"`
		}
		return s, nil
	case op.text:
		s := r.bindValue(op, v)
		if r.d.postgres {
			s += ` COLLATE "C"`
		}
		return s, nil
	}
	return r.bindValue(op, v), nil
}

// fragment is rendered SQL; nullable records whether it can evaluate to
// SQL NULL, which only matters under NOT.
type fragment struct {
	sql      string
	nullable bool
}

var (
	sqlTrue  = fragment{sql: "1 = 1"}
	sqlFalse = fragment{sql: "1 = 0"}
)

type scope struct {
	name    string
	alias   string
	objects bool // elements are objects (read by path), not primitives
}

type renderer struct {
	d       Dialect
	t       Table
	offset  int
	args    []any
	scopes  []scope
	aliases int
}

// operand is a field as SQL: text when it compares as text in byte order
// (a string, or a date-time held as text); timeText for a date-time held
// as store.TimeLayout text.
type operand struct {
	sql      string
	typ      store.Type
	text     bool
	timeText bool
	ifNull   bool
}

func (r *renderer) bind(v any) string {
	r.args = append(r.args, v)
	if r.d.postgres && !r.d.positional {
		return "$" + strconv.Itoa(r.offset+len(r.args))
	}
	return "?"
}

func (r *renderer) alias() string {
	r.aliases++
	return "l" + strconv.Itoa(r.aliases)
}

// identifier matches a path segment, written into SQL string literals.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// inline matches the strings written into a statement (Value.Inline).
var inline = regexp.MustCompile(`^[A-Za-z0-9 :.+-]*$`)

func checkPath(path []string) error {
	for _, p := range path {
		if !identifier.MatchString(p) {
			return fmt.Errorf("%w: path segment %q", ErrQuery, p)
		}
	}
	return nil
}

// field resolves a field to SQL.
func (r *renderer) field(f store.Field) (operand, error) {
	if f.Column != "" {
		sql, ok := r.t.Columns[f.Column]
		if !ok {
			return operand{}, fmt.Errorf("%w: unknown column %q", ErrQuery, f.Column)
		}
		op := operand{sql: sql, typ: f.Type, text: f.Type == store.TypeString || (f.Type == store.TypeTime && !r.d.postgres)}
		op.timeText = f.Type == store.TypeTime && !r.d.postgres
		return r.ifNull(op, f)
	}
	if err := checkPath(f.Path); err != nil {
		return operand{}, err
	}
	doc := r.t.Document
	if f.Var != "" {
		s, ok := r.scope(f.Var)
		if !ok {
			return operand{}, fmt.Errorf("%w: unknown variable %q", ErrQuery, f.Var)
		}
		doc = s.alias + ".value"
		if len(f.Path) > 0 && !s.objects {
			return operand{}, fmt.Errorf("%w: a path below a primitive element %s", ErrQuery, f)
		}
	} else if doc == "" {
		return operand{}, fmt.Errorf("%w: %s: the table has no document", ErrQuery, f)
	}
	if f.Count {
		from, err := r.source(f, r.alias(), true)
		if err != nil {
			return operand{}, err
		}
		return operand{sql: "(SELECT COUNT(*) FROM " + from + ")", typ: store.TypeInt}, nil
	}
	return r.ifNull(jsonScalar(r.d, doc, f.Path, f.Type), f)
}

// ifNull applies a field's IfNull.
func (r *renderer) ifNull(op operand, f store.Field) (operand, error) {
	if f.IfNull == nil {
		return op, nil
	}
	if !f.IfNull.Fits(f.Type) {
		return operand{}, fmt.Errorf("%w: IfNull %v for %s", ErrQuery, f.IfNull.Any(), f)
	}
	fn := "ifnull"
	if r.d.postgres {
		fn = "coalesce"
	}
	v := *f.IfNull
	v.Inline = true
	op.sql = fn + "(" + op.sql + ", " + r.bindValue(op, v) + ")"
	op.ifNull = true
	return op, nil
}

func (r *renderer) scope(name string) (scope, bool) {
	for i := len(r.scopes) - 1; i >= 0; i-- {
		if r.scopes[i].name == name {
			return r.scopes[i], true
		}
	}
	return scope{}, false
}

// jsonScalar is the scalar at path in the JSON value doc (a document, or
// a lambda element alias.value; an empty path is doc itself, an element
// of a primitive array). SQLite's json_extract gives strings as TEXT,
// numbers as INTEGER or REAL and booleans as 0/1, as json_each's value
// does; PostgreSQL's #>> and jsonb_array_elements_text give text, cast
// here to the declared type. Date-times stay text in both.
func jsonScalar(d Dialect, doc string, path []string, t store.Type) operand {
	op := operand{sql: doc, typ: t, text: t == store.TypeString || t == store.TypeTime, timeText: t == store.TypeTime}
	if !d.postgres {
		if len(path) > 0 {
			op.sql = "json_extract(" + doc + ",'$." + strings.Join(path, ".") + "')"
		}
		return op
	}
	if len(path) > 0 {
		op.sql = doc + " #>> '{" + strings.Join(path, ",") + "}'"
	}
	var cast string
	switch t {
	case store.TypeBool:
		cast = "::boolean"
	case store.TypeInt:
		cast = "::numeric"
	case store.TypeFloat:
		cast = "::double precision"
	default:
		return op
	}
	if len(path) > 0 {
		op.sql = "(" + op.sql + ")"
	}
	op.sql += cast
	return op
}

// arraySQL is the array at the field's path, for json_each or
// jsonb_array_elements, or NULL (no elements) when the value there is
// absent, null or not an array: json_each would list a scalar's own
// value, and jsonb_array_elements fails on one.
func (r *renderer) arraySQL(f store.Field) (string, error) {
	if err := checkPath(f.Path); err != nil {
		return "", err
	}
	doc := r.t.Document
	if f.Var != "" {
		s, ok := r.scope(f.Var)
		if !ok || !s.objects {
			return "", fmt.Errorf("%w: array %s", ErrQuery, f)
		}
		doc = s.alias + ".value"
	} else if doc == "" {
		return "", fmt.Errorf("%w: %s: the table has no document", ErrQuery, f)
	}
	if len(f.Path) == 0 {
		return "", fmt.Errorf("%w: an array needs a path", ErrQuery)
	}
	if r.d.postgres {
		v := doc + " #> '{" + strings.Join(f.Path, ",") + "}'"
		return "CASE jsonb_typeof(" + v + ") WHEN 'array' THEN " + v + " END", nil
	}
	p := "'$." + strings.Join(f.Path, ".") + "'"
	return "CASE json_type(" + doc + "," + p + ") WHEN 'array' THEN json_extract(" + doc + "," + p + ") END", nil
}

// source is the FROM item listing an array's elements as alias.
func (r *renderer) source(f store.Field, alias string, objects bool) (string, error) {
	arr, err := r.arraySQL(f)
	if err != nil {
		return "", err
	}
	fn := "json_each"
	if r.d.postgres {
		fn = "jsonb_array_elements"
		if !objects {
			fn = "jsonb_array_elements_text"
		}
	}
	return fn + "(" + arr + ") AS " + alias, nil
}

func (r *renderer) cond(c store.Cond) (fragment, error) {
	switch c := c.(type) {
	case store.Const:
		if c {
			return sqlTrue, nil
		}
		return sqlFalse, nil
	case store.And:
		return r.logical([]store.Cond(c), " AND ", sqlTrue)
	case store.Or:
		return r.logical([]store.Cond(c), " OR ", sqlFalse)
	case store.Not:
		x, err := r.cond(c.Cond)
		if err != nil {
			return fragment{}, err
		}
		if x.nullable {
			return fragment{sql: "NOT COALESCE(" + x.sql + ", FALSE)"}, nil
		}
		return fragment{sql: "NOT (" + x.sql + ")"}, nil
	case store.Compare:
		return r.compare(c)
	case store.In:
		return r.in(c)
	case store.Match:
		return r.match(c)
	case store.IsNull:
		op, err := r.field(c.Field)
		if err != nil {
			return fragment{}, err
		}
		return fragment{sql: op.sql + " IS NULL"}, nil
	case store.Any:
		return r.lambda(c.Array, c.Var, c.Cond, true)
	case store.All:
		return r.lambda(c.Array, c.Var, c.Cond, false)
	}
	return fragment{}, fmt.Errorf("%w: condition %T", ErrQuery, c)
}

func isLogical(c store.Cond) bool {
	switch c := c.(type) {
	case store.And:
		return len(c) > 1
	case store.Or:
		return len(c) > 1
	}
	return false
}

func (r *renderer) logical(cs []store.Cond, op string, empty fragment) (fragment, error) {
	if len(cs) == 0 {
		return empty, nil
	}
	var b strings.Builder
	nullable := false
	for i, c := range cs {
		f, err := r.cond(c)
		if err != nil {
			return fragment{}, err
		}
		if i > 0 {
			b.WriteString(op)
		}
		if isLogical(c) {
			f.sql = "(" + f.sql + ")"
		}
		b.WriteString(f.sql)
		nullable = nullable || f.nullable
	}
	return fragment{sql: b.String(), nullable: nullable}, nil
}

// bindValue binds v for a comparison with op: a date-time as the stored
// text where the field is text, numbers as they are (an integer field
// compared with a fraction casts the fraction on PostgreSQL), an inline
// string written out.
func (r *renderer) bindValue(op operand, v store.Value) string {
	switch v.Type {
	case store.TypeString:
		if v.Inline && inline.MatchString(v.Str) {
			return "'" + v.Str + "'"
		}
		return r.bind(v.Str)
	case store.TypeInt:
		if v.Inline {
			return strconv.FormatInt(v.Int, 10)
		}
		return r.bind(v.Int)
	case store.TypeTime:
		if v.Inline && (op.timeText || !r.d.postgres) {
			return "'" + v.Time.UTC().Format(store.TimeLayout) + "'"
		}
		if op.timeText || !r.d.postgres {
			return r.bind(v.Time.UTC().Format(store.TimeLayout))
		}
		return r.bind(v.Time)
	case store.TypeBool:
		if v.Inline {
			return strings.ToUpper(strconv.FormatBool(v.Bool))
		}
		return r.bind(v.Bool)
	}
	if v.Inline {
		return strconv.FormatFloat(v.Float, 'g', -1, 64)
	}
	if r.d.postgres && op.typ == store.TypeInt {
		return "CAST(" + r.bind(v.Float) + " AS double precision)"
	}
	return r.bind(v.Float)
}

// sides renders both sides of field = value: through lower() when folded.
func (r *renderer) sides(op operand, v store.Value, fold bool) (lhs, rhs string) {
	if fold && op.typ == store.TypeString {
		return "lower(" + op.sql + ")", "lower(" + r.bindValue(op, v) + ")"
	}
	return op.sql, r.bindValue(op, v)
}

var compareSym = map[store.Op]string{store.Gt: " > ", store.Ge: " >= ", store.Lt: " < ", store.Le: " <= "}

func (r *renderer) compare(c store.Compare) (fragment, error) {
	op, err := r.field(c.Field)
	if err != nil {
		return fragment{}, err
	}
	lhs, rhs := r.sides(op, c.Value, c.Fold)
	switch c.Op {
	case store.Eq:
		return fragment{sql: lhs + " = " + rhs, nullable: true}, nil
	case store.Ne:
		return fragment{sql: "(" + op.sql + " IS NULL OR " + lhs + " <> " + rhs + ")"}, nil
	}
	if r.d.postgres && op.text && !op.ifNull {
		rhs += ` COLLATE "C"`
	}
	if r.d.postgres && op.text && op.ifNull {
		lhs += ` COLLATE "C"`
	}
	return fragment{sql: lhs + compareSym[c.Op] + rhs, nullable: true}, nil
}

func (r *renderer) in(c store.In) (fragment, error) {
	op, err := r.field(c.Field)
	if err != nil {
		return fragment{}, err
	}
	if len(c.Values) == 0 {
		if c.OrNull {
			return fragment{sql: op.sql + " IS NULL"}, nil
		}
		return sqlFalse, nil
	}
	var lhs string
	items := make([]string, 0, len(c.Values))
	for _, v := range c.Values {
		l, rhs := r.sides(op, v, c.Fold)
		lhs, items = l, append(items, rhs)
	}
	if c.OrNull {
		return fragment{sql: "(" + op.sql + " IS NULL OR " + lhs + " IN (" + strings.Join(items, ", ") + "))"}, nil
	}
	return fragment{sql: lhs + " IN (" + strings.Join(items, ", ") + ")", nullable: true}, nil
}

// LikeEscape is the ESCAPE clause after every LIKE pattern made with
// EscapeLike (the same on SQLite and PostgreSQL).
const LikeEscape = ` ESCAPE '\'`

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// EscapeLike makes %, _ and the escape character \ literal in a LIKE
// pattern compared with LikeEscape: text a client searches for is matched
// as the characters it holds, never as wildcards.
func EscapeLike(s string) string { return likeEscaper.Replace(s) }

func (r *renderer) match(c store.Match) (fragment, error) {
	op, err := r.field(c.Field)
	if err != nil {
		return fragment{}, err
	}
	pattern := EscapeLike(c.Text)
	switch c.Kind {
	case store.Prefix:
		pattern += "%"
	case store.Suffix:
		pattern = "%" + pattern
	default:
		pattern = "%" + pattern + "%"
	}
	sql := "lower(" + op.sql + ") LIKE lower(" + r.bind(pattern) + ")" + LikeEscape
	if lo, hi, ok := prefixRange(c.Text); ok && c.Kind == store.Prefix {
		// The same prefix as a range of lower(field), which an index on
		// lower(field) serves (PostgreSQL's generic plans cannot use an
		// index for LIKE with a bound pattern, SQLite's LIKE optimisation
		// never applies to an expression); the LIKE still decides.
		var coll string
		if r.d.postgres {
			coll = ` COLLATE "C"`
		}
		lower := "lower(" + op.sql + ")"
		sql += " AND " + lower + " >= " + r.bind(lo) + coll + " AND " + lower + " < " + r.bind(hi) + coll
	}
	return fragment{sql: sql, nullable: true}, nil
}

// prefixRange is the range [lo, hi) of byte-ordered strings that start
// with the lower-cased prefix s, for a non-empty ASCII prefix: hi is lo
// with its last character incremented. The range holds every value the
// LIKE it goes with matches, on both stores: lower() maps ASCII letters to
// ASCII lower case (SQLite's lower only those; PostgreSQL's in every
// locale but Turkish and Azerbaijani, whose lower('I') is 'ı'), so a
// value of lower(col) LIKE lower(s)||'%' starts with lo. A prefix with
// other characters gets no range (its LIKE reads every row): how each
// store lower-cases them differs, and a range must not leave out a match.
func prefixRange(s string) (lo, hi string, ok bool) {
	if s == "" {
		return "", "", false
	}
	b := []byte(s)
	for i, ch := range b {
		switch {
		case ch >= utf8.RuneSelf:
			return "", "", false
		case 'A' <= ch && ch <= 'Z':
			b[i] = ch + 'a' - 'A'
		}
	}
	lo = string(b)
	return lo, lo[:len(lo)-1] + string(rune(b[len(b)-1])+1), true
}

func (r *renderer) lambda(arr store.Field, name string, pred store.Cond, any bool) (fragment, error) {
	alias := r.alias()
	objects := arr.Type == 0
	from, err := r.source(arr, alias, objects)
	if err != nil {
		return fragment{}, err
	}
	sel := "SELECT 1 FROM " + from
	if pred == nil {
		if any {
			return fragment{sql: "EXISTS (" + sel + ")"}, nil
		}
		return sqlTrue, nil
	}
	r.scopes = append(r.scopes, scope{name: name, alias: alias, objects: objects})
	p, err := r.cond(pred)
	r.scopes = r.scopes[:len(r.scopes)-1]
	if err != nil {
		return fragment{}, err
	}
	if any {
		return fragment{sql: "EXISTS (" + sel + " WHERE " + p.sql + ")"}, nil
	}
	neg := "NOT (" + p.sql + ")"
	if p.nullable {
		neg = "NOT COALESCE(" + p.sql + ", FALSE)"
	}
	return fragment{sql: "NOT EXISTS (" + sel + " WHERE " + neg + ")"}, nil
}

// Rendered is the caller's part of a query as SQL, for a backend to
// place after its own conditions: the condition (Where, Args), the ORDER
// BY list without the id tie-breaker ("" for id alone), and the keyset
// condition of the page (After, AfterArgs; see function After), which a
// count leaves out, and the condition of the rows that follow After's when
// After's do not fill the page (AfterTail, no arguments of its own; ""
// for none). PostgreSQL placeholders are numbered through Args and on
// through AfterArgs.
type Rendered struct {
	Where     string
	Args      []any
	OrderBy   string
	After     string
	AfterArgs []any
	AfterTail string
}

// Query is what Render renders: the IR of an ItemQuery or a
// DirectoryQuery.
type Query struct {
	Filter store.Cond
	Order  []store.Order
	After  *store.Cursor
}

// Render renders q over t in d, numbering PostgreSQL placeholders from
// offset+1 (after a caller's own arguments).
func Render(d Dialect, t Table, q Query, offset int) (Rendered, error) {
	var r Rendered
	var err error
	if r.Where, r.Args, err = Where(d, t, q.Filter, offset); err != nil {
		return Rendered{}, err
	}
	if r.OrderBy, err = OrderBy(d, t, q.Order); err != nil {
		return Rendered{}, err
	}
	if q.After != nil {
		if r.After, r.AfterArgs, r.AfterTail, err = After(d, t, q.Order, *q.After, offset+len(r.Args)); err != nil {
			return Rendered{}, err
		}
	}
	return r, nil
}
