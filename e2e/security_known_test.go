package e2e

// Findings of the security suite: properties that do not hold yet. Each
// test here fails on the code it was written against (branch h10-security,
// issue 10) and names the rule; the fix belongs to the package named in its
// comment. When a fix lands, its test moves into the suite's index in
// SECURITY.md.

import "testing"

// TestSecurityKnownPagesNosniff: the HTML pages send X-Content-Type-Options:
// nosniff, as item 7 of the security issue asks of Graph's and the
// transfer URLs' answers (OWASP Secure Headers; the Fetch standard's
// nosniff). (internal/identity pages.go, render.)
func TestSecurityKnownPagesNosniff(t *testing.T) {
	e := start(t)
	p := fetchPage(t, e.browser().client, "GET", e.base+"/devicelogin", nil)
	if p.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("X-Content-Type-Options %q on the device code page", p.header.Get("X-Content-Type-Options"))
	}
}
