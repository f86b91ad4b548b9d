package sqlite

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"graphgate/internal/odata"
	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// messageProps are the message properties of these tests, typed as the
// Graph server types them (graph's messageProps), so that the SQL below is
// what the store renders for a Graph request.
var messageProps = odata.JSONProps{"subject": odata.TypeString, "isRead": odata.TypeBool, "receivedDateTime": odata.TypeDateTime,
	"conversationId": odata.TypeString, "from/emailAddress/address": odata.TypeString}

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
// from migration 0010's indexes — in a folder (the owner too, as the
// Graph server asks) and across a mailbox — with no scan of the messages
// and, where the index holds the order, no sort. No ANALYZE: the planner
// must choose them on a fresh database. The results are checked too.
func TestMessageQueriesUseIndexes(t *testing.T) {
	s := open(t, t.TempDir())
	tenant, owner := "t1", "u1"
	var items []store.Item
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range []string{"inbox", "archive"} {
		for i := range 300 {
			id := fmt.Sprintf("%s-m%04d", f, i)
			items = append(items, store.Item{TenantID: tenant, Kind: "message", ID: id, OwnerID: owner, ParentID: f,
				Doc: fmt.Appendf(nil, `{"id":%q,"subject":"Subject %d","receivedDateTime":%q,"isRead":%t,"conversationId":"c%d","from":{"emailAddress":{"address":"S%d@example.com"}}}`,
					id, i%50, base.Add(time.Duration(i)*time.Minute).Format(store.TimeLayout), i%3 == 0, i%100, i%20)})
		}
	}
	if err := s.CreateItems(t.Context(), items...); err != nil {
		t.Fatal(err)
	}
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
		{"folder unread newest first", folder, "isRead eq false", "", "items_messages_by_folder_read", true, 50, 200, 0},
		{"folder unread, page 4 by $skip", func() store.ItemQuery { q := folder; q.Offset = 150; return q }(), "isRead eq false", "", "items_messages_by_folder_read", true, 50, 200, 0},
		{"folder unread, page 4 after a cursor", folder, "isRead eq false", "", "items_messages_by_folder_read", true, 50, 200, 150},
		{"mailbox unread newest first", mailbox, "isRead eq false", "", "items_messages_by_mailbox_read", true, 50, 400, 0},
		{"mailbox read", mailbox, "isRead eq true", "", "items_messages_by_mailbox_read", true, 50, 200, 0},
		{"folder subject eq", folder, "subject eq 'subject 7'", "", "items_messages_by_folder_subject", false, 6, 6, 0},
		{"mailbox subject eq", mailbox, "subject eq 'Subject 7'", "", "items_messages_by_mailbox_subject", false, 12, 12, 0},
		{"folder by subject", folder, "", "subject", "items_messages_by_folder_subject", true, 50, 300, 0},
		{"mailbox by subject descending", mailbox, "", "subject desc", "items_messages_by_mailbox_subject", true, 50, 600, 0},
		{"sender", mailbox, "from/emailAddress/address eq 's3@example.com'", "", "items_messages_by_sender", false, 30, 30, 0},
		{"conversation", folder, "conversationId eq 'C42'", "", "items_messages_by_conversation", false, 3, 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := compiledQuery(t, tc.scope, tc.filter, tc.order)
			q.Count = true
			if tc.after > 0 {
				before := q
				before.Limit = tc.after
				rows, _, err := s.QueryItems(t.Context(), before)
				if err != nil || len(rows) != tc.after {
					t.Fatalf("%d rows before the page: %v", len(rows), err)
				}
				c, ok := store.CursorOf(rows[len(rows)-1], q.Order)
				if !ok {
					t.Fatal("no cursor")
				}
				q.After = &c
			}
			st, err := s.ItemStatements(q, sqlstore.TextScope{})
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range []struct {
				name string
				sql  string
				args []any
			}{{"page", st.Page, st.PageArgs}, {"count", st.Count, st.CountArgs}} {
				plan := queryPlan(t, s, stmt.sql, stmt.args...)
				t.Logf("EXPLAIN QUERY PLAN %s\n%s", stmt.sql, plan)
				if (stmt.name == "page" || tc.filter != "") && !strings.Contains(plan, "INDEX "+tc.index+" ") {
					t.Errorf("%s: plan does not use %s:\n%s", stmt.name, tc.index, plan)
				}
				if strings.Contains(plan, "SCAN items") {
					t.Errorf("%s: plan scans the messages:\n%s", stmt.name, plan)
				}
				if stmt.name == "count" && tc.filter != "" && !strings.Contains(plan, "COVERING INDEX "+tc.index+" ") && tc.index != "items_messages_by_sender" && tc.index != "items_messages_by_conversation" {
					t.Errorf("count: plan reads the table, not the index alone:\n%s", plan)
				}
				if stmt.name == "page" && tc.after > 0 && !strings.Contains(plan, "<expr><?") && !strings.Contains(plan, "<expr><=?") {
					// The index is searched from the cursor's key, not read
					// from the folder's newest message.
					t.Errorf("page: the index is not searched from the cursor:\n%s", plan)
				}
				if stmt.name == "page" && tc.sorted && strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
					t.Errorf("page: plan sorts instead of reading the index in order:\n%s", plan)
				}
			}
			got, total, err := s.QueryItems(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want || total != tc.total {
				t.Errorf("%d items of %d, want %d of %d", len(got), total, tc.want, tc.total)
			}
		})
	}
}

// TestTextSearchUsesIndex: ItemQuery.Text reads a rare string's few
// candidates from the text index (migration 0011) by primary key; a string
// most messages hold is left to the query's order (textCandidatesMax); one
// no message holds answers without a query.
func TestTextSearchUsesIndex(t *testing.T) {
	s := open(t, t.TempDir())
	var items []store.Item
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range textCandidatesMax + 100 {
		body := "the usual budget"
		if i%1000 == 7 {
			body += " and a quokka"
		}
		id := fmt.Sprintf("m%05d", i)
		items = append(items, store.Item{TenantID: "t1", Kind: "message", ID: id, OwnerID: "u1", ParentID: "inbox",
			Doc: fmt.Appendf(nil, `{"id":%q,"subject":"Subject %d","receivedDateTime":%q,"body":{"content":%q}}`,
				id, i, base.Add(time.Duration(i)*time.Minute).Format(store.TimeLayout), body)})
	}
	if err := s.CreateItems(t.Context(), items...); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		term           string
		indexed, empty bool
		want           int
	}{
		{"Quokka", true, false, 3},
		{"budget", false, false, textCandidatesMax + 100},
		{"zyzzyva", false, true, 0},
		{"qu", false, false, 3}, // too short for a trigram: Filter alone ("quokka")
	} {
		t.Run(tc.term, func(t *testing.T) {
			q := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1", ParentID: "inbox",
				Filter: store.Match{Field: store.Doc("body/content", store.TypeString), Kind: store.Contains, Text: tc.term},
				Text:   []string{tc.term}, Order: []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true}},
				Limit: 10, Count: true}
			var text sqlstore.TextScope
			err := s.DB().Read(t.Context(), func(tx *sqlstore.Tx) (err error) {
				text, err = textCandidates(t.Context(), tx, q, store.TextTerms(q))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if (text.Cond != "") != tc.indexed || text.None != tc.empty {
				t.Fatalf("textCandidates = %+v; want indexed %v, none %v", text, tc.indexed, tc.empty)
			}
			if tc.indexed {
				st, err := s.ItemStatements(q, text)
				if err != nil {
					t.Fatal(err)
				}
				for _, stmt := range []struct {
					sql  string
					args []any
				}{{st.Page, st.PageArgs}, {st.Count, st.CountArgs}} {
					plan := queryPlan(t, s, stmt.sql, stmt.args...)
					t.Logf("EXPLAIN QUERY PLAN %s\n%s", stmt.sql, plan)
					if !strings.Contains(plan, "SCAN items_text VIRTUAL TABLE INDEX") || !strings.Contains(plan, "sqlite_autoindex_items_1 (tenant_id=? AND kind=? AND id=?)") {
						t.Errorf("plan does not read the candidates from the text index by key:\n%s", plan)
					}
				}
			}
			_, n, err := s.QueryItems(t.Context(), q)
			if err != nil || n != tc.want {
				t.Errorf("QueryItems: %d matches, %v; want %d", n, err, tc.want)
			}
		})
	}
}

// userProps are the user properties of TestUserPrefixUsesIndex, mapped
// as the Graph server maps them (graph's user mapping).
var userProps = map[string]odata.Column{"displayName": {Name: "display_name", Type: odata.TypeString},
	"givenName": {Name: "given_name", Type: odata.TypeString}, "surname": {Name: "surname", Type: odata.TypeString},
	"mail": {Name: "mail", Type: odata.TypeString}, "userPrincipalName": {Name: "upn", Type: odata.TypeString}}

// TestUserPrefixUsesIndex: startswith on the directory's names (people
// pickers, users?$filter=startswith(displayName,'a')&$count=true) reads
// the range odata adds to the LIKE from migration 0013's expression
// indexes, page and count, without reading every user, the page's ids
// from the index alone and only its rows by key; a non-ASCII prefix
// (no range) still answers, from a scan. No ANALYZE: the planner chooses
// them on a fresh database. The results are checked too, case-insensitive.
func TestUserPrefixUsesIndex(t *testing.T) {
	s := open(t, t.TempDir())
	// 2,600 users, display names "A… 0" to "Z… 99" (100 per letter, mixed
	// case), and three whose names start with Ü, ü and U.
	err := s.write(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2599),
			u(i, name) AS (SELECT i, char(CASE WHEN i % 2 = 0 THEN 65 ELSE 97 END + i / 100) || 'dele ' || (i % 100) FROM n
				UNION ALL VALUES (2600, 'Ülrich'), (2601, 'ülla'), (2602, 'Ursula'))
			INSERT INTO users (tenant_id, id, upn, upn_key, display_name, given_name, surname, mail, job_title, department,
				office_location, mobile_phone, preferred_language, usage_location, kind, account_enabled, password_hash, manager_id, version)
			SELECT 't1', printf('u%05d', i), printf('u%05d@contoso.com', i), printf('u%05d@contoso.com', i), name, name, name,
				printf('u%05d@contoso.com', i), '', '', '', '', '', '', 'Member', 1, '', '', 1 FROM u`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m := odata.Mapping{EntityType: "microsoft.graph.user", Columns: userProps}
	for _, tc := range []struct {
		filter    string
		index     string // "" for none (a scan)
		countOnly bool   // the page may read the users in id order instead
		total     int
	}{
		{"startswith(displayName,'a')", "users_by_display_name_prefix", false, 100},
		{"startswith(displayName,'ADELE 1')", "users_by_display_name_prefix", false, 11},
		{"startswith(givenName,'b')", "users_by_given_name_prefix", false, 100},
		{"startswith(surname,'Zd')", "users_by_surname_prefix", false, 100},
		{"startswith(mail,'U0001')", "users_by_mail_prefix", false, 10},
		{"startswith(userPrincipalName,'u00099@')", "users_by_upn_prefix", false, 1},
		// An OR of prefixes: the count reads both indexes (MULTI-INDEX
		// OR); for a page of 100 in id order SQLite reads the users in
		// that order until it has them.
		{"startswith(displayName,'a') or startswith(surname,'b')", "users_by_display_name_prefix", true, 200},
		// SQLite's lower() and LIKE fold ASCII only: 'ü' finds ülla, not
		// Ülrich (Graph finds both; PostgreSQL's lower() folds them).
		{"startswith(displayName,'ü')", "", false, 1},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			e, err := odata.ParseFilter(tc.filter, odata.Directory)
			if err != nil {
				t.Fatal(err)
			}
			q := store.DirectoryQuery{TenantID: "t1", Limit: 100, Count: true}
			if q.Filter, err = odata.Filter(e, m, odata.Directory); err != nil {
				t.Fatal(err)
			}
			st, err := s.DirectoryStatements(q, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range []struct {
				name, sql string
				args      []any
			}{{"page", st.Page, st.PageArgs}, {"count", st.Count, st.CountArgs}} {
				plan := queryPlan(t, s, stmt.sql, stmt.args...)
				t.Logf("EXPLAIN QUERY PLAN %s\n%s", stmt.sql, plan)
				if tc.index == "" || tc.countOnly && stmt.name == "page" {
					continue
				}
				if !strings.Contains(plan, "INDEX "+tc.index+" ") {
					t.Errorf("%s: plan does not use %s:\n%s", stmt.name, tc.index, plan)
				}
				if strings.Contains(plan, "SCAN users") {
					t.Errorf("%s: plan scans the users:\n%s", stmt.name, plan)
				}
				// The page sorts the range's ids, read from the index alone
				// (migration 0019: id in the index), and then reads its own
				// rows by key (sqlstore's listing), not the whole rows of
				// every match.
				if stmt.name == "page" && (!strings.Contains(plan, "USING COVERING INDEX "+tc.index+" ") ||
					!strings.Contains(plan, "SEARCH users USING INDEX sqlite_autoindex_users_1 (tenant_id=? AND id=?)")) {
					t.Errorf("page: not the ids from %s alone, then the page's rows by key:\n%s", tc.index, plan)
				}
			}
			got, total, err := s.QueryUsers(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total || len(got) != min(tc.total, 100) {
				t.Errorf("%d users of %d, want %d", len(got), total, tc.total)
			}
		})
	}
}

// BenchmarkDeepPage: page 100 of a folder's unread mail, newest first, 50
// a page, read by offset (reads the 4,950 items before it) and by keyset
// (continues after page 99's last item), against page 1. Results in
// bench/README.md ("Keyset paging").
func BenchmarkDeepPage(b *testing.B) {
	s, err := Open(b.Context(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var items []store.Item
	for i := range 15000 {
		id := fmt.Sprintf("m%05d", i)
		items = append(items, store.Item{TenantID: "t1", Kind: "message", ID: id, OwnerID: "u1", ParentID: "inbox",
			Doc: fmt.Appendf(nil, `{"id":%q,"subject":"s","receivedDateTime":%q,"isRead":%t}`, id, base.Add(time.Duration(i/2)*time.Minute).Format(store.TimeLayout), i%3 == 0)})
	}
	if err := s.CreateItems(b.Context(), items...); err != nil {
		b.Fatal(err)
	}
	m := odata.JSONMapping("microsoft.graph.message", messageProps)
	e, err := odata.ParseFilter("isRead eq false", odata.Exchange)
	if err != nil {
		b.Fatal(err)
	}
	filter, err := odata.Filter(e, m, odata.Exchange)
	if err != nil {
		b.Fatal(err)
	}
	order := []store.Order{{Field: store.Doc("receivedDateTime", store.TypeTime), Desc: true}} // the server's default
	q := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1", ParentID: "inbox", Filter: filter, Order: order, Limit: 50}
	before := q
	before.Limit = 99 * 50
	rows, _, err := s.QueryItems(b.Context(), before)
	if err != nil || len(rows) != before.Limit {
		b.Fatalf("%d rows: %v", len(rows), err)
	}
	c, ok := store.CursorOf(rows[len(rows)-1], order)
	if !ok {
		b.Fatal("no cursor")
	}
	offset, keyset := q, q
	offset.Offset = 99 * 50
	keyset.After = &c
	for _, bc := range []struct {
		name string
		q    store.ItemQuery
	}{{"page1", q}, {"page100-offset", offset}, {"page100-keyset", keyset}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				got, _, err := s.QueryItems(b.Context(), bc.q)
				if err != nil || len(got) != 50 {
					b.Fatalf("%d items: %v", len(got), err)
				}
			}
		})
	}
}
