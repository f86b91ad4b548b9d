package sqlstore

import (
	"context"
	"fmt"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
)

// Directory queries (store.DirectoryQueries): the caller's query IR,
// rendered by store/sqlq, over the users and groups tables, whose column
// names are store.DirectoryColumns (the backends' migrations create them
// so; their TestDirectoryColumns keeps them so). A user's userType is
// derived from its kind; a group's groupTypes is presented as a document
// (Queries.GroupDocument) so that groupTypes/any(…) is a condition like
// any other.

var _ store.DirectoryQueries = (*Store)(nil)

func (s *Store) QueryUsers(ctx context.Context, q store.DirectoryQuery) ([]store.User, int, error) {
	return queryDirectory(ctx, s, q, "users", userReadColumns, s.userTable(), ScanUser)
}

func (s *Store) QueryGroups(ctx context.Context, q store.DirectoryQuery) ([]store.Group, int, error) {
	return queryDirectory(ctx, s, q, "groups", groupReadColumns, s.groupTable(), ScanGroup)
}

// userTable and groupTable are the directory tables as store/sqlq renders
// queries over them: their columns by name, a user's userType from its
// kind, a group's groupTypes as a document.
func (s *Store) userTable() sqlq.Table {
	return sqlq.Table{Columns: columns(store.DirectoryColumns.Users, store.UserType, "CASE WHEN kind = 'guest' THEN 'Guest' ELSE 'Member' END")}
}

func (s *Store) groupTable() sqlq.Table {
	return sqlq.Table{Document: s.q().GroupDocument, Columns: columns(store.DirectoryColumns.Groups)}
}

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

// DirectoryStatements is the SQL of a directory query over table:
//
//	SELECT … FROM table WHERE tenant_id = ? AND id IN (
//	  SELECT id FROM table WHERE tenant_id = ? [AND id IN (…)] [AND (filter)]
//	    [AND (after)] ORDER BY order, id LIMIT … OFFSET …
//	) ORDER BY order, id
//
// (a page's ids sorted first, then only its rows read: Store.listing; a
// query without a limit reads its rows directly),
// and SELECT count(*) with the same WHERE but the keyset condition. IDs
// restricts the result when it is not nil: an empty, non-nil list (a
// group without members) matches nothing. It is exported for the
// backends' plan tests.
func (s *Store) DirectoryStatements(q store.DirectoryQuery, users bool) (Listing, error) {
	if users {
		return s.directoryStatements(q, "users", userReadColumns, s.userTable())
	}
	return s.directoryStatements(q, "groups", groupReadColumns, s.groupTable())
}

func (s *Store) directoryStatements(q store.DirectoryQuery, table, cols string, t sqlq.Table) (Listing, error) {
	if q.TenantID == "" {
		return Listing{}, fmt.Errorf("%s: directory query: TenantID is required", s.f.Name)
	}
	var w scope
	w.add(`tenant_id = ?`, q.TenantID)
	if q.IDs != nil {
		w.add(s.q().InList("id"), s.q().List(q.IDs))
	}
	// A page is read by key (tenant_id, id): its ids sorted from an index
	// that holds them, then only its rows (Store.listing).
	var keys scope
	keys.add(`tenant_id = ?`, q.TenantID)
	return s.listing(table, cols, w, &keys, t, sqlq.Query{Filter: q.Filter, Order: q.Order, After: q.After}, q.Limit, q.Offset)
}

// queryDirectory runs a directory query's statements in one read
// transaction: the page, its keyset tail, and with q.Count the total.
func queryDirectory[T any](ctx context.Context, s *Store, q store.DirectoryQuery, table, cols string, t sqlq.Table, scan func(scanner) (T, error)) ([]T, int, error) {
	st, err := s.directoryStatements(q, table, cols, t)
	if err != nil {
		return nil, -1, err
	}
	var out []T
	total := -1
	err = s.db.Read(ctx, func(tx *Tx) (err error) {
		out, total, err = runListing(ctx, tx, s.q(), scan, st, q.Limit, q.Count)
		return err
	})
	if err != nil {
		return nil, -1, err
	}
	return out, total, nil
}
