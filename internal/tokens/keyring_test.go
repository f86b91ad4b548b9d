package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

const day = 24 * time.Hour

var testPolicy = RotationPolicy{Period: 30 * day, Overlap: day, MaxTokenLifetime: 2 * time.Hour, Grace: 10 * time.Minute}

// generations maps kids to generations using the store.
func generations(t *testing.T, s KeyStore) map[string]int64 {
	t.Helper()
	keys, err := s.SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, k := range keys {
		m[k.KID] = k.Generation
	}
	return m
}

// published returns the generations in the JWKS document, in order.
func published(t *testing.T, f *fixture) []int64 {
	t.Helper()
	doc, err := f.keys.JWKS(context.Background(), "https://issuer.test/tid/v2.0")
	if err != nil {
		t.Fatal(err)
	}
	var set jwksDocument
	if err := json.Unmarshal(doc, &set); err != nil {
		t.Fatal(err)
	}
	gens := generations(t, f.store)
	var out []int64
	for _, k := range set.Keys {
		out = append(out, gens[k.Kid])
	}
	return out
}

func activeGen(t *testing.T, f *fixture) int64 {
	t.Helper()
	kid, err := f.keys.ActiveKeyID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return generations(t, f.store)[kid]
}

func TestRotationTimeline(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testPolicy)
	retireOld := 30*day + testPolicy.MaxTokenLifetime + testPolicy.Grace
	steps := []struct {
		name      string
		at        time.Duration // since epoch
		refresh   bool
		stored    int
		active    int64
		published []int64
	}{
		{"cold start creates and activates gen 1", 0, true, 1, 1, []int64{1}},
		{"before the overlap window nothing new", 29*day - time.Second, true, 1, 1, []int64{1}},
		{"overlap window: gen 2 published, not signing", 29 * day, true, 2, 1, []int64{1, 2}},
		{"just before activation", 30*day - time.Second, false, 2, 1, []int64{1, 2}},
		{"gen 2 activates on time without a refresh", 30 * day, false, 2, 2, []int64{1, 2}},
		{"gen 1 kept while its tokens live", retireOld - time.Second, true, 2, 2, []int64{1, 2}},
		{"gen 1 retired", retireOld, false, 2, 2, []int64{2}},
		{"retired stays retired after reload", retireOld + time.Hour, true, 2, 2, []int64{2}},
		{"next rotation", 59 * day, true, 3, 2, []int64{2, 3}},
	}
	var oldToken string
	for _, st := range steps {
		f.clock.Set(epoch.Add(st.at))
		if st.refresh {
			if err := f.keys.Refresh(ctx); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		keys, _ := f.store.SigningKeys(ctx)
		if len(keys) != st.stored {
			t.Errorf("%s: %d stored keys, want %d", st.name, len(keys), st.stored)
		}
		if got := activeGen(t, f); got != st.active {
			t.Errorf("%s: active generation %d, want %d", st.name, got, st.active)
		}
		if got := published(t, f); !slices.Equal(got, st.published) {
			t.Errorf("%s: published %v, want %v", st.name, got, st.published)
		}
		if st.at == 30*day-time.Second {
			oldToken = mustMint(t, f, userClaims(), testPolicy.MaxTokenLifetime)
		}
		if st.at == retireOld-time.Second {
			// Signed by gen 1 just before the switch; expired at 30d+2h
			// but within the 5 minute skew until 30d+2h05m: by now
			// (30d+2h10m-1s) it is expired, yet its key must still be
			// known so the failure is the lifetime, not the signature.
			_, err := f.verifier.Verify(ctx, oldToken, Expectations{})
			if !errors.Is(err, ErrExpired) {
				t.Errorf("%s: token of the old key: %v, want ErrExpired", st.name, err)
			}
		}
	}
}

func TestLateRotationKeepsOldKeyUntilSuccessorTokensExpire(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testPolicy)
	if err := f.keys.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// The service was down through the planned rotation at 30 days.
	f.clock.Set(epoch.Add(45 * day))
	if err := f.keys.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := activeGen(t, f); got != 1 {
		t.Fatalf("gen 2 signs before a full overlap: active %d", got)
	}
	if got := published(t, f); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("published %v, want [1 2]", got)
	}
	f.clock.Set(epoch.Add(46 * day))
	if got := activeGen(t, f); got != 2 {
		t.Fatalf("active %d after the overlap, want 2", got)
	}
	retire := 46*day + testPolicy.MaxTokenLifetime + testPolicy.Grace
	f.clock.Set(epoch.Add(retire - time.Second))
	if got := published(t, f); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("gen 1 retired on its planned date although it signed until day 46: %v", got)
	}
	f.clock.Set(epoch.Add(retire))
	if got := published(t, f); !slices.Equal(got, []int64{2}) {
		t.Fatalf("published %v, want [2]", got)
	}
}

func TestColdStartGoroutinesCreateOneKey(t *testing.T) {
	f := newFixture(t, RotationPolicy{})
	const n = 16
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			raw, _, err := f.minter.MintAccessToken(context.Background(), userClaims(), time.Hour)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := f.verifier.Verify(context.Background(), raw, Expectations{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := f.store.Inserted(); got != 1 {
		t.Fatalf("%d keys created, want 1", got)
	}
}

// barrierStore makes the first n loads wait for each other, so that n
// keyrings all see an empty store and all try to create the first key.
type barrierStore struct {
	*countingStore
	n       int
	mu      sync.Mutex
	waiting int
	release chan struct{}
}

func (s *barrierStore) SigningKeys(ctx context.Context) ([]StoredKey, error) {
	keys, err := s.countingStore.SigningKeys(ctx)
	s.mu.Lock()
	s.waiting++
	wait := s.waiting <= s.n
	if s.waiting == s.n {
		close(s.release)
	}
	s.mu.Unlock()
	if wait {
		<-s.release
	}
	return keys, err
}

func TestReplicasRacingAtColdStartShareOneKey(t *testing.T) {
	store := &barrierStore{countingStore: &countingStore{}, n: 2, release: make(chan struct{})}
	clock := newClock()
	var rings [2]*Keyring
	for i := range rings {
		var err error
		if rings[i], err = NewKeyring(store, KeyringOptions{Now: clock.Now}); err != nil {
			t.Fatal(err)
		}
	}
	kids := make([]string, len(rings))
	var wg sync.WaitGroup
	for i, r := range rings {
		wg.Go(func() {
			var err error
			if kids[i], err = r.ActiveKeyID(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	keys, _ := store.MemoryStore.SigningKeys(context.Background())
	if len(keys) != 1 || store.Inserted() != 1 {
		t.Fatalf("%d keys stored, %d inserts won; want 1 and 1", len(keys), store.Inserted())
	}
	if kids[0] != kids[1] || kids[0] != keys[0].KID {
		t.Fatalf("replicas sign with %q and %q; stored %q", kids[0], kids[1], keys[0].KID)
	}
}

func TestReplicaVerifiesTokenFromPeersNewKey(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	store := &countingStore{}
	newReplica := func() (*Minter, *Verifier, *Keyring) {
		kr, err := NewKeyring(store, KeyringOptions{Rotation: testPolicy, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := NewMinter(kr, testSecret)
		v, _ := NewVerifier(kr, VerifierOptions{})
		return m, v, kr
	}
	mintA, _, ringA := newReplica()
	_, verifyB, ringB := newReplica()
	if err := ringA.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ringB.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// A rotates; B has not refreshed since and does not know gen 2.
	clock.Set(epoch.Add(29 * day))
	if err := ringA.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Set(epoch.Add(30 * day))
	raw, _, err := mintA.MintAccessToken(ctx, userClaims(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifyB.Verify(ctx, raw, Expectations{}); err != nil {
		t.Fatalf("B cannot verify A's token after A's rotation: %v", err)
	}

	// Unknown kids reload at most once per UnknownKIDInterval.
	priv, _ := storedPrivateKey(t, store, 2)
	c := userClaims()
	c.Issuer, c.ExpiresAt = AccessTokenIssuer(c.TenantID), 1<<40
	forged := signJWT(t, "RS256", priv, "no-such-kid", c, nil)
	before := store.Loads()
	for range 5 {
		if _, err := verifyB.Verify(ctx, forged, Expectations{}); !errors.Is(err, ErrUnknownKey) || !errors.Is(err, ErrSignature) {
			t.Fatalf("unknown kid: %v, want ErrUnknownKey and ErrSignature", err)
		}
	}
	if got := store.Loads() - before; got != 0 {
		t.Fatalf("%d reloads right after a reload, want 0", got)
	}
	clock.Advance(10 * time.Second)
	verifyB.Verify(ctx, forged, Expectations{})
	verifyB.Verify(ctx, forged, Expectations{})
	if got := store.Loads() - before; got != 1 {
		t.Fatalf("%d reloads after the interval, want 1", got)
	}
}

func TestLaggingClockStillSigns(t *testing.T) {
	store := &MemoryStore{}
	ahead := newClock()
	behind := &fakeClock{t: epoch.Add(-time.Minute)}
	ringA, _ := NewKeyring(store, KeyringOptions{Now: ahead.Now})
	ringB, _ := NewKeyring(store, KeyringOptions{Now: behind.Now})
	kidA, err := ringA.ActiveKeyID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kidB, err := ringB.ActiveKeyID(context.Background())
	if err != nil || kidB != kidA {
		t.Fatalf("replica with a lagging clock: kid %q, %v; want %q", kidB, err, kidA)
	}
}

func TestNewKeyringRejectsBadPolicies(t *testing.T) {
	for _, opts := range []KeyringOptions{
		{Rotation: RotationPolicy{Period: day, Overlap: day}},
		{Rotation: RotationPolicy{Overlap: time.Minute}},
		{Rotation: RotationPolicy{Period: -day}},
		{RefreshInterval: 2 * day},
	} {
		if _, err := NewKeyring(&MemoryStore{}, opts); err == nil {
			t.Errorf("NewKeyring accepted %+v", opts)
		}
	}
	if _, err := NewKeyring(nil, KeyringOptions{}); err == nil {
		t.Error("NewKeyring accepted a nil store")
	}
}

func TestCorruptStoredKeyIsAnError(t *testing.T) {
	good, err := newStoredKey(1, epoch, epoch, epoch.Add(day))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newStoredKey(2, epoch, epoch, epoch.Add(day))
	mismatched := good
	mismatched.CertDER = other.CertDER
	for name, k := range map[string]StoredKey{
		"garbage PEM":            {Generation: 1, KID: "x", PrivateKeyPEM: []byte("nope"), CertDER: good.CertDER},
		"certificate of another": mismatched,
		"empty kid":              {Generation: 1, PrivateKeyPEM: good.PrivateKeyPEM, CertDER: good.CertDER},
	} {
		t.Run(name, func(t *testing.T) {
			s := &MemoryStore{}
			s.AddSigningKey(context.Background(), k)
			kr, _ := NewKeyring(s, KeyringOptions{Now: newClock().Now})
			if err := kr.Refresh(context.Background()); err == nil {
				t.Fatal("Refresh accepted a corrupt key")
			}
		})
	}
}

func TestRunRefreshesUntilCancelled(t *testing.T) {
	kr, err := NewKeyring(&MemoryStore{}, KeyringOptions{RefreshInterval: time.Millisecond, Rotation: RotationPolicy{Overlap: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- kr.Run(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); kr.snap.Load() == nil; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run never loaded the keys")
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}

// flakyStore fails inserts (and optionally loads) while its flags are set.
type flakyStore struct {
	MemoryStore
	mu                 sync.Mutex
	failAdd, failLoads bool
}

func (s *flakyStore) set(failAdd, failLoads bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failAdd, s.failLoads = failAdd, failLoads
}

func (s *flakyStore) SigningKeys(ctx context.Context) ([]StoredKey, error) {
	s.mu.Lock()
	fail := s.failLoads
	s.mu.Unlock()
	if fail {
		return nil, errors.New("store down")
	}
	return s.MemoryStore.SigningKeys(ctx)
}

func (s *flakyStore) AddSigningKey(ctx context.Context, k StoredKey) (bool, error) {
	s.mu.Lock()
	fail := s.failAdd
	s.mu.Unlock()
	if fail {
		return false, errors.New("store read-only")
	}
	return s.MemoryStore.AddSigningKey(ctx, k)
}

func TestStoreFailures(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	store := &flakyStore{}
	kr, _ := NewKeyring(store, KeyringOptions{Rotation: testPolicy, Now: clock.Now})
	m, _ := NewMinter(kr, testSecret)

	store.set(false, true)
	if _, _, err := m.MintAccessToken(ctx, userClaims(), time.Hour); err == nil {
		t.Fatal("minted without any key")
	}
	store.set(false, false)
	kid1, err := kr.ActiveKeyID(ctx)
	if err != nil {
		t.Fatalf("no recovery after the store came back: %v", err)
	}

	// Rotation due but the insert fails: the error is reported and the
	// loaded key keeps signing.
	clock.Set(epoch.Add(29 * day))
	store.set(true, false)
	if err := kr.Refresh(ctx); err == nil {
		t.Fatal("failed rotation not reported")
	}
	if kid, err := kr.ActiveKeyID(ctx); err != nil || kid != kid1 {
		t.Fatalf("after a failed rotation: kid %q, %v", kid, err)
	}
	store.set(false, false)
	if err := kr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if keys, _ := store.MemoryStore.SigningKeys(ctx); len(keys) != 2 {
		t.Fatalf("%d keys after the retry, want 2", len(keys))
	}
}

func TestRefreshKeepsSnapshotWhenNothingChanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testPolicy)
	doc, err := f.keys.JWKS(ctx, "iss")
	if err != nil {
		t.Fatal(err)
	}
	before := f.keys.snap.Load()
	if err := f.keys.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := f.keys.JWKS(ctx, "iss")
	if f.keys.snap.Load() != before || &again[0] != &doc[0] {
		t.Fatal("an unchanged reload replaced the snapshot and its JWKS cache")
	}
	f.clock.Set(epoch.Add(29 * day))
	if err := f.keys.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if f.keys.snap.Load() == before {
		t.Fatal("a new key did not replace the snapshot")
	}
}
