package auth

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type bytesCache struct{ data []byte }

func (b *bytesCache) Marshal() ([]byte, error) { return b.data, nil }
func (b *bytesCache) Unmarshal(d []byte) error { b.data = append([]byte(nil), d...); return nil }

func TestCacheFileAtomicOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tokens")
	cf, err := NewCacheFile(filepath.Join(dir, "o365_home.token"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var got bytesCache
	if err := cf.Replace(ctx, &got, cacheHints()); err != nil || string(got.data) != "{}" {
		t.Fatalf("missing file: %q %v", got.data, err)
	}
	if err := cf.Export(ctx, &bytesCache{data: []byte(`{"AccessToken":{}}`)}, exportHints()); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(cf.Path())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	if d, _ := os.Stat(dir); d.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v", d.Mode())
	}
	// Only the file and its lock remain (no temporary files).
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "o365_home.token" && e.Name() != "o365_home.token.lock" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if err := cf.Replace(ctx, &got, cacheHints()); err != nil || string(got.data) != `{"AccessToken":{}}` {
		t.Fatalf("read back %q %v", got.data, err)
	}
}

func TestCacheFileInvalidMovedAside(t *testing.T) {
	cf, _ := NewCacheFile(filepath.Join(t.TempDir(), "o365_home.token"))
	if err := os.WriteFile(cf.Path(), []byte("old format"), 0o600); err != nil {
		t.Fatal(err)
	}
	var u failingUnmarshal
	if err := cf.Replace(context.Background(), &u, cacheHints()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cf.Path() + ".invalid"); err != nil || cf.invalid == "" {
		t.Errorf("old file not moved aside: %v %q", err, cf.invalid)
	}
}

type failingUnmarshal struct{}

func (failingUnmarshal) Unmarshal(d []byte) error {
	if string(d) == "{}" {
		return nil
	}
	return os.ErrInvalid
}

// TestCacheFileLockExcludes: two holders (two processes take the same
// flock through two CacheFiles) never overlap.
func TestCacheFileLockExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o365_home.token")
	a, _ := NewCacheFile(path)
	b, _ := NewCacheFile(path)
	var inside, overlap atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		cf := a
		if i%2 == 1 {
			cf = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := cf.Lock(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			if inside.Add(1) > 1 {
				overlap.Add(1)
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if overlap.Load() > 0 {
		t.Errorf("%d overlapping holders", overlap.Load())
	}
	// A held lock makes a cancelled wait fail instead of blocking.
	unlock, _ := a.Lock(context.Background())
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(ctx); err == nil {
		t.Error("second holder got the lock")
	}
}

// TestSessionTightensTokenFile: a token file found readable by others (a
// copy, a restore from a backup) holds refresh tokens; the session makes it
// owner-only and the log says so.
func TestSessionTightensTokenFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes on Windows")
	}
	path := filepath.Join(t.TempDir(), "o365_home.token")
	if err := os.WriteFile(path, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	if _, err := New(Options{ClientID: "c", CacheFile: path, Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v %v, want 0600", st.Mode(), err)
	}
	if !strings.Contains(logs.String(), path) || !strings.Contains(logs.String(), "was=0644") {
		t.Errorf("the log does not say the token file was tightened:\n%s", logs.String())
	}
}
