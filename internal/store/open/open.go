package open

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"graphgate/internal/store"
	"graphgate/internal/store/postgres"
	"graphgate/internal/store/sqlite"
)

// Kind is a backend.
type Kind string

const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// Spec is a parsed store specification.
type Spec struct {
	Kind Kind
	// Dir is the SQLite database's folder.
	Dir string
	// DSN is the PostgreSQL connection URL, password included.
	DSN string
	// Logger receives the backend's warnings at open, such as a SQLite
	// folder other users can read (nil: slog.Default()).
	Logger *slog.Logger
}

// Parse reads a store specification; dataDir is the data folder, the
// default home of the SQLite database.
func Parse(spec, dataDir string) (Spec, error) {
	spec = strings.TrimSpace(spec)
	lower := strings.ToLower(spec)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return Spec{Kind: Postgres, DSN: spec}, nil
	case spec == "" || lower == "sqlite:" || lower == "sqlite://":
		if dataDir == "" {
			return Spec{}, errors.New("no store: give a data folder (--data) or a store (--store)")
		}
		return Spec{Kind: SQLite, Dir: dataDir}, nil
	case strings.HasPrefix(lower, "sqlite:"):
		dir := strings.TrimPrefix(spec[len("sqlite:"):], "//")
		return Spec{Kind: SQLite, Dir: dir}, nil
	}
	if scheme, _, ok := strings.Cut(spec, "://"); ok && !strings.ContainsAny(scheme, `/\`) {
		return Spec{}, fmt.Errorf("unsupported store %q: use a folder, sqlite:FOLDER or postgres://user@host:port/database", scheme+"://…")
	}
	return Spec{Kind: SQLite, Dir: spec}, nil
}

// String names the store for people and logs, without a password.
func (s Spec) String() string {
	if s.Kind == Postgres {
		return Redact(s.DSN)
	}
	return "sqlite:" + s.Dir
}

// Open opens (creating and migrating if needed) the store.
func (s Spec) Open(ctx context.Context) (store.Store, error) {
	switch s.Kind {
	case SQLite:
		st, err := sqlite.OpenWith(ctx, s.Dir, sqlite.Options{Logger: s.Logger})
		if err != nil {
			return nil, fmt.Errorf("opening the SQLite store in %s: %w", s.Dir, err)
		}
		return st, nil
	case Postgres:
		st, err := postgres.Open(ctx, s.DSN)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return nil, fmt.Errorf("unknown store kind %q", s.Kind)
}

// Open parses spec and opens the store it names.
func Open(ctx context.Context, spec, dataDir string) (store.Store, error) {
	p, err := Parse(spec, dataDir)
	if err != nil {
		return nil, err
	}
	return p.Open(ctx)
}

// Redact drops the password from a connection URL.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
