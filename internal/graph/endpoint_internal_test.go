package graph

import (
	"strings"
	"testing"

	"graphgate/internal/authz"
	"graphgate/internal/directory"
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

// New binds the descriptors of the workloads it is given with the rest,
// and refuses to start when one disagrees with the table or with another
// workload's.
func TestNewBindsWorkloads(t *testing.T) {
	deps := Deps{Engine: authz.Default(), Directory: new(directory.Service)}
	for _, c := range []struct {
		name      string
		workloads []Package
		want      string // "" for no error
	}{
		{"none", nil, ""},
		{"one without a rule", []Package{{Endpoints: Declare(WorkloadDirectory, Endpoint{Method: "GET", Template: "/users/{id}/bogus", Handler: nop})}}, "no permission rule"},
		{"two declaring one endpoint", []Package{
			{Endpoints: Declare(WorkloadDirectory, Endpoint{Method: "GET", Template: "/users", Handler: nop})},
			{Endpoints: Declare(WorkloadDirectory, Endpoint{Method: "GET", Template: "/users", Handler: nop})},
		}, "declared twice"},
		{"files hooks", []Package{{Files: &FilesHooks{}}}, ""},
		{"two handing files hooks", []Package{{Files: &FilesHooks{}}, {Files: &FilesHooks{}}}, "two workload packages hand New files hooks"},
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
