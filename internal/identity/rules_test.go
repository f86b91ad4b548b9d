package identity

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"graphgate/internal/store"
)

// The rules of codes and tokens, each on its own: the store makes them
// atomic (its conformance suite races them), these tests say what they
// decide.

var ruleNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestRedeemCode(t *testing.T) {
	fresh := store.AuthCode{Hash: []byte("h"), ClientID: haID, ExpiresAt: ruleNow.Add(time.Minute)}
	redeemed := fresh
	redeemed.RedeemedAt, redeemed.FamilyID = ruleNow.Add(-time.Second), "first-family"
	for _, c := range []struct {
		name string
		in   store.AuthCode
		want store.AuthCode
		err  error
	}{
		{"a fresh code is redeemed into the new family", fresh, store.AuthCode{Hash: []byte("h"), ClientID: haID, ExpiresAt: ruleNow.Add(time.Minute),
			RedeemedAt: ruleNow, FamilyID: "new-family"}, nil},
		// The replay keeps the first redemption's family, which the token
		// endpoint revokes.
		{"a redeemed code is a replay", redeemed, redeemed, errCodeReplayed},
		// Expiry is checked after the redemption, on the code as it was: an
		// expired code is still used up (a replay of it revokes nothing
		// more, since it issued nothing).
		{"an expired code is redeemed too", store.AuthCode{ExpiresAt: ruleNow.Add(-time.Minute)},
			store.AuthCode{ExpiresAt: ruleNow.Add(-time.Minute), RedeemedAt: ruleNow, FamilyID: "new-family"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := redeemCode(c.in, ruleNow, "new-family")
			if !errors.Is(err, c.err) || err == nil && c.err != nil {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("redeemCode = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestRotateRefreshToken(t *testing.T) {
	old := store.RefreshToken{Hash: []byte("old"), FamilyID: "fam", ClientID: haID, ExpiresAt: ruleNow.Add(time.Hour)}
	next := store.RefreshToken{Hash: []byte("next"), FamilyID: "fam", ClientID: haID, CreatedAt: ruleNow}
	used, revoked := old, old
	used.UsedAt = ruleNow.Add(-time.Minute)
	revoked.RevokedAt = ruleNow.Add(-time.Minute)
	for _, c := range []struct {
		name     string
		in       store.RefreshToken
		wantUsed time.Time // the token's UsedAt after the rule
		next     bool      // a successor is stored
		err      error
	}{
		{"a fresh token is marked used and succeeded", old, ruleNow, true, nil},
		{"a used token is reuse", used, used.UsedAt, false, errTokenReused},
		{"a revoked token is reuse", revoked, time.Time{}, false, errTokenReused},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, succ, err := rotateRefreshToken(c.in, next, ruleNow)
			if !errors.Is(err, c.err) || err == nil && c.err != nil {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if !got.UsedAt.Equal(c.wantUsed) || !got.RevokedAt.Equal(c.in.RevokedAt) {
				t.Errorf("token after the rule: used %v revoked %v, want used %v revoked %v", got.UsedAt, got.RevokedAt, c.wantUsed, c.in.RevokedAt)
			}
			if (succ != nil) != c.next {
				t.Fatalf("successor %v, want one: %v", succ, c.next)
			}
			if succ != nil && (succ.FamilyID != old.FamilyID || string(succ.Hash) != "next") {
				t.Errorf("successor %+v, want next in the family", succ)
			}
		})
	}
	// The successor joins the old token's family, whatever it was given.
	other := next
	other.FamilyID = "another"
	if _, succ, _ := rotateRefreshToken(old, other, ruleNow); succ == nil || succ.FamilyID != "fam" {
		t.Errorf("successor %+v, want it in the family fam", succ)
	}
}

func TestPollDevice(t *testing.T) {
	pending := store.DeviceCode{ClientID: haID, Status: store.DevicePending, ExpiresAt: ruleNow.Add(10 * time.Minute), Interval: 5}
	with := func(f func(*store.DeviceCode)) store.DeviceCode { d := pending; f(&d); return d }
	for _, c := range []struct {
		name   string
		in     store.DeviceCode
		client string
		write  bool
		aadsts int // 0: tokens
		code   string
		check  func(t *testing.T, d store.DeviceCode)
	}{
		{"first poll of a pending code", pending, haID, true, 70016, "authorization_pending", func(t *testing.T, d store.DeviceCode) {
			if !d.LastPollAt.Equal(ruleNow) || d.Interval != 5 {
				t.Errorf("last poll %v, interval %d", d.LastPollAt, d.Interval)
			}
		}},
		{"a poll after the interval", with(func(d *store.DeviceCode) { d.LastPollAt = ruleNow.Add(-5 * time.Second) }), haID, true, 70016, "authorization_pending", nil},
		// RFC 8628 §3.5: too soon is slow_down, and the interval grows by 5 s.
		{"a poll too soon", with(func(d *store.DeviceCode) { d.LastPollAt = ruleNow.Add(-time.Second) }), haID, true, 0, "slow_down", func(t *testing.T, d store.DeviceCode) {
			if d.Interval != 10 || !d.LastPollAt.Equal(ruleNow) {
				t.Errorf("interval %d, last poll %v; want 10 and now", d.Interval, d.LastPollAt)
			}
		}},
		{"approved: redeemed, tokens", with(func(d *store.DeviceCode) { d.Status = store.DeviceApproved; d.LastPollAt = ruleNow.Add(-time.Second) }), haID, true, 0, "",
			func(t *testing.T, d store.DeviceCode) {
				if d.Status != store.DeviceRedeemed {
					t.Errorf("status %s", d.Status)
				}
			}},
		// Approved in time, polled after expiry: the tokens still come.
		{"approved, polled after expiry", with(func(d *store.DeviceCode) { d.Status = store.DeviceApproved; d.ExpiresAt = ruleNow.Add(-time.Minute) }), haID, true, 0, "", nil},
		{"expired while pending", with(func(d *store.DeviceCode) { d.ExpiresAt = ruleNow.Add(-time.Minute) }), haID, false, 70019, "expired_token", nil},
		{"declined", with(func(d *store.DeviceCode) { d.Status = store.DeviceDenied }), haID, false, 70020, "authorization_declined", nil},
		{"redeemed before", with(func(d *store.DeviceCode) { d.Status = store.DeviceRedeemed }), haID, false, 54005, "invalid_grant", nil},
		{"another client's code", pending, fabAppID, false, 9002313, "invalid_grant", nil},
		{"a state graphgate never stores", with(func(d *store.DeviceCode) { d.Status = "lost" }), haID, false, 9002313, "invalid_grant", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, write, answer := pollDevice(c.in, c.client, ruleNow)
			if write != c.write {
				t.Errorf("write = %v, want %v", write, c.write)
			}
			if !write && !reflect.DeepEqual(got, c.in) {
				t.Errorf("a poll that writes nothing changed the code: %+v", got)
			}
			switch {
			case c.code == "" && answer != nil:
				t.Fatalf("answer %v, want tokens", answer)
			case c.code != "" && (answer == nil || answer.Code != c.code || c.aadsts != 0 && answer.AADSTS != c.aadsts):
				t.Fatalf("answer %v, want %s AADSTS%d", answer, c.code, c.aadsts)
			}
			if c.check != nil {
				c.check(t, got)
			}
		})
	}
}

func TestApproveAndDeclineDeviceCode(t *testing.T) {
	pending := store.DeviceCode{ClientID: haID, Status: store.DevicePending, ExpiresAt: ruleNow.Add(time.Minute)}
	authTime := ruleNow.Add(-time.Second)
	got, err := approveDeviceCode(pending, ruleNow, "u1", "t1", []string{"User.Read"}, authTime)
	if err != nil || got.Status != store.DeviceApproved || got.UserID != "u1" || got.TenantID != "t1" ||
		!reflect.DeepEqual(got.Scopes, []string{"User.Read"}) || !got.LastPollAt.Equal(authTime) {
		t.Errorf("approving a pending code: %+v, %v", got, err)
	}
	for _, d := range []store.DeviceCode{
		{Status: store.DevicePending, ExpiresAt: ruleNow.Add(-time.Second)}, // expired
		{Status: store.DeviceApproved, ExpiresAt: ruleNow.Add(time.Minute)},
		{Status: store.DeviceDenied, ExpiresAt: ruleNow.Add(time.Minute)},
		{Status: store.DeviceRedeemed, ExpiresAt: ruleNow.Add(time.Minute)},
	} {
		if _, err := approveDeviceCode(d, ruleNow, "u1", "t1", nil, authTime); !errors.Is(err, errNotPending) {
			t.Errorf("approving a %s code (expires %v): %v, want errNotPending", d.Status, d.ExpiresAt, err)
		}
	}

	if got, err := declineDeviceCode(pending); err != nil || got.Status != store.DeviceDenied {
		t.Errorf("declining a pending code: %+v, %v", got, err)
	}
	for _, s := range []store.DeviceCodeStatus{store.DeviceApproved, store.DeviceDenied, store.DeviceRedeemed} {
		if _, err := declineDeviceCode(store.DeviceCode{Status: s}); !errors.Is(err, errNotPending) {
			t.Errorf("declining a %s code: %v, want errNotPending", s, err)
		}
	}
}
