package graph

import (
	"fmt"
	"strings"
)

// Stored-data placeholders of a context URL: a response's @odata.context
// that names what the path does not — the drive of /me/drive/… (its id is
// the drive's, not the path's), the item a path (root:/a/b:) resolves to —
// is still declared in its descriptor's Entity.Context, with a dotted
// placeholder ({drive.id}, {item.id}) that the handler fills once it has
// resolved the data (Call.SetContextValue). The workload package declares
// the names it supplies (Package.ContextValues), so that New refuses a
// descriptor naming one nobody fills, as it refuses a path parameter the
// template lacks.

// contextValues are a call's stored-data placeholder values: few (a
// drive's and an item's id), so a fixed array, reset with the Call.
type contextValues struct {
	n  int
	kv [4][2]string
}

func (v *contextValues) get(name string) string {
	for i := range v.n {
		if v.kv[i][0] == name {
			return v.kv[i][1]
		}
	}
	return ""
}

// isStoredPlaceholder reports whether a placeholder's name is a
// stored-data one (dotted: {drive.id}), not {owner} or a path parameter.
func isStoredPlaceholder(name string) bool { return strings.IndexByte(name, '.') > 0 }

// SetContextValue supplies the value of a stored-data placeholder of the
// endpoint's Entity.Context ({drive.id}), for ContextURL; a later value
// for the same name replaces the earlier. name must be one the workload
// package declares (Package.ContextValues); a handler sets at most four.
func (c *Call) SetContextValue(name, value string) {
	v := &c.ctxValues
	for i := range v.n {
		if v.kv[i][0] == name {
			v.kv[i][1] = value
			return
		}
	}
	if v.n == len(v.kv) {
		panic("graph: more than four context values on one call")
	}
	v.kv[v.n] = [2]string{name, value}
	v.n++
}

// contextOwner is {owner}: the target user's id or, on a group's path,
// the target group's.
func (c *Call) contextOwner() string {
	switch {
	case c.TargetUser != nil:
		return c.TargetUser.ID
	case c.TargetGroup != nil:
		return c.TargetGroup.ID
	}
	return ""
}

// declareStoredPlaceholders collects the stored-data placeholders the
// workload packages declare, for bind's check; a name must be dotted.
func (s *Server) declareStoredPlaceholders(pkgs []Package) error {
	for _, p := range pkgs {
		for _, name := range p.ContextValues {
			if !isStoredPlaceholder(name) {
				return fmt.Errorf("graph: context value %q is not a dotted name ({drive.id})", name)
			}
			if s.storedPlaceholders == nil {
				s.storedPlaceholders = map[string]bool{}
			}
			s.storedPlaceholders[name] = true
		}
	}
	return nil
}
