// Package odata parses the OData v4 system query options that Microsoft
// Graph v1.0 accepts ($select, $filter, $orderby, $top, $skip, $count,
// $expand, $search, $skiptoken, $deltatoken, $format), runs a $filter
// either in memory (Eval) or as SQL for SQLite and PostgreSQL
// (CompileFilter, CompileOrderBy), and reads request bodies (OData JSON)
// the way Graph's reader does, against a schema parsed from CSDL (Model,
// NormalizeBody, DecodeJSON).
//
// # What it owns, and what it does not
//
// It owns the text of the options: their grammar, their typed AST, their
// evaluation and SQL translation, and the errors Graph returns for them;
// and the rules of reading a JSON request body. It does no HTTP (handlers
// call Parse or NormalizeBody and render the *Error) and holds no data. It
// holds no schema either: the caller parses one (ParseCSDL) for bodies,
// and for queries a handler describes its resource with a
// Mapping (SQL over columns), with JSONProps (SQL over a JSON document,
// through JSONMapping) or hands rows through a Resolver (Eval).
// Paging tokens are passed through untouched. Handlers should build the
// url.Values with ParseRawQuery(r.URL.RawQuery) rather than r.URL.Query(),
// which silently drops a pair containing ';', as nested $expand options do
// (members($select=id;$top=5)).
//
// # Choices
//
// Grammar. $filter is parsed with participle (github.com/alecthomas/
// participle/v2): the grammar is a handful of annotated structs in
// grammar.go that read like the OData ABNF, which keeps precedence
// (or < and < not < comparison) and the lexical rules reviewable in one
// place; the raw tree is then checked and converted to the exported AST in
// filter.go. The other options are flat lists and are split by hand. The
// lexer and parser are built on the first $filter (sync.OnceValue), not at
// package initialisation, so that programs linking odata without parsing a
// filter — the CLI's permission commands — do not pay the 2 ms.
//
// Option names. Graph matches them case-insensitively ($FILTER, $orderBy,
// $skipToken all work), so Parse does too. Graph documents the $ prefix as
// optional on beta but only on "a subset" of v1.0 APIs, and the v1.0
// directory answers select=... with "Unrecognized query argument
// specified: 'select'.". So by default only $-prefixed names are options;
// other parameters are left alone (calendarView's startDateTime is one).
// ParseOptions.DollarOptional accepts prefix-less names too. An unknown
// $-name and a repeated option are errors.
//
// Values follow Microsoft.OData.Core (odata.net's ODataQueryOptionParser
// and SelectExpandParser), which Graph's workloads run: an empty or blank
// $select selects everything (Query.Select nil, the default properties)
// and an empty $expand expands nothing; white space around $select
// terms is skipped and a trailing comma ends the list; $top and $skip are
// read with .NET's long.TryParse, so " 5" and "+5" are 5 (the directory,
// with its own "Invalid page size" check, takes digits only); $count is
// trimmed and then exactly true or false ($count=True is refused, as the
// library's own comment says); option names are trimmed. An empty $top,
// $filter or $orderby stays an error. "*" in $select means every property.
//
// Strings. Graph compares strings without regard to case, in the directory
// (userPrincipalName, mail, displayName) and in Exchange (addresses,
// subject, enum-like values such as importance 'High' vs 'high'). Eval
// and the SQL therefore lower() both sides of every string comparison and
// LIKE (which also makes Postgres' case-sensitive LIKE agree with
// SQLite's). Ordering of strings is by lower-cased bytes: SQLite's default
// BINARY collation and COLLATE "C" on Postgres. SQLite's lower() folds
// ASCII only, so non-ASCII letters of different case do not match there.
// Text a client searches for (the startswith/endswith/contains arguments,
// and the $search terms and drive search text the Graph handlers match
// with LIKE) is escaped with EscapeLike, one helper for all of them: % and
// _ are characters, never wildcards.
//
// Nulls. OData uses two-valued logic: null eq 'a' is false and null ne 'a'
// is true, so not(x eq 'a') matches a null x. The SQL reproduces this
// (ne compiles to x IS NULL OR x <> ?, and NOT folds SQL NULL to false),
// and a property test checks that SQLite and Postgres return exactly the
// rows Eval selects.
//
// Times. Postgres columns are timestamptz; SQLite has no time type, so
// TypeDateTime columns hold UTC text in SQLiteTimeLayout, whose fixed width
// makes text order time order. Literals may carry an offset and fractional
// seconds; a date literal (2024-01-01) means midnight UTC. Literals are cut
// to that layout's 100 ns when compared with text.
//
// JSON documents. graphgate keeps workload objects (messages, events, To
// Do tasks...) as Graph JSON in one column (store.Item.Doc: SQLite TEXT,
// Postgres jsonb). JSONMapping turns a declaration of an entity's
// properties (JSONProps: path -> Type, or an array of scalars or objects)
// into a Mapping whose Document is that column, so CompileFilter and
// CompileOrderBy work unchanged on both dialects:
//
//   - a property is json_extract(doc,'$.a.b') in SQLite and
//     doc #>> '{a,b}' in Postgres, cast to ::boolean, ::numeric (TypeInt,
//     which accepts 15 and 15.0) or ::double precision (TypeFloat, the
//     float64 Eval reads). SQLite returns JSON booleans as 0/1 and the
//     bound Go bool is 0/1 too, so isRead eq true and a bare isRead need
//     no cast there;
//   - null and absent are the same: json_extract and #>> give SQL NULL for
//     a JSON null, a missing key and a path under a null or missing object,
//     so the null rules above apply unchanged. JSONProps.Resolver gives
//     Eval and CompareRows the same view of a decoded document (a declared
//     but absent property is null, not an unknown property);
//   - date-times are compared and sorted as text in both dialects (the
//     literal bound in SQLiteTimeLayout, COLLATE "C" on Postgres ranges and
//     sorts), not cast to timestamptz: the store writes every date-time in
//     that fixed-width UTC layout, and text comparison lets Postgres use an
//     expression index, e.g. ON items (kind, ((doc #>> '{receivedDateTime}')
//     COLLATE "C") DESC NULLS LAST), which the timestamptz cast (not
//     immutable) would not allow;
//   - any/all and $count over an array are EXISTS / COUNT(*) subqueries
//     over json_each(<array>) AS l1 (element l1.value, or
//     json_extract(l1.value,'$.a.b') for objects) and
//     jsonb_array_elements_text(<array>) AS l1 (scalar elements, cast like
//     properties) or jsonb_array_elements(<array>) AS l1 (objects,
//     l1.value #>> '{a,b}'); arrays nest. <array> is guarded by
//     json_type/jsonb_typeof so that a null, absent or non-array value has
//     no elements (json_each would list a scalar itself and
//     jsonb_array_elements would fail on it), as JSONProps.Resolver does.
//
// $select is not SQL: handlers project documents themselves. Exchange
// answers a $select of a property the entity does not have with 400
// RequestBroker--ParseUri "Could not find a property named 'x' on type
// 'microsoft.graph.message'." (the same error as in $filter) rather than
// ignoring it, so JSONProps.CheckSelect returns that error, checking the
// top-level names of the declared paths ("*" and "id" always pass). The
// Generic flavor gets Microsoft.OData.Core's "Parsing OData Select and
// Expand failed: ..." prefix; the directory's wording for this is
// unverified (its users and groups are columns, not documents).
//
// Request bodies. Graph reads a body by the declared type of each property
// (body.go, primitive.go): a JSON string converts to a Boolean, a number
// or an enumeration member ("false", "15", "1.5", "High"), a number or a
// boolean does not convert to a string; names and enumeration members
// match ignoring case and are rewritten as declared; Nullable="false"
// refuses null; @odata.type must name the expected type or a derived one;
// an undeclared property is refused by Exchange and the directory (whose
// $metadata types are nonetheless "open") and by other services on types
// that are not open; annotations pass through. A Model holds the types,
// parsed from CSDL ($metadata or an excerpt of it). DecodeJSON then fills
// the handler's Go value, converting primitives by Go type with the same
// rules, so bodies the Model does not describe are read leniently too.
// It is github.com/go-json-experiment/json (the encoding/json/v2
// prototype) with encoding/json's v1 semantics and type-specific
// unmarshalers for bool, numbers and string: the library already walks Go
// values by their json tags, so graphgate adds only the conversion rules,
// not a second field matcher.
//
// Errors. Every error is an *Error carrying Graph's code and message, in
// the wording of the workload a handler emulates (Flavor): Directory
// (Request_UnsupportedQuery, "Invalid filter clause"...), Exchange
// (BadRequest "Invalid filter clause: Syntax error at position N in '...'.",
// ErrorInvalidUrlQueryFilter...) or Generic (the Microsoft.OData.Core
// message alone). Positions are 0-based characters, as OData reports them.
// Nothing panics on any input: nesting deeper than MaxFilterDepth is
// refused before parsing, and FuzzParseFilter checks the rest.
//
// # Deliberately unsupported
//
// These parse errors or *Error results are what Graph itself would say to
// an emulator that lacks the feature:
//
//   - arithmetic (add, sub, mul, div, mod), has, cast, isof, $it, $root,
//     parameter aliases (@p), typed enum literals
//     (microsoft.graph.importance'high'), duration/binary literals and
//     functions other than startswith, endswith and contains: a syntax
//     error ("Syntax error at position N in '...'.") or "An unknown
//     function with name 'x' was found...";
//   - comparing two properties with each other, or a function result with
//     a value, in SQL: UnsupportedQueryError (Eval supports the former);
//   - in JSON documents, values of a JSON type other than the declared
//     one (or null): SQLite compares them loosely, a Postgres cast may
//     fail, Eval reports incompatible types;
//   - $select of a path (a/b): "Term 'a/b' is not valid in a $select or
//     $expand expression.";
//   - $search is read into simple terms (Search) but not evaluated here.
//
// # What it must not do
//
// It must not know a store, open a database or know Graph's workloads: the property
// mappings are the caller's. (It still renders SQL text for the two backends; moving that
// into internal/store behind a typed query is issue 12's open item 3.)
package odata
