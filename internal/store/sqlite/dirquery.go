package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
)

// Directory queries: the caller's query IR, rendered by store/sqlq, over
// the users and groups tables, whose column names are
// store.DirectoryColumns (the tables were created with those names;
// TestDirectoryColumns keeps them so).

var _ store.DirectoryQueries = (*Store)(nil)

func (s *Store) QueryUsers(ctx context.Context, q store.DirectoryQuery) ([]store.User, int, error) {
	return queryDirectory(ctx, s, q, selectUser, "users", userTable, scanUser)
}

func (s *Store) QueryGroups(ctx context.Context, q store.DirectoryQuery) ([]store.Group, int, error) {
	return queryDirectory(ctx, s, q, selectGroup, "groups", groupTable, scanGroup)
}

// userTable and groupTable are the directory tables as store/sqlq renders
// queries over them: their columns by name, a user's userType from its
// kind, a group's groupTypes as a document.
var (
	userTable  = sqlq.Table{Columns: columns(store.DirectoryColumns.Users, store.UserType, "CASE WHEN kind = 'guest' THEN 'Guest' ELSE 'Member' END")}
	groupTable = sqlq.Table{Document: "json_object('" + store.GroupDocument + "', json(group_types))", Columns: columns(store.DirectoryColumns.Groups)}
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

// queryDirectory runs, in one read transaction, directorySQL's statements:
// the page, its keyset tail when the page is not full, and, with q.Count,
// the count.
func queryDirectory[T any](ctx context.Context, s *Store, q store.DirectoryQuery, sel, table string, t sqlq.Table, scan func(scanner) (T, error)) ([]T, int, error) {
	if q.TenantID == "" {
		return nil, -1, errors.New("sqlite: directory query: TenantID is required")
	}
	st, err := directorySQL(q, sel, table, t)
	if err != nil {
		return nil, -1, err
	}
	var out []T
	total := -1
	err = s.read(ctx, func(tx *sql.Tx) (err error) {
		out, err = queryAll(ctx, tx, scan, st.page, st.pageArgs...)
		if err != nil {
			return err
		}
		if st.tail != "" && (q.Limit <= 0 || len(out) < q.Limit) {
			// The nulls that follow the keyset range (sqlq.After).
			rest := -1
			if q.Limit > 0 {
				rest = q.Limit - len(out)
			}
			more, err := queryAll(ctx, tx, scan, st.tail, append(st.tailArgs[:len(st.tailArgs):len(st.tailArgs)], rest)...)
			if err != nil {
				return err
			}
			out = append(out, more...)
		}
		if !q.Count {
			return nil
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
//	sel WHERE tenant_id = ? [AND id IN (…)] [AND (filter)] [AND (after)]
//	  ORDER BY order, id LIMIT ? OFFSET ?
//
// and SELECT count(*) FROM table with the same WHERE (without after).
func directorySQL(q store.DirectoryQuery, sel, table string, t sqlq.Table) (itemsStatements, error) {
	var where strings.Builder
	where.WriteString(`WHERE tenant_id = ?`)
	args := []any{q.TenantID}
	if q.IDs != nil {
		// One parameter however many ids (SQLite limits parameters).
		where.WriteString(` AND id IN (SELECT value FROM json_each(?))`)
		args = append(args, list(q.IDs))
	}
	r, err := sqlq.Render(sqlq.SQLite, t, sqlq.Query{Filter: q.Filter, Order: q.Order, After: q.After}, 0)
	if err != nil {
		return itemsStatements{}, err
	}
	if r.Where != "" {
		where.WriteString(` AND (` + r.Where + `)`)
		args = append(args, r.Args...)
	}
	page, pageArgs := where.String(), args[:len(args):len(args)]
	if r.After != "" {
		page += ` AND (` + r.After + `)`
		pageArgs = append(pageArgs, r.AfterArgs...)
	}
	st := itemsStatements{
		page:      sel + page + ` ORDER BY ` + orderBy(r.OrderBy) + ` LIMIT ? OFFSET ?`,
		pageArgs:  append(pageArgs, limitArg(q.Limit), max(q.Offset, 0)),
		count:     `SELECT count(*) FROM ` + table + ` ` + where.String(),
		countArgs: args,
	}
	if r.AfterTail != "" {
		st.tail = sel + where.String() + ` AND (` + r.AfterTail + `) ORDER BY ` + orderBy(r.OrderBy) + ` LIMIT ?`
		st.tailArgs = args
	}
	return st, nil
}
