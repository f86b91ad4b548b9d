package graphpath

import (
	"errors"
	"fmt"
	"strings"
)

// MaxSegments is the most segments a path may have. Graph's deepest
// templates have about 15.
const MaxSegments = 40

// MaxLen is the longest path accepted.
const MaxLen = 4096

// Segment kinds.
const (
	// Literal is a plain segment, to be matched against literal template
	// segments first and {id} parameters second.
	Literal = iota
	// Param is a segment that can only match a parameter: a template's {x}, a
	// collapsed drive path, or an OData key value.
	Param
	// ParamColon is a parameter followed by ':' (drive item-path addressing:
	// items/{id}:/…).
	ParamColon
	// Ellipsis is the "..." of a template: any number of segments.
	Ellipsis
)

// Segment is one normalized segment. Text is Buf[Start:End] of the result;
// Orig is the corresponding slice of the input (for reading parameter values).
type Segment struct {
	Start, End         int
	OrigStart, OrigEnd int
	Kind               uint8
}

// Path is a normalized path.
type Path struct {
	Buf   []byte
	Segs  [MaxSegments]Segment
	N     int
	Query string // the raw query string, without '?'
	orig  string
}

// Text returns the normalized text of segment i.
func (p *Path) Text(i int) []byte { s := p.Segs[i]; return p.Buf[s.Start:s.End] }

// Orig returns the original text of segment i (a parameter's value).
func (p *Path) Orig(i int) string { s := p.Segs[i]; return p.orig[s.OrigStart:s.OrigEnd] }

// String renders the normalized path, e.g. /users/{id}/messages. It allocates
// and is meant for generation and display, not the hot path.
func (p *Path) String() string {
	if p.N == 0 {
		return "/"
	}
	var b []byte
	for i := 0; i < p.N; i++ {
		b = append(b, '/')
		switch p.Segs[i].Kind {
		case Param:
			b = append(b, "{id}"...)
		case ParamColon:
			b = append(b, "{id}:"...)
		default:
			b = append(b, p.Text(i)...)
		}
	}
	return string(b)
}

// Errors returned by Normalize.
var (
	ErrEmpty      = errors.New("path is empty")
	ErrNotAbs     = errors.New("path must start with /")
	ErrTooLong    = errors.New("path too long")
	ErrTooDeep    = errors.New("path has too many segments")
	ErrBadSegment = errors.New("malformed path segment")
)

// Mode says whether the input is a template from Microsoft's data or a
// request path.
type Mode uint8

const (
	// Request paths: {…} has no special meaning; "..." is literal text.
	Request Mode = iota
	// Template paths: {name} is a parameter; "..." is a multi-segment wildcard.
	Template
)

// Normalize normalizes path into p, reusing p.Buf's storage.
func Normalize(p *Path, path string, mode Mode) error {
	p.Buf = p.Buf[:0]
	p.N = 0
	p.Query = ""
	if len(path) > MaxLen {
		return ErrTooLong
	}
	path = stripHost(path)
	if q := strings.IndexByte(path, '?'); q >= 0 {
		p.Query = path[q+1:]
		path = path[:q]
	}
	if h := strings.IndexByte(path, '#'); h >= 0 {
		path = path[:h]
	}
	if path == "" {
		return ErrEmpty
	}
	if path[0] != '/' {
		return ErrNotAbs
	}
	p.orig = path
	i := 1
	// Strip the API version.
	for _, v := range [...]string{"v1.0", "beta"} {
		if hasPrefixFold(path[i:], v) && (len(path) == i+len(v) || path[i+len(v)] == '/') {
			i += len(v)
			if i < len(path) {
				i++
			}
			break
		}
	}
	for i < len(path) {
		j := i
		for j < len(path) && path[j] != '/' {
			j++
		}
		seg := path[i:j]
		next := j + 1
		if seg == "" { // "//" or a trailing "/"
			i = next
			continue
		}
		if err := p.addSegment(seg, i, mode); err != nil {
			return err
		}
		// Drive path addressing: a segment ending in ':' followed by more
		// segments opens a relative path that runs to the next segment ending
		// in ':' (or to the end).
		last := p.Segs[p.N-1]
		if seg[len(seg)-1] == ':' && next < len(path) && last.Kind != Ellipsis {
			k := next
			end := len(path)
			colon := false
			for k < len(path) {
				e := k
				for e < len(path) && path[e] != '/' {
					e++
				}
				if e > k && path[e-1] == ':' {
					end = e
					colon = true
					break
				}
				k = e + 1
			}
			if end > len(path) {
				end = len(path)
			}
			kind := uint8(Param)
			text := "{id}"
			if colon {
				kind = ParamColon
				text = "{id}:"
			}
			if err := p.push(text, next, end, kind); err != nil {
				return err
			}
			i = end + 1
			continue
		}
		i = next
	}
	return nil
}

func (p *Path) push(text string, os, oe int, kind uint8) error {
	if p.N == MaxSegments {
		return ErrTooDeep
	}
	start := len(p.Buf)
	p.Buf = append(p.Buf, text...)
	p.Segs[p.N] = Segment{Start: start, End: len(p.Buf), OrigStart: os, OrigEnd: oe, Kind: kind}
	p.N++
	return nil
}

// addSegment normalizes one raw segment starting at offset off of p.orig.
func (p *Path) addSegment(seg string, off int, mode Mode) error {
	if mode == Template {
		if seg == "..." {
			return p.push("...", off, off+3, Ellipsis)
		}
		if len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
			return p.push("{id}", off, off+len(seg), Param)
		}
		if len(seg) >= 3 && seg[0] == '{' && seg[len(seg)-2] == '}' && seg[len(seg)-1] == ':' {
			return p.push("{id}:", off, off+len(seg), ParamColon)
		}
	}
	if mode == Template && strings.ContainsAny(seg, "{}") && !strings.Contains(seg, "(") {
		return fmt.Errorf("%w: %q mixes text and a {parameter}", ErrBadSegment, seg)
	}
	open := strings.IndexByte(seg, '(')
	if open < 0 {
		if p.N == MaxSegments {
			return ErrTooDeep
		}
		start := len(p.Buf)
		p.Buf = appendLower(p.Buf, seg)
		p.Segs[p.N] = Segment{Start: start, End: len(p.Buf), OrigStart: off, OrigEnd: off + len(seg), Kind: Literal}
		p.N++
		return nil
	}
	// name(args)[rest]
	close := strings.LastIndexByte(seg, ')')
	if close < open {
		return fmt.Errorf("%w: %q has an unclosed parenthesis", ErrBadSegment, seg)
	}
	name, args, rest := seg[:open], seg[open+1:close], seg[close+1:]
	if name == "" || strings.ContainsAny(name, ":()'\"") {
		return fmt.Errorf("%w: %q has no valid name before '('", ErrBadSegment, seg)
	}
	if rest != "" && rest != ":" {
		return fmt.Errorf("%w: %q has text after ')'", ErrBadSegment, seg)
	}
	argsTrim := strings.TrimSpace(args)
	if argsTrim == "" { // delta() ≡ delta
		if p.N == MaxSegments {
			return ErrTooDeep
		}
		start := len(p.Buf)
		p.Buf = appendLower(p.Buf, name)
		p.Buf = append(p.Buf, rest...)
		p.Segs[p.N] = Segment{Start: start, End: len(p.Buf), OrigStart: off, OrigEnd: off + len(seg), Kind: Literal}
		p.N++
		return nil
	}
	if !hasTopLevelEquals(argsTrim) {
		// OData key segment: users('x') → users / x.
		if p.N+2 > MaxSegments {
			return ErrTooDeep
		}
		start := len(p.Buf)
		p.Buf = appendLower(p.Buf, name)
		p.Segs[p.N] = Segment{Start: start, End: len(p.Buf), OrigStart: off, OrigEnd: off + open, Kind: Literal}
		p.N++
		ks, ke := off+open+1, off+close
		v := trimQuotes(strings.TrimSpace(args))
		// Point Orig at the unquoted key.
		if idx := strings.Index(p.orig[ks:ke], v); idx >= 0 {
			ks += idx
			ke = ks + len(v)
		}
		kind := uint8(Param)
		text := "{id}"
		if rest == ":" {
			kind, text = ParamColon, "{id}:"
		}
		return p.push(text, ks, ke, kind)
	}
	// Function or alternate key with named arguments.
	if p.N == MaxSegments {
		return ErrTooDeep
	}
	start := len(p.Buf)
	p.Buf = appendLower(p.Buf, name)
	p.Buf = append(p.Buf, '(')
	first := true
	for a := argsTrim; a != ""; {
		var item string
		item, a = splitTopLevelComma(a)
		eq := strings.IndexByte(item, '=')
		if eq <= 0 || !isIdent(strings.TrimSpace(item[:eq])) {
			return fmt.Errorf("%w: argument %q of %q is not name=value", ErrBadSegment, item, seg)
		}
		if !first {
			p.Buf = append(p.Buf, ',')
		}
		first = false
		p.Buf = appendLower(p.Buf, strings.TrimSpace(item[:eq]))
		p.Buf = append(p.Buf, "={value}"...)
	}
	p.Buf = append(p.Buf, ')')
	p.Buf = append(p.Buf, rest...)
	p.Segs[p.N] = Segment{Start: start, End: len(p.Buf), OrigStart: off, OrigEnd: off + len(seg), Kind: Literal}
	p.N++
	return nil
}

// stripHost removes "https://host" from an absolute URL.
func stripHost(s string) string {
	for _, sch := range [...]string{"https://", "http://"} {
		if hasPrefixFold(s, sch) {
			rest := s[len(sch):]
			if k := strings.IndexByte(rest, '/'); k >= 0 {
				return rest[k:]
			}
			return "/"
		}
	}
	return s
}

func hasTopLevelEquals(s string) bool {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			inQuote = !inQuote
		case '=':
			if !inQuote {
				return true
			}
		}
	}
	return false
}

// splitTopLevelComma splits at the first comma outside quotes.
func splitTopLevelComma(s string) (item, rest string) {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
			}
		}
	}
	return strings.TrimSpace(s), ""
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func trimQuotes(s string) string {
	if len(s) >= 2 && (s[0] == '\'' && s[len(s)-1] == '\'' || s[0] == '"' && s[len(s)-1] == '"') {
		return s[1 : len(s)-1]
	}
	return s
}

// isIdent reports whether s is a non-empty OData parameter name.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c == '@' || c == '$') {
			return false
		}
	}
	return true
}
