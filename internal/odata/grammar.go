package odata

import (
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// This file is the $filter grammar as participle structs. It is a raw
// syntax tree: filter.go checks it (function names, lambda variables,
// literal values) and turns it into the exported AST, so the grammar can
// stay close to the OData ABNF without carrying semantics.
//
// Precedence, loosest first: or, and, not, comparison (eq ne gt ge lt le
// in). Keywords are matched case-insensitively, as Graph does.

// filterLexer tokenises $filter text. Rules are tried in order, so the
// date, GUID and keyword rules come before the number and identifier rules
// they would otherwise lose to. The lexer and the parser are built on first
// use (about 2 ms and 2,500 allocations together), so a process that never
// parses a $filter — the CLI's permission commands — never pays for them.
var filterLexer = sync.OnceValue(func() *lexer.StatefulDefinition {
	return lexer.MustSimple([]lexer.SimpleRule{
		{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
		{Name: "String", Pattern: `'(?:[^']|'')*'`},
		{Name: "DateTime", Pattern: `\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})`},
		{Name: "GUID", Pattern: `[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b`},
		{Name: "Date", Pattern: `\d{4}-\d{2}-\d{2}\b`},
		{Name: "Number", Pattern: `-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b`},
		{Name: "Keyword", Pattern: `(?i)(?:and|or|not|eq|ne|gt|ge|lt|le|in|true|false|null)\b`},
		{Name: "Dollar", Pattern: `\$[A-Za-z]+`},
		{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
		{Name: "Punct", Pattern: `[(),/:]`},
	})
})

type gOr struct {
	Terms []*gAnd `parser:"@@ ( \"or\" @@ )*"`
}

type gAnd struct {
	Terms []*gUnary `parser:"@@ ( \"and\" @@ )*"`
}

type gUnary struct {
	Pos lexer.Position
	Not *gUnary `parser:"  \"not\" @@"`
	Cmp *gCmp   `parser:"| @@"`
}

type gCmp struct {
	Pos   lexer.Position
	Left  *gPrimary   `parser:"@@"`
	Op    string      `parser:"( @( \"eq\" | \"ne\" | \"gt\" | \"ge\" | \"lt\" | \"le\" )"`
	Right *gPrimary   `parser:"  @@"`
	In    []*gPrimary `parser:"| \"in\" \"(\" @@ ( \",\" @@ )* \")\" )?"`
}

type gPrimary struct {
	Pos   lexer.Position
	Group *gOr      `parser:"  \"(\" @@ \")\""`
	Lit   *gLiteral `parser:"| @@"`
	Call  *gCall    `parser:"| @@"`
	Path  *gPath    `parser:"| @@"`
}

type gLiteral struct {
	Pos      lexer.Position
	Str      *string `parser:"  @String"`
	DateTime *string `parser:"| @DateTime"`
	GUID     *string `parser:"| @GUID"`
	Date     *string `parser:"| @Date"`
	Number   *string `parser:"| @Number"`
	Keyword  *string `parser:"| @( \"true\" | \"false\" | \"null\" )"`
}

type gCall struct {
	Pos  lexer.Position
	Name string `parser:"@Ident \"(\""`
	Args []*gOr `parser:"( @@ ( \",\" @@ )* )? \")\""`
}

type gPath struct {
	Pos  lexer.Position
	Head string  `parser:"@Ident"`
	Segs []*gSeg `parser:"( \"/\" @@ )*"`
}

// gSeg is one path segment after a slash: $count, a property name, or a
// name followed by parentheses, which must be any( ) or all( ).
type gSeg struct {
	Pos    lexer.Position
	Dollar string   `parser:"  @Dollar"`
	Name   string   `parser:"| @Ident"`
	Lambda *gLambda `parser:"  @@?"`
}

type gLambda struct {
	Open bool   `parser:"@\"(\""`
	Var  string `parser:"( @Ident \":\""`
	Body *gOr   `parser:"  @@ )? \")\""`
}

var filterParser = sync.OnceValue(func() *participle.Parser[gOr] {
	return participle.MustBuild[gOr](
		participle.Lexer(filterLexer()),
		participle.Elide("Whitespace"),
		participle.CaseInsensitive("Keyword"),
		participle.UseLookahead(2), // an identifier followed by "(" is a call, not a path
	)
})
