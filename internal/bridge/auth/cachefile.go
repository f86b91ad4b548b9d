package auth

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/gofrs/flock"
)

// CacheFile is MSAL's token cache kept in one file per account, as the
// integration keeps o365_<account>.token: MSAL's JSON serialisation
// (AccessToken, RefreshToken, IdToken, Account, AppMetadata).
//
// It implements MSAL's cache.ExportReplace. The file is written atomically
// (a temporary file in the same folder, fsync, rename) with mode 0600, so a
// crash never leaves half a token file and no other user can read it.
// Refresh tokens rotate on use and a reused one revokes its whole family, so
// two processes (the daemon and `bridge login`, or two daemons) must never
// refresh from the same file at once: Session holds Lock around every MSAL
// call, which reads the file (Replace), may refresh, and writes it (Export).
type CacheFile struct {
	path string
	lock *flock.Flock
	mu   sync.Mutex // serialises this process; flock serialises processes

	// fresh makes the next Replace ignore the file: a new sign-in starts
	// from an empty cache and replaces whatever the file held.
	fresh bool
	// invalid is set when the file could not be parsed and was moved aside.
	invalid string
}

// NewCacheFile returns the cache kept at path (the folder is created, 0700).
func NewCacheFile(path string) (*CacheFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("token folder: %w", err)
	}
	return &CacheFile{path: path, lock: flock.New(path + ".lock")}, nil
}

// Path is the token file.
func (c *CacheFile) Path() string { return c.path }

// Lock takes the process and file locks; the returned func releases them.
// It waits for another process's refresh to finish (or ctx to end).
func (c *CacheFile) Lock(ctx context.Context) (func(), error) {
	c.mu.Lock()
	ok, err := c.lock.TryLockContext(ctx, 50*time.Millisecond)
	if err != nil || !ok {
		c.mu.Unlock()
		if err == nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("locking %s: %w", c.lock.Path(), err)
	}
	return func() {
		_ = c.lock.Unlock()
		c.mu.Unlock()
	}, nil
}

// Exists reports whether the token file exists.
func (c *CacheFile) Exists() bool {
	_, err := os.Stat(c.path)
	return err == nil
}

// Replace loads the file into MSAL's in-memory cache (MSAL calls it before
// every token lookup). A missing file is an empty cache. A file MSAL cannot
// read (an old format, or damaged) is moved aside to <file>.invalid and
// treated as empty, so the account asks for a new sign-in instead of failing
// on every poll.
func (c *CacheFile) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.fresh {
		return u.Unmarshal([]byte("{}"))
	}
	b, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return u.Unmarshal([]byte("{}"))
	}
	if err != nil {
		return fmt.Errorf("reading token file: %w", err)
	}
	if len(b) == 0 {
		return u.Unmarshal([]byte("{}"))
	}
	if err := u.Unmarshal(b); err != nil {
		aside := c.path + ".invalid"
		_ = os.Rename(c.path, aside)
		c.invalid = fmt.Sprintf("the token file %s was not an MSAL token cache (%v); it was moved to %s", c.path, err, aside)
		return u.Unmarshal([]byte("{}"))
	}
	return nil
}

// Export writes MSAL's cache to the file atomically, mode 0600.
func (c *CacheFile) Export(ctx context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(c.path, b, 0o600); err != nil {
		return err
	}
	c.fresh = false
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so readers see the old or the new content, never a
// mix; the file has mode perm whatever the umask.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
