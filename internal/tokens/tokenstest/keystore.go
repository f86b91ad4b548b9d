package tokenstest

import (
	"context"
	"sync"
	"testing"
	"time"

	"graphgate/internal/tokens"
)

// RunKeyStoreTests checks that a KeyStore keeps the contract the Keyring
// relies on. newStore returns an empty store for each subtest. Stores must
// keep times to at least one-second precision.
func RunKeyStoreTests(t *testing.T, newStore func(t *testing.T) tokens.KeyStore) {
	ctx := context.Background()
	t.Run("Empty", func(t *testing.T) {
		keys, err := newStore(t).SigningKeys(ctx)
		if err != nil || len(keys) != 0 {
			t.Fatalf("SigningKeys on a new store = %d keys, %v; want none", len(keys), err)
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		want := []tokens.StoredKey{sampleKey(2, "b"), sampleKey(1, "a")}
		for _, k := range want {
			if ok, err := s.AddSigningKey(ctx, k); err != nil || !ok {
				t.Fatalf("AddSigningKey(%d) = %v, %v; want true", k.Generation, ok, err)
			}
		}
		got := keysByGeneration(t, s)
		for _, w := range want {
			g, ok := got[w.Generation]
			if !ok {
				t.Fatalf("generation %d missing", w.Generation)
			}
			if !equalKeys(g, w) {
				t.Fatalf("generation %d round trip:\n got %+v\nwant %+v", w.Generation, g, w)
			}
		}
	})
	t.Run("DuplicateGenerationKeepsFirst", func(t *testing.T) {
		s := newStore(t)
		first, second := sampleKey(1, "first"), sampleKey(1, "second")
		if ok, err := s.AddSigningKey(ctx, first); err != nil || !ok {
			t.Fatalf("first insert = %v, %v", ok, err)
		}
		if ok, err := s.AddSigningKey(ctx, second); err != nil || ok {
			t.Fatalf("duplicate insert = %v, %v; want false, nil", ok, err)
		}
		if got := keysByGeneration(t, s)[1]; got.KID != "first" {
			t.Fatalf("duplicate insert replaced the key: kid %q", got.KID)
		}
	})
	t.Run("ConcurrentInsertOneWinner", func(t *testing.T) {
		s := newStore(t)
		const n = 16
		var wg sync.WaitGroup
		wins := make(chan string, n)
		for i := range n {
			wg.Go(func() {
				k := sampleKey(1, string(rune('a'+i)))
				ok, err := s.AddSigningKey(ctx, k)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins <- k.KID
				}
			})
		}
		wg.Wait()
		close(wins)
		var winners []string
		for w := range wins {
			winners = append(winners, w)
		}
		if len(winners) != 1 {
			t.Fatalf("%d inserts of one generation succeeded, want 1", len(winners))
		}
		if got := keysByGeneration(t, s)[1].KID; got != winners[0] {
			t.Fatalf("stored kid %q, winner %q", got, winners[0])
		}
	})
}

func sampleKey(gen int64, kid string) tokens.StoredKey {
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	return tokens.StoredKey{
		Generation:    gen,
		KID:           kid,
		PrivateKeyPEM: []byte("-----BEGIN PRIVATE KEY-----\n" + kid + "\n-----END PRIVATE KEY-----\n"),
		CertDER:       []byte{0x30, byte(gen)},
		CreatedAt:     base,
		ActivateAt:    base.Add(24 * time.Hour),
		RetireAt:      base.Add(60 * 24 * time.Hour),
	}
}

func keysByGeneration(t *testing.T, s tokens.KeyStore) map[int64]tokens.StoredKey {
	t.Helper()
	keys, err := s.SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[int64]tokens.StoredKey{}
	for _, k := range keys {
		m[k.Generation] = k
	}
	return m
}

func equalKeys(a, b tokens.StoredKey) bool {
	return a.Generation == b.Generation && a.KID == b.KID &&
		string(a.PrivateKeyPEM) == string(b.PrivateKeyPEM) && string(a.CertDER) == string(b.CertDER) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.ActivateAt.Equal(b.ActivateAt) && a.RetireAt.Equal(b.RetireAt)
}
