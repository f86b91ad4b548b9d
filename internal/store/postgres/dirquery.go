package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
)

// Pushed-down directory queries (store.DirectoryQueries). The users and
// groups tables carry the column names of store.DirectoryColumns, with
// booleans as boolean and the lists (business_phones, roles, group_types)
// as jsonb arrays, so the Graph server's OData-compiled SQL runs on them
// directly (e.g. EXISTS (SELECT 1 FROM jsonb_array_elements_text(group_types)
// …)). The tables are not aliased: fragments name bare columns.

func (s *Store) QueryUsers(ctx context.Context, q store.DirectoryQuery) ([]store.User, int, error) {
	return queryDirectory(ctx, s, "users", userFields, scanUser, q)
}

func (s *Store) QueryGroups(ctx context.Context, q store.DirectoryQuery) ([]store.Group, int, error) {
	return queryDirectory(ctx, s, "groups", groupFields, scanGroup, q)
}

// queryDirectory runs a directory query in one snapshot. IDs restricts the
// result when it is not nil: an empty, non-nil list (a group without
// members) matches nothing.
func queryDirectory[T any](ctx context.Context, s *Store, table, fields string, scan func(scanner) (T, error), q store.DirectoryQuery) ([]T, int, error) {
	if q.TenantID == "" {
		return nil, -1, errors.New("postgres: a directory query needs a tenant")
	}
	w := directoryScope(q)
	var out []T
	total := -1
	err := s.read(ctx, func(tx pgx.Tx) (err error) {
		out, total, err = runQuery(ctx, tx, table, fields, scan, &w, q.Where, q.Args, q.OrderBy, q.Limit, q.Offset, q.Count)
		return err
	})
	return out, total, err
}

// directoryScope is the backend's own conditions of a directory query.
func directoryScope(q store.DirectoryQuery) where {
	var w where
	w.add("tenant_id = $%d", q.TenantID)
	if q.IDs != nil {
		w.add("id = ANY($%d)", q.IDs)
	}
	return w
}
