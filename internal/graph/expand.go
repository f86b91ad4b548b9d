package graph

import (
	"encoding/json"
	"slices"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/odata"
)

// $expand. An endpoint's descriptor states which navigation properties its
// handler inlines (Entity.Expand); a request expanding anything else gets
// the workload's 400 before the handler runs, never a silently ignored
// option. An expansion reads other data than the request's path names, so
// it is authorized as the request for that data would be (GET
// /users/{id}/manager for $expand=manager): a token that could not read it
// alone cannot read it inlined either.

// checkExpand refuses a $expand the handler does not support.
func (s *Server) checkExpand(c *Call) error {
	items, err := c.expandItems()
	if err != nil || len(items) == 0 {
		return err
	}
	ent := &c.endpoint.Entity
	flavor := odata.Exchange
	if s.workloadOf(&c.Decision) == WorkloadDirectory {
		flavor = odata.Directory
	}
	for _, it := range items {
		if !slices.ContainsFunc(ent.Expand, func(n string) bool { return strings.EqualFold(n, it.Name()) }) {
			entity := ent.Type
			if entity == "" || len(ent.Expand) == 0 {
				// Before descriptors, an endpoint inlining nothing named no
				// type in this error; it still does not.
				entity = "microsoft.graph.entity"
			}
			if it.Cast != "" {
				entity = it.Cast
			}
			return odata.UnknownPropertyError(flavor, entity, it.Property)
		}
	}
	return nil
}

// expandItems parses the request's $expand (nil when absent), once per
// request: checkExpand and every rendered item ask for it.
func (c *Call) expandItems() ([]odata.ExpandItem, error) {
	if c.expandParsed {
		return c.expand, nil
	}
	c.expandParsed = true
	if !strings.Contains(strings.ToLower(c.r.URL.RawQuery), "expand") {
		return nil, nil
	}
	vals, err := odata.ParseRawQuery(c.r.URL.RawQuery)
	if err != nil {
		return nil, nil // a malformed query is the handler's parseQuery's to report
	}
	vals.Del("$skiptoken")
	q, err := odata.Parse(vals, odata.ParseOptions{Flavor: odata.Exchange})
	if err != nil {
		return nil, nil
	}
	c.expand = q.Expand
	return c.expand, nil
}

// Expanding returns the $expand item for name, if the request asks for it.
func (c *Call) Expanding(name string) (odata.ExpandItem, bool) {
	items, _ := c.expandItems()
	for _, it := range items {
		if strings.EqualFold(it.Name(), name) {
			return it, true
		}
	}
	return odata.ExpandItem{}, false
}

// AuthorizeExpansion asks the engine about GET path, the request an
// expansion stands for, with the current target's facts; it returns the
// decision or the denial the workload would answer.
func (s *Server) AuthorizeExpansion(c *Call, path string) (authz.Decision, error) {
	d := s.engine.Decide(c.Principal, "GET", path, c.target)
	if d.Allow {
		return d, nil
	}
	if d.Match.Rule == nil {
		return d, ErrBadRequest("$expand is not supported here.")
	}
	denied := *c
	denied.Decision = d
	return d, s.denial(&denied)
}

// SpliceProp adds "name": val to a rendered JSON object.
func SpliceProp(obj json.RawMessage, name string, val json.RawMessage) json.RawMessage {
	if len(obj) < 2 {
		return obj
	}
	key, _ := json.Marshal(name)
	out := make([]byte, 0, len(obj)+len(key)+len(val)+2)
	out = append(out, obj[:len(obj)-1]...)
	if len(obj) > 2 {
		out = append(out, ',')
	}
	out = append(out, key...)
	out = append(out, ':')
	out = append(out, val...)
	return append(out, '}')
}

// SelectOf is the nested $select of an expansion.
func SelectOf(it odata.ExpandItem) []string {
	if it.Query == nil {
		return nil
	}
	return it.Query.Select
}
