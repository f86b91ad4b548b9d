package odata

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Dialect is the SQL flavour CompileFilter and CompileOrderBy write.
type Dialect int

const (
	SQLite   Dialect = iota + 1 // ? placeholders; times as TEXT (see SQLiteTimeLayout)
	Postgres                    // $n placeholders; times as timestamptz
)

// Type is the OData type of a mapped column, which decides how literals
// are checked, bound and compared.
type Type int

const (
	TypeString   Type = iota + 1 // compared case-insensitively
	TypeGUID                     // stored as text, compared case-insensitively
	TypeBool                     // boolean (SQLite: 0/1)
	TypeInt                      // integer
	TypeFloat                    // floating point
	TypeDateTime                 // Postgres timestamptz; SQLite (and JSON documents) TEXT in SQLiteTimeLayout
)

// SQLiteTimeLayout is the layout SQLite columns of TypeDateTime must be
// stored in (UTC, fixed width) so that text order is time order. Bind
// datetime values with SQLiteTime.
const SQLiteTimeLayout = "2006-01-02T15:04:05.0000000Z" // = store.TimeLayout: Graph's own 7-digit precision

// SQLiteTime formats t for a TypeDateTime column in SQLite.
func SQLiteTime(t time.Time) string { return t.UTC().Format(SQLiteTimeLayout) }

// Column maps one OData property path to SQL.
type Column struct {
	// SQL is the expression for the property, e.g. "m.subject". Inside a
	// Collection's Fields it is a column name of the element table; the
	// compiler qualifies it with the lambda's alias. Leave it empty for a
	// property read from the Mapping's Document (see JSONMapping).
	SQL  string
	Type Type
	// Collection is set for a collection-valued property, which $filter
	// can only use through any, all or $count.
	Collection *Collection
}

// Collection describes where the elements of a collection-valued property
// are: a table, one row per element, or (in a Mapping with a Document,
// when Table is empty) a JSON array inside the document.
//
// A JSON collection's path is its key in Columns, or in the enclosing JSON
// collection's Fields (every Field of a JSON collection is read from the
// element, never from a table). ParentKey, ParentRef and Value are then
// unused; the element is primitive, of Type, when Fields is nil, and an
// object otherwise, whose Fields map the element's property paths
// ("emailAddress/address") to a Column with a Type and no SQL (or to a
// nested JSON Collection). JSONMapping builds such mappings.
type Collection struct {
	Table     string // element table, e.g. "user_group_types"
	ParentKey string // column of Table referencing the owner, e.g. "user_id"
	// ParentRef is the owner's key the ParentKey matches: a SQL expression
	// for a top-level property ("u.id"), a column of the enclosing element
	// table for a collection nested in Fields.
	ParentRef string
	// Value and Type describe the element of a primitive collection
	// (groupTypes: strings). Leave Value empty for complex elements.
	Value string
	Type  Type
	// Fields maps the element's property paths ("address",
	// "emailAddress/name") to columns of Table.
	Fields map[string]Column
}

// Mapping is a resource's schema for SQL compilation. Property paths are
// matched case-insensitively.
type Mapping struct {
	// EntityType names the resource in error messages, e.g.
	// "microsoft.graph.message" (the directory flavor shows "Message").
	EntityType string
	Columns    map[string]Column
	// Document, if set, is the SQL of a column holding the resource as a
	// JSON document (SQLite TEXT, Postgres jsonb), e.g. "doc". A Column
	// without SQL (and a Collection without Table) is then read from the
	// document at the path given by its key in Columns; columns with SQL
	// keep their meaning. See JSONMapping.
	Document string
}

// SQLOptions selects the dialect and error wording. ArgOffset is the number
// of arguments already bound before the fragment, so Postgres placeholders
// continue from $ArgOffset+1.
type SQLOptions struct {
	Dialect   Dialect
	Flavor    Flavor
	ArgOffset int
}

// CompileFilter compiles a parsed $filter into a parameterised SQL boolean
// expression for a WHERE clause, and its arguments.
//
// The SQL keeps Eval's semantics exactly: strings compare through lower()
// on both sides; LIKE wildcards in startswith/endswith/contains arguments
// are escaped; a comparison with a null column is false and ne is true,
// and under not the SQL three-valued NULL is folded to false so that
// not(x eq 'a') matches null x as OData says; Postgres range comparisons
// and sorts on strings, and on date-times held as text in JSON documents,
// use COLLATE "C" (byte order, like SQLite and Eval).
//
// Anything the mapping cannot express (an unknown property, a lambda on a
// property without Collection, a function on a non-string, two properties
// compared with each other) is an *Error, never approximate SQL.
func CompileFilter(e Expr, m Mapping, o SQLOptions) (where string, args []any, err error) {
	c := &compiler{m: m, o: o}
	frag, err := c.predicate(e)
	if err != nil {
		return "", nil, err
	}
	return frag.sql, c.args, nil
}

// CompileOrderBy compiles $orderby into an ORDER BY clause ("" when there
// is nothing to sort by). Only mapped, non-collection properties sort;
// strings sort ignoring case; null sorts first ascending and last
// descending, as OData specifies; booleans sort false first. tieBreaker
// (e.g. "m.id"), if not empty, is appended ascending so that pages are
// stable.
func CompileOrderBy(items []OrderItem, m Mapping, tieBreaker string, o SQLOptions) (string, error) {
	var parts []string
	for _, it := range items {
		key, col, ok := lookupKey(m.Columns, it.Property)
		if !ok {
			if o.Flavor == Directory {
				return "", UnsupportedSortError(o.Flavor, m.EntityType, it.Property)
			}
			return "", UnknownPropertyError(o.Flavor, m.EntityType, it.Property)
		}
		if col.Collection != nil {
			return "", UnsupportedSortError(o.Flavor, m.EntityType, it.Property)
		}
		op := operand{sql: col.SQL, typ: col.Type}
		if m.inDocument(col) {
			path, ok := jsonPath(key)
			if !ok {
				return "", UnsupportedSortError(o.Flavor, m.EntityType, it.Property)
			}
			op = jsonScalar(o.Dialect, m.Document, path, col.Type)
		}
		expr := op.sql
		switch {
		case isText(col.Type):
			expr = "lower(" + expr + ")"
			if o.Dialect == Postgres {
				expr += ` COLLATE "C"`
			}
		case op.timeText && o.Dialect == Postgres:
			expr = "(" + expr + `) COLLATE "C"`
		}
		switch {
		case it.Desc && o.Dialect == Postgres:
			expr += " DESC NULLS LAST"
		case it.Desc:
			expr += " DESC"
		case o.Dialect == Postgres:
			expr += " ASC NULLS FIRST"
		default:
			expr += " ASC"
		}
		parts = append(parts, expr)
	}
	if tieBreaker != "" {
		parts = append(parts, tieBreaker+" ASC")
	}
	if len(parts) == 0 {
		return "", nil
	}
	return "ORDER BY " + strings.Join(parts, ", "), nil
}

// lookupKey finds the column of a property path, matching it exactly or
// else ignoring case, and returns the path as declared (which JSON
// documents, whose keys are case-sensitive, need).
func lookupKey(cols map[string]Column, path string) (string, Column, bool) {
	if c, ok := cols[path]; ok {
		return path, c, true
	}
	for k, c := range cols {
		if strings.EqualFold(k, path) {
			return k, c, true
		}
	}
	return "", Column{}, false
}

// inDocument reports whether a top-level column is read from m.Document.
func (m Mapping) inDocument(col Column) bool {
	if m.Document == "" {
		return false
	}
	if col.Collection != nil {
		return col.Collection.Table == ""
	}
	return col.SQL == ""
}

// fragment is compiled SQL. nullable records whether it can evaluate to
// SQL NULL, which only matters under NOT (see CompileFilter).
type fragment struct {
	sql      string
	nullable bool
}

var (
	sqlTrue  = fragment{sql: "1 = 1"}
	sqlFalse = fragment{sql: "1 = 0"}
)

func constant(b bool) fragment {
	if b {
		return sqlTrue
	}
	return sqlFalse
}

type sqlScope struct {
	name  string
	alias string
	coll  *Collection
	json  bool // elements are JSON values (alias.value), not table rows
}

type compiler struct {
	m       Mapping
	o       SQLOptions
	args    []any
	scopes  []sqlScope
	aliases int
}

// operand is a resolved property: a scalar SQL expression, or a
// collection with the SQL its ParentKey must equal (a table) or the SQL of
// the array (JSON).
type operand struct {
	name      string // property path, for errors
	sql       string
	typ       Type
	timeText  bool // a TypeDateTime held as SQLiteTimeLayout text in every dialect (JSON)
	coll      *Collection
	parentRef string
	array     string // JSON collection: the array, as json_each/jsonb_array_elements take it
}

func (c *compiler) bind(v any) string {
	c.args = append(c.args, v)
	if c.o.Dialect == Postgres {
		return "$" + strconv.Itoa(c.o.ArgOffset+len(c.args))
	}
	return "?"
}

func (c *compiler) unsupported(name string) error {
	return UnsupportedFilterError(c.o.Flavor, c.m.EntityType, name)
}

func (c *compiler) fail(detail string) error { return FilterError(c.o.Flavor, detail) }

func (c *compiler) resolve(p *PropertyExpr) (operand, error) {
	name := p.String()
	if p.Var != "" {
		for i := len(c.scopes) - 1; i >= 0; i-- {
			s := c.scopes[i]
			if s.name != p.Var {
				continue
			}
			if len(p.Path) == 0 {
				switch {
				case s.json && s.coll.Fields == nil:
					op := jsonScalar(c.o.Dialect, s.alias+".value", nil, s.coll.Type)
					op.name = name
					return op, nil
				case s.json || s.coll.Value == "":
					return operand{}, c.unsupported(name)
				}
				return operand{name: name, sql: s.alias + "." + s.coll.Value, typ: s.coll.Type}, nil
			}
			key, col, ok := lookupKey(s.coll.Fields, p.Property())
			if !ok {
				return operand{}, UnknownPropertyError(c.o.Flavor, c.m.EntityType, name)
			}
			if s.json {
				return c.jsonOperand(name, s.alias+".value", key, col)
			}
			if col.Collection != nil {
				if col.Collection.Table == "" {
					return operand{}, c.unsupported(name) // a JSON array needs a document
				}
				return operand{name: name, coll: col.Collection, parentRef: s.alias + "." + col.Collection.ParentRef}, nil
			}
			return operand{name: name, sql: s.alias + "." + col.SQL, typ: col.Type}, nil
		}
	}
	key, col, ok := lookupKey(c.m.Columns, p.Property())
	if !ok {
		return operand{}, UnknownPropertyError(c.o.Flavor, c.m.EntityType, name)
	}
	if c.m.inDocument(col) {
		return c.jsonOperand(name, c.m.Document, key, col)
	}
	if col.Collection != nil {
		return operand{name: name, coll: col.Collection, parentRef: col.Collection.ParentRef}, nil
	}
	return operand{name: name, sql: col.SQL, typ: col.Type}, nil
}

// jsonOperand resolves the property declared as key (a path) in the JSON
// document doc: a document column, or a lambda's element.
func (c *compiler) jsonOperand(name, doc, key string, col Column) (operand, error) {
	path, ok := jsonPath(key)
	if !ok {
		return operand{}, c.unsupported(name)
	}
	if col.Collection != nil {
		return operand{name: name, coll: col.Collection, array: jsonArraySQL(c.o.Dialect, doc, path)}, nil
	}
	op := jsonScalar(c.o.Dialect, doc, path, col.Type)
	op.name = name
	return op, nil
}

// source returns the FROM item listing a collection's elements as alias,
// and the condition tying them to their owner ("" for a JSON array).
func (c *compiler) source(coll operand, alias string) (from, join string) {
	if coll.array == "" {
		return coll.coll.Table + " AS " + alias, alias + "." + coll.coll.ParentKey + " = " + coll.parentRef
	}
	fn := "json_each"
	if c.o.Dialect == Postgres {
		fn = "jsonb_array_elements"
		if coll.coll.Fields == nil {
			fn = "jsonb_array_elements_text"
		}
	}
	return fn + "(" + coll.array + ") AS " + alias, ""
}

func (c *compiler) predicate(e Expr) (fragment, error) {
	switch n := e.(type) {
	case *LogicalExpr:
		return c.logical(n)
	case *NotExpr:
		x, err := c.predicate(n.X)
		if err != nil {
			return fragment{}, err
		}
		if x.nullable {
			return fragment{sql: "NOT COALESCE(" + x.sql + ", FALSE)"}, nil
		}
		return fragment{sql: "NOT (" + x.sql + ")"}, nil
	case *CompareExpr:
		return c.compare(n)
	case *InExpr:
		return c.in(n)
	case *CallExpr:
		return c.call(n)
	case *LambdaExpr:
		return c.lambda(n)
	case *PropertyExpr:
		op, err := c.resolve(n)
		if err != nil {
			return fragment{}, err
		}
		if op.coll != nil || op.typ != TypeBool {
			return fragment{}, c.fail(notBooleanDetail)
		}
		return fragment{sql: op.sql + " = " + c.bind(true), nullable: true}, nil
	case *Literal:
		switch n.Kind {
		case BoolLiteral:
			return constant(n.Bool), nil
		case NullLiteral:
			return sqlFalse, nil
		}
	}
	return fragment{}, c.fail(notBooleanDetail)
}

func (c *compiler) logical(n *LogicalExpr) (fragment, error) {
	var b strings.Builder
	nullable := false
	for i, t := range n.Terms() {
		f, err := c.predicate(t)
		if err != nil {
			return fragment{}, err
		}
		if i > 0 {
			b.WriteString(" " + strings.ToUpper(n.Op.String()) + " ")
		}
		if isLogical(t) {
			f.sql = "(" + f.sql + ")"
		}
		b.WriteString(f.sql)
		nullable = nullable || f.nullable
	}
	return fragment{sql: b.String(), nullable: nullable}, nil
}

// scalar resolves a comparison operand: a literal, a mapped scalar
// property or a $count. ok is false for anything else (a predicate or a
// function used as a value), which the caller rejects.
func (c *compiler) scalar(e Expr) (lit *Literal, op operand, ok bool, err error) {
	switch n := e.(type) {
	case *Literal:
		return n, operand{}, true, nil
	case *PropertyExpr:
		op, err := c.resolve(n)
		return nil, op, err == nil, err
	case *CountExpr:
		coll, err := c.resolve(n.Collection)
		if err != nil {
			return nil, operand{}, false, err
		}
		if coll.coll == nil {
			return nil, operand{}, false, c.unsupported(coll.name)
		}
		from, join := c.source(coll, c.alias())
		sql := "(SELECT COUNT(*) FROM " + from
		if join != "" {
			sql += " WHERE " + join
		}
		return nil, operand{name: coll.name + "/$count", sql: sql + ")", typ: TypeInt}, true, nil
	}
	return nil, operand{}, false, nil
}

func (c *compiler) alias() string {
	c.aliases++
	return "l" + strconv.Itoa(c.aliases)
}

func (c *compiler) compare(n *CompareExpr) (fragment, error) {
	llit, lop, lok, err := c.scalar(n.Left)
	if err != nil {
		return fragment{}, err
	}
	rlit, rop, rok, err := c.scalar(n.Right)
	if err != nil {
		return fragment{}, err
	}
	if !lok || !rok {
		return fragment{}, UnsupportedQueryError(c.o.Flavor)
	}
	switch {
	case llit != nil && rlit != nil: // constant: fold it with Eval's rules
		ev := evaluator{}
		b, err := ev.compare(n)
		return constant(b), c.refail(err)
	case llit == nil && rlit == nil:
		return fragment{}, UnsupportedQueryError(c.o.Flavor)
	case llit != nil:
		return c.columnCompare(rop, n.Op.mirror(), llit)
	}
	return c.columnCompare(lop, n.Op, rlit)
}

// refail rewords an error from a constant folded by the evaluator (which
// uses Generic wording, i.e. the bare detail) for the compiler's flavor.
func (c *compiler) refail(err error) error {
	if e, ok := err.(*Error); ok {
		return c.fail(e.Message)
	}
	return err
}

// columnCompare compiles col op literal.
func (c *compiler) columnCompare(col operand, op CompareOp, lit *Literal) (fragment, error) {
	if col.coll != nil {
		return fragment{}, c.unsupported(col.name)
	}
	if lit.Kind == NullLiteral {
		switch op {
		case Eq:
			return fragment{sql: col.sql + " IS NULL"}, nil
		case Ne:
			return fragment{sql: col.sql + " IS NOT NULL"}, nil
		}
		return sqlFalse, nil
	}
	lhs, rhs, err := c.operands(col, op, lit)
	if err != nil {
		return fragment{}, err
	}
	switch op {
	case Eq:
		return fragment{sql: lhs + " = " + rhs, nullable: true}, nil
	case Ne:
		return fragment{sql: "(" + col.sql + " IS NULL OR " + lhs + " <> " + rhs + ")"}, nil
	}
	if c.o.Dialect == Postgres && (isText(col.typ) || col.timeText) {
		rhs += ` COLLATE "C"`
	}
	sym := map[CompareOp]string{Gt: " > ", Ge: " >= ", Lt: " < ", Le: " <= "}[op]
	return fragment{sql: lhs + sym + rhs, nullable: true}, nil
}

func isText(t Type) bool { return t == TypeString || t == TypeGUID }

// operands type-checks lit against col and returns both sides of the
// comparison, binding the literal.
func (c *compiler) operands(col operand, op CompareOp, lit *Literal) (lhs, rhs string, err error) {
	if !compatible(col.typ, lit.Kind) {
		return "", "", c.fail(incompatibleDetail(col.typ.edmType(), lit.Kind.edmType(), op))
	}
	switch {
	case isText(col.typ):
		return "lower(" + col.sql + ")", "lower(" + c.bind(lit.Str) + ")", nil
	case col.typ == TypeDateTime:
		if c.o.Dialect == SQLite || col.timeText {
			return col.sql, c.bind(SQLiteTime(lit.Time)), nil
		}
		return col.sql, c.bind(lit.Time), nil
	case col.typ == TypeBool:
		return col.sql, c.bind(lit.Bool), nil
	case lit.Kind == IntLiteral:
		return col.sql, c.bind(lit.Int), nil
	case c.o.Dialect == Postgres && col.typ == TypeInt:
		return col.sql, "CAST(" + c.bind(lit.Float) + " AS double precision)", nil
	}
	return col.sql, c.bind(lit.Float), nil
}

func compatible(t Type, k LiteralKind) bool {
	switch t {
	case TypeString, TypeGUID:
		return k == StringLiteral || k == GUIDLiteral
	case TypeBool:
		return k == BoolLiteral
	case TypeInt, TypeFloat:
		return k == IntLiteral || k == FloatLiteral
	case TypeDateTime:
		return k == DateTimeLiteral || k == DateLiteral
	}
	return false
}

func (t Type) edmType() string {
	switch t {
	case TypeString:
		return "Edm.String"
	case TypeGUID:
		return "Edm.Guid"
	case TypeBool:
		return "Edm.Boolean"
	case TypeInt:
		return "Edm.Int64"
	case TypeFloat:
		return "Edm.Double"
	case TypeDateTime:
		return "Edm.DateTimeOffset"
	}
	return "Edm.Untyped"
}

func (c *compiler) in(n *InExpr) (fragment, error) {
	lit, col, ok, err := c.scalar(n.X)
	if err != nil {
		return fragment{}, err
	}
	if !ok || lit != nil {
		return fragment{}, UnsupportedQueryError(c.o.Flavor)
	}
	if col.coll != nil {
		return fragment{}, c.unsupported(col.name)
	}
	var lhs string
	var items []string
	hasNull := false
	for _, l := range n.List {
		if l.Kind == NullLiteral {
			hasNull = true
			continue
		}
		left, right, err := c.operands(col, Eq, l)
		if err != nil {
			return fragment{}, err
		}
		lhs, items = left, append(items, right)
	}
	switch {
	case len(items) == 0:
		return fragment{sql: col.sql + " IS NULL"}, nil
	case hasNull:
		return fragment{sql: "(" + col.sql + " IS NULL OR " + lhs + " IN (" + strings.Join(items, ", ") + "))"}, nil
	}
	return fragment{sql: lhs + " IN (" + strings.Join(items, ", ") + ")", nullable: true}, nil
}

func (c *compiler) call(n *CallExpr) (fragment, error) {
	lit, col, ok, err := c.scalar(n.Args[0])
	if err != nil {
		return fragment{}, err
	}
	plit, _, pok, err := c.scalar(n.Args[1])
	if err != nil {
		return fragment{}, err
	}
	switch {
	case !ok || !pok || plit == nil:
		return fragment{}, UnsupportedQueryError(c.o.Flavor)
	case lit != nil: // both literals: fold
		ev := evaluator{}
		b, err := ev.call(n)
		return constant(b), c.refail(err)
	case col.coll != nil || !isText(col.typ):
		return fragment{}, c.unsupported(col.name)
	case plit.Kind == NullLiteral:
		return sqlFalse, nil
	case plit.Kind != StringLiteral && plit.Kind != GUIDLiteral:
		return fragment{}, c.fail(noSignatureDetail(n.Func))
	}
	pattern := EscapeLike(plit.Str)
	switch n.Func {
	case "startswith":
		pattern += "%"
	case "endswith":
		pattern = "%" + pattern
	default:
		pattern = "%" + pattern + "%"
	}
	sql := "lower(" + col.sql + ") LIKE lower(" + c.bind(pattern) + ")" + LikeEscape
	if lo, hi, ok := prefixRange(plit.Str); ok && n.Func == "startswith" {
		// The same prefix as a range of lower(col), which an index on
		// lower(col) serves (PostgreSQL's generic plans cannot use an
		// index for LIKE with a bound pattern, SQLite's LIKE optimisation
		// never applies to an expression); the LIKE still decides.
		var coll string
		if c.o.Dialect == Postgres {
			coll = ` COLLATE "C"`
		}
		lower := "lower(" + col.sql + ")"
		sql += " AND " + lower + " >= " + c.bind(lo) + coll + " AND " + lower + " < " + c.bind(hi) + coll
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

// LikeEscape is the ESCAPE clause that goes after every LIKE pattern made
// with EscapeLike (the same on SQLite and PostgreSQL).
const LikeEscape = ` ESCAPE '\'`

// likeEscaper makes %, _ and the escape character itself literal.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// EscapeLike makes %, _ and the escape character \ literal in a LIKE
// pattern compared with LikeEscape: text a client searches for — the
// arguments of startswith/endswith/contains, $search terms — is matched as
// the characters it holds, never as wildcards. The caller adds its own %.
func EscapeLike(s string) string { return likeEscaper.Replace(s) }

func (c *compiler) lambda(n *LambdaExpr) (fragment, error) {
	coll, err := c.resolve(n.Collection)
	if err != nil {
		return fragment{}, err
	}
	if coll.coll == nil {
		return fragment{}, c.unsupported(coll.name)
	}
	alias := c.alias()
	from, join := c.source(coll, alias)
	sel := "SELECT 1 FROM " + from
	// where adds cond to the owner condition, if any.
	where := func(cond string) string {
		if join == "" {
			return sel + " WHERE " + cond
		}
		return sel + " WHERE " + join + " AND " + cond
	}
	if n.Predicate == nil {
		if join == "" {
			return fragment{sql: "EXISTS (" + sel + ")"}, nil
		}
		return fragment{sql: "EXISTS (" + sel + " WHERE " + join + ")"}, nil
	}
	c.scopes = append(c.scopes, sqlScope{name: n.Var, alias: alias, coll: coll.coll, json: coll.array != ""})
	pred, err := c.predicate(n.Predicate)
	c.scopes = c.scopes[:len(c.scopes)-1]
	if err != nil {
		return fragment{}, err
	}
	if n.Op == Any {
		if join == "" {
			return fragment{sql: "EXISTS (" + where(pred.sql) + ")"}, nil
		}
		return fragment{sql: "EXISTS (" + where("("+pred.sql+")") + ")"}, nil
	}
	neg := "NOT (" + pred.sql + ")"
	if pred.nullable {
		neg = "NOT COALESCE(" + pred.sql + ", FALSE)"
	}
	return fragment{sql: "NOT EXISTS (" + where(neg) + ")"}, nil
}
