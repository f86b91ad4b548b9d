package tokens

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"strings"
	"testing"
	"time"
)

// BenchmarkBareRS256Sign is the floor for minting: hashing and signing a
// typical access token's signing input with the raw RSA-2048 key.
func BenchmarkBareRS256Sign(b *testing.B) {
	f := newFixture(b, RotationPolicy{})
	raw := mustMint(b, f, userClaims(), time.Hour)
	input := []byte(raw[:strings.LastIndexByte(raw, '.')])
	priv, _ := storedPrivateKey(b, f.store, 1)
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256(input)
		if _, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMintAccessToken(b *testing.B) {
	f := newFixture(b, RotationPolicy{})
	ctx := context.Background()
	c := userClaims()
	mustMint(b, f, c, time.Hour) // load the keyring outside the loop
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := f.minter.MintAccessToken(ctx, c, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, RotationPolicy{})
	v, _ := NewVerifier(f.keys, VerifierOptions{CacheSize: -1})
	benchmarkVerify(b, f, v)
}

func BenchmarkVerifyCached(b *testing.B) {
	f := newFixture(b, RotationPolicy{})
	benchmarkVerify(b, f, f.verifier)
}

func benchmarkVerify(b *testing.B, f *fixture, v *Verifier) {
	ctx := context.Background()
	raw := mustMint(b, f, userClaims(), time.Hour)
	if _, err := v.Verify(ctx, raw, Expectations{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, raw, Expectations{}); err != nil {
			b.Fatal(err)
		}
	}
}
