// Package odata parses the OData v4 system query options that Microsoft
// Graph v1.0 accepts ($select, $filter, $orderby, $top, $skip, $count,
// $expand, $search, $skiptoken, $deltatoken, $format), runs a $filter
// in memory (Eval) or turns it and $orderby into the store's typed query
// IR (Filter, Order: store.Cond and store.Order, which the store renders
// as SQL for its backend), and reads request bodies (OData JSON)
// the way Graph's reader does, against a schema parsed from CSDL (Model,
// NormalizeBody, DecodeJSON).
//
// # What it owns, and what it does not
//
// It owns the text of the options: their grammar, their typed AST, their
// evaluation and their translation into store conditions, and the errors
// Graph returns for them;
// and the rules of reading a JSON request body. It does no HTTP (handlers
// call Parse or NormalizeBody and render the *Error) and holds no data. It
// holds no schema either: the caller parses one (ParseCSDL) for bodies,
// and for queries a handler describes its resource with a
// Mapping (properties to store columns or document paths), with JSONProps
// (a JSON document, through JSONMapping) or hands rows through a Resolver
// (Eval). It writes no SQL and knows no SQL dialect: the store's renderer
// (internal/store/sqlq) does, and internal/archtest keeps it so.
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
// and the store conditions (Fold) therefore compare strings ignoring
// case, both sides lowered (the store renders lower(); that also makes
// Postgres' case-sensitive LIKE agree with SQLite's). Ordering of strings
// is by lower-cased bytes. SQLite's lower() folds ASCII only, so
// non-ASCII letters of different case do not match there. Text a client
// searches for (the startswith/endswith/contains arguments) is a
// store.Match: its characters are literal, never wildcards (the store
// escapes them).
//
// Nulls. OData uses two-valued logic: null eq 'a' is false and null ne 'a'
// is true, so not(x eq 'a') matches a null x. The store's conditions have
// these semantics (store/query.go), and a property test checks that the
// SQL the store renders returns, on SQLite and Postgres, exactly the rows
// Eval selects.
//
// Times. Postgres columns are timestamptz; SQLite has no time type, so
// TypeDateTime columns hold UTC text in store.TimeLayout, whose fixed width
// makes text order time order. Literals may carry an offset and fractional
// seconds; a date literal (2024-01-01) means midnight UTC. Literals are cut
// to that layout's 100 ns when compared with text.
//
// JSON documents. graphgate keeps workload objects (messages, events, To
// Do tasks...) as Graph JSON in one column (store.Item.Doc). JSONMapping
// turns a declaration of an entity's properties (JSONProps: path -> Type,
// or an array of scalars or objects) into a Mapping whose properties are
// document paths, so Filter and Order build the same conditions for every
// workload: a property is a store.Field with its path; any/all are
// store.Any/store.All over the array (a variable's fields read the
// element); $count is a Field with Count. Null and absent are the same;
// date-times compare as the stored text (store.TypeTime). The SQL each
// becomes in SQLite and PostgreSQL, and why (expression indexes), is
// internal/store/sqlq's to say. JSONProps.Resolver gives Eval and
// CompareRows the same view of a decoded document (a declared but absent
// property is null, not an unknown property).
//
// $select is not a store query: handlers project documents themselves. Exchange
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
//     a value, in a store condition: UnsupportedQueryError (Eval supports
//     the former);
//   - in JSON documents, values of a JSON type other than the declared
//     one (or null): SQLite compares them loosely, a Postgres cast may
//     fail, Eval reports incompatible types;
//   - $select of a path (a/b): "Term 'a/b' is not valid in a $select or
//     $expand expression.";
//   - $search is read into simple terms (Search) but not evaluated here.
//
// # What it must not do
//
// It must not open a database, write SQL or know Graph's workloads: the
// property mappings are the caller's, and it knows of the store only the
// query IR it builds (store.Cond, store.Order).
package odata
