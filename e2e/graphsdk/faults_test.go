package graphsdk

import (
	"context"
	"net/http"
	"testing"
	"time"

	"graphgate/internal/faults"
	"graphgate/internal/server/servertest"
)

// counting counts the requests that reach the wire.
type counting struct {
	next http.RoundTripper
	n    int
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return c.next.RoundTrip(r)
}

// TestSDKRetriesInjectedThrottling: a fault rule answers GET /me with 429
// and Retry-After for its next two matches; msgraph-sdk-go's retry
// handler (its default middleware) waits, retries and succeeds, and the
// error never reaches the caller.
func TestSDKRetriesInjectedThrottling(t *testing.T) {
	e := servertest.Start(t)
	wire := &counting{next: e.Client.Transport}
	e.Client = &http.Client{Transport: wire, Timeout: 30 * time.Second}
	adele := delegated(t, e, "adele", "User.Read")
	if _, err := e.Server.Faults().Add(faults.Rule{ID: "me-throttled", Route: "/me", Method: "GET", Status: http.StatusTooManyRequests,
		RetryAfter: 1, Count: 2}); err != nil {
		t.Fatal(err)
	}
	before := wire.n
	me, err := adele.Me().Get(context.Background(), nil)
	if err != nil {
		t.Fatalf("GET /me through two injected 429s: %v", err)
	}
	if deref(me.GetId()) != e.User("adele").ID {
		t.Fatalf("me = %v", deref(me.GetId()))
	}
	rules := e.Server.Faults().List()
	if rules[0].Injected != 2 || rules[0].Remaining == nil || *rules[0].Remaining != 0 {
		t.Fatalf("the rule fired %d times, %v left; want 2, 0", rules[0].Injected, rules[0].Remaining)
	}
	// Two throttled attempts and the one that succeeded (the token, if
	// fetched, comes first and is not throttled).
	if got := wire.n - before; got < 3 {
		t.Fatalf("%d requests on the wire, want at least 3 (two 429s, then success)", got)
	}
}

// TestSDKSeesAPersistentFault: with the rule firing on every match, the
// retry handler gives up and the caller gets Graph's error as an
// ODataError, its code the documented one for 503.
func TestSDKSeesAPersistentFault(t *testing.T) {
	e := servertest.Start(t)
	adele := delegated(t, e, "adele", "User.Read")
	if _, err := e.Server.Faults().Add(faults.Rule{ID: "me-down", Route: "/me", Status: http.StatusBadGateway}); err != nil {
		t.Fatal(err)
	}
	_, err := adele.Me().Get(context.Background(), nil)
	odataError(t, err, http.StatusBadGateway, "generalException")
}
