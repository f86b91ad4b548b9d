package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"graphgate/internal/odata"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlq"
)

// messageProps are the message properties of these tests, typed as the
// Graph server types them (graph's messageProps), so that the SQL below is
// what the store renders for a Graph request.
var messageProps = odata.JSONProps{"subject": odata.TypeString, "isRead": odata.TypeBool, "receivedDateTime": odata.TypeDateTime,
	"conversationId": odata.TypeString, "from/emailAddress/address": odata.TypeString, "body/content": odata.TypeString}

// compiledQuery is the ItemQuery the Graph server builds for a message
// listing with $filter and $orderby (empty: its default, newest first).
func compiledQuery(t *testing.T, q store.ItemQuery, filter, order string) store.ItemQuery {
	t.Helper()
	m := odata.JSONMapping("microsoft.graph.message", messageProps)
	if filter != "" {
		e, err := odata.ParseFilter(filter, odata.Exchange)
		if err != nil {
			t.Fatal(err)
		}
		if q.Filter, err = odata.Filter(e, m, odata.Exchange); err != nil {
			t.Fatal(err)
		}
	}
	if order == "" {
		order = "receivedDateTime desc"
	}
	items, err := odata.ParseOrderBy(order, odata.Exchange)
	if err != nil {
		t.Fatal(err)
	}
	if q.Order, err = odata.Order(items, m, odata.Exchange); err != nil {
		t.Fatal(err)
	}
	return q
}

// TestMessageQueriesUseIndexes: the $filter equalities, $orderby=subject
// and $count with a filter that Graph clients send for mail are answered
// from migration 0010's indexes, in a folder and across a mailbox, with
// the statements QueryItems runs (EXPLAIN EXECUTE of the generic plan,
// which pgx's cached prepared statements get after a few executions: the
// kind must be a literal for a partial index to be usable there;
// analyzed data, sequential scans disabled so that a few hundred rows do
// not make a scan the cheapest plan). The results are checked too.
func TestMessageQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	tenant, owner := "t1", "u1"
	var items []store.Item
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	body := func(i int) string {
		if i%1000 == 7 {
			return "the usual budget and a quokka"
		}
		return "the usual budget"
	}
	for _, f := range []string{"inbox", "archive"} {
		for i := range 3000 {
			id := fmt.Sprintf("%s-m%04d", f, i)
			items = append(items, store.Item{TenantID: tenant, Kind: "message", ID: id, OwnerID: owner, ParentID: f,
				Doc: fmt.Appendf(nil, `{"id":%q,"subject":"Subject %d","receivedDateTime":%q,"isRead":%t,"conversationId":"c%d","from":{"emailAddress":{"address":"S%d@example.com"}},"body":{"content":%q}}`,
					id, i%50, base.Add(time.Duration(i)*time.Minute).Format(store.TimeLayout), i%3 == 0, i%100, i%20, body(i))})
		}
	}
	if err := s.CreateItems(ctx, items...); err != nil {
		t.Fatal(err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, set := range []string{`ANALYZE items`, `SET enable_seqscan = off`} {
		if _, err := conn.Exec(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	defer conn.Exec(context.Background(), `RESET enable_seqscan`)
	folder := store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner, ParentID: "inbox", Limit: 50}
	mailbox := store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner, Limit: 50}
	for _, tc := range []struct {
		name          string
		scope         store.ItemQuery
		filter, order string
		index         string
		sorted        bool // the index holds the order: no sort
		want, total   int  // the page's length and the count
		after         int  // continue after this many rows (a keyset cursor): the index is read from there
	}{
		{"folder unread newest first", folder, "isRead eq false", "", "items_message_folder_read", true, 50, 2000, 0},
		{"folder unread, page 40 after a cursor", folder, "isRead eq false", "", "items_message_folder_read", true, 50, 2000, 1950},
		{"mailbox unread newest first", mailbox, "isRead eq false", "", "items_message_mailbox_read", true, 50, 4000, 0},
		{"mailbox received since", mailbox, "receivedDateTime ge 2025-01-03T00:00:00Z", "", "items_message_received", false, 50, 2 * 120, 0},
		{"mailbox subject eq", mailbox, "subject eq 'Subject 7'", "", "items_message_subject", false, 50, 120, 0},
		{"folder by subject", folder, "", "subject", "items_message_folder_subject_order", true, 50, 3000, 0},
		{"mailbox by subject", mailbox, "", "subject", "items_message_subject_order", true, 50, 6000, 0},
		{"sender", mailbox, "from/emailAddress/address eq 's3@example.com'", "", "items_message_sender", false, 50, 300, 0},
		{"conversation", folder, "conversationId eq 'C42'", "", "items_message_conversation", false, 30, 30, 0},
		{"$search for a rare word", func() store.ItemQuery { q := mailbox; q.Text = []string{"Quokka"}; return q }(), "contains(body/content,'quokka')", "",
			"items_message_text", false, 6, 6, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := compiledQuery(t, tc.scope, tc.filter, tc.order)
			q.Count = true
			if tc.after > 0 {
				before := q
				before.Limit = tc.after
				rows, _, err := s.QueryItems(ctx, before)
				if err != nil || len(rows) != tc.after {
					t.Fatalf("%d rows before the page: %v", len(rows), err)
				}
				c, ok := store.CursorOf(rows[len(rows)-1], q.Order)
				if !ok {
					t.Fatal("no cursor")
				}
				q.After = &c
			}
			w := itemScope(q)
			c, err := callerSQL(itemTable, q.Where, q.Args, q.OrderBy, sqlq.Query{Filter: q.Filter, Order: q.Order, After: q.After})
			if err != nil {
				t.Fatal(err)
			}
			st, err := buildQuery("items", itemFields, &w, c, q.Limit, q.Offset)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range []struct {
				name, sql string
				args      []any
			}{{"page", st.page, st.args}, {"count", st.count, st.countArgs}} {
				if stmt.name == "count" && (tc.filter == "" || strings.HasPrefix(tc.filter, "isRead")) {
					// Counting a whole folder, or the half of it that is
					// unread, visits that half whichever index: the
					// planner chooses by cost (bench/scale measures it).
					continue
				}
				// The generic plan of the prepared statement, as pgx's
				// statement cache gets after a few executions.
				var plan []string
				err := func() error {
					lits := make([]string, len(stmt.args))
					for i, a := range stmt.args {
						switch a := a.(type) {
						case string:
							lits[i] = "'" + strings.ReplaceAll(a, "'", "''") + "'"
						default:
							lits[i] = fmt.Sprint(a)
						}
					}
					for _, set := range []string{`SET plan_cache_mode = force_generic_plan`, `PREPARE probe AS ` + stmt.sql} {
						if _, err := conn.Exec(ctx, set); err != nil {
							return err
						}
					}
					defer conn.Exec(context.Background(), `RESET plan_cache_mode`)
					defer conn.Exec(context.Background(), `DEALLOCATE probe`)
					rows, err := conn.Query(ctx, `EXPLAIN EXECUTE probe(`+strings.Join(lits, ", ")+`)`)
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
						var line string
						if err := rows.Scan(&line); err != nil {
							return err
						}
						plan = append(plan, line)
					}
					return rows.Err()
				}()
				if err != nil {
					t.Fatal(err)
				}
				p := strings.Join(plan, "\n")
				t.Logf("EXPLAIN %s\n%s", stmt.sql, p)
				if !strings.Contains(p, " "+tc.index+" ") {
					t.Errorf("%s: plan does not use %s:\n%s", stmt.name, tc.index, p)
				}
				if stmt.name == "page" && tc.after > 0 && !regexp.MustCompile(`Index Cond: .*receivedDateTime.* <= \(?\$`).MatchString(p) {
					// The index is searched from the cursor's key, not read
					// from the folder's newest message.
					t.Errorf("page: the index is not searched from the cursor:\n%s", p)
				}
				if stmt.name == "page" && tc.sorted && strings.Contains(p, "Sort") {
					t.Errorf("page: plan sorts instead of reading the index in order:\n%s", p)
				}
			}
			got, total, err := s.QueryItems(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want || total != tc.total {
				t.Errorf("%d items of %d, want %d of %d", len(got), total, tc.want, tc.total)
			}
		})
	}
}
