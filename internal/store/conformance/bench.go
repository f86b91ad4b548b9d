package conformance

import (
	"fmt"
	"testing"
	"time"

	"graphgate/internal/store"
)

// RunBenchmarks measures a backend's hot store operations — the ones every
// token request makes — so that a change to the shared SQL layer
// (store/sqlstore) can be compared with the code before it, side by side
// in one run. newStore returns an empty store, closed by b.Cleanup.
func RunBenchmarks(b *testing.B, newStore func(b *testing.B) store.Store) {
	runItemBenchmarks(b, newStore)
	b.Run("GetRefreshToken", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		rt := store.RefreshToken{Hash: hash("rt"), FamilyID: newID(), TenantID: newID(), ClientID: newID(), UserID: newID(),
			Scopes: []string{"User.Read", "openid"}, AuthTime: t0, CreatedAt: t0, ExpiresAt: at(time.Hour)}
		if err := s.CreateRefreshToken(ctx, rt); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			if _, err := s.GetRefreshToken(ctx, rt.Hash); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RotateRefreshToken", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		family, tenant, client, user := newID(), newID(), newID(), newID()
		token := func(i int) store.RefreshToken {
			return store.RefreshToken{Hash: hash(fmt.Sprint("rt", i)), FamilyID: family, TenantID: tenant, ClientID: client,
				UserID: user, Scopes: []string{"User.Read", "openid"}, AuthTime: t0, CreatedAt: t0, ExpiresAt: at(time.Hour)}
		}
		if err := s.CreateRefreshToken(ctx, token(0)); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			next := token(i + 1)
			err := s.UpdateRefreshToken(ctx, hash(fmt.Sprint("rt", i)), func(t store.RefreshToken) (store.RefreshToken, *store.RefreshToken, error) {
				t.UsedAt = t0
				return t, &next, nil
			})
			if err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("RedeemAuthCode", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		i := 0
		for b.Loop() {
			c := store.AuthCode{Hash: hash(fmt.Sprint("code", i)), TenantID: "t", ClientID: "c", UserID: "u",
				RedirectURI: "https://localhost/cb", Scopes: []string{"openid"}, AuthTime: t0, ExpiresAt: at(time.Minute)}
			if err := s.CreateAuthCode(ctx, c); err != nil {
				b.Fatal(err)
			}
			if err := s.UpdateAuthCode(ctx, c.Hash, func(c store.AuthCode) (store.AuthCode, error) {
				c.RedeemedAt, c.FamilyID = t0, "f"
				return c, nil
			}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("UpsertLockout", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		for b.Loop() {
			if _, err := s.UpsertLockout(ctx, "t", "u", func(l store.Lockout) (store.Lockout, error) {
				l.Failures++
				l.UpdatedAt, l.ExpiresAt = t0, at(time.Hour)
				return l, nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Setting", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		if err := s.PutSetting(ctx, "k", []byte("v")); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.Setting(ctx, "k"); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The directory's single-row reads: GetUser is every Graph request's
	// read of its caller (SQLite answers it from its user cache after the
	// first read), UserByUPN the same row through the database every time
	// (the password grant's lookup); GetApp an app with its lists (every
	// token request's client).
	b.Run("GetUser", func(b *testing.B) {
		s, u := benchUser(b, newStore)
		ctx := b.Context()
		for b.Loop() {
			if _, err := s.GetUser(ctx, u.TenantID, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("UserByUPN", func(b *testing.B) {
		s, u := benchUser(b, newStore)
		ctx := b.Context()
		for b.Loop() {
			if _, err := s.UserByUPN(ctx, u.UserPrincipalName); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetApp", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		a := store.App{AppID: newID(), ObjectID: newID(), TenantID: newID(), DisplayName: "Bench app",
			SignInAudience: store.AudienceMyOrg, RequiredScopes: []string{"User.Read", "Mail.Read"}, CreatedAt: t0, Version: 1,
			RedirectURIs: []store.RedirectURI{{URI: "https://localhost/cb", Kind: store.RedirectWeb}},
			Secrets:      []store.ClientSecret{{ID: newID(), DisplayName: "s", Hint: "abc", Hash: hash("secret"), CreatedAt: t0, ExpiresAt: at(time.Hour)}}}
		if err := s.CreateApp(ctx, a); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.GetApp(ctx, a.AppID); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The decision log's append: what the log's writer commits per batch
	// (one multi-row INSERT per 64 rows; a batch of 16 here).
	b.Run("AppendDecisions", func(b *testing.B) {
		s := newStore(b)
		ctx := b.Context()
		ds := make([]store.Decision, 16)
		for i := range ds {
			ds[i] = newDecision("t", i)
		}
		for b.Loop() {
			if err := s.AppendDecisions(ctx, ds); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchUser returns a new store holding one user.
func benchUser(b *testing.B, newStore func(b *testing.B) store.Store) (store.Store, store.User) {
	s := newStore(b)
	u := store.User{TenantID: newID(), ID: newID(), UserPrincipalName: "bench@contoso.example", DisplayName: "Bench User",
		GivenName: "Bench", Surname: "User", Mail: "bench@contoso.example", BusinessPhones: []string{"+1 555 0100"},
		Kind: store.UserMember, AccountEnabled: true, PasswordHash: "x", CreatedAt: t0, Version: 1}
	if err := s.CreateUser(b.Context(), u); err != nil {
		b.Fatal(err)
	}
	return s, u
}
