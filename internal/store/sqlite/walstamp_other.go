//go:build !unix

package sqlite

import "errors"

// walWatch is unavailable here: reads always go to the database.
type walWatch struct{}

type walStamp [12]uint32

func openWALWatch(string) (*walWatch, error) {
	return nil, errors.New("sqlite: WAL index watch not supported on this platform")
}

func (w *walWatch) stamp() (walStamp, bool) { return walStamp{}, false }

func (w *walWatch) close() error { return nil }
