package odata

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-json-experiment/json/jsontext"
)

// The conversion rules of Microsoft.OData.Core's JSON reader for primitive
// values (ODataPayloadValueConverter.ConvertFromPayloadValue), which Graph
// applies to every request body: a JSON string is read as any primitive
// type by .NET's parsing of that type ("false" is a Boolean, "15" an Int32,
// "1.5" a Double), while a JSON number or boolean is only read as a number
// or a boolean respectively (5 is not an Edm.String, 1.5 not an Edm.Int32,
// true not an Edm.Int32). A value that does not convert is refused with
// "Cannot convert the literal '…' to the expected type '…'."
//
// Sources: OData JSON Format v4.01, 7.1 (values of any primitive type may
// be represented as strings, e.g. IEEE754Compatible numbers);
// jasonjoh (Microsoft) on microsoftgraph/microsoft-graph-docs#12816:
// "OData allows wrapping booleans in quotes, so valid values are true,
// false, "true" or "false""; and Graph's own sendMail example sends
// "saveToSentItems": "false".

// convError is a primitive value that does not convert to its expected
// type. literal is the value as .NET prints it (true is "True").
type convError struct {
	literal, edmType string
}

func (e *convError) Error() string {
	return "cannot convert the literal '" + e.literal + "' to the expected type '" + e.edmType + "'"
}

// literalOf prints a JSON scalar the way Microsoft.OData.Core's messages
// do: strings unquoted, booleans as .NET's True and False.
func literalOf(v jsontext.Value) string {
	switch v.Kind() {
	case '"':
		var s string
		if err := jsontextUnquote(v, &s); err == nil {
			return s
		}
	case 't':
		return "True"
	case 'f':
		return "False"
	}
	return string(v)
}

func jsontextUnquote(v jsontext.Value, s *string) error {
	tok, err := jsontext.NewDecoder(strings.NewReader(string(v))).ReadToken()
	if err != nil {
		return err
	}
	*s = tok.String()
	return nil
}

// stringValue is the text of a JSON string value.
func stringValue(v jsontext.Value) (string, bool) {
	if v.Kind() != '"' {
		return "", false
	}
	var s string
	return s, jsontextUnquote(v, &s) == nil
}

// dotnetSpace is what .NET's number parsing skips around a number
// (NumberStyles.AllowLeadingWhite and AllowTrailingWhite).
func dotnetSpace(r rune) bool { return r == ' ' || (r >= '\t' && r <= '\r') }

// toBool reads an Edm.Boolean: a JSON boolean, or a string .NET's
// Boolean.Parse accepts ("true", "False", " TRUE ").
func toBool(v jsontext.Value) (bool, error) {
	switch v.Kind() {
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case '"':
		s, _ := stringValue(v)
		switch t := strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == 0 }); {
		case strings.EqualFold(t, "true"):
			return true, nil
		case strings.EqualFold(t, "false"):
			return false, nil
		}
	}
	return false, &convError{literalOf(v), "Edm.Boolean"}
}

// intTypes maps the Edm integer types to their size in bits.
var intTypes = map[string]int{"Edm.SByte": 8, "Edm.Byte": 8, "Edm.Int16": 16, "Edm.Int32": 32, "Edm.Int64": 64}

// toInt reads an Edm integer of the given size: a JSON number without
// fraction or exponent, or a string .NET's Int32.Parse accepts (white
// space around, one optional sign, digits). Values out of range fail.
func toInt(v jsontext.Value, edmType string, bits int) (int64, error) {
	var text string
	switch v.Kind() {
	case '0':
		text = string(v)
	case '"':
		s, _ := stringValue(v)
		text = strings.TrimFunc(s, dotnetSpace)
	default:
		return 0, &convError{literalOf(v), edmType}
	}
	n, err := strconv.ParseInt(text, 10, bits)
	if err != nil || (edmType == "Edm.Byte" && (n < 0 || n > math.MaxUint8)) {
		return 0, &convError{literalOf(v), edmType}
	}
	return n, nil
}

// toFloat reads an Edm.Double, Edm.Single or Edm.Decimal: a JSON number,
// or a string .NET's Double.Parse accepts (white space, sign, decimal
// point, exponent, thousands separators in the integer part). Non-finite
// values (.NET's INF and NaN) are refused: graphgate stores JSON, which
// cannot hold them.
func toFloat(v jsontext.Value, edmType string) (float64, error) {
	var text string
	switch v.Kind() {
	case '0':
		text = string(v)
	case '"':
		s, _ := stringValue(v)
		text = strings.TrimFunc(s, dotnetSpace)
		if intPart, frac, ok := strings.Cut(text, "."); ok {
			text = strings.ReplaceAll(intPart, ",", "") + "." + frac
		} else {
			text = strings.ReplaceAll(text, ",", "")
		}
		if strings.Trim(text, "0123456789+-.eE") != "" {
			text = "" // inf, nan, hexadecimal: not numbers here
		}
	default:
		return 0, &convError{literalOf(v), edmType}
	}
	bits := 64
	if edmType == "Edm.Single" {
		bits = 32
	}
	f, err := strconv.ParseFloat(text, bits)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, &convError{literalOf(v), edmType}
	}
	return f, nil
}

// toText reads an Edm.String (and the string-shaped types: date-times,
// GUIDs, binary...): only a JSON string. A number or a boolean is refused
// as Microsoft.OData.Core refuses it ("Cannot convert the literal '5' to
// the expected type 'Edm.String'.").
func toText(v jsontext.Value, edmType string) (string, error) {
	if s, ok := stringValue(v); ok {
		return s, nil
	}
	return "", &convError{literalOf(v), edmType}
}

// nodeName is Microsoft.OData.Core's name of the JSON node a value starts
// with, for "An unexpected 'StartArray' node was found…".
func nodeName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "StartObject"
	case '[':
		return "StartArray"
	}
	return "PrimitiveValue"
}

// nodeError is a JSON value of the wrong shape: an object or array where a
// primitive is expected, or the reverse.
type nodeError struct{ found, expected string }

func (e *nodeError) Error() string {
	return "an unexpected '" + e.found + "' node was found when a '" + e.expected + "' node was expected"
}
