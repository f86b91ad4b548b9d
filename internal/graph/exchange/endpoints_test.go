package exchange

import (
	"strings"
	"testing"
)

// Every exchange endpoint that answers with a body names its
// @odata.context in its descriptor (graph.Entity.Context), so that no
// handler builds one: reads, updates and creations; the actions that
// answer 202 or 204 (send, cancel, respond) and deletions have none.
func TestEndpointsDeclareContexts(t *testing.T) {
	noBody := []string{"/send", "/sendMail", "/cancel", "/accept", "/decline", "/tentativelyAccept"}
	for _, e := range Endpoints() {
		bodiless := e.Method == "DELETE"
		for _, s := range noBody {
			bodiless = bodiless || strings.HasSuffix(e.Template, s)
		}
		if bodiless != (e.Entity.Context == "") {
			t.Errorf("%s %s: context %q", e.Method, e.Template, e.Entity.Context)
		}
	}
}
