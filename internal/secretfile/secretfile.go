package secretfile

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
)

// Mode is the mode of every secret-bearing file.
const Mode fs.FileMode = 0o600

// groupOther are the permission bits that let someone other than the owner
// read, write or enter.
const groupOther fs.FileMode = 0o077

// Create makes path an empty owner-only file if it does not exist yet (an
// existing file is left as it is: Tighten it). Programs that create the file
// later with a mode of their own — SQLite creates its database 0644 and gives
// the -wal and -shm files the database's mode — then find it 0600.
func Create(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, Mode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	// The umask may have removed bits from Mode, never added any; Chmod
	// makes the mode exact all the same.
	if err := f.Chmod(Mode); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Tighten removes the group and other permission bits (and from a file, the
// owner's execute bit) of each path that exists, logging each change at warn on log (nil: slog.Default()). A path
// that does not exist is skipped. On platforms without Unix permissions
// (Windows) it does nothing.
func Tighten(log *slog.Logger, paths ...string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	var errs []error
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.Mode().IsRegular() && !fi.IsDir() {
			continue // a socket or a link is not ours to change
		}
		old := fi.Mode().Perm()
		if old&groupOther == 0 {
			continue
		}
		want := old &^ groupOther
		if !fi.IsDir() {
			want &^= 0o100 // a secret is data: no execute bit
		}
		if err := os.Chmod(p, want); err != nil {
			errs = append(errs, fmt.Errorf("making %s owner-only: %w", p, err))
			continue
		}
		log.Warn("a file holding secrets was readable by other users; it is owner-only now",
			"path", p, "was", fmt.Sprintf("%04o", old), "now", fmt.Sprintf("%04o", want))
	}
	return errors.Join(errs...)
}

// CheckFolder warns on log (nil: slog.Default()) when dir lets other users
// read or enter it, naming the command that fixes it. Its files are
// owner-only whatever the folder's mode, but their names, sizes and times are
// not, and the folder is where new secret files appear.
func CheckFolder(log *slog.Logger, dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm()&groupOther == 0 {
		return
	}
	if log == nil {
		log = slog.Default()
	}
	log.Warn(fmt.Sprintf("the data folder %s can be read by other users (mode %04o); the files holding secrets are owner-only, "+
		"but make the folder private too: chmod 700 %s", dir, fi.Mode().Perm(), dir),
		"path", dir, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
}
