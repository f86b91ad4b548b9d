package bridge

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// The configuration is read in two passes over yaml.v3's node tree: a strict
// walk against the Go types (unknown keys, with "did you mean", and wrong
// shapes, each at its line) that also records the line and column of every
// key, then a plain Decode. Semantic checks name a field by its path
// (accounts[0].email_sensors[1].max_items) and positions turns that into
// file:line:col.

// pos is a line and column in the file.
type pos struct{ line, col int }

// positions maps a field path to where it is written.
type positions map[string]pos

// FieldError is a configuration error at a place in the file.
type FieldError struct {
	File      string
	Line, Col int
	Path      string
	Msg       string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ConfigError lists every error found in a configuration file.
type ConfigError struct{ Errs []*FieldError }

func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Errs))
	for i, x := range e.Errs {
		lines[i] = x.Error()
	}
	return strings.Join(lines, "\n")
}

// errs collects FieldErrors.
type errs struct {
	file string
	pos  positions
	list []*FieldError
}

// at records an error for path, placed at the nearest written ancestor.
func (e *errs) at(path, format string, a ...any) {
	p, ok := e.pos[path]
	for q := path; !ok && q != ""; {
		q = parentPath(q)
		p, ok = e.pos[q]
	}
	e.list = append(e.list, &FieldError{File: e.file, Line: p.line, Col: p.col, Path: path, Msg: fmt.Sprintf(format, a...)})
}

func (e *errs) atLine(line, col int, path, format string, a ...any) {
	e.list = append(e.list, &FieldError{File: e.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, a...)})
}

func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	sort.SliceStable(e.list, func(i, j int) bool { return e.list[i].Line < e.list[j].Line })
	return &ConfigError{Errs: e.list}
}

func parentPath(p string) string {
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields lists the yaml keys of a struct type and their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// walk checks n against type t, recording positions and shape errors.
func walk(n *yaml.Node, t reflect.Type, path string, e *errs) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if _, ok := reflect.New(t).Interface().(yaml.Unmarshaler); ok {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if t.String() == "time.Time" {
			return
		}
		if n.Kind != yaml.MappingNode {
			e.atLine(n.Line, n.Column, path, "must be a mapping (key: value lines), not %s", describe(n))
			return
		}
		fields := yamlFields(t)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := k.Value
			p := join(path, key)
			e.pos[p] = pos{k.Line, k.Column}
			ft, ok := fields[key]
			if !ok {
				e.atLine(k.Line, k.Column, p, "unknown key%s", suggest(key, fields))
				continue
			}
			if seen[key] {
				e.atLine(k.Line, k.Column, p, "written twice")
			}
			seen[key] = true
			walk(v, ft, p, e)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			e.atLine(n.Line, n.Column, path, "must be a list (lines starting with -), not %s", describe(n))
			return
		}
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			e.pos[p] = pos{c.Line, c.Column}
			walk(c, t.Elem(), p, e)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			e.atLine(n.Line, n.Column, path, "must be a mapping, not %s", describe(n))
		}
	default:
		if n.Kind != yaml.ScalarNode {
			e.atLine(n.Line, n.Column, path, "must be a single value, not %s", describe(n))
		}
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "this"
}

// suggest names the closest known key.
func suggest(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 1<<30
	for k := range fields {
		d := editDistance(strings.ToLower(key), k)
		if d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if best != "" && bestD <= 3 && bestD < len(key) {
		return fmt.Sprintf(" (did you mean %s?)", best)
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return " (known keys: " + strings.Join(names, ", ") + ")"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// decodeErrors turns yaml.v3's type errors ("line 5: cannot unmarshal …")
// into FieldErrors.
func decodeErrors(err error, e *errs) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		e.atLine(0, 0, "", "%v", err)
		return
	}
	reported := map[int]bool{}
	for _, x := range e.list {
		reported[x.Line] = true
	}
	for _, m := range te.Errors {
		var line int
		rest := m
		if _, err := fmt.Sscanf(m, "line %d:", &line); err == nil {
			if i := strings.IndexByte(m, ':'); i >= 0 {
				rest = strings.TrimSpace(m[i+1:])
			}
		}
		if line > 0 && reported[line] {
			continue // the walk already said what is wrong there
		}
		e.atLine(line, 1, "", "%s", rest)
	}
}
