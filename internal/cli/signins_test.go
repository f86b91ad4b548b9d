package cli

import (
	"encoding/json"
	"net/url"
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
	for _, args := range [][]string{{"--failed", "--succeeded"}, {"--limit", "0"}, {"--since", "yesterday"}} {
		if code, _, _ := e.run(t, t.Context(), append([]string{"signins"}, args...)...); code != ExitUsage {
			t.Errorf("signins %v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
