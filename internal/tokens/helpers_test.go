package tokens

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// epoch is a fixed start for fake clocks, so no test depends on the date.
var epoch = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// countingStore counts loads and the inserts that won, to show races create
// one key and reloads are rate-limited.
type countingStore struct {
	MemoryStore
	mu       sync.Mutex
	inserted int
	loads    int
}

func (s *countingStore) SigningKeys(ctx context.Context) ([]StoredKey, error) {
	s.mu.Lock()
	s.loads++
	s.mu.Unlock()
	return s.MemoryStore.SigningKeys(ctx)
}

func (s *countingStore) Loads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loads
}

func (s *countingStore) AddSigningKey(ctx context.Context, k StoredKey) (bool, error) {
	ok, err := s.MemoryStore.AddSigningKey(ctx, k)
	if ok {
		s.mu.Lock()
		s.inserted++
		s.mu.Unlock()
	}
	return ok, err
}

func (s *countingStore) Inserted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inserted
}

var testSecret = []byte("0123456789abcdef0123456789abcdef")

type fixture struct {
	clock    *fakeClock
	store    *countingStore
	keys     *Keyring
	minter   *Minter
	verifier *Verifier
}

func newFixture(t testing.TB, policy RotationPolicy) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), store: &countingStore{}}
	var err error
	f.keys, err = NewKeyring(f.store, KeyringOptions{Rotation: policy, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if f.minter, err = NewMinter(f.keys, testSecret); err != nil {
		t.Fatal(err)
	}
	if f.verifier, err = NewVerifier(f.keys, VerifierOptions{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// userClaims is a delegated token's identity, as the token endpoint fills it.
func userClaims() AccessClaims {
	return AccessClaims{
		AppDisplayName: "Contoso CLI",
		AppID:          "11111111-2222-3333-4444-555555555555",
		AppIDACR:       AppIDACRPublic,
		IDType:         IDTypeUser,
		Name:           "Adele Vance",
		ObjectID:       "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
		Scope:          "User.Read Mail.Read",
		TenantID:       "99999999-8888-7777-6666-555555555555",
		UniqueName:     "adele@contoso.test",
		UPN:            "adele@contoso.test",
		WIDs:           []string{"b79fbf4d-3ef9-4689-8143-76b194e85509"},
		TenantCreated:  1700000000,
	}
}

func appClaims() AccessClaims {
	return AccessClaims{
		AppID:    "11111111-2222-3333-4444-555555555555",
		AppIDACR: AppIDACRCertificate,
		IDType:   IDTypeApp,
		ObjectID: "ffffffff-0000-1111-2222-333333333333",
		Roles:    []string{"User.Read.All", "Mail.Send"},
		TenantID: "99999999-8888-7777-6666-555555555555",
		IdP:      AccessTokenIssuer("99999999-8888-7777-6666-555555555555"),
	}
}

func mustMint(t testing.TB, f *fixture, c AccessClaims, lifetime time.Duration) string {
	t.Helper()
	raw, _, err := f.minter.MintAccessToken(context.Background(), c, lifetime)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// storedPrivateKey returns the private key of a stored generation, for
// tests that forge tokens with graphgate's own key.
func storedPrivateKey(t testing.TB, s KeyStore, gen int64) (*rsa.PrivateKey, string) {
	t.Helper()
	keys, err := s.SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Generation == gen {
			block, _ := pem.Decode(k.PrivateKeyPEM)
			priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			return priv.(*rsa.PrivateKey), k.KID
		}
	}
	t.Fatalf("no generation %d", gen)
	return nil, ""
}

// signJWT signs claims with go-jose using any algorithm and key, with the
// given extra headers (kid via the JSONWebKey when kid is non-empty).
func signJWT(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims any, headers map[jose.HeaderKey]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	for k, v := range headers {
		opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
