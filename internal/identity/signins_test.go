package identity

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"graphgate/internal/store"
)

// TestSignInLog: every sign-in the platform handles is handed to the
// recorder once, success or failure, with the signIn fields graphgate
// knows; device-code polls that are still pending are not sign-ins.
func TestSignInLog(t *testing.T) {
	h := newHarness(t, Config{LockoutThreshold: 2})
	adele := h.adele
	for _, c := range []struct {
		name string
		do   func() resp
		// want is the one row expected (ID, RequestID, Time and IPAddress
		// are checked apart).
		want store.SignIn
	}{
		{"password grant, success", func() resp {
			return h.token(h.contoso.ID, passwordGrant(haID, adele.UserPrincipalName, userPassword, "User.Read"))
		},
			store.SignIn{TenantID: h.contoso.ID, UserID: adele.ID, UserUPN: adele.UserPrincipalName, UserName: adele.DisplayName,
				AppID: haID, AppName: "Home Assistant", ResourceID: GraphAppID, ResourceName: "Microsoft Graph",
				ClientApp: "Mobile Apps and Desktop clients", GrantType: "password"}},
		{"password grant, wrong password", func() resp {
			return h.token(h.contoso.ID, passwordGrant(haID, adele.UserPrincipalName, "wrong-1", "User.Read"))
		},
			store.SignIn{TenantID: h.contoso.ID, UserID: adele.ID, UserUPN: adele.UserPrincipalName, UserName: adele.DisplayName,
				AppID: haID, AppName: "Home Assistant", ClientApp: "Mobile Apps and Desktop clients", GrantType: "password",
				ErrorCode: 50126, FailureReason: "AADSTS50126: Error validating credentials due to invalid username or password."}},
		{"password grant, consent required", func() resp {
			return h.token(h.contoso.ID, passwordGrant(haID, adele.UserPrincipalName, userPassword, "Mail.Read"))
		},
			store.SignIn{TenantID: h.contoso.ID, UserID: adele.ID, UserUPN: adele.UserPrincipalName, UserName: adele.DisplayName,
				AppID: haID, AppName: "Home Assistant", ClientApp: "Mobile Apps and Desktop clients", GrantType: "password", ErrorCode: 65001}},
		{"password grant, locked after two wrong passwords", func() resp {
			h.token(h.contoso.ID, passwordGrant(haID, adele.UserPrincipalName, "wrong-2", "User.Read"))
			h.token(h.contoso.ID, passwordGrant(haID, adele.UserPrincipalName, "wrong-3", "User.Read"))
			h.signins.take()
			return h.token(h.contoso.ID, passwordGrant(haID, adele.UserPrincipalName, userPassword, "User.Read"))
		}, store.SignIn{TenantID: h.contoso.ID, UserID: adele.ID, UserUPN: adele.UserPrincipalName, UserName: adele.DisplayName,
			AppID: haID, AppName: "Home Assistant", ClientApp: "Mobile Apps and Desktop clients", GrantType: "password", ErrorCode: 50053}},
		{"unknown account: the name typed", func() resp { return h.token(h.contoso.ID, passwordGrant(haID, "nobody@contoso.com", "x", "User.Read")) },
			store.SignIn{TenantID: h.contoso.ID, UserUPN: "nobody@contoso.com", AppID: haID, AppName: "Home Assistant",
				ClientApp: "Mobile Apps and Desktop clients", GrantType: "password", ErrorCode: 50034}},
		{"client credentials: a service principal sign-in", func() resp { return h.token(h.contoso.ID, clientCredentials(contosoDaemonID, graphDefault)) },
			store.SignIn{TenantID: h.contoso.ID, AppID: contosoDaemonID, AppName: "Contoso Daemon", ResourceID: GraphAppID, ResourceName: "Microsoft Graph",
				ClientApp: "Mobile Apps and Desktop clients", GrantType: "client_credentials", ServicePrincipal: true}},
		{"client credentials, wrong secret", func() resp {
			v := clientCredentials(contosoDaemonID, graphDefault)
			v.Set("client_secret", "nope")
			return h.token(h.contoso.ID, v)
		}, store.SignIn{TenantID: h.contoso.ID, AppID: contosoDaemonID, ClientApp: "Mobile Apps and Desktop clients", GrantType: "client_credentials", ErrorCode: 7000215}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.do()
			rows := h.signins.take()
			if len(rows) != 1 {
				t.Fatalf("%d rows recorded for %s, want 1: %+v", len(rows), r, rows)
			}
			got := rows[0]
			if got.ID == "" || got.RequestID != got.ID || !got.Time.Equal(h.clock.Now()) || got.IPAddress != "127.0.0.1" {
				t.Errorf("id %q, request id %q, time %v (now %v), ip %q", got.ID, got.RequestID, got.Time, h.clock.Now(), got.IPAddress)
			}
			if want := c.want.ErrorCode; want != 0 && (r.str("trace_id") != got.ID || !strings.HasPrefix(got.FailureReason, fmt.Sprintf("AADSTS%d: ", want))) {
				t.Errorf("trace_id %q, row id %q, failure %q", r.str("trace_id"), got.ID, got.FailureReason)
			}
			if c.want.ErrorCode == 0 && r.header.Get("x-ms-request-id") != got.ID {
				t.Errorf("x-ms-request-id %q, row id %q", r.header.Get("x-ms-request-id"), got.ID)
			}
			if c.want.FailureReason == "" {
				got.FailureReason = ""
			}
			got.ID, got.RequestID, got.Time, got.IPAddress = "", "", c.want.Time, ""
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("row\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestSignInLogInteractive: the sign-in page records the password check,
// a wrong password as AADSTS50126, the right one as a success, both
// interactive from the browser; a device-code poll still pending is not
// recorded.
func TestSignInLogInteractive(t *testing.T) {
	h := newHarness(t, Config{})
	b := h.browser()
	p := h.signInPage(b, "organizations", haID, "User.Read")
	p = h.login(b, p, h.adele.UserPrincipalName, "wrong")
	r := h.login(b, p, h.adele.UserPrincipalName, userPassword)
	if r.status != http.StatusFound {
		t.Fatalf("the right password: %s", r)
	}
	rows := h.signins.take()
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2: %+v", len(rows), rows)
	}
	for i, want := range []int{50126, 0} {
		x := rows[i]
		if x.ErrorCode != want || !x.Interactive || x.ClientApp != "Browser" || x.GrantType != "interactive" || x.UserID != h.adele.ID ||
			x.TenantID != h.contoso.ID || x.AppID != haID {
			t.Errorf("row %d: %+v, want errorCode %d, interactive, Adele in Contoso, the app", i, x, want)
		}
	}
	dc := h.post(h.client, "/organizations/oauth2/v2.0/devicecode", form("client_id", haID, "scope", "User.Read"))
	if dc.status != http.StatusOK {
		t.Fatalf("device code: %s", dc)
	}
	wantErr(t, h.token("organizations", poll(dc.str("device_code"))), 400, "authorization_pending", 70016)
	if rows := h.signins.take(); len(rows) != 0 {
		t.Errorf("a pending poll recorded %+v", rows)
	}
}
