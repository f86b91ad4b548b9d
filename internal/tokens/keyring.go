package tokens

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// KeyringOptions configures a Keyring. The zero value is usable.
type KeyringOptions struct {
	// Rotation is the key timeline.
	Rotation RotationPolicy
	// RefreshInterval is how often Run reloads the store and rotates keys.
	// Default 5 minutes.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between store reloads triggered
	// by a token whose kid is not loaded (normally one signed by another
	// replica right after its rotation), so a flood of forged kids costs at
	// most one store read per interval. Default 10 seconds.
	UnknownKIDInterval time.Duration
	// Now is the clock; default time.Now. Tests pass a fake one.
	Now func() time.Time
	// OnError, if set, is told about failed periodic refreshes in Run,
	// which otherwise retries silently at the next tick.
	OnError func(error)
}

// Keyring holds the signing keys in memory, decoded once. It publishes,
// rotates and retires them according to its RotationPolicy, sharing the
// timeline with every other Keyring (replica) over the same KeyStore.
//
// A Keyring is safe for concurrent use. Signing and verifying with a loaded
// key take no lock; loading and creating keys are serialized, so goroutines
// that arrive together at cold start wait for one key rather than each
// creating one, and replicas racing on the store settle on the winner's key.
type Keyring struct {
	store  KeyStore
	policy RotationPolicy
	opts   KeyringOptions

	snap atomic.Pointer[keySet]

	mu       sync.Mutex            // serializes reloads and key creation
	decoded  map[int64]*signingKey // by generation; guarded by mu
	lastLoad time.Time             // last reload attempt; guarded by mu
}

// NewKeyring returns a Keyring over store. It does not touch the store: keys
// are loaded (or the first one created) on first use or by Refresh.
func NewKeyring(store KeyStore, opts KeyringOptions) (*Keyring, error) {
	if store == nil {
		return nil, errors.New("tokens: nil KeyStore")
	}
	if opts.RefreshInterval == 0 {
		opts.RefreshInterval = 5 * time.Minute
	}
	if opts.UnknownKIDInterval == 0 {
		opts.UnknownKIDInterval = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	policy := opts.Rotation.withDefaults()
	if err := policy.validate(); err != nil {
		return nil, err
	}
	if policy.Overlap <= opts.RefreshInterval {
		return nil, fmt.Errorf("tokens: rotation Overlap %v must exceed RefreshInterval %v", policy.Overlap, opts.RefreshInterval)
	}
	return &Keyring{store: store, policy: policy, opts: opts, decoded: map[int64]*signingKey{}}, nil
}

// Policy returns the effective rotation policy, defaults filled in.
func (k *Keyring) Policy() RotationPolicy { return k.policy }

func (k *Keyring) now() time.Time { return k.opts.Now() }

// Run refreshes the keyring every RefreshInterval until ctx ends, then
// returns ctx's error. The server runs it for its lifetime; without it keys
// still load on demand but never rotate.
func (k *Keyring) Run(ctx context.Context) error {
	t := time.NewTicker(k.opts.RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := k.Refresh(ctx); err != nil && k.opts.OnError != nil {
				k.opts.OnError(err)
			}
		}
	}
}

// Refresh reloads the keys from the store and, if the policy says a new key
// is due, creates it. Creation is insert-if-absent on the next generation:
// when another replica wins, this one reloads and uses the winner's key.
func (k *Keyring) Refresh(ctx context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.refreshLocked(ctx)
}

// ActiveKeyID returns the kid that signs tokens now.
func (k *Keyring) ActiveKeyID(ctx context.Context) (string, error) {
	key, err := k.signingKey(ctx)
	if err != nil {
		return "", err
	}
	return key.kid, nil
}

func (k *Keyring) refreshLocked(ctx context.Context) error {
	now := k.now()
	// Failed attempts count too, so an unreachable store is not hammered
	// by requests carrying unknown kids.
	k.lastLoad = now
	stored, err := k.loadSorted(ctx)
	if err != nil {
		return err
	}
	var rotateErr error
	if gen, activateAt, due := k.policy.successor(stored, now); due {
		if rotateErr = k.addKey(ctx, gen, now, activateAt); rotateErr == nil {
			if stored, err = k.loadSorted(ctx); err != nil {
				return err
			}
		}
	}
	if len(stored) == 0 {
		return cmp.Or(rotateErr, errors.New("tokens: key store returned no keys after adding one"))
	}
	// Keys that did load are published even if creating a successor
	// failed; the next refresh tries again, well within the Overlap.
	set, err := k.buildLocked(stored, now)
	if err != nil {
		return err
	}
	k.snap.Store(set)
	return rotateErr
}

// addKey creates generation gen and inserts it if the generation is free.
// Losing the insert to another replica is success: the reload that follows
// picks up the winner's key.
func (k *Keyring) addKey(ctx context.Context, gen int64, now, activateAt time.Time) error {
	key, err := newStoredKey(gen, now, activateAt, k.policy.plannedRetire(activateAt))
	if err != nil {
		return fmt.Errorf("tokens: create signing key: %w", err)
	}
	if _, err := k.store.AddSigningKey(ctx, key); err != nil {
		return fmt.Errorf("tokens: store signing key: %w", err)
	}
	return nil
}

func (k *Keyring) loadSorted(ctx context.Context) ([]StoredKey, error) {
	stored, err := k.store.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("tokens: load signing keys: %w", err)
	}
	slices.SortFunc(stored, func(a, b StoredKey) int { return cmp.Compare(a.Generation, b.Generation) })
	return stored, nil
}

// buildLocked decodes the keys not yet retired, reusing keys decoded by an
// earlier load so a refresh costs no RSA parsing unless a key is new. When
// nothing changed it returns the current snapshot, keeping its rendered
// JWKS documents.
func (k *Keyring) buildLocked(stored []StoredKey, now time.Time) (*keySet, error) {
	var keys []*signingKey
	live := map[int64]*signingKey{}
	for i, sk := range stored {
		retireAt := k.policy.retireAt(stored, i)
		if retired(retireAt, now) {
			continue
		}
		key := k.decoded[sk.Generation]
		if key == nil || key.kid != sk.KID {
			var err error
			if key, err = decodeKey(sk, retireAt); err != nil {
				return nil, err
			}
		} else if !key.retireAt.Equal(retireAt) {
			cp := *key
			cp.retireAt = retireAt
			key = &cp
		}
		keys = append(keys, key)
		live[sk.Generation] = key
	}
	k.decoded = live
	if cur := k.snap.Load(); cur != nil && slices.Equal(cur.keys, keys) {
		return cur, nil
	}
	return newKeySet(keys), nil
}

// current returns the loaded key set, loading it (and creating the first
// key if the store is empty) on first use.
func (k *Keyring) current(ctx context.Context) (*keySet, error) {
	if set := k.snap.Load(); set != nil {
		return set, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if set := k.snap.Load(); set != nil {
		return set, nil
	}
	if err := k.refreshLocked(ctx); err != nil {
		return nil, err
	}
	return k.snap.Load(), nil
}

func (k *Keyring) signingKey(ctx context.Context) (*signingKey, error) {
	set, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	return set.active(k.now()), nil
}

// verificationKey returns the published key with this kid. An unknown kid
// triggers a reload, at most once per UnknownKIDInterval; concurrent callers
// share that reload.
func (k *Keyring) verificationKey(ctx context.Context, kid string) (*signingKey, error) {
	set, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	if key, ok := set.lookup(kid, k.now()); ok {
		return key, nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if key, ok := k.snap.Load().lookup(kid, now); ok {
		return key, nil // another caller's reload brought it
	}
	if now.Sub(k.lastLoad) < k.opts.UnknownKIDInterval {
		return nil, fmt.Errorf("%w: %w: kid %q", ErrSignature, ErrUnknownKey, kid)
	}
	if err := k.refreshLocked(ctx); err != nil {
		return nil, err
	}
	if key, ok := k.snap.Load().lookup(kid, now); ok {
		return key, nil
	}
	return nil, fmt.Errorf("%w: %w: kid %q", ErrSignature, ErrUnknownKey, kid)
}
