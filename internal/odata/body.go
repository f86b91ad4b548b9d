package odata

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// Request bodies. Graph reads a POST or PATCH body with Microsoft.OData.Core
// (or, in Exchange and the directory, with a reader that follows it), and
// graphgate reads it in two steps that reproduce that reader:
//
//  1. NormalizeBody, where the body's type is known from the Model: names
//     are matched ignoring case and rewritten as declared; primitive values
//     are converted to their declared EDM type (primitive.go); enumeration
//     members are matched ignoring case and rewritten as declared; a null
//     where the schema says Nullable="false" is refused; @odata.type must
//     name the expected type or a type derived from it (and then the
//     derived type's properties apply); a property the type does not have
//     is refused where the service refuses it (see BodyOptions).
//  2. DecodeJSON into the handler's Go value, which applies the same
//     primitive conversions by Go type (a bool field reads "false"), so
//     bodies of actions and types the Model does not hold are lenient too.
//
// Instance and property annotations (@odata.etag, @odata.context,
// members@odata.bind, @microsoft.graph.conflictBehavior) pass through
// untouched: handlers read the ones they implement, and the others are
// ignored, as Graph ignores annotations it does not understand (OData JSON
// Format v4.01, 20: "Clients and services MUST ignore annotations they do
// not understand"). Every error is an *Error in the workload's wording.

// BodyOptions says whose wording body errors use.
type BodyOptions struct {
	// Flavor picks the error code, the names of types in messages and
	// whether undeclared properties are refused:
	//
	//	Exchange:  RequestBodyRead, "Microsoft.OutlookServices.Event"; refused
	//	Directory: Request_BadRequest, "Microsoft.DirectoryServices.User"; refused ("Invalid property 'x'.")
	//	Generic:   BadRequest, "microsoft.graph.todoTask"; refused unless the type is open
	//
	// Graph's $metadata declares event, message, contact, user and group
	// open, yet Exchange and the directory refuse undeclared properties on
	// them: Exchange with RequestBodyRead "The property 'graphResponseHeaders'
	// does not exist on type 'Microsoft.OutlookServices.Event'. …"
	// (microsoftgraph/msgraph-sdk-java#391), the directory with
	// Request_BadRequest "Invalid property 'responseHeaders'."
	// (pnp/PnP-Sites-Core#1807). Other services follow Microsoft.OData.Core,
	// which refuses them on types that are not open.
	Flavor Flavor
	// Code replaces the flavor's error code (To Do answers invalidRequest).
	Code string
}

func (o BodyOptions) code() string {
	switch {
	case o.Code != "":
		return o.Code
	case o.Flavor == Exchange:
		return "RequestBodyRead"
	case o.Flavor == Directory:
		return CodeRequestBadRequest
	}
	return CodeBadRequest
}

func (o BodyOptions) errorf(format string, args ...any) *Error {
	return newError(o.code(), format, args...)
}

// MalformedBodyMessage is Graph's message for a body that is not JSON.
const MalformedBodyMessage = "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."

// serviceName is how the service behind a flavor names a type in its
// messages: Exchange and the directory use their own models' names.
func (o BodyOptions) serviceName(t *StructuredType) string {
	if t == nil {
		return ""
	}
	if t.action {
		return t.Name
	}
	simple := t.SimpleName()
	switch o.Flavor {
	case Exchange:
		return "Microsoft.OutlookServices." + upperFirst(simple)
	case Directory:
		return "Microsoft.DirectoryServices." + upperFirst(simple)
	}
	return t.Name
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// rejectsUnknown reports whether a property t does not declare is an error.
func (o BodyOptions) rejectsUnknown(t *StructuredType) bool {
	return t.action || o.Flavor == Exchange || o.Flavor == Directory || !t.Open
}

// maxBodyDepth bounds the nesting NormalizeBody follows; deeper bodies
// are refused rather than walked.
const maxBodyDepth = 64

// NormalizeBody checks a request body against the type t of this model and
// returns it rewritten as Graph reads it (see the package's notes on
// request bodies): declared names, converted primitives, declared enum
// spellings. An empty or malformed body, or one that is not an object,
// is an *Error.
func (m *Model) NormalizeBody(body []byte, t *StructuredType, o BodyOptions) ([]byte, error) {
	v := jsontext.Value(bytes.TrimSpace(body))
	if !v.IsValid(jsontext.AllowDuplicateNames(true)) {
		return nil, newError(CodeBadRequest, "%s", MalformedBodyMessage)
	}
	var buf bytes.Buffer
	n := &normalizer{m: m, o: o, root: t, enc: jsontext.NewEncoder(&buf, jsontext.AllowDuplicateNames(true))}
	if v.Kind() != '{' {
		return nil, o.errorf("An unexpected '%s' node was found when reading from the JSON reader. A 'StartObject' node was expected.", nodeName(v.Kind()))
	}
	if err := n.object(v, t, 0); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

type normalizer struct {
	m    *Model
	o    BodyOptions
	root *StructuredType
	enc  *jsontext.Encoder
}

// members lists the name and raw value of each member of a JSON object.
func members(v jsontext.Value) ([]string, []jsontext.Value, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(v), jsontext.AllowDuplicateNames(true))
	if _, err := dec.ReadToken(); err != nil {
		return nil, nil, err
	}
	var names []string
	var vals []jsontext.Value
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, nil, err
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return nil, nil, err
		}
		names = append(names, name)
		vals = append(vals, val.Clone())
	}
	return names, vals, nil
}

// object writes the object v of type t (or of the type its @odata.type
// names).
func (n *normalizer) object(v jsontext.Value, t *StructuredType, depth int) error {
	if depth > maxBodyDepth {
		return n.o.errorf("%s", tooDeepDetail)
	}
	names, vals, err := members(v)
	if err != nil {
		return newError(CodeBadRequest, "%s", MalformedBodyMessage)
	}
	for i, name := range names {
		if strings.EqualFold(name, "@odata.type") && !t.action {
			if t, err = n.resolveType(vals[i], t); err != nil {
				return err
			}
		}
	}
	if err := n.enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, name := range names {
		val := vals[i]
		if strings.Contains(name, "@") {
			// An instance annotation (@odata.etag) or a property
			// annotation (members@odata.bind): passed on as sent, but
			// @odata.type spelled as Graph writes it.
			if strings.EqualFold(name, "@odata.type") && !t.action {
				name, val = "@odata.type", jsontext.Value(strconv.Quote("#"+t.Name))
			}
			if err := n.write(name, val); err != nil {
				return err
			}
			continue
		}
		declared := name
		var write func() error
		if p, ok := t.Property(name); ok {
			declared = p.Name
			write = func() error { return n.value(val, p, depth) }
		} else if nav, ok := t.Navigation(name); ok {
			// Inline navigation content (a message's attachments, an
			// event's singleValueExtendedProperties): the handler's.
			declared = nav
			write = func() error { return n.enc.WriteValue(val) }
		} else if n.o.rejectsUnknown(t) {
			return n.unknown(name, t)
		} else {
			write = func() error { return n.enc.WriteValue(val) } // a dynamic property of an open type
		}
		if seen[strings.ToLower(declared)] {
			return n.o.errorf("Multiple properties with the name '%s' were detected in a resource or a complex value. In OData, duplicate property names are not allowed.", declared)
		}
		seen[strings.ToLower(declared)] = true
		if err := n.enc.WriteToken(jsontext.String(declared)); err != nil {
			return err
		}
		if err := write(); err != nil {
			return err
		}
	}
	return n.enc.WriteToken(jsontext.EndObject)
}

func (n *normalizer) write(name string, v jsontext.Value) error {
	if err := n.enc.WriteToken(jsontext.String(name)); err != nil {
		return err
	}
	return n.enc.WriteValue(v)
}

// resolveType reads an @odata.type value against the expected type t.
func (n *normalizer) resolveType(v jsontext.Value, t *StructuredType) (*StructuredType, error) {
	name, ok := stringValue(v)
	if !ok {
		return nil, n.o.errorf("An unexpected '%s' node was found when reading from the JSON reader. A 'PrimitiveValue' node was expected.", nodeName(v.Kind()))
	}
	name = strings.TrimPrefix(name, "#")
	got, ok := n.m.Type(name)
	switch {
	case ok && got.IsA(t):
		return got, nil
	case ok:
		return nil, n.notAssignable(n.o.serviceName(got), t)
	case n.m.InNamespace(name):
		// A type of the schema that this model does not hold: the model
		// holds every type derived from the types bodies are read as, so
		// it is not one of them.
		return nil, n.notAssignable(name, t)
	}
	return nil, n.o.errorf("A type named '%s' could not be resolved by the model. When a model is available, each type name must resolve to a valid type.", name)
}

func (n *normalizer) notAssignable(found string, t *StructuredType) *Error {
	return n.o.errorf("A resource with type '%s' was found, but it is not assignable to the expected type '%s'. The type specified in the resource must be equal to either the expected type or a derived type.", found, n.o.serviceName(t))
}

func (n *normalizer) unknown(name string, t *StructuredType) *Error {
	switch {
	case t.action:
		return n.o.errorf("The parameter '%s' in the request payload is not a valid parameter for the operation '%s'.", name, t.Name)
	case n.o.Flavor == Directory && strings.HasPrefix(strings.ToLower(name), "extension_"):
		return n.o.errorf("The following extension properties are not available: %s.", name)
	case n.o.Flavor == Directory:
		return n.o.errorf("Invalid property '%s'.", name)
	}
	return n.o.errorf("The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", name, n.o.serviceName(t))
}

// value writes the value v of the property p.
func (n *normalizer) value(v jsontext.Value, p Property, depth int) error {
	ref := p.Type
	if v.Kind() == 'n' {
		if !ref.Nullable && !ref.Collection {
			return n.nullError(p, false)
		}
		return n.enc.WriteValue(v)
	}
	if !ref.Collection {
		return n.single(v, ref, p, depth)
	}
	if v.Kind() != '[' {
		return n.o.errorf("An unexpected '%s' node was found when reading from the JSON reader. A 'StartArray' node was expected.", nodeName(v.Kind()))
	}
	dec := jsontext.NewDecoder(bytes.NewReader(v), jsontext.AllowDuplicateNames(true))
	if _, err := dec.ReadToken(); err != nil {
		return newError(CodeBadRequest, "%s", MalformedBodyMessage)
	}
	if err := n.enc.WriteToken(jsontext.BeginArray); err != nil {
		return err
	}
	elem := ref
	elem.Collection = false
	for dec.PeekKind() != ']' {
		ev, err := dec.ReadValue()
		if err != nil {
			return newError(CodeBadRequest, "%s", MalformedBodyMessage)
		}
		if ev.Kind() == 'n' {
			if !elem.Nullable {
				return n.nullError(p, true)
			}
			if err := n.enc.WriteValue(ev); err != nil {
				return err
			}
			continue
		}
		if err := n.single(ev.Clone(), elem, p, depth); err != nil {
			return err
		}
	}
	return n.enc.WriteToken(jsontext.EndArray)
}

// single writes one non-null value of type ref (not a collection).
func (n *normalizer) single(v jsontext.Value, ref TypeRef, p Property, depth int) error {
	switch {
	case ref.Structured != nil:
		if v.Kind() != '{' {
			return n.o.errorf("An unexpected '%s' node was found when reading from the JSON reader. A 'StartObject' node was expected.", nodeName(v.Kind()))
		}
		return n.object(v, ref.Structured, depth+1)
	case ref.Enum != nil:
		s, ok := stringValue(v)
		if !ok {
			return n.convError(&convError{literalOf(v), ref.Name}, p)
		}
		return n.enc.WriteToken(jsontext.String(enumSpelling(ref.Enum, s)))
	}
	if v.Kind() == '{' || v.Kind() == '[' {
		return n.o.errorf("An unexpected '%s' node was found when reading from the JSON reader. A 'PrimitiveValue' node was expected.", nodeName(v.Kind()))
	}
	out, err := convertPrimitive(v, ref.Name)
	if err != nil {
		return n.convError(err, p)
	}
	return n.enc.WriteValue(out)
}

// enumSpelling is s with each member (of a flags enum, each of the
// comma-separated members) spelled as declared. A value that names no
// member is left as sent, for the handler to refuse in its workload's
// words.
func enumSpelling(e *EnumType, s string) string {
	parts := []string{s}
	if e.Flags {
		parts = strings.Split(s, ",")
	}
	for i, part := range parts {
		m, ok := e.Member(strings.TrimSpace(part))
		if !ok {
			return s
		}
		parts[i] = m
	}
	return strings.Join(parts, ",")
}

// convertPrimitive converts a JSON scalar to the JSON form of the EDM
// primitive type edmType: "false" becomes false for Edm.Boolean, "15"
// becomes 15 for Edm.Int32. Types it does not know (Edm.Untyped...) pass.
func convertPrimitive(v jsontext.Value, edmType string) (jsontext.Value, error) {
	if bits, ok := intTypes[edmType]; ok {
		i, err := toInt(v, edmType, bits)
		if err != nil {
			return nil, err
		}
		return jsontext.Value(strconv.FormatInt(i, 10)), nil
	}
	switch edmType {
	case "Edm.Boolean":
		b, err := toBool(v)
		if err != nil {
			return nil, err
		}
		return jsontext.Value(strconv.FormatBool(b)), nil
	case "Edm.Double", "Edm.Single", "Edm.Decimal":
		if v.Kind() == '0' {
			return v, nil
		}
		f, err := toFloat(v, edmType)
		if err != nil {
			return nil, err
		}
		return jsontext.Value(strconv.FormatFloat(f, 'g', -1, 64)), nil
	case "Edm.String", "Edm.DateTimeOffset", "Edm.Date", "Edm.TimeOfDay", "Edm.Duration", "Edm.Guid", "Edm.Binary":
		if _, err := toText(v, edmType); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (n *normalizer) convError(err error, p Property) *Error {
	var ce *convError
	if n.o.Flavor == Directory || !errors.As(err, &ce) {
		return n.o.errorf("Invalid value specified for property '%s' of resource '%s'.", p.Name, upperFirst(n.root.SimpleName()))
	}
	return n.o.errorf("Cannot convert the literal '%s' to the expected type '%s'.", ce.literal, ce.edmType)
}

func (n *normalizer) nullError(p Property, element bool) *Error {
	if n.o.Flavor == Directory {
		return n.o.errorf("Invalid value specified for property '%s' of resource '%s'.", p.Name, upperFirst(n.root.SimpleName()))
	}
	typ := p.Type.Name
	if element {
		return n.o.errorf("A null value was found with the expected type '%s[Nullable=False]'. The expected type '%s[Nullable=False]' does not allow null values.", typ, typ)
	}
	return n.o.errorf("A null value was found for the property named '%s', which has the expected type '%s[Nullable=False]'. The expected type '%s[Nullable=False]' does not allow null values.", p.Name, typ, typ)
}

// DecodeJSON decodes a request body into dst (a pointer) with
// encoding/json's rules — names matched ignoring case, unknown names
// ignored — except that a primitive is converted by the rules of
// Microsoft.OData.Core for the Go type it lands in: a bool reads "false",
// an int reads "15", a float64 reads "1.5", and a string refuses a number
// or a boolean. A name given twice (ignoring case) is refused, as OData
// refuses duplicate properties. Errors are *Error in o's wording.
//
// It is the second step after NormalizeBody, and the only one for bodies
// of types the Model does not hold.
func DecodeJSON(body []byte, dst any, o BodyOptions) error {
	err := json.Unmarshal(body, dst, jsonv1.DefaultOptionsV1(), jsonv1.ReportErrorsWithLegacySemantics(false),
		jsontext.AllowDuplicateNames(false), json.WithUnmarshalers(lenient))
	if err == nil {
		return nil
	}
	var ce *convError
	var ne *nodeError
	var se *json.SemanticError
	var sy *jsontext.SyntacticError
	switch {
	case errors.As(err, &ce):
		return o.errorf("Cannot convert the literal '%s' to the expected type '%s'.", ce.literal, ce.edmType)
	case errors.As(err, &ne):
		return o.errorf("An unexpected '%s' node was found when reading from the JSON reader. A '%s' node was expected.", ne.found, ne.expected)
	case errors.Is(err, jsontext.ErrDuplicateName) && errors.As(err, &sy):
		return o.errorf("Multiple properties with the name '%s' were detected in a resource or a complex value. In OData, duplicate property names are not allowed.", sy.JSONPointer.LastToken())
	case errors.As(err, &se) && se.JSONKind != 0 && se.GoType != nil:
		return o.errorf("An unexpected '%s' node was found when reading from the JSON reader. A '%s' node was expected.", nodeName(se.JSONKind), expectedNode(se.GoType.Kind().String()))
	}
	return newError(CodeBadRequest, "%s", MalformedBodyMessage)
}

func expectedNode(goKind string) string {
	switch goKind {
	case "struct", "map":
		return "StartObject"
	case "slice", "array":
		return "StartArray"
	}
	return "PrimitiveValue"
}

// lenient are DecodeJSON's conversions by Go type.
var lenient = json.JoinUnmarshalers(
	json.UnmarshalFromFunc(func(dec *jsontext.Decoder, p *bool) error {
		return readScalar(dec, func(v jsontext.Value) error {
			b, err := toBool(v)
			*p = b
			return err
		})
	}),
	json.UnmarshalFromFunc(func(dec *jsontext.Decoder, p *string) error {
		return readScalar(dec, func(v jsontext.Value) error {
			s, err := toText(v, "Edm.String")
			*p = s
			return err
		})
	}),
	json.UnmarshalFromFunc(func(dec *jsontext.Decoder, p *int) error {
		return readInt(dec, func(i int64) { *p = int(i) }, "Edm.Int32", 32)
	}),
	json.UnmarshalFromFunc(func(dec *jsontext.Decoder, p *int32) error {
		return readInt(dec, func(i int64) { *p = int32(i) }, "Edm.Int32", 32)
	}),
	json.UnmarshalFromFunc(func(dec *jsontext.Decoder, p *int64) error {
		return readInt(dec, func(i int64) { *p = i }, "Edm.Int64", 64)
	}),
	json.UnmarshalFromFunc(func(dec *jsontext.Decoder, p *float64) error {
		return readScalar(dec, func(v jsontext.Value) error {
			f, err := toFloat(v, "Edm.Double")
			*p = f
			return err
		})
	}),
)

// readScalar reads one value for a lenient unmarshaler: null leaves the
// Go value as it is (encoding/json's rule), an object or an array is the
// wrong node, a scalar goes to set.
func readScalar(dec *jsontext.Decoder, set func(jsontext.Value) error) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	switch v.Kind() {
	case 'n':
		return nil
	case '{', '[':
		return &nodeError{found: nodeName(v.Kind()), expected: "PrimitiveValue"}
	}
	return set(v)
}

func readInt(dec *jsontext.Decoder, set func(int64), edmType string, bits int) error {
	return readScalar(dec, func(v jsontext.Value) error {
		i, err := toInt(v, edmType, bits)
		if err == nil {
			set(i)
		}
		return err
	})
}
