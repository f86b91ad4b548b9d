package transfer

// A folder of tenants: what graphgate serve --import reads and
// --export-on-exit writes, as the Firebase emulators' --import and
// --export-on-exit take a folder. It holds one file per tenant,
// <tenant id>.jsonl, each in the format of graphgate export (so one tenant
// of it also imports with graphgate import --in), signing keys included so
// that tokens issued before an export still verify after the import.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"graphgate/internal/store"
)

// FolderSummary says what ExportFolder or ImportFolder did, per tenant.
type FolderSummary struct {
	Tenants []Summary
}

// ExportFolder writes every tenant of st to dir, one <tenant id>.jsonl per
// tenant. The files are written into a new folder beside dir, which then
// replaces dir by rename: a failed or interrupted export leaves the
// previous dir (or none) complete, never a mix. dir's parent must exist.
func ExportFolder(ctx context.Context, st store.Store, dir string) (FolderSummary, error) {
	var sum FolderSummary
	tenants, err := st.ListTenants(ctx)
	if err != nil {
		return sum, err
	}
	dir = filepath.Clean(dir)
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".new-*")
	if err != nil {
		return sum, err
	}
	defer os.RemoveAll(tmp) // gone after a successful swap
	for _, t := range tenants {
		f, err := os.OpenFile(filepath.Join(tmp, t.ID+".jsonl"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return sum, err
		}
		s, err := Export(ctx, st, t.ID, f, ExportOptions{SigningKeys: true})
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return sum, fmt.Errorf("exporting tenant %s: %w", t.ID, err)
		}
		sum.Tenants = append(sum.Tenants, s)
	}
	// Swap: the old folder moves aside, the new one takes its name, the
	// old one goes. Between the two renames dir is briefly absent; both
	// folders are complete at every moment.
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return sum, err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return sum, err
	}
	if old != "" {
		_ = os.RemoveAll(old)
	}
	return sum, nil
}

// ErrNoExport is returned by ImportFolder for a folder without tenant
// files.
var ErrNoExport = errors.New("no tenant files (*.jsonl) in the folder")

// ImportFolder loads every *.jsonl of dir into st, each tenant replacing
// the store's tenant of that id, taking the files' settings (the keys the
// files' secret hashes and subject ids depend on). Signing keys are
// imported when st has none yet (a new data folder, as in CI), else the
// store's are kept. Each tenant is one transaction; files are read in name
// order.
func ImportFolder(ctx context.Context, st store.Store, dir string) (FolderSummary, error) {
	var sum FolderSummary
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return sum, fmt.Errorf("%w: %s does not exist", ErrNoExport, dir)
	}
	if err != nil {
		return sum, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".jsonl") && !strings.HasPrefix(e.Name(), ".") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return sum, fmt.Errorf("%w: %s", ErrNoExport, dir)
	}
	slices.Sort(files)
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		return sum, err
	}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return sum, err
		}
		s, err := Import(ctx, st, f, ImportOptions{Replace: true, Settings: SettingsOverwrite, SkipSigningKeys: len(keys) > 0})
		f.Close()
		if err != nil {
			return sum, fmt.Errorf("%s: %w", p, err)
		}
		sum.Tenants = append(sum.Tenants, s)
	}
	return sum, nil
}
