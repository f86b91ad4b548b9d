package identity

import (
	"strings"

	"graphgate/internal/catalog"
)

// Graph's resource identifiers, as clients spell them in scopes.
const (
	GraphResource   = "https://graph.microsoft.com"
	GraphAppID      = "00000003-0000-0000-c000-000000000000"
	defaultScopeSfx = "/.default"
)

// OpenID Connect scopes: they grant sign-in, an id token and a refresh
// token, never Graph access.
var openIDScopes = map[string]bool{"openid": true, "profile": true, "email": true, "offline_access": true}

// scopeRequest is a parsed scope parameter.
type scopeRequest struct {
	// raw is every scope as the client sent it, in order, de-duplicated.
	raw []string
	// openid holds the OpenID scopes asked for (lower case).
	openid map[string]bool
	// def is set for https://graph.microsoft.com/.default.
	def bool
	// graph are the Graph permissions asked for by name; spelled keeps the
	// client's spelling of each (short or resource-qualified).
	graph   []*catalog.Permission
	spelled map[*catalog.Permission]string
	// api is the client id of a registered API the scopes are for
	// (api://{id}/name), and apiScopes its scope names. graphgate serves
	// such tokens so that an API can use the on-behalf-of flow; their
	// consent is not tracked.
	api       string
	apiScopes []string
	// apiSpelled are the API's scopes as the client spelled them.
	apiSpelled []string
}

// hasGraph reports whether the request asks for Graph access at all.
func (s *scopeRequest) hasGraph() bool { return s.def || len(s.graph) > 0 }

// isAPI reports whether the scopes are for a registered API, not Graph.
func (s *scopeRequest) isAPI() bool { return s.api != "" }

// offline reports whether a refresh token was asked for.
func (s *scopeRequest) offline() bool { return s.openid["offline_access"] }

// parseScopes reads a scope parameter. scheme selects which permissions are
// valid names: delegated for user flows (the app-only flow only accepts
// /.default). Unknown names and foreign resources are errors, as with
// Microsoft (AADSTS70011, AADSTS500011).
func parseScopes(cat *catalog.Catalog, param, tenant string) (*scopeRequest, *Error) {
	s := &scopeRequest{openid: map[string]bool{}, spelled: map[*catalog.Permission]string{}}
	seen := map[string]bool{}
	for _, f := range strings.Fields(param) {
		key := strings.ToLower(f)
		if seen[key] {
			continue
		}
		seen[key] = true
		s.raw = append(s.raw, f)
		if openIDScopes[key] {
			s.openid[key] = true
			continue
		}
		resource, name, qualified := splitResource(f)
		if qualified && !isGraphResource(resource) {
			api, ok := apiID(resource)
			if !ok {
				return nil, errUnknownResource(resource, tenant)
			}
			if s.api != "" && s.api != api || len(s.graph) > 0 || s.def {
				return nil, errInvalidScope(f, "is for another resource than the request's other scopes; request one resource at a time")
			}
			s.api = api
			s.apiScopes = append(s.apiScopes, name)
			s.apiSpelled = append(s.apiSpelled, f)
			continue
		}
		if s.api != "" {
			return nil, errInvalidScope(f, "is for another resource than the request's other scopes; request one resource at a time")
		}
		if name == ".default" {
			if !qualified {
				return nil, errInvalidScope(f, "is not valid; /.default must follow a resource identifier such as https://graph.microsoft.com")
			}
			s.def = true
			continue
		}
		p, ok := cat.Lookup(name)
		if !ok || p.Kind != catalog.Graph || !p.Delegated() {
			why := "does not exist"
			if ok && !p.Delegated() {
				why = "is an application permission, not a delegated one; request it through /.default with client credentials"
			}
			return nil, errInvalidScope(f, why)
		}
		if _, dup := s.spelled[p]; !dup {
			s.graph = append(s.graph, p)
			s.spelled[p] = f
		}
	}
	if s.def && len(s.graph) > 0 {
		return nil, errInvalidScope(strings.Join(s.raw, " "), "combines /.default with other scopes of the same resource, which is not allowed")
	}
	return s, nil
}

// splitResource splits "https://graph.microsoft.com/Mail.Read" into
// (resource, "Mail.Read", true); a short name returns ("", name, false).
func splitResource(scope string) (resource, name string, qualified bool) {
	if hasDefaultSuffix(scope) && len(scope) > len(defaultScopeSfx) {
		return strings.TrimSuffix(scope[:len(scope)-len(defaultScopeSfx)], "/"), ".default", true
	}
	i := strings.LastIndex(scope, "/")
	if i < 0 {
		return "", scope, false
	}
	return strings.TrimSuffix(scope[:i], "/"), scope[i+1:], true
}

// hasDefaultSuffix reports whether scope ends in /.default (any case).
func hasDefaultSuffix(scope string) bool {
	return len(scope) >= len(defaultScopeSfx) && strings.EqualFold(scope[len(scope)-len(defaultScopeSfx):], defaultScopeSfx)
}

func isGraphResource(resource string) bool {
	switch strings.ToLower(resource) {
	case GraphResource, "https://graph.microsoft.com/v1.0", GraphAppID, "graph.microsoft.com":
		return true
	}
	return false
}

// apiID reads a registered API's identifier: api://{client id} or the
// client id itself.
func apiID(resource string) (string, bool) {
	id := strings.TrimPrefix(strings.ToLower(resource), "api://")
	return id, guidRe().MatchString(id)
}

// responseScopes renders the token response's scope: every Graph permission
// in the token (in the client's spelling where it asked for one), the
// OpenID scopes openid, profile and email, and .default if asked; never
// offline_access (MSAL requires this shape).
func responseScopes(req *scopeRequest, granted []*catalog.Permission) string {
	var out []string
	// A registered API's scopes, as the client spelled them.
	out = append(out, req.apiSpelled...)
	for _, p := range granted {
		if sp, ok := req.spelled[p]; ok {
			out = append(out, sp)
		} else if req.def {
			out = append(out, GraphResource+"/"+p.Name)
		} else {
			out = append(out, p.Name)
		}
	}
	if req.def {
		out = append(out, GraphResource+defaultScopeSfx)
	}
	for _, o := range []string{"openid", "profile", "email"} {
		if req.openid[o] || req.openid["openid"] {
			out = append(out, o)
		}
	}
	return strings.Join(dedupeFold(out), " ")
}

func dedupeFold(in []string) []string {
	seen := map[string]bool{}
	out := in[:0]
	for _, s := range in {
		k := strings.ToLower(s)
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}
