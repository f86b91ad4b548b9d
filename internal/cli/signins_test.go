package cli

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"graphgate/internal/demo"
)

// TestSignInsCommand signs Adele in with a wrong and then the right
// password on a real server and reads both back with 'graphgate signins'.
func TestSignInsCommand(t *testing.T) {
	e := startLogEnv(t) // one successful password sign-in already
	app, adele := e.App("homeassistant"), e.User("adele")
	res, err := e.Client.PostForm(e.Base+"/"+demo.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"password"},
		"client_id": {app.ClientID}, "username": {adele.UserPrincipalName}, "password": {"wrong"}, "scope": {"User.Read"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := e.Server.FlushSignInLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		args  []string
		codes []int
	}{
		{"a user, newest first", []string{"--user", strings.ToUpper(adele.UserPrincipalName)}, []int{50126, 0}},
		{"failures", []string{"--user", adele.ID, "--failed"}, []int{50126}},
		{"successes", []string{"--user", adele.ID, "--succeeded"}, []int{0}},
		{"a code", []string{"--code", "50126"}, []int{50126}},
		{"another code", []string{"--code", "50053"}, nil},
		{"the app, newest one", []string{"--app", app.DisplayName, "--limit", "1"}, []int{50126}},
	} {
		code, out, errOut := e.run(t, t.Context(), append([]string{"signins", "--json"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, errOut)
		}
		var rows []signInRow
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, out)
		}
		var got []int
		for _, r := range rows {
			got = append(got, r.Status.ErrorCode)
			if r.UserID != adele.ID || r.AppID != app.ClientID || r.GrantType != "password" || r.IsInteractive || r.ID == "" {
				t.Errorf("%s: row %+v", c.name, r)
			}
		}
		if len(got) != len(c.codes) || (len(got) > 0 && (got[0] != c.codes[0] || got[len(got)-1] != c.codes[len(c.codes)-1])) {
			t.Errorf("%s: codes %v, want %v", c.name, got, c.codes)
		}
	}
	code, out, _ := e.run(t, t.Context(), "signins", "--user", adele.ID)
	if code != 0 || !strings.Contains(out, "AADSTS50126") || !strings.Contains(out, "OK") || !strings.Contains(out, "TIME (UTC)") {
		t.Errorf("signins (table): exit %d\n%s", code, out)
	}
	// The daemon's client-credentials sign-ins of one batch are one row
	// ×3, each sign-in listed and found by its own ids.
	daemon := e.App("daemon")
	var corr []string
	for range 3 {
		res, err := e.Client.PostForm(e.Base+"/"+demo.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
			"client_id": {daemon.ClientID}, "client_secret": {daemon.Secret}, "scope": {"https://graph.microsoft.com/.default"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("client credentials: %d", res.StatusCode)
		}
		corr = append(corr, res.Header.Get("x-ms-request-id"))
	}
	if err := e.Server.FlushSignInLog(t.Context()); err != nil {
		t.Fatal(err)
	}
	code, out, _ = e.run(t, t.Context(), "signins", "--app", daemon.ClientID, "--json")
	var rows []signInRow
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil {
		t.Fatalf("signins --app daemon --json: exit %d, %v\n%s", code, err, out)
	}
	if len(rows) != 1 || rows[0].Count != 3 || len(rows[0].Repeats) != 2 || !rows[0].ServicePrincipal || rows[0].LastDateTime == nil ||
		!rows[0].LastDateTime.Equal(rows[0].Repeats[1].CreatedDateTime) {
		t.Fatalf("the daemon's sign-ins: %+v, want one row of 3", rows)
	}
	ids := []string{rows[0].ID, rows[0].Repeats[0].ID, rows[0].Repeats[1].ID}
	if got := []string{rows[0].CorrelationID, rows[0].Repeats[0].CorrelationID, rows[0].Repeats[1].CorrelationID}; !slices.Equal(got, corr) {
		t.Errorf("correlation ids %q, want the token responses' request ids %q", got, corr)
	}
	for i, id := range []string{ids[1], corr[1]} {
		code, out, _ = e.run(t, t.Context(), "signins", "--id", id, "--json")
		var one []signInRow
		if err := json.Unmarshal([]byte(out), &one); code != 0 || err != nil || len(one) != 1 || one[0].ID != ids[1] ||
			one[0].CorrelationID != corr[1] || one[0].Count != 3 {
			t.Errorf("signins --id (%d) %s: exit %d, %+v, want the second sign-in of the row of 3", i, id, code, one)
		}
	}
	if code, out, _ = e.run(t, t.Context(), "signins", "--app", daemon.ClientID); code != 0 || !strings.Contains(out, "OK ×3") {
		t.Errorf("signins (table): exit %d, want the row marked ×3\n%s", code, out)
	}
	for _, args := range [][]string{{"--failed", "--succeeded"}, {"--limit", "0"}, {"--since", "yesterday"}} {
		if code, _, _ := e.run(t, t.Context(), append([]string{"signins"}, args...)...); code != ExitUsage {
			t.Errorf("signins %v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
