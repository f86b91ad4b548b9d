package odata

import (
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Page-size caps Graph enforces when ParseOptions.MaxTop is 0.
const (
	DirectoryMaxTop = 999  // /users, /groups...: "Must be between 1 and 999 inclusive."
	ExchangeMaxTop  = 1000 // /messages, /events...: "within the range of 1 and 1000"
)

// ParseOptions tunes Parse for the endpoint being served.
type ParseOptions struct {
	// Flavor picks the error wording (see Flavor).
	Flavor Flavor
	// MaxTop is the largest $top accepted. 0 means the flavor's Graph
	// default (999 for Directory, 1000 for Exchange, none for Generic);
	// a negative value means no cap.
	MaxTop int
	// DollarOptional also recognises the option names without their $
	// prefix (filter=..., select=...), as Graph's beta endpoint and a
	// subset of v1.0 APIs do. When false, a parameter without $ is not an
	// OData option and Parse ignores it: it may be a function parameter
	// such as calendarView's startDateTime.
	DollarOptional bool
}

func (o ParseOptions) maxTop() int {
	switch {
	case o.MaxTop < 0:
		return 0
	case o.MaxTop > 0:
		return o.MaxTop
	case o.Flavor == Directory:
		return DirectoryMaxTop
	case o.Flavor == Exchange:
		return ExchangeMaxTop
	}
	return 0
}

// Query holds the parsed system query options of one request, or of one
// $expand item. Absent options are nil / zero.
type Query struct {
	Select  []string     // property names, or "*"
	Filter  Expr         // parsed $filter
	OrderBy []OrderItem  // $orderby items in order
	Top     *int         // $top
	Skip    *int         // $skip
	Count   bool         // $count=true
	Expand  []ExpandItem // $expand items
	Search  *Search      // $search
	// SkipToken, DeltaToken and Format are opaque: Graph hands them out
	// and reads them back. Empty when absent.
	SkipToken  string
	DeltaToken string
	Format     string
	// Levels is $levels inside an $expand: -1 for max, nil when absent.
	Levels *int
	// Raw maps each option present, by canonical name ("$filter"), to its
	// text as received, for building @odata.nextLink.
	Raw map[string]string
}

// OrderItem is one $orderby term: Property is the slash-joined path.
type OrderItem struct {
	Property string
	Desc     bool
}

// ExpandItem is one $expand term, with its nested options (nil if none).
type ExpandItem struct {
	// Cast, when set, is the derived type whose navigation property is
	// expanded: $expand=microsoft.graph.eventMessage/event has Cast
	// "microsoft.graph.eventMessage" and Property "event".
	Cast     string
	Property string
	Query    *Query
}

// Name is the item as written: Property, or Cast/Property.
func (it ExpandItem) Name() string {
	if it.Cast == "" {
		return it.Property
	}
	return it.Cast + "/" + it.Property
}

// isQualifiedName reports whether s is a namespace-qualified type name
// (identifiers joined by dots, at least one dot).
func isQualifiedName(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if !isIdentifier(p) {
			return false
		}
	}
	return true
}

// options lists the $-options Parse recognises at top level. $levels is
// valid only inside $expand.
var options = map[string]bool{
	"$select": true, "$filter": true, "$orderby": true, "$top": true, "$skip": true,
	"$count": true, "$expand": true, "$search": true, "$skiptoken": true,
	"$deltatoken": true, "$format": true,
}

// Parse reads the system query options from a request's query string.
//
// Option names are matched case-insensitively ($FILTER is $filter). A
// $-prefixed name Parse does not know is an error, as is any option given
// twice. Names without $ are options only with DollarOptional.
func Parse(values url.Values, opts ParseOptions) (*Query, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic choice of error when several apply

	q := &Query{} // Raw is made by the first option (set): none for a request without one
	for _, key := range keys {
		name, ok, err := optionName(key, opts, false)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if _, dup := q.Raw[name]; dup || len(values[key]) > 1 {
			return nil, DuplicateOptionError(opts.Flavor, name)
		}
		var raw string
		if len(values[key]) == 1 {
			raw = values[key][0]
		}
		if err := q.set(name, raw, opts); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// ParseRawQuery splits a raw query string (r.URL.RawQuery) into values
// like url.ParseQuery, except that ';' is data, not a separator. Graph
// clients send nested $expand options as members($select=id;$top=5), and
// url.ParseQuery (hence r.URL.Query()) rejects or drops such a pair.
func ParseRawQuery(raw string) (url.Values, error) {
	v := url.Values{}
	for rest := raw; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			return nil, err
		}
		val, err := url.QueryUnescape(value)
		if err != nil {
			return nil, err
		}
		v[k] = append(v[k], val)
	}
	return v, nil
}

// optionName maps a parameter name to its canonical option name. ok is
// false for a parameter that is not an OData option at all.
func optionName(key string, opts ParseOptions, nested bool) (name string, ok bool, err error) {
	key = strings.TrimSpace(key) // Microsoft.OData.Core trims option names
	dollar := strings.HasPrefix(key, "$")
	if !dollar && !opts.DollarOptional {
		return "", false, nil
	}
	name = "$" + strings.ToLower(strings.TrimPrefix(key, "$"))
	if options[name] || (nested && name == "$levels") {
		return name, true, nil
	}
	if dollar {
		return "", false, UnknownOptionError(opts.Flavor, key)
	}
	return "", false, nil
}

// set parses one option's value into q.
func (q *Query) set(name, raw string, opts ParseOptions) error {
	f := opts.Flavor
	if q.Raw == nil {
		q.Raw = map[string]string{}
	}
	q.Raw[name] = raw
	var err error
	switch name {
	case "$select":
		q.Select, err = parseSelect(raw, f)
	case "$filter":
		q.Filter, err = ParseFilter(raw, f)
	case "$orderby":
		q.OrderBy, err = ParseOrderBy(raw, f)
	case "$top":
		q.Top, err = parseTop(raw, opts)
	case "$skip":
		n, ok := parseNonNegative(raw, f)
		if !ok {
			return SkipError(f, raw)
		}
		q.Skip = &n
	case "$count":
		// Microsoft.OData.Core (ODataQueryOptionParser.ParseCount) trims
		// the value and takes exactly true or false: $count=True is
		// refused, as its own comment says.
		switch strings.TrimSpace(raw) {
		case "true":
			q.Count = true
		case "false":
			q.Count = false
		default:
			return CountError(f, raw)
		}
	case "$expand":
		q.Expand, err = parseExpand(raw, opts)
	case "$search":
		q.Search, err = ParseSearch(raw, f)
	case "$skiptoken":
		q.SkipToken = raw
	case "$deltatoken":
		q.DeltaToken = raw
	case "$format":
		q.Format = raw
	case "$levels":
		q.Levels, err = parseLevels(raw, f)
	}
	return err
}

// parseNonNegative reads a $top or $skip value. Microsoft.OData.Core
// reads both with .NET's long.TryParse (ODataQueryOptionParser.ParseTop
// and ParseSkip), which allows white space around the digits and one
// sign: " 5" and "+5" are 5. The directory takes digits only.
func parseNonNegative(raw string, f Flavor) (int, bool) {
	text := raw
	if f != Directory {
		text = strings.TrimFunc(raw, dotnetSpace)
	} else if !isDigits(raw) {
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

func parseTop(raw string, opts ParseOptions) (*int, error) {
	max := opts.maxTop()
	n, ok := parseNonNegative(raw, opts.Flavor)
	if !ok || (max > 0 && n > max) || (opts.Flavor == Directory && n < 1) {
		return nil, TopError(opts.Flavor, raw, max)
	}
	return &n, nil
}

func parseLevels(raw string, f Flavor) (*int, error) {
	if strings.EqualFold(raw, "max") {
		n := -1
		return &n, nil
	}
	n, ok := parseNonNegative(raw, f)
	if !ok {
		return nil, newError(f.badRequestCode(), "Levels option must be a non-negative integer or 'max', it is set to '%s' instead.", raw)
	}
	return &n, nil
}

// parseSelect splits $select into property names. Graph selects
// top-level properties only, so a path (a/b) is rejected. As in
// Microsoft.OData.Core's SelectExpandParser, an empty or blank list
// selects everything (nil: the resource's default properties), white
// space around terms is skipped and a trailing comma ends the list.
func parseSelect(raw string, f Flavor) ([]string, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	parts := strings.Split(raw, ",")
	if last := len(parts) - 1; strings.TrimSpace(parts[last]) == "" {
		parts = parts[:last]
	}
	var out []string
	for _, part := range parts {
		term := strings.TrimSpace(part)
		if term != "*" && !isIdentifier(term) {
			return nil, SelectError(f, term)
		}
		out = append(out, term)
	}
	return out, nil
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ParseOrderBy parses $orderby text: comma-separated property paths, each
// optionally followed by asc or desc (any case).
func ParseOrderBy(raw string, f Flavor) ([]OrderItem, error) {
	var out []OrderItem
	for _, part := range splitTopLevel(raw, ',') {
		fields := strings.Fields(part.text)
		if len(fields) == 0 {
			return nil, SyntaxError(f, raw, charPos(raw, part.offset))
		}
		item := OrderItem{Property: fields[0]}
		for _, seg := range strings.Split(fields[0], "/") {
			if !isIdentifier(seg) {
				return nil, SyntaxError(f, raw, charPos(raw, part.offset+strings.Index(part.text, fields[0])))
			}
		}
		if len(fields) > 1 {
			switch strings.ToLower(fields[1]) {
			case "asc":
			case "desc":
				item.Desc = true
			default:
				return nil, SyntaxError(f, raw, charPos(raw, part.offset+strings.LastIndex(part.text, fields[1])))
			}
		}
		if len(fields) > 2 {
			return nil, SyntaxError(f, raw, charPos(raw, part.offset+strings.LastIndex(part.text, fields[2])))
		}
		out = append(out, item)
	}
	return out, nil
}

// parseExpand parses $expand: comma-separated navigation properties, each
// optionally followed by nested options in parentheses separated by ';',
// e.g. members($select=id,displayName;$top=5).
func parseExpand(raw string, opts ParseOptions) ([]ExpandItem, error) {
	f := opts.Flavor
	if strings.TrimSpace(raw) == "" {
		return nil, nil // as $select: nothing to expand
	}
	var out []ExpandItem
	for _, part := range splitTopLevel(raw, ',') {
		text := strings.TrimSpace(part.text)
		name, inner, hasParens := strings.Cut(text, "(")
		name = strings.TrimSpace(name)
		cast := ""
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			if !isQualifiedName(name[:i]) {
				return nil, SelectError(f, name)
			}
			cast, name = name[:i], name[i+1:]
		}
		if name != "*" && !isIdentifier(name) || cast != "" && name == "*" {
			return nil, SelectError(f, name)
		}
		item := ExpandItem{Cast: cast, Property: name}
		if hasParens {
			if !strings.HasSuffix(inner, ")") {
				return nil, SyntaxError(f, raw, charPos(raw, part.offset+len(part.text)))
			}
			q, err := parseNested(name, strings.TrimSuffix(inner, ")"), opts)
			if err != nil {
				return nil, err
			}
			item.Query = q
		}
		out = append(out, item)
	}
	return out, nil
}

// parseNested parses the ';'-separated options inside an $expand item.
func parseNested(property, inner string, opts ParseOptions) (*Query, error) {
	f := opts.Flavor
	if strings.TrimSpace(inner) == "" {
		return nil, newError(f.badRequestCode(), "Missing expand option on navigation property '%s'. If a parenthesis expression follows an expanded navigation property, then at least one expand option must be provided.", property)
	}
	q := &Query{Raw: map[string]string{}}
	for _, part := range splitTopLevel(inner, ';') {
		key, value, ok := strings.Cut(strings.TrimSpace(part.text), "=")
		if !ok {
			return nil, SyntaxError(f, inner, charPos(inner, part.offset))
		}
		name, known, err := optionName(strings.TrimSpace(key), opts, true)
		if err != nil {
			return nil, err
		}
		if !known {
			return nil, SelectError(f, key)
		}
		if _, dup := q.Raw[name]; dup {
			return nil, DuplicateOptionError(f, name)
		}
		if err := q.set(name, value, opts); err != nil {
			return nil, err
		}
	}
	return q, nil
}

type span struct {
	text   string
	offset int // byte offset of text in the split string
}

// splitTopLevel splits s at sep where sep is outside parentheses and
// single-quoted strings, so nested $filter text survives intact.
func splitTopLevel(s string, sep byte) []span {
	var out []span
	depth, start := 0, 0
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == sep && depth == 0:
			out = append(out, span{s[start:i], start})
			start = i + 1
		}
	}
	return append(out, span{s[start:], start})
}
