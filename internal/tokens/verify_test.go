package tokens

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

var sentinels = []error{ErrMalformed, ErrAlgorithm, ErrSignature, ErrUnknownKey, ErrExpired, ErrNotYetValid, ErrAudience, ErrIssuer, ErrReplay}

// checkErr requires err to match want and no other sentinel, except that
// ErrUnknownKey always comes with ErrSignature.
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	for _, s := range sentinels {
		also := s == want || (want == ErrUnknownKey && s == ErrSignature)
		if errors.Is(err, s) != also {
			t.Fatalf("error %v: errors.Is(%v) = %v", err, s, !also)
		}
	}
}

func TestVerifyFailures(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{})
	good := mustMint(t, f, userClaims(), time.Hour)
	priv, kid := storedPrivateKey(t, f.store, 1)
	now := f.clock.Now()
	_, base, _ := f.minter.MintAccessToken(ctx, userClaims(), time.Hour)

	// forge signs base, modified, with graphgate's own key unless told.
	forge := func(mod func(c *AccessClaims)) string {
		c := base
		if mod != nil {
			mod(&c)
		}
		return signJWT(t, jose.RS256, priv, kid, c, map[jose.HeaderKey]any{"x5t": kid})
	}
	at := func(d time.Duration) jwt.NumericDate { return jwt.NumericDate(now.Add(d).Unix()) }
	foreign, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	goodParts := strings.Split(good, ".")
	otherParts := strings.Split(mustMint(t, f, appClaims(), time.Hour), ".")
	b64 := base64.RawURLEncoding.EncodeToString

	tests := []struct {
		name string
		raw  string
		want Expectations
		err  error
	}{
		{name: "valid", raw: good},
		{name: "garbage", raw: "not a token", err: ErrMalformed},
		{name: "two segments", raw: goodParts[0] + "." + goodParts[1], err: ErrMalformed},
		{name: "oversized", raw: strings.Repeat("a", maxTokenBytes+1), err: ErrMalformed},
		{name: "claims not an object", raw: signJWT(t, jose.RS256, priv, kid, "just a string", nil), err: ErrMalformed},
		{name: "alg none", raw: b64([]byte(`{"alg":"none","typ":"JWT","kid":"`+kid+`"}`)) + "." + goodParts[1] + ".", err: ErrAlgorithm},
		{name: "HS256 keyed with the public key", raw: signJWT(t, jose.HS256, pubDER, kid, base, nil), err: ErrAlgorithm},
		{name: "PS256 with our key", raw: signJWT(t, jose.PS256, priv, kid, base, nil), err: ErrAlgorithm},
		{name: "foreign key claiming our kid", raw: signJWT(t, jose.RS256, foreign, kid, base, nil), err: ErrSignature},
		{name: "payload swapped", raw: goodParts[0] + "." + otherParts[1] + "." + goodParts[2], err: ErrSignature},
		{name: "unknown kid", raw: signJWT(t, jose.RS256, priv, "unknown", base, nil), err: ErrUnknownKey},
		{name: "no kid nor x5t", raw: signJWT(t, jose.RS256, priv, "", base, nil), err: ErrUnknownKey},
		{name: "x5t without kid", raw: signJWT(t, jose.RS256, priv, "", base, map[jose.HeaderKey]any{"x5t": kid})},
		{name: "expired beyond skew", raw: forge(func(c *AccessClaims) { c.ExpiresAt = at(-DefaultSkew - time.Second) }), err: ErrExpired},
		{name: "expired within skew", raw: forge(func(c *AccessClaims) { c.ExpiresAt = at(-DefaultSkew + time.Second) })},
		{name: "nbf beyond skew", raw: forge(func(c *AccessClaims) { c.NotBefore = at(DefaultSkew + time.Second) }), err: ErrNotYetValid},
		{name: "nbf within skew", raw: forge(func(c *AccessClaims) { c.NotBefore = at(DefaultSkew - time.Second) })},
		{name: "no exp", raw: forge(func(c *AccessClaims) { c.ExpiresAt = 0 }), err: ErrMalformed},
		{name: "no tid", raw: forge(func(c *AccessClaims) { c.TenantID = "" }), err: ErrMalformed},
		{name: "no appid", raw: forge(func(c *AccessClaims) { c.AppID = "" }), err: ErrMalformed},
		{name: "audience of another API", raw: forge(func(c *AccessClaims) { c.Audience = "https://management.azure.com" }), err: ErrAudience},
		{name: "empty audience", raw: forge(func(c *AccessClaims) { c.Audience = "" }), err: ErrAudience},
		{name: "audience with trailing slash", raw: forge(func(c *AccessClaims) { c.Audience = GraphResource + "/" })},
		{name: "audience as Graph app id", raw: forge(func(c *AccessClaims) { c.Audience = GraphAppID })},
		{name: "audience upper-case GUID", raw: forge(func(c *AccessClaims) { c.Audience = strings.ToUpper(GraphAppID) })},
		{name: "issuer of another tenant", raw: forge(func(c *AccessClaims) { c.Issuer = AccessTokenIssuer("other") }), err: ErrIssuer},
		{name: "issuer without trailing slash", raw: forge(func(c *AccessClaims) { c.Issuer = "https://sts.windows.net/" + c.TenantID }), err: ErrIssuer},
		{name: "issuer with another final byte", raw: forge(func(c *AccessClaims) { c.Issuer = "https://sts.windows.net/" + c.TenantID + "x" }), err: ErrIssuer},
		{name: "issuer on another host", raw: forge(func(c *AccessClaims) { c.Issuer = "https://sts.windows.org/" + c.TenantID + "/" }), err: ErrIssuer},
		{name: "v2 issuer", raw: forge(func(c *AccessClaims) { c.Issuer = "https://login.microsoftonline.com/" + c.TenantID + "/v2.0" }), err: ErrIssuer},
		{name: "expected issuer matches", raw: good, want: Expectations{Issuer: AccessTokenIssuer(base.TenantID)}},
		{name: "expected issuer differs", raw: good, want: Expectations{Issuer: AccessTokenIssuer("other")}, err: ErrIssuer},
		{name: "custom audience", raw: forge(func(c *AccessClaims) { c.Audience = "api://custom" }), want: Expectations{Audiences: []string{"api://custom/"}}},
		{name: "Graph token for a custom API", raw: good, want: Expectations{Audiences: []string{"api://custom"}}, err: ErrAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims, err := f.verifier.Verify(ctx, tt.raw, tt.want)
			checkErr(t, err, tt.err)
			if (err == nil) != (claims != nil) {
				t.Fatalf("claims %v with error %v", claims, err)
			}
		})
	}
}

func TestVerifyCache(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{})
	c := userClaims()
	raw := mustMint(t, f, c, time.Hour)

	first, err := f.verifier.Verify(ctx, raw, Expectations{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.verifier.cache.get(raw, f.clock.Now()); !ok {
		t.Fatal("verified token not cached")
	}
	first.WIDs[0] = "tampered"
	second, err := f.verifier.Verify(ctx, raw, Expectations{})
	if err != nil || second.WIDs[0] != c.WIDs[0] {
		t.Fatalf("cached claims shared with a caller: %v %v", second.WIDs, err)
	}
	if _, err := f.verifier.Verify(ctx, raw, Expectations{Audiences: []string{"api://other"}}); !errors.Is(err, ErrAudience) {
		t.Fatalf("cached token skipped the claim checks: %v", err)
	}

	f.clock.Advance(time.Hour) // exactly exp
	if _, ok := f.verifier.cache.get(raw, f.clock.Now()); ok {
		t.Fatal("cache entry outlived the token's exp")
	}
	if _, err := f.verifier.Verify(ctx, raw, Expectations{}); err != nil {
		t.Fatalf("within skew after exp: %v", err)
	}
	if f.verifier.cache.len() != 0 {
		t.Fatal("token past exp was cached again")
	}
	f.clock.Advance(DefaultSkew + time.Second)
	if _, err := f.verifier.Verify(ctx, raw, Expectations{}); !errors.Is(err, ErrExpired) {
		t.Fatalf("past exp and skew: %v", err)
	}
}

func TestVerifyCacheBoundsAndDisable(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{})
	small, _ := NewVerifier(f.keys, VerifierOptions{CacheSize: 2})
	none, _ := NewVerifier(f.keys, VerifierOptions{CacheSize: -1})
	for range 3 {
		raw := mustMint(t, f, userClaims(), time.Hour)
		for _, v := range []*Verifier{small, none} {
			if _, err := v.Verify(ctx, raw, Expectations{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if small.cache.len() != 2 || none.cache != nil {
		t.Fatalf("cache sizes %d and %v", small.cache.len(), none.cache)
	}
	strict, _ := NewVerifier(f.keys, VerifierOptions{Skew: -1})
	raw := mustMint(t, f, userClaims(), time.Hour)
	f.clock.Advance(time.Hour + time.Second)
	if _, err := strict.Verify(ctx, raw, Expectations{}); !errors.Is(err, ErrExpired) {
		t.Fatalf("negative skew should mean none: %v", err)
	}
}

func TestVerifyConcurrent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, RotationPolicy{})
	raws := []string{mustMint(t, f, userClaims(), time.Hour), mustMint(t, f, appClaims(), time.Hour)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				c, err := f.verifier.Verify(ctx, raws[(i+j)%2], Expectations{})
				if err != nil {
					t.Error(err)
					return
				}
				c.Roles = append(c.Roles, "mutated")
			}
		})
	}
	wg.Wait()
}

// TestVerifiedCacheComparesTokens: a hash collision between two tokens is a
// miss, never the other token's claims.
func TestVerifiedCacheComparesTokens(t *testing.T) {
	c := newVerifiedCache(4)
	now := time.Now()
	claims := &AccessClaims{ExpiresAt: *jwt.NewNumericDate(now.Add(time.Hour)), TenantID: "t", AppID: "a"}
	c.put("token-b", claims, now)
	kb := maphash.String(c.seed, "token-b")
	e, ok := c.shard(kb).Get(kb)
	if !ok {
		t.Fatal("token-b not cached")
	}
	ka := maphash.String(c.seed, "token-a")
	c.shard(ka).Add(ka, e) // as if token-a hashed alike
	if _, ok := c.get("token-a", now); ok {
		t.Fatal("token-a got token-b's cached claims")
	}
	if got, ok := c.get("token-b", now); !ok || got.TenantID != "t" {
		t.Fatalf("token-b: %v %v", got, ok)
	}
}

// TestVerifiedCacheShardedBound: a cache of the default size is split into
// shards, and holds no more than its size rounded up to a multiple of
// their number.
func TestVerifiedCacheShardedBound(t *testing.T) {
	for _, c := range []struct {
		size, shards, max int
	}{{2, 1, 2}, {minShardedSize - 1, 1, minShardedSize - 1}, {minShardedSize, cacheShards, minShardedSize}, {DefaultCacheSize, cacheShards, DefaultCacheSize + cacheShards - 1}} {
		vc := newVerifiedCache(c.size)
		if len(vc.shards) != c.shards {
			t.Fatalf("size %d: %d shards, want %d", c.size, len(vc.shards), c.shards)
		}
		now := time.Now()
		claims := &AccessClaims{ExpiresAt: *jwt.NewNumericDate(now.Add(time.Hour))}
		for i := range c.size + 2*cacheShards*16 {
			vc.put("token-"+strconv.Itoa(i), claims, now)
		}
		if n := vc.len(); n > c.max || n < c.size-cacheShards*16 {
			t.Fatalf("size %d: %d entries, want at most %d and about the size", c.size, n, c.max)
		}
	}
}
