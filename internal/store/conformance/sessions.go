package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"graphgate/internal/store"
)

// errUsed is what the suite's consuming closures (redeemOnce, rotateOnce)
// return for an object consumed before. The rule is the identity
// platform's; the suite checks that the store runs such closures
// atomically, so that of concurrent consumers exactly one wins.
var errUsed = errors.New("conformance: already used")

// redeemOnce is a closure that redeems an unredeemed code at now into
// family, refusing one redeemed before; saw receives the code as the
// closure last saw it.
func redeemOnce(now time.Time, family string, saw *store.AuthCode) func(store.AuthCode) (store.AuthCode, error) {
	return func(c store.AuthCode) (store.AuthCode, error) {
		*saw = c
		if !c.RedeemedAt.IsZero() {
			return c, errUsed
		}
		c.RedeemedAt, c.FamilyID = now, family
		return c, nil
	}
}

// rotateOnce is a closure that marks an unused, unrevoked token used at now
// and stores next as its successor, refusing one used or revoked; saw
// receives the token as the closure last saw it.
func rotateOnce(now time.Time, next store.RefreshToken, saw *store.RefreshToken) func(store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error) {
	return func(t store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error) {
		if saw != nil {
			*saw = t
		}
		if !t.UsedAt.IsZero() || !t.RevokedAt.IsZero() {
			return t, nil, errUsed
		}
		t.UsedAt = now
		return t, &next, nil
	}
}

// rotate rotates the token under hash to next at now (rotateOnce).
func rotate(ctx context.Context, s store.Store, hash []byte, next store.RefreshToken, now time.Time) (store.RefreshToken, error) {
	var saw store.RefreshToken
	err := s.UpdateRefreshToken(ctx, hash, rotateOnce(now, next, &saw))
	return saw, err
}

// getAuthCode reads a code through UpdateAuthCode, writing nothing (the
// store has no other read of codes: only the token endpoint reads them,
// to redeem them).
func getAuthCode(ctx context.Context, s store.Store, hash []byte) (store.AuthCode, error) {
	var c store.AuthCode
	err := s.UpdateAuthCode(ctx, hash, func(x store.AuthCode) (store.AuthCode, error) { c = x; return x, errRead })
	if errors.Is(err, errRead) {
		err = nil
	}
	return c, err
}

var errRead = errors.New("conformance: read only")

var authCodeTests = []test{
	{"CreateRedeem", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		c := newAuthCode("code-1", newID(), newID(), newID())
		must(t, s.CreateAuthCode(ctx, c))
		family := newID()
		var saw store.AuthCode
		must(t, s.UpdateAuthCode(ctx, c.Hash, redeemOnce(at(2*time.Minute), family, &saw)))
		check(t, "the code the closure saw", saw, c)
		got, err := getAuthCode(ctx, s, c.Hash)
		must(t, err)
		want := c
		want.RedeemedAt, want.FamilyID = at(2*time.Minute), family
		check(t, "the code after UpdateAuthCode", got, want)
	}},
	{"CreateDuplicate", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		c := newAuthCode("code-1", newID(), newID(), newID())
		must(t, s.CreateAuthCode(ctx, c))
		d := newAuthCode("code-1", newID(), newID(), newID())
		wantErr(t, s.CreateAuthCode(ctx, d), store.ErrConflict, "CreateAuthCode with an existing hash")
	}},
	{"RedeemTwice", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		c := newAuthCode("code-1", newID(), newID(), newID())
		must(t, s.CreateAuthCode(ctx, c))
		first := newID()
		var saw store.AuthCode
		must(t, s.UpdateAuthCode(ctx, c.Hash, redeemOnce(at(2*time.Minute), first, &saw)))
		err := s.UpdateAuthCode(ctx, c.Hash, redeemOnce(at(3*time.Minute), newID(), &saw))
		wantErr(t, err, errUsed, "UpdateAuthCode's closure error")
		want := c
		want.RedeemedAt, want.FamilyID = at(2*time.Minute), first
		check(t, "the code the second closure saw", saw, want)
		got, err := getAuthCode(ctx, s, c.Hash)
		must(t, err)
		check(t, "the code after a refused update", got, want)
	}},
	{"UpdateKeepsKeys", func(t *testing.T, s store.Store) {
		// A closure cannot move a code to another tenant, client or user.
		ctx := t.Context()
		c := newAuthCode("code-1", newID(), newID(), newID())
		must(t, s.CreateAuthCode(ctx, c))
		must(t, s.UpdateAuthCode(ctx, c.Hash, func(x store.AuthCode) (store.AuthCode, error) {
			x.Hash, x.TenantID, x.ClientID, x.UserID, x.Nonce = hash("other"), newID(), newID(), newID(), "changed"
			return x, nil
		}))
		got, err := getAuthCode(ctx, s, c.Hash)
		must(t, err)
		want := c
		want.Nonce = "changed"
		check(t, "the code after an update that changed its keys", got, want)
	}},
	{"RedeemConcurrent", func(t *testing.T, s store.Store) {
		// A race may go unnoticed once; it is run on several codes.
		ctx := t.Context()
		for round := range rounds {
			c := newAuthCode(fmt.Sprint("code-", round), newID(), newID(), newID())
			must(t, s.CreateAuthCode(ctx, c))
			const n = 20
			families := make([]string, n)
			got := make([]store.AuthCode, n)
			for i := range families {
				families[i] = newID()
			}
			errs := concurrently(n, func(i int) error {
				return s.UpdateAuthCode(ctx, c.Hash, redeemOnce(at(2*time.Minute), families[i], &got[i]))
			})
			winner := -1
			for i, err := range errs {
				switch {
				case err == nil:
					if winner >= 0 {
						t.Fatalf("round %d: redeemers %d and %d both won", round, winner, i)
					}
					winner = i
				case !errors.Is(err, errUsed):
					t.Fatalf("round %d: redeemer %d: %v", round, i, err)
				}
			}
			if winner < 0 {
				t.Fatalf("round %d: no redeemer won", round)
			}
			for i := range n {
				if i == winner {
					continue
				}
				if got[i].FamilyID != families[winner] || !got[i].RedeemedAt.Equal(at(2*time.Minute)) {
					t.Errorf("round %d: redeemer %d saw family %q redeemed at %v, want the winner's %q",
						round, i, got[i].FamilyID, got[i].RedeemedAt, families[winner])
				}
			}
		}
	}},
}

var refreshTokenTests = []test{
	{"CreateGet", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		rt := newRefreshToken("rt-1", newID(), newID(), newID(), newID())
		must(t, s.CreateRefreshToken(ctx, rt))
		got, err := s.GetRefreshToken(ctx, rt.Hash)
		must(t, err)
		check(t, "GetRefreshToken", got, rt)
		wantErr(t, s.CreateRefreshToken(ctx, newRefreshToken("rt-1", newID(), newID(), newID(), newID())),
			store.ErrConflict, "CreateRefreshToken with an existing hash")
	}},
	{"Rotate", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fam, tenant, client, user := newID(), newID(), newID(), newID()
		old := newRefreshToken("rt-1", fam, tenant, client, user)
		next := newRefreshToken("rt-2", fam, tenant, client, user)
		next.CreatedAt = at(time.Hour)
		must(t, s.CreateRefreshToken(ctx, old))
		got, err := rotate(ctx, s, old.Hash, next, at(time.Hour))
		must(t, err)
		check(t, "the token the closure saw", got, old)
		wantOld := old
		wantOld.UsedAt = at(time.Hour)
		got, err = s.GetRefreshToken(ctx, old.Hash)
		must(t, err)
		check(t, "the old token after rotation", got, wantOld)
		got, err = s.GetRefreshToken(ctx, next.Hash)
		must(t, err)
		check(t, "the next token", got, next)

		// The successor rotates in turn.
		third := newRefreshToken("rt-3", fam, tenant, client, user)
		_, err = rotate(ctx, s, next.Hash, third, at(2*time.Hour))
		must(t, err)
	}},
	{"UpdateWithoutSuccessor", func(t *testing.T, s store.Store) {
		// A closure may change the token alone; it cannot change its keys.
		ctx := t.Context()
		rt := newRefreshToken("rt-1", newID(), newID(), newID(), newID())
		must(t, s.CreateRefreshToken(ctx, rt))
		must(t, s.UpdateRefreshToken(ctx, rt.Hash, func(x store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error) {
			x.FamilyID, x.TenantID, x.ClientID, x.UserID = newID(), newID(), newID(), newID()
			x.RevokedAt, x.Scopes = at(time.Hour), []string{"Mail.Read"}
			return x, nil, nil
		}))
		want := rt
		want.RevokedAt, want.Scopes = at(time.Hour), []string{"Mail.Read"}
		got, err := s.GetRefreshToken(ctx, rt.Hash)
		must(t, err)
		check(t, "the token after an update that changed its keys", got, want)
	}},
	{"RotateUsed", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fam, tenant, client, user := newID(), newID(), newID(), newID()
		old := newRefreshToken("rt-1", fam, tenant, client, user)
		must(t, s.CreateRefreshToken(ctx, old))
		_, err := rotate(ctx, s, old.Hash, newRefreshToken("rt-2", fam, tenant, client, user), at(time.Hour))
		must(t, err)
		replay := newRefreshToken("rt-3", fam, tenant, client, user)
		got, err := rotate(ctx, s, old.Hash, replay, at(2*time.Hour))
		wantErr(t, err, errUsed, "rotating a used token")
		wantOld := old
		wantOld.UsedAt = at(time.Hour)
		check(t, "the used token the closure saw", got, wantOld)
		_, err = s.GetRefreshToken(ctx, replay.Hash)
		wantErr(t, err, store.ErrNotFound, "the successor of a replayed token")
	}},
	{"RotateRevoked", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fam, tenant, client, user := newID(), newID(), newID(), newID()
		old := newRefreshToken("rt-1", fam, tenant, client, user)
		must(t, s.CreateRefreshToken(ctx, old))
		n, err := s.RevokeFamily(ctx, fam, at(time.Hour))
		must(t, err)
		if n != 1 {
			t.Errorf("RevokeFamily = %d, want 1", n)
		}
		next := newRefreshToken("rt-2", fam, tenant, client, user)
		got, err := rotate(ctx, s, old.Hash, next, at(2*time.Hour))
		wantErr(t, err, errUsed, "rotating a revoked token")
		wantOld := old
		wantOld.RevokedAt = at(time.Hour)
		check(t, "the revoked token the closure saw", got, wantOld)
		_, err = s.GetRefreshToken(ctx, next.Hash)
		wantErr(t, err, store.ErrNotFound, "the successor of a revoked token")
	}},
	{"RotateToExistingHash", func(t *testing.T, s store.Store) {
		// A rotation whose successor cannot be stored changes nothing.
		ctx := t.Context()
		fam, tenant, client, user := newID(), newID(), newID(), newID()
		old := newRefreshToken("rt-1", fam, tenant, client, user)
		taken := newRefreshToken("rt-2", fam, tenant, client, user)
		must(t, s.CreateRefreshToken(ctx, old))
		must(t, s.CreateRefreshToken(ctx, taken))
		_, err := rotate(ctx, s, old.Hash, newRefreshToken("rt-2", fam, tenant, client, user), at(time.Hour))
		wantErr(t, err, store.ErrConflict, "rotating to an existing hash")
		got, err := s.GetRefreshToken(ctx, old.Hash)
		must(t, err)
		check(t, "the old token after the failed rotation", got, old)
	}},
	{"RotateConcurrent", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		for round := range rounds {
			fam, tenant, client, user := newID(), newID(), newID(), newID()
			old := newRefreshToken(fmt.Sprint("rt-", round), fam, tenant, client, user)
			must(t, s.CreateRefreshToken(ctx, old))
			const n = 10
			nexts := make([]store.RefreshToken, n)
			for i := range nexts {
				nexts[i] = newRefreshToken(fmt.Sprint("rt-", round, "-next-", i), fam, tenant, client, user)
			}
			errs := concurrently(n, func(i int) error {
				_, err := rotate(ctx, s, old.Hash, nexts[i], at(time.Hour))
				return err
			})
			winners := 0
			for i, err := range errs {
				_, getErr := s.GetRefreshToken(ctx, nexts[i].Hash)
				switch {
				case err == nil:
					winners++
					must(t, getErr)
				case errors.Is(err, errUsed):
					wantErr(t, getErr, store.ErrNotFound, fmt.Sprint("successor ", i, " of a lost rotation"))
				default:
					t.Fatalf("round %d: rotation %d: %v", round, i, err)
				}
			}
			if winners != 1 {
				t.Fatalf("round %d: %d concurrent rotations succeeded, want 1", round, winners)
			}
		}
	}},
	{"RevokeFamily", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		fam, other, tenant, client, user := newID(), newID(), newID(), newID(), newID()
		a := newRefreshToken("a", fam, tenant, client, user)
		b := newRefreshToken("b", fam, tenant, client, user)
		c := newRefreshToken("c", fam, tenant, client, user)
		d := newRefreshToken("d", other, tenant, client, user)
		for _, rt := range []store.RefreshToken{a, b, d} {
			must(t, s.CreateRefreshToken(ctx, rt))
		}
		_, err := rotate(ctx, s, b.Hash, c, at(time.Hour)) // b used, c current
		must(t, err)

		n, err := s.RevokeFamily(ctx, fam, at(2*time.Hour))
		must(t, err)
		if n != 3 {
			t.Errorf("RevokeFamily = %d, want 3", n)
		}
		for _, rt := range []store.RefreshToken{a, b, c} {
			got, err := s.GetRefreshToken(ctx, rt.Hash)
			must(t, err)
			if !got.RevokedAt.Equal(at(2 * time.Hour)) {
				t.Errorf("token %x of the family: RevokedAt %v, want %v", rt.Hash[:4], got.RevokedAt, at(2*time.Hour))
			}
		}
		got, err := s.GetRefreshToken(ctx, d.Hash)
		must(t, err)
		check(t, "a token of another family", got, d)

		n, err = s.RevokeFamily(ctx, fam, at(3*time.Hour))
		must(t, err)
		if n != 0 {
			t.Errorf("RevokeFamily of a revoked family = %d, want 0", n)
		}
		got, err = s.GetRefreshToken(ctx, a.Hash)
		must(t, err)
		if !got.RevokedAt.Equal(at(2 * time.Hour)) {
			t.Errorf("revoking again moved RevokedAt to %v", got.RevokedAt)
		}
		n, err = s.RevokeFamily(ctx, newID(), at(3*time.Hour))
		must(t, err)
		if n != 0 {
			t.Errorf("RevokeFamily of an unknown family = %d, want 0", n)
		}
	}},
	{"RevokeFamilyBeforeItsToken", func(t *testing.T, s store.Store) {
		// A replayed code revokes its family before the first redeemer has
		// stored the token: that token is stored revoked.
		ctx := t.Context()
		fam, tenant, client, user := newID(), newID(), newID(), newID()
		n, err := s.RevokeFamily(ctx, fam, at(time.Hour))
		must(t, err)
		if n != 0 {
			t.Errorf("RevokeFamily of a family with no tokens yet = %d", n)
		}
		late := newRefreshToken(newID(), fam, tenant, client, user)
		must(t, s.CreateRefreshToken(ctx, late))
		got, err := s.GetRefreshToken(ctx, late.Hash)
		must(t, err)
		if !got.RevokedAt.Equal(at(time.Hour)) {
			t.Errorf("a token stored after its family was revoked: RevokedAt %v, want %v", got.RevokedAt, at(time.Hour))
		}
		_, err = rotate(ctx, s, late.Hash, newRefreshToken(newID(), fam, tenant, client, user), at(2*time.Hour))
		wantErr(t, err, errUsed, "rotating a token of a revoked family")
		other := newRefreshToken(newID(), newID(), tenant, client, user)
		must(t, s.CreateRefreshToken(ctx, other))
		got, err = s.GetRefreshToken(ctx, other.Hash)
		must(t, err)
		check(t, "a token of another family", got, other)

		// Racing: the token and the revocation, in either order, always end
		// with the token revoked.
		for round := range 10 {
			fam := newID()
			rt := newRefreshToken(newID(), fam, tenant, client, user)
			var wg sync.WaitGroup
			wg.Add(2)
			errs := make(chan error, 2)
			go func() { defer wg.Done(); errs <- s.CreateRefreshToken(ctx, rt) }()
			go func() { defer wg.Done(); _, err := s.RevokeFamily(ctx, fam, at(time.Hour)); errs <- err }()
			wg.Wait()
			close(errs)
			for err := range errs {
				must(t, err)
			}
			got, err := s.GetRefreshToken(ctx, rt.Hash)
			must(t, err)
			if got.RevokedAt.IsZero() {
				t.Fatalf("round %d: the token raced past its family's revocation", round)
			}
		}

		// The revocation is forgotten after FamilyMemory (DeleteExpired),
		// and not counted as an expired credential.
		_, err = s.DeleteExpired(ctx, at(time.Hour+store.FamilyMemory+time.Minute))
		must(t, err)
		fresh := newRefreshToken(newID(), fam, tenant, client, user)
		must(t, s.CreateRefreshToken(ctx, fresh))
		got, err = s.GetRefreshToken(ctx, fresh.Hash)
		must(t, err)
		check(t, "a token of the family after the revocation was forgotten", got, fresh)
	}},
	{"RevokeUserTokens", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		tenant, user, c1, c2 := newID(), newID(), newID(), newID()
		mine1a := newRefreshToken("1a", newID(), tenant, c1, user)
		mine1b := newRefreshToken("1b", newID(), tenant, c1, user)
		mine2 := newRefreshToken("2", newID(), tenant, c2, user)
		otherUser := newRefreshToken("ou", newID(), tenant, c1, newID())
		otherTenant := newRefreshToken("ot", newID(), newID(), c1, user)
		for _, rt := range []store.RefreshToken{mine1a, mine1b, mine2, otherUser, otherTenant} {
			must(t, s.CreateRefreshToken(ctx, rt))
		}
		for _, tc := range []struct {
			client  string
			want    int
			revoked []store.RefreshToken
		}{
			{c1, 2, []store.RefreshToken{mine1a, mine1b}},
			{"", 1, []store.RefreshToken{mine1a, mine1b, mine2}},
			{"", 0, []store.RefreshToken{mine1a, mine1b, mine2}},
		} {
			n, err := s.RevokeUserTokens(ctx, tenant, user, tc.client, at(time.Hour))
			must(t, err)
			if n != tc.want {
				t.Errorf("RevokeUserTokens(client %q) = %d, want %d", tc.client, n, tc.want)
			}
			for _, rt := range tc.revoked {
				got, err := s.GetRefreshToken(ctx, rt.Hash)
				must(t, err)
				if got.RevokedAt.IsZero() {
					t.Errorf("token %s not revoked", rt.ClientID)
				}
			}
		}
		for _, rt := range []store.RefreshToken{otherUser, otherTenant} {
			got, err := s.GetRefreshToken(ctx, rt.Hash)
			must(t, err)
			check(t, "another user's token", got, rt)
		}
	}},
}

var deviceCodeTests = []test{
	{"CreateGet", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		d := newDeviceCode("dc-1", "BCDFGHJK", newID())
		must(t, s.CreateDeviceCode(ctx, d))
		got, err := s.GetDeviceCode(ctx, d.Hash)
		must(t, err)
		check(t, "GetDeviceCode", got, d)
		got, err = s.DeviceCodeByUserCode(ctx, "BCDFGHJK")
		must(t, err)
		check(t, "DeviceCodeByUserCode", got, d)
		_, err = s.DeviceCodeByUserCode(ctx, "BCDFGHJX")
		wantErr(t, err, store.ErrNotFound, "DeviceCodeByUserCode of another code")
	}},
	{"CreateDuplicate", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		d := newDeviceCode("dc-1", "BCDFGHJK", newID())
		must(t, s.CreateDeviceCode(ctx, d))
		wantErr(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-1", "LMNPQRST", newID())), store.ErrConflict, "CreateDeviceCode with an existing hash")
		wantErr(t, s.CreateDeviceCode(ctx, newDeviceCode("dc-2", "BCDFGHJK", newID())), store.ErrConflict, "CreateDeviceCode with an existing user code")
	}},
	{"Update", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		d := newDeviceCode("dc-1", "BCDFGHJK", newID())
		must(t, s.CreateDeviceCode(ctx, d))
		want := d
		want.Status, want.TenantID, want.UserID, want.Scopes = store.DeviceApproved, newID(), newID(), []string{"User.Read"}
		want.LastPollAt = at(2 * time.Minute)
		must(t, s.UpdateDeviceCode(ctx, d.Hash, func(cur store.DeviceCode) (store.DeviceCode, error) {
			check(t, "the closure's device code", cur, d)
			return want, nil
		}))
		got, err := s.GetDeviceCode(ctx, d.Hash)
		must(t, err)
		check(t, "GetDeviceCode after update", got, want)
		got, err = s.DeviceCodeByUserCode(ctx, d.UserCode)
		must(t, err)
		check(t, "DeviceCodeByUserCode after update", got, want)
	}},
}

var expiryTests = []test{
	{"DeleteExpired", func(t *testing.T, s store.Store) {
		ctx := t.Context()
		now := at(time.Hour)
		expired, live := at(59*time.Minute), at(61*time.Minute)
		tenant, client, user := newID(), newID(), newID()

		code := func(v string, exp time.Time) store.AuthCode {
			c := newAuthCode(v, tenant, client, user)
			c.ExpiresAt = exp
			return c
		}
		token := func(v string, exp time.Time) store.RefreshToken {
			rt := newRefreshToken(v, newID(), tenant, client, user)
			rt.ExpiresAt = exp
			return rt
		}
		device := func(v, userCode string, exp time.Time) store.DeviceCode {
			d := newDeviceCode(v, userCode, client)
			d.ExpiresAt = exp
			return d
		}
		deadCode, liveCode := code("c-dead", expired), code("c-live", live)
		deadToken, liveToken := token("t-dead", expired), token("t-live", live)
		deadToken2 := token("t-dead-2", at(0))
		deadDevice, liveDevice := device("d-dead", "DEAD", expired), device("d-live", "LIVE", live)
		for _, c := range []store.AuthCode{deadCode, liveCode} {
			must(t, s.CreateAuthCode(ctx, c))
		}
		for _, rt := range []store.RefreshToken{deadToken, deadToken2, liveToken} {
			must(t, s.CreateRefreshToken(ctx, rt))
		}
		for _, d := range []store.DeviceCode{deadDevice, liveDevice} {
			must(t, s.CreateDeviceCode(ctx, d))
		}

		n, err := s.DeleteExpired(ctx, now)
		must(t, err)
		if n != 4 {
			t.Errorf("DeleteExpired = %d, want 4", n)
		}
		var saw store.AuthCode
		err = s.UpdateAuthCode(ctx, deadCode.Hash, redeemOnce(now, newID(), &saw))
		wantErr(t, err, store.ErrNotFound, "UpdateAuthCode of an expired code")
		must(t, s.UpdateAuthCode(ctx, liveCode.Hash, redeemOnce(now, newID(), &saw)))
		for _, rt := range []store.RefreshToken{deadToken, deadToken2} {
			_, err = s.GetRefreshToken(ctx, rt.Hash)
			wantErr(t, err, store.ErrNotFound, "GetRefreshToken of an expired token")
		}
		_, err = s.GetRefreshToken(ctx, liveToken.Hash)
		must(t, err)
		_, err = s.GetDeviceCode(ctx, deadDevice.Hash)
		wantErr(t, err, store.ErrNotFound, "GetDeviceCode of an expired code")
		_, err = s.DeviceCodeByUserCode(ctx, "LIVE")
		must(t, err)

		n, err = s.DeleteExpired(ctx, now)
		must(t, err)
		if n != 0 {
			t.Errorf("DeleteExpired again = %d, want 0", n)
		}
	}},
}
