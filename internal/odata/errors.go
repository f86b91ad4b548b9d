package odata

import (
	"fmt"
	"net/http"
	"strings"
)

// Flavor selects whose wording an *Error uses. Microsoft Graph is a facade
// over several services and each answers bad OData in its own words, so a
// handler picks the flavor of the workload it emulates.
type Flavor int

const (
	// Generic uses the wording of the OData libraries Graph is built on
	// (Microsoft.OData.Core / ASP.NET OData), as seen on workloads such as
	// Teams. It is the zero value.
	Generic Flavor = iota
	// Directory answers like the Entra ID (Azure AD) directory workloads:
	// /users, /groups, /applications, /servicePrincipals...
	Directory
	// Exchange answers like the Exchange-backed workloads: /messages,
	// /events, /contacts, /mailFolders, To Do tasks...
	Exchange
)

// String names the flavor, for test and log output.
func (f Flavor) String() string {
	switch f {
	case Directory:
		return "Directory"
	case Exchange:
		return "Exchange"
	default:
		return "Generic"
	}
}

// Error is a query-option error as Microsoft Graph reports it in the body
// {"error":{"code":Code,"message":Message}}. Every error this package
// returns is an *Error, so a handler can render it without inspecting it.
type Error struct {
	// Status is the HTTP status Graph uses: always 400 for query options.
	Status int
	// Code is the Graph error code, e.g. "BadRequest" or
	// "Request_UnsupportedQuery".
	Code string
	// Message is the human-readable text, copied from what Graph returns.
	Message string
}

// Error implements error as "Code: Message", the way the Graph SDKs print it.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(code, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Codes Graph uses; gathered here so tests and callers can compare against
// names rather than strings.
const (
	CodeBadRequest          = "BadRequest"
	CodeRequestBadRequest   = "Request_BadRequest"
	CodeUnsupportedQuery    = "Request_UnsupportedQuery"
	CodeInvalidURLFilter    = "ErrorInvalidUrlQueryFilter"
	CodeRequestBrokerParse  = "RequestBroker--ParseUri"
	directoryInvalidFilter  = "Invalid filter clause"
	exchangeFilterPrefix    = "Invalid filter clause: "
	odataQueryInvalidPrefix = "The query specified in the URI is not valid. "
)

// badRequestCode is the code for a malformed (rather than unsupported)
// option: the directory prefixes its codes with "Request_".
func (f Flavor) badRequestCode() string {
	if f == Directory {
		return CodeRequestBadRequest
	}
	return CodeBadRequest
}

// FilterError wraps an OData parser/binder message (detail, in the words of
// Microsoft.OData.Core, e.g. "Syntax error at position 12 in 'a eq'.") the
// way each workload reports a bad $filter:
//
//	Generic:   BadRequest  "<detail>"
//	Exchange:  BadRequest  "Invalid filter clause: <detail>"
//	Directory: BadRequest  "Invalid filter clause"   (the directory hides the detail)
func FilterError(f Flavor, detail string) *Error {
	switch f {
	case Directory:
		return newError(CodeBadRequest, "%s", directoryInvalidFilter)
	case Exchange:
		return newError(CodeBadRequest, "%s%s", exchangeFilterPrefix, detail)
	default:
		return newError(CodeBadRequest, "%s", detail)
	}
}

// SyntaxError reports unparseable option text (a $orderby, $search or
// $expand; $filter goes through FilterError) at a 0-based character
// position, in the Microsoft.OData.Core wording.
func SyntaxError(f Flavor, text string, pos int) *Error {
	return newError(f.badRequestCode(), "%s", syntaxDetail(text, pos))
}

// UnknownOptionError reports a $-prefixed query option Graph does not know.
func UnknownOptionError(f Flavor, name string) *Error {
	if f == Directory {
		return newError(CodeRequestBadRequest, "Unrecognized query argument specified: '%s'.", name)
	}
	return newError(CodeBadRequest, "The query parameter '%s' is not supported.", name)
}

// DuplicateOptionError reports a query option given twice (names compared
// case-insensitively and with or without the $ prefix).
func DuplicateOptionError(f Flavor, name string) *Error {
	return newError(f.badRequestCode(), "Query option '%s' was specified more than once, but it must be specified at most once.", name)
}

// TopError reports a $top that is not an integer, is negative, or exceeds
// max (max <= 0 means uncapped). The directory rejects 0 as well.
func TopError(f Flavor, raw string, max int) *Error {
	if f == Directory {
		return newError(CodeUnsupportedQuery, "Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", raw, max)
	}
	if n, ok := parseNonNegative(raw, f); max > 0 && ok && n > max {
		return newError(CodeBadRequest, "%sThe limit of '%d' for Top query has been exceeded. The value from the incoming request is '%s'.", odataQueryInvalidPrefix, max, raw)
	}
	return newError(CodeBadRequest, "Invalid value '%s' for $top query option found. The $top query option requires a non-negative integer value.", raw)
}

// SkipError reports a $skip that is not a non-negative integer.
func SkipError(f Flavor, raw string) *Error {
	return newError(f.badRequestCode(), "Invalid value '%s' for $skip query option found. The $skip query option requires a non-negative integer value.", raw)
}

// CountError reports a $count that is neither true nor false.
func CountError(f Flavor, raw string) *Error {
	return newError(f.badRequestCode(), "Invalid value '%s' for $count query option found. Valid values are 'true, false'.", raw)
}

// SelectError reports a $select (or $expand) term that is not a plain
// property name.
func SelectError(f Flavor, term string) *Error {
	return newError(f.badRequestCode(), "Term '%s' is not valid in a $select or $expand expression.", term)
}

// UnknownPropertyError reports a property the entity does not have.
// entityType is the OData type name, e.g. "microsoft.graph.message".
func UnknownPropertyError(f Flavor, entityType, property string) *Error {
	if f == Directory {
		return newError(CodeUnsupportedQuery, "Property '%s' does not exist as a declared property or extension property.", property)
	}
	code := CodeBadRequest
	if f == Exchange {
		code = CodeRequestBrokerParse
	}
	return newError(code, "Could not find a property named '%s' on type '%s'.", property, entityType)
}

// UnsupportedFilterError reports a well-formed $filter that uses a property
// in a way the emulated service does not support (a lambda on a property
// that is not a collection, a function on a non-string...).
func UnsupportedFilterError(f Flavor, entityType, property string) *Error {
	switch f {
	case Directory:
		return newError(CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property '%s' of resource '%s'.", property, resourceName(entityType))
	case Exchange:
		return newError(CodeInvalidURLFilter, "The query filter contains one or more invalid nodes.")
	default:
		return newError(CodeBadRequest, "The property '%s' cannot be used in the $filter query option.", property)
	}
}

// UnsupportedSortError reports a $orderby property that cannot be sorted on.
func UnsupportedSortError(f Flavor, entityType, property string) *Error {
	if f == Directory {
		return newError(CodeUnsupportedQuery, "Unsupported sort property '%s' for '%s'.", property, resourceName(entityType))
	}
	return newError(CodeBadRequest, "The property '%s' cannot be used in the $orderby query option.", property)
}

// UnsupportedQueryError is the catch-all for a valid query the emulated
// service does not implement.
func UnsupportedQueryError(f Flavor) *Error {
	switch f {
	case Exchange:
		return newError(CodeInvalidURLFilter, "The query filter contains one or more invalid nodes.")
	case Directory:
		return newError(CodeUnsupportedQuery, "Unsupported Query.")
	default:
		return newError(CodeBadRequest, "Unsupported Query.")
	}
}

// resourceName turns "microsoft.graph.user" into "User", the form the
// directory uses in its messages.
func resourceName(entityType string) string {
	name := entityType[strings.LastIndexByte(entityType, '.')+1:]
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// Microsoft.OData.Core wordings, used as FilterError details.

func syntaxDetail(text string, pos int) string {
	return fmt.Sprintf("Syntax error at position %d in '%s'.", pos, text)
}

func invalidCharDetail(text string, pos int, c rune) string {
	return fmt.Sprintf("Syntax error: character '%c' is not valid at position %d in '%s'.", c, pos, text)
}

func unterminatedDetail(text string, pos int) string {
	return fmt.Sprintf("There is an unterminated string literal at position %d in '%s'.", pos, text)
}

func expressionExpectedDetail(text string, pos int) string {
	return fmt.Sprintf("Expression expected at position %d in '%s'.", pos, text)
}

func badLiteralDetail(edmType, literal string, pos int, text string) string {
	return fmt.Sprintf("Unrecognized '%s' literal '%s' at '%d' in '%s'.", edmType, literal, pos, text)
}

const (
	tooDeepDetail       = "Recursion depth exceeded allowed limit."
	notBooleanDetail    = "The $filter expression must evaluate to a single boolean value."
	lambdaParentDetail  = "Any/All may only be used following a collection."
	stringFuncSignature = "(Edm.String Nullable=true, Edm.String Nullable=true)"
)

func incompatibleDetail(left, right string, op CompareOp) string {
	return fmt.Sprintf("A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.", left, right, op.kindName())
}

func notSingleValueDetail(op CompareOp) string {
	return fmt.Sprintf("The operand for a binary operator '%s' is not a single value. Binary operators require both operands to be single values.", op.kindName())
}

func unknownFunctionDetail(name string) string {
	return fmt.Sprintf("An unknown function with name '%s' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.", name)
}

func noSignatureDetail(name string) string {
	return fmt.Sprintf("No function signature for the function with name '%s' matches the specified arguments. The function signatures considered are: %s%s.", name, name, stringFuncSignature)
}

func rangeVariableDetail(name string) string {
	return fmt.Sprintf("The range variable '%s' has already been declared.", name)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
