package demo

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
)

// entropy is where the demo's random values come from: crypto/rand, or
// with a seed (Options.Seed, graphgate's --seed), values derived from it —
// HMAC-SHA256 keyed by the seed over a label naming the value, so each
// value depends only on the seed and what it is (a password of adele, the
// secret of the daemon app), never on the order of seeding.
type entropy struct {
	key []byte // nil: crypto/rand
}

func newEntropy(seed string) entropy {
	if seed == "" {
		return entropy{}
	}
	m := hmac.New(sha256.New, []byte("graphgate demo seed"))
	m.Write([]byte(seed))
	return entropy{key: m.Sum(nil)}
}

// DeriveKey returns n bytes derived from seed for the purpose label (the
// identity platform's keys under --seed), or nil for an empty seed.
func DeriveKey(seed, label string, n int) []byte {
	e := newEntropy(seed)
	if e.key == nil {
		return nil
	}
	return e.bytes(label, n)
}

// bytes returns n bytes for label.
func (e entropy) bytes(label string, n int) []byte {
	out := make([]byte, n)
	if e.key == nil {
		if _, err := rand.Read(out); err != nil {
			panic(err)
		}
		return out
	}
	_, _ = io.ReadFull(e.stream(label), out)
	return out
}

// stream is an endless deterministic byte stream for label (HMAC-SHA256 of
// the label and a block counter); with no seed, crypto/rand.
func (e entropy) stream(label string) io.Reader {
	if e.key == nil {
		return rand.Reader
	}
	return &hmacStream{key: e.key, label: label}
}

type hmacStream struct {
	key     []byte
	label   string
	counter uint64
	buf     []byte
}

func (s *hmacStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(s.buf) == 0 {
			m := hmac.New(sha256.New, s.key)
			m.Write([]byte(s.label))
			var c [8]byte
			binary.BigEndian.PutUint64(c[:], s.counter)
			m.Write(c[:])
			s.counter++
			s.buf = m.Sum(nil)
		}
		k := copy(p[n:], s.buf)
		s.buf = s.buf[k:]
		n += k
	}
	return n, nil
}

func (e entropy) secret(label string, n int) string {
	return base64.RawURLEncoding.EncodeToString(e.bytes(label, n))
}

// password is random (or derived) but typeable: letters and digits plus a
// symbol.
func (e entropy) password(label string) string { return "Gg-" + e.secret(label, 12) }

// id returns a version 4 GUID.
func (e entropy) id(label string) string {
	b := e.bytes(label, 16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
