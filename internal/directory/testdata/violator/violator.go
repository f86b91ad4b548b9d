// Package violator breaks the rule TestOnlyWriter keeps, in every way the
// check must see: it is the test's fixture, never built.
package violator

import (
	"context"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlite"
)

// narrow is an interface of the package's own with a store write method.
type narrow interface {
	CreateUser(ctx context.Context, u store.User) error
}

// Direct calls the store.
func Direct(ctx context.Context, st store.Store) error { return st.CreateUser(ctx, store.User{}) }

// Narrow calls it through its own interface.
func Narrow(ctx context.Context, n narrow) error { return n.CreateUser(ctx, store.User{}) }

// MethodValue takes the method as a value.
func MethodValue(st store.Directory) any { return st.AddMember }

// Backend calls a backend directly.
func Backend(ctx context.Context, st *sqlite.Store) error {
	return st.UpsertDelegatedGrant(ctx, store.DelegatedGrant{}, nil)
}

// Read only reads: allowed.
func Read(ctx context.Context, st store.Store) (store.User, error) { return st.GetUser(ctx, "", "") }

// notStore has a method of the same name that takes no store type.
type notStore interface{ CreateUser(name string) error }

// Unrelated calls it: not the store's.
func Unrelated(n notStore) error { return n.CreateUser("x") }

// view is a view of the store whose methods take no store type.
type view interface {
	DeleteUser(ctx context.Context, tenantID, id string) error
}

// View calls through it.
func View(ctx context.Context, v view) error { return v.DeleteUser(ctx, "", "") }
