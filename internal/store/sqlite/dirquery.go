package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"graphgate/internal/store"
)

// Directory queries: the caller's SQL over the users and groups tables,
// whose column names are store.DirectoryColumns (the tables were created
// with those names; TestDirectoryColumns keeps them so).

var _ store.DirectoryQueries = (*Store)(nil)

func (s *Store) QueryUsers(ctx context.Context, q store.DirectoryQuery) ([]store.User, int, error) {
	return queryDirectory(ctx, s, q, selectUser, "users", scanUser)
}

func (s *Store) QueryGroups(ctx context.Context, q store.DirectoryQuery) ([]store.Group, int, error) {
	return queryDirectory(ctx, s, q, selectGroup, "groups", scanGroup)
}

// queryDirectory runs, in one read transaction, directorySQL's statements:
// the page and, with q.Count, the count.
func queryDirectory[T any](ctx context.Context, s *Store, q store.DirectoryQuery, sel, table string, scan func(scanner) (T, error)) ([]T, int, error) {
	if q.TenantID == "" {
		return nil, -1, errors.New("sqlite: directory query: TenantID is required")
	}
	st := directorySQL(q, sel, table)
	var out []T
	total := -1
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		out, err = queryAll(ctx, tx, scan, st.page, st.pageArgs...)
		if err != nil || !q.Count {
			return err
		}
		return tx.QueryRowContext(ctx, st.count, st.countArgs...).Scan(&total)
	})
	if err != nil {
		return nil, -1, err
	}
	return out, total, nil
}

// directorySQL is
//
//	sel WHERE tenant_id = ? [AND id IN (…)] [AND (q.Where)]
//	  ORDER BY q.OrderBy, id LIMIT ? OFFSET ?
//
// and SELECT count(*) FROM table with the same WHERE.
func directorySQL(q store.DirectoryQuery, sel, table string) itemsStatements {
	var where strings.Builder
	where.WriteString(`WHERE tenant_id = ?`)
	args := []any{q.TenantID}
	if q.IDs != nil {
		// One parameter however many ids (SQLite limits parameters).
		where.WriteString(` AND id IN (SELECT value FROM json_each(?))`)
		args = append(args, list(q.IDs))
	}
	if strings.TrimSpace(q.Where) != "" {
		where.WriteString(` AND (` + q.Where + `)`)
		args = append(args, q.Args...)
	}
	return itemsStatements{
		page:      sel + where.String() + ` ORDER BY ` + orderBy(q.OrderBy) + ` LIMIT ? OFFSET ?`,
		pageArgs:  append(args[:len(args):len(args)], limitArg(q.Limit), max(q.Offset, 0)),
		count:     `SELECT count(*) FROM ` + table + ` ` + where.String(),
		countArgs: args,
	}
}
