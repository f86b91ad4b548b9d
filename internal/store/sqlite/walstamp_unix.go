//go:build unix

package sqlite

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// walWatch reads the header of SQLite's WAL index (the -shm file) to learn,
// without a query and without a lock, whether any connection of any
// process has committed since an earlier moment.
//
// Why: a read through database/sql and SQLite costs ~15 µs, most of it the
// file locks SQLite takes on the -shm file to start a read transaction, and
// every Graph request reads the signed-in user. The WAL index header
// (https://www.sqlite.org/walformat.html, "The WAL-Index Header") is kept
// in shared memory by every connection; a commit appends frames and
// rewrites it (mxFrame, iChange, checksums; a WAL reset changes the
// salts), so an unchanged header means nothing was committed. SQLite reads
// it the same way before it takes its locks: two copies, the writer
// updating the second before the first, a reader that sees them differ
// retrying. We do not retry — a torn read only means "do not trust the
// cache this time".
type walWatch struct {
	f   *os.File
	mem []byte
}

// walHeaderBytes covers both 48-byte copies of the WAL-index header.
const walHeaderBytes = 96

// openWALWatch maps the first page of the database's -shm file. The caller
// keeps a connection open for the watch's lifetime: SQLite truncates the
// -shm file when the first connection opens it after all were closed, and
// a mapping of a truncated file faults.
func openWALWatch(dbPath string) (*walWatch, error) {
	f, err := os.Open(dbPath + "-shm")
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	page := os.Getpagesize()
	if fi.Size() < int64(page) {
		f.Close()
		return nil, fmt.Errorf("sqlite: %s-shm is %d bytes, not an initialised WAL index", dbPath, fi.Size())
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, page, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &walWatch{f: f, mem: mem}, nil
}

// walStamp is the WAL-index header, one copy.
type walStamp [walHeaderBytes / 2 / 4]uint32

// stamp returns the current header; ok is false when the two copies
// differ (a commit is updating them) or the index is not initialised.
func (w *walWatch) stamp() (st walStamp, ok bool) {
	if w == nil {
		return st, false
	}
	var second walStamp
	base := unsafe.Pointer(&w.mem[0])
	for i := range st {
		st[i] = atomic.LoadUint32((*uint32)(unsafe.Add(base, 4*i)))
	}
	for i := range second {
		second[i] = atomic.LoadUint32((*uint32)(unsafe.Add(base, walHeaderBytes/2+4*i)))
	}
	// Byte 12 of the header is isInit (1 once a connection has built the
	// index); it sits in the fourth word whatever the byte order.
	isInit := *(*uint8)(unsafe.Add(base, 12))
	return st, st == second && isInit == 1
}

func (w *walWatch) close() error {
	if w == nil {
		return nil
	}
	err := syscall.Munmap(w.mem)
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
