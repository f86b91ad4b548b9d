package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
)

// Pushed-down directory queries (store.DirectoryQueries). The users and
// groups tables carry the column names of store.DirectoryColumns, with
// booleans as boolean and the lists (business_phones, roles, group_types)
// as jsonb arrays; the caller's query IR is rendered over them by
// store/sqlq (userTable, groupTable). The tables are not aliased:
// fragments name bare columns.

func (s *Store) QueryUsers(ctx context.Context, q store.DirectoryQuery) ([]store.User, int, error) {
	return queryDirectory(ctx, s, "users", userFields, userTable, scanUser, q)
}

func (s *Store) QueryGroups(ctx context.Context, q store.DirectoryQuery) ([]store.Group, int, error) {
	return queryDirectory(ctx, s, "groups", groupFields, groupTable, scanGroup, q)
}

// userTable and groupTable are the directory tables as store/sqlq renders
// queries over them: their columns by name, a user's userType from its
// kind, a group's groupTypes as a document.
var (
	userTable  = sqlq.Table{Columns: columns(store.DirectoryColumns.Users, store.UserType, "CASE WHEN kind = 'guest' THEN 'Guest' ELSE 'Member' END")}
	groupTable = sqlq.Table{Document: "jsonb_build_object('" + store.GroupDocument + "', group_types)", Columns: columns(store.DirectoryColumns.Groups)}
)

// columns maps names to themselves, and extra pairs (name, SQL).
func columns(names []string, extra ...string) map[string]string {
	m := make(map[string]string, len(names)+len(extra)/2)
	for _, n := range names {
		m[n] = n
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// queryDirectory runs a directory query in one snapshot. IDs restricts the
// result when it is not nil: an empty, non-nil list (a group without
// members) matches nothing.
func queryDirectory[T any](ctx context.Context, s *Store, table, fields string, t sqlq.Table, scan func(scanner) (T, error), q store.DirectoryQuery) ([]T, int, error) {
	if q.TenantID == "" {
		return nil, -1, errors.New("postgres: a directory query needs a tenant")
	}
	w := directoryScope(q)
	var out []T
	total := -1
	err := s.read(ctx, func(tx pgx.Tx) (err error) {
		out, total, err = runQuery(ctx, tx, table, fields, scan, &w, t, sqlq.Query{Filter: q.Filter, Order: q.Order, After: q.After}, q.Limit, q.Offset, q.Count)
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
