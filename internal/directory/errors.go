package directory

import (
	"errors"
	"fmt"
	"strings"

	"graphgate/internal/store"
)

// Errors of the directory service. ErrNotFound and ErrExists wrap the
// store's errors, so errors.Is(err, store.ErrNotFound) holds too.
var (
	// ErrNotFound: the tenant, user, group, membership, grant or
	// assignment named does not exist.
	ErrNotFound = fmt.Errorf("directory: not found: %w", store.ErrNotFound)
	// ErrExists: an object with the key exists (a user principal name, a
	// group id, a membership).
	ErrExists = fmt.Errorf("directory: already exists: %w", store.ErrConflict)
	// ErrDomainNotVerified: a user principal name does not end in one of
	// the tenant's verified domains.
	ErrDomainNotVerified = errors.New("directory: the domain of the user principal name is not a verified domain of the tenant")
)

// ValidationError is a value the directory refuses: Field names the
// property (userPrincipalName, password, kind, roles, scopes, tenant, …),
// Reason says why in a sentence a person can act on, and Values lists the
// offending values when there are several (permission names).
type ValidationError struct {
	Field  string
	Reason string
	Values []string
}

func (e *ValidationError) Error() string { return e.Reason }

func invalid(field, format string, a ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, a...)}
}

// RoleNotHeldError is the removal of a directory role the user does not
// have; nothing changed. It is an ErrNotFound.
type RoleNotHeldError struct {
	Role string   // the role's display name
	Held []string // the user's roles, by display name
}

func (e *RoleNotHeldError) Error() string {
	return fmt.Sprintf("the user does not have the role %s", e.Role)
}

// Unwrap makes the error an ErrNotFound.
func (e *RoleNotHeldError) Unwrap() error { return ErrNotFound }

// NotGrantedKind says what a revocation found missing.
type NotGrantedKind int

const (
	// NoUserGrant: the user has no consent grant of their own for the app.
	NoUserGrant NotGrantedKind = iota
	// NoTenantGrant: the app has no AllPrincipals grant in the tenant.
	NoTenantGrant
	// NoGrant: the app has no delegated grant in the tenant.
	NoGrant
	// NoScope: the grants revoked do not hold the scope Name.
	NoScope
	// NoRole: the app has no app role assignment for Name.
	NoRole
)

// NotGrantedError is a revocation of consent the app does not hold;
// nothing changed. It is an ErrNotFound.
type NotGrantedError struct {
	Kind NotGrantedKind
	// Name is the scope or role not held (NoScope, NoRole).
	Name string
	// Held is what the grants hold, sorted (NoScope), or the app's
	// application permissions as the store lists them (NoRole).
	Held []string
}

func (e *NotGrantedError) Error() string {
	switch e.Kind {
	case NoUserGrant:
		return "the user has no consent grant of their own for the app"
	case NoTenantGrant:
		return "the app has no tenant-wide (AllPrincipals) grant"
	case NoGrant:
		return "the app has no delegated grant in the tenant"
	case NoScope:
		return fmt.Sprintf("the grants hold no %s (they hold: %s)", e.Name, strings.Join(e.Held, " "))
	}
	return fmt.Sprintf("the app has no application permission %s", e.Name)
}

// Unwrap makes the error an ErrNotFound.
func (e *NotGrantedError) Unwrap() error { return ErrNotFound }

// storeError is a store error classified as ErrNotFound or ErrExists; it
// keeps the store's message, which names the object.
type storeError struct{ kind, cause error }

func (e *storeError) Error() string   { return e.cause.Error() }
func (e *storeError) Unwrap() []error { return []error{e.kind, e.cause} }

// classify marks the store's not-found and conflict errors as the
// directory's; other errors (the store failing) pass unchanged.
func classify(err error) error {
	switch {
	case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrExists):
		return err
	case errors.Is(err, store.ErrNotFound):
		return &storeError{ErrNotFound, err}
	case errors.Is(err, store.ErrConflict):
		return &storeError{ErrExists, err}
	}
	return err
}

// isNotFound reports whether err is the store's (or the directory's)
// not-found error.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
