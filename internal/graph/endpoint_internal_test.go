package graph

import (
	"strings"
	"testing"

	"graphgate/internal/authz"
	"graphgate/internal/catalog"
	"graphgate/internal/directory"
	"graphgate/internal/routes"
)

// boundServer binds eps to the default route table, as New does.
func boundServer(eps []Endpoint) (*Server, error) {
	s := &Server{engine: authz.Default()}
	return s, s.bind(eps)
}

func nop(*Server, *Call) error { return nil }

// The server refuses to start when a descriptor and the route table
// disagree; an optional form the table lacks is skipped.
func TestBindRefusesDisagreement(t *testing.T) {
	ok := Endpoint{Method: "GET", Template: "/users", Handler: nop, Workload: WorkloadDirectory}
	with := func(f func(*Endpoint)) Endpoint { e := ok; f(&e); return e }
	for _, c := range []struct {
		name string
		eps  []Endpoint
		want string // "" for no error
	}{
		{"agrees", []Endpoint{ok}, ""},
		{"unknown template", []Endpoint{with(func(e *Endpoint) { e.Template = "/users/{id}/bogus" })}, "no permission rule"},
		{"method without a rule", []Endpoint{with(func(e *Endpoint) { e.Method = "PUT" })}, "no permission rule"},
		{"not a method", []Endpoint{with(func(e *Endpoint) { e.Method = "BREW" })}, "BREW"},
		{"no handler", []Endpoint{with(func(e *Endpoint) { e.Handler = nil })}, "no handler"},
		{"no workload", []Endpoint{with(func(e *Endpoint) { e.Workload = 0 })}, "no workload"},
		{"declared twice", []Endpoint{ok, ok}, "declared twice"},
		{"two workloads for a route", []Endpoint{ok, with(func(e *Endpoint) { e.Method = "POST"; e.Workload = WorkloadExchange })}, "workloads"},
		{"target the path contradicts", []Endpoint{with(func(e *Endpoint) { e.Target = TargetUser })}, "target"},
		{"target the path agrees with", []Endpoint{with(func(e *Endpoint) { e.Target = TargetTenant })}, ""},
		{"optional without a rule", []Endpoint{ok, with(func(e *Endpoint) { e.Template = "/users/{id}/bogus"; e.Optional = true })}, ""},
		{"optional with another error", []Endpoint{with(func(e *Endpoint) { e.Handler = nil; e.Optional = true })}, "no handler"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := boundServer(c.eps)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("bind: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("bind = %v, want an error with %q", err, c.want)
			}
		})
	}
}

// Every declared descriptor binds, and what it declares is what graph
// computed from the path before descriptors: the workload (for both
// schemes, as the path and the rule's permissions decide it) and the kind
// of target.
func TestDescriptorsAgreeWithPaths(t *testing.T) {
	s, err := boundServer(registry)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.endpoints) < 400 {
		t.Fatalf("%d endpoints bound, want the ~430 graphgate serves", len(s.endpoints))
	}
	for k, e := range s.endpoints {
		for _, sch := range []catalog.Scheme{catalog.DelegatedWork, catalog.Application} {
			d := authz.Decision{Match: routes.Match{Route: k.route, Rule: k.route.Rules[k.method]}, Scheme: sch}
			if got := pathWorkload(&d); got != e.Workload {
				t.Errorf("%s %s: declared workload %s, path says %s", e.Method, e.Template, e.Workload, got)
			}
			if got := s.workloadOf(&d); got != e.Workload {
				t.Errorf("%s %s: workloadOf = %s, want %s", e.Method, e.Template, got, e.Workload)
			}
		}
		if want := targetOfSegments(k.route.Segments(), strings.HasPrefix(e.Template, "/me")); e.Target != want {
			t.Errorf("%s %s: target %d, want %d", e.Method, e.Template, e.Target, want)
		}
		if e.Route != k.route || e.m != k.method {
			t.Errorf("%s %s bound to %s %s", e.Method, e.Template, k.method, k.route.Template)
		}
	}
}

// New binds the descriptors of the workloads it is given with the rest,
// and refuses to start when one disagrees with the table or with another
// workload's.
func TestNewBindsWorkloads(t *testing.T) {
	deps := Deps{Engine: authz.Default(), Directory: new(directory.Service)}
	for _, c := range []struct {
		name      string
		workloads [][]Endpoint
		want      string // "" for no error
	}{
		{"none", nil, ""},
		{"one without a rule", [][]Endpoint{Declare(WorkloadDirectory, Endpoint{Method: "GET", Template: "/users/{id}/bogus", Handler: nop})}, "no permission rule"},
		{"two declaring one endpoint", [][]Endpoint{
			Declare(WorkloadDirectory, Endpoint{Method: "GET", Template: "/users", Handler: nop}),
			Declare(WorkloadDirectory, Endpoint{Method: "GET", Template: "/users", Handler: nop}),
		}, "declared twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(deps, Config{}, c.workloads...)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("New = %v, want an error with %q", err, c.want)
			}
		})
	}
}
