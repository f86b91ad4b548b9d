package graph

import (
	"fmt"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/routes"
)

// DescriptorDisagreements lists where a bound descriptor of s declares
// other than what graph computes from the path (TestDescriptorsAgreeWithPaths):
// the workload, for both schemes, as the path and the rule's permissions
// decide it; the kind of target; the route and method it is bound to.
func DescriptorDisagreements(s *Server) []string {
	var out []string
	for k, e := range s.endpoints {
		for _, sch := range []catalog.Scheme{catalog.DelegatedWork, catalog.Application} {
			d := authz.Decision{Match: routes.Match{Route: k.route, Rule: k.route.Rules[k.method]}, Scheme: sch}
			if got := pathWorkload(&d); got != e.Workload {
				out = append(out, fmt.Sprintf("%s %s: declared workload %s, path says %s", e.Method, e.Template, e.Workload, got))
			}
			if got := s.workloadOf(&d); got != e.Workload {
				out = append(out, fmt.Sprintf("%s %s: workloadOf = %s, want %s", e.Method, e.Template, got, e.Workload))
			}
		}
		if want := targetOfSegments(k.route.Segments(), strings.HasPrefix(e.Template, "/me")); e.Target != want {
			out = append(out, fmt.Sprintf("%s %s: target %d, want %d", e.Method, e.Template, e.Target, want))
		}
		if e.Route != k.route || e.m != k.method {
			out = append(out, fmt.Sprintf("%s %s bound to %s %s", e.Method, e.Template, k.method, k.route.Template))
		}
	}
	return out
}
