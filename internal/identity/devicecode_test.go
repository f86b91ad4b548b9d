package identity

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDeviceCodePolling: a poll sooner than the interval after the
// previous one answers slow_down and adds 5 s to the interval (RFC 8628
// §3.5); polls that keep the interval answer authorization_pending; once
// the user approved, the next poll gets the tokens however soon it comes
// (MSAL Go ignores slow_down), and declined or expired codes say so at any
// pace.
func TestDeviceCodePolling(t *testing.T) {
	type step struct {
		after    time.Duration // since the previous poll (or the device code)
		approve  bool          // the user signs in just before this poll
		decline  bool
		want     string // the error, or "" for tokens
		interval int    // slow_down's interval
	}
	ms := time.Millisecond
	for _, c := range []struct {
		name  string
		polls []step
	}{
		{"keeping the interval", []step{
			{after: 0, want: "authorization_pending"},
			{after: 5 * time.Second, want: "authorization_pending"},
			{after: 6 * time.Second, want: "authorization_pending"},
			{after: 5 * time.Second, approve: true},
		}},
		{"too fast, the interval grows by five seconds each time", []step{
			{after: 0, want: "authorization_pending"},
			{after: time.Second, want: "slow_down", interval: 10},
			{after: 6 * time.Second, want: "slow_down", interval: 15},
			{after: 15 * time.Second, want: "authorization_pending"},
			{after: 14 * time.Second, want: "slow_down", interval: 20},
			{after: 20 * time.Second, want: "authorization_pending"},
		}},
		{"MSAL Go's schedule still gets its tokens", []step{
			{after: 50 * ms, want: "authorization_pending"},
			{after: 150 * ms, want: "slow_down", interval: 10},
			{after: 450 * ms, want: "slow_down", interval: 15},
			{after: 1350 * ms, want: "slow_down", interval: 20},
			{after: 4050 * ms, want: "slow_down", interval: 25},
			{after: 5 * time.Second, want: "slow_down", interval: 30},
			{after: 5 * time.Second, approve: true},
		}},
		{"approved, polled at once", []step{
			{after: 0, want: "authorization_pending"},
			{after: 10 * ms, approve: true},
		}},
		{"declined, polled fast", []step{
			{after: 0, want: "authorization_pending"},
			{after: 10 * ms, decline: true, want: "authorization_declined"},
			{after: 10 * ms, want: "authorization_declined"},
		}},
		{"expired, polled fast", []step{
			{after: 0, want: "authorization_pending"},
			{after: 15*time.Minute + time.Second, want: "expired_token"},
			{after: 10 * ms, want: "expired_token"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			dc := h.post(h.client, "/organizations/oauth2/v2.0/devicecode", form("client_id", haID, "scope", "User.Read"))
			if dc.status != http.StatusOK || dc.json["interval"] != float64(5) {
				t.Fatalf("devicecode: %s", dc)
			}
			for i, p := range c.polls {
				if p.approve || p.decline {
					// Adele consented already; Ford, of Fabrikam, is asked.
					b, u := h.browser(), h.adele
					if p.decline {
						u = h.ford
					}
					page := h.login(b, h.post(b, "/devicelogin", form("otc", dc.str("user_code"))), u.UserPrincipalName, userPassword)
					if p.decline {
						v := hidden(page.body)
						v.Set("decision", "decline")
						page = h.post(b, "/consent", v)
					}
					if !strings.Contains(page.body, "You have signed in") && p.approve {
						t.Fatalf("poll %d: the device sign-in did not finish: %s", i, page)
					}
				}
				h.clock.Advance(p.after)
				r := h.token("organizations", poll(dc.str("device_code")))
				switch {
				case p.want == "":
					wantToken(t, r)
				case r.status != http.StatusBadRequest || r.str("error") != p.want:
					t.Fatalf("poll %d: want %s, got %s", i, p.want, r)
				case p.want == "slow_down" && r.json["interval"] != float64(p.interval):
					t.Fatalf("poll %d: slow_down with interval %v, want %d", i, r.json["interval"], p.interval)
				}
			}
		})
	}
}
