package postgres

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"graphgate/internal/odata"
	"graphgate/internal/pgtest"
	"graphgate/internal/store"
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

// scaleSchema is a fresh database for the plan tests (pgtest.FreshDatabase:
// in the shared test database, the other tests' sessions would keep VACUUM
// from marking pages all-visible, and the planner would rightly prefer a
// bitmap scan to an index-only one), dropped at the end of the test.
func scaleSchema(t *testing.T) string {
	t.Helper()
	return pgtest.FreshDatabase(t, "plans")
}

// listingArgs are a listing's arguments without the flavor's ListingArgs
// (explain sends those).
func listingArgs(args []any) []any { return args[len(queries.ListingArgs):] }

// planOf is PostgreSQL's plan for sql with args (EXPLAIN, the planner's
// settings as q's connection has them), one line per plan node.
func planOf(t *testing.T, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, sql string, args ...any) string {
	t.Helper()
	rows, err := q.Query(t.Context(), `EXPLAIN `+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// explain is the plan PostgreSQL makes for sql with args as listings are
// sent (planEachTime: the server's parameter types, planned with the
// values), run n times on one connection so that a plan cached after a few
// executions would show.
func explain(t *testing.T, conn *pgxpool.Conn, sql string, args []any, n int) string {
	t.Helper()
	var plan []string
	for range n {
		rows, err := conn.Query(t.Context(), `EXPLAIN `+sql, append([]any{planEachTime}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(plan, "\n")
}

// TestMessageQueriesUseIndexes: the mail listings, $filter equalities,
// $orderby=subject and $count Graph clients send are answered from the
// indexes of migrations 0010 and 0013, with the plans the server gets:
// the statements QueryItems runs (sqlstore's ItemStatements), sent as it sends them
// (planEachTime), on a table shaped like graphgate generate's tenant and
// analyzed (Store.Analyze) — one mailbox much larger than the others, as
// Adele's, 31,000 messages in all, inserted by the server in one
// statement — with no planner setting changed. Before migration 0013 and
// planEachTime the unread listing read Adele's inbox through
// items_by_owner_parent and sorted it (bench/scale: 125–250 ms at 100,000
// messages). The results are checked too.
func TestMessageQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	s := openTest(t, scaleSchema(t))
	ctx := t.Context()
	tenant, owner := "t1", "u1"
	// u1: inbox 12,000 (every other one unread), archive 3,000 (a third
	// unread); u2…u401: an inbox of 40 each. Subjects repeat every 50
	// messages, senders every 500, conversations every 1,000; one message
	// in 1,000 holds the rare word.
	if _, err := s.pool.Exec(ctx, `INSERT INTO items (tenant_id, kind, id, owner_id, parent_id, doc, version)
		SELECT 't1', 'message', f.owner || '-' || f.folder || '-' || i, f.owner, f.owner || '-' || f.folder,
			jsonb_build_object('subject', 'Subject ' || i % 50,
				'receivedDateTime', to_char(timestamp '2025-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS".0000000Z"'),
				'isRead', CASE WHEN f.folder = 'inbox' THEN i % 2 = 0 ELSE i % 3 <> 0 END,
				'conversationId', 'c' || i % 1000,
				'from', jsonb_build_object('emailAddress', jsonb_build_object('address', 's' || i % 500 || '@example.com')),
				'body', jsonb_build_object('content', CASE WHEN i % 1000 = 7 THEN 'the usual budget and a quokka' ELSE 'the usual budget' END)),
			1
		FROM (VALUES ('u1', 'inbox', 12000), ('u1', 'archive', 3000)
			UNION ALL SELECT 'u' || n, 'inbox', 40 FROM generate_series(2, 401) AS n) AS f(owner, folder, size),
			generate_series(0, f.size - 1) AS i`); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	folder := store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner, ParentID: "u1-inbox", Limit: 50}
	page100 := folder
	page100.Offset = 99 * 50
	mailbox := store.ItemQuery{TenantID: tenant, Kind: "message", OwnerID: owner, Limit: 50}
	for _, tc := range []struct {
		name          string
		scope         store.ItemQuery
		filter, order string
		index         string // the page's index
		sorted        bool   // the index holds the order: no sort
		count         string // the $count's index ("": any), "Index Only Scan using …" when it must be read alone
		want, total   int    // the page's length and the count
		after         int    // continue after this many rows (a keyset cursor): the index is searched from there
	}{
		{"folder unread newest first", folder, "isRead eq false", "", "items_message_folder_unread", true,
			"Index Only Scan using items_message_folder_unread", 50, 6000, 0},
		// Page 100 by $skip reads the 4,950 messages before it: the
		// planner reads the folder's unread ones from the index, unordered
		// (bitmap), and sorts them, cheaper by its costs than 5,000 random
		// reads in order. A keyset page (after the last page's
		// receivedDateTime and id) reads only its own rows, in order.
		{"folder unread newest first, page 100 by $skip", page100, "isRead eq false", "", "items_message_folder_unread", false,
			"Index Only Scan using items_message_folder_unread", 50, 6000, 0},
		{"folder unread newest first, keyset page 100", folder, "isRead eq false and receivedDateTime lt 2025-01-02T11:01:00Z", "",
			"items_message_folder_unread", true, "items_message_folder_unread", 50, 1050, 0},
		{"folder unread, page 40 after a cursor", folder, "isRead eq false", "", "items_message_folder_unread", true,
			"Index Only Scan using items_message_folder_unread", 50, 6000, 1950},
		{"folder read newest first", folder, "isRead eq true", "", "items_message_folder_read", true, "", 50, 6000, 0},
		{"mailbox unread newest first", mailbox, "isRead eq false", "", "items_message_mailbox_unread", true,
			"Index Only Scan using items_message_mailbox_unread", 50, 7000, 0},
		{"mailbox received since", mailbox, "receivedDateTime ge 2025-01-09T00:00:00Z", "", "items_message_received", false,
			"items_message_received", 50, 12000 - 11520, 0},
		{"mailbox subject eq", mailbox, "subject eq 'Subject 7'", "", "items_message_subject", false, "items_message_subject", 50, 300, 0},
		{"folder by subject", folder, "", "subject", "items_message_folder_subject_order", true, "", 50, 12000, 0},
		{"mailbox by subject", mailbox, "", "subject", "items_message_subject_order", true, "", 50, 15000, 0},
		{"sender", mailbox, "from/emailAddress/address eq 's3@example.com'", "", "items_message_sender", false, "items_message_sender", 30, 30, 0},
		{"conversation", folder, "conversationId eq 'C42'", "", "items_message_conversation", false, "items_message_conversation", 12, 12, 0},
		{"$search for a rare word", func() store.ItemQuery { q := mailbox; q.Text = []string{"Quokka"}; return q }(), "contains(body/content,'quokka')", "",
			"items_message_text", false, "items_message_text", 15, 15, 0},
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
			text, err := textTerms(ctx, nil, q, store.TextTerms(q))
			if err != nil {
				t.Fatal(err)
			}
			st, err := s.ItemStatements(q, text)
			if err != nil {
				t.Fatal(err)
			}
			p := explain(t, conn, flavor.Rebind(st.Page), listingArgs(st.PageArgs), 7)
			t.Logf("EXPLAIN %s\n%s", st.Page, p)
			if !strings.Contains(p, " "+tc.index+" ") {
				t.Errorf("page: plan does not use %s:\n%s", tc.index, p)
			}
			if tc.sorted && strings.Contains(p, "Sort") {
				t.Errorf("page: plan sorts instead of reading the index in order:\n%s", p)
			}
			if tc.after > 0 && !regexp.MustCompile(`Index Cond: .*receivedDateTime.* <= `).MatchString(p) {
				// The index is searched from the cursor's key, not read
				// from the folder's newest message.
				t.Errorf("page: the index is not searched from the cursor:\n%s", p)
			}
			if tc.count != "" {
				p := explain(t, conn, flavor.Rebind(st.Count), listingArgs(st.CountArgs), 7)
				t.Logf("EXPLAIN %s\n%s", st.Count, p)
				if !strings.Contains(p, tc.count+" ") {
					t.Errorf("count: plan does not use %s:\n%s", tc.count, p)
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

// userProps are the user properties of TestUserPrefixUsesIndex, mapped as
// the Graph server maps them (graph's user mapping).
var userProps = map[string]odata.Column{"displayName": {Name: "display_name", Type: odata.TypeString},
	"givenName": {Name: "given_name", Type: odata.TypeString}, "surname": {Name: "surname", Type: odata.TypeString},
	"mail": {Name: "mail", Type: odata.TypeString}, "userPrincipalName": {Name: "upn", Type: odata.TypeString}}

// TestUserPrefixUsesIndex: startswith on the directory's names (people
// pickers, users?$filter=startswith(displayName,'a')&$count=true) reads
// the range odata adds to the LIKE from migration 0013's expression
// indexes, page and count, as the server sends them (planEachTime), on
// analyzed users; a non-ASCII prefix (no range) still answers, from a
// scan. The results are checked too, case-insensitive.
func TestUserPrefixUsesIndex(t *testing.T) {
	t.Parallel()
	s := openTest(t, scaleSchema(t))
	ctx := t.Context()
	// 10,400 users, display names "Adele 0" to "zdele 399" (400 per letter,
	// mixed case), and three whose names start with Ü, ü and U.
	if _, err := s.pool.Exec(ctx, `INSERT INTO users (tenant_id, id, upn, upn_key, display_name, given_name, surname, mail, job_title,
			department, office_location, mobile_phone, preferred_language, usage_location, kind, account_enabled, password_hash, manager_id, version)
		SELECT 't1', u.id, u.id || '@contoso.com', u.id || '@contoso.com', u.name, u.name, u.name, u.id || '@contoso.com',
			'', '', '', '', '', '', 'Member', true, '', '', 1
		FROM (SELECT format('u%s', lpad(i::text, 5, '0')), chr(CASE WHEN i % 2 = 0 THEN 65 ELSE 97 END + i / 400) || 'dele ' || i % 400
			FROM generate_series(0, 10399) AS i
			UNION ALL VALUES ('u10400', 'Ülrich'), ('u10401', 'ülla'), ('u10402', 'Ursula')) AS u(id, name)`); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	m := odata.Mapping{EntityType: "microsoft.graph.user", Columns: userProps}
	for _, tc := range []struct {
		filter string
		index  string // "" for none (a scan)
		total  int
	}{
		{"startswith(displayName,'a')", "users_display_name_prefix", 400},
		{"startswith(displayName,'ADELE 1')", "users_display_name_prefix", 111},
		{"startswith(givenName,'b')", "users_given_name_prefix", 400},
		{"startswith(surname,'Zd')", "users_surname_prefix", 400},
		{"startswith(mail,'U0001')", "users_mail_prefix", 10},
		{"startswith(userPrincipalName,'u00099@')", "users_upn_prefix", 1},
		{"startswith(displayName,'a') or startswith(surname,'b')", "users_surname_prefix", 800},
		// PostgreSQL's lower() folds Ü in a UTF-8 database, as Graph's
		// comparison does: both ü names match.
		{"startswith(displayName,'ü')", "", 2},
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
			}{{"page", flavor.Rebind(st.Page), listingArgs(st.PageArgs)}, {"count", flavor.Rebind(st.Count), listingArgs(st.CountArgs)}} {
				p := explain(t, conn, stmt.sql, stmt.args, 7)
				t.Logf("EXPLAIN %s\n%s", stmt.sql, p)
				if tc.index == "" {
					continue
				}
				if !strings.Contains(p, " "+tc.index+" ") {
					t.Errorf("%s: plan does not use %s:\n%s", stmt.name, tc.index, p)
				}
				if strings.Contains(p, "Seq Scan") {
					t.Errorf("%s: plan scans the users:\n%s", stmt.name, p)
				}
				// A single prefix's count reads the index alone (migration
				// 0017: the column INCLUDEd), not each match's page.
				if stmt.name == "count" && !strings.Contains(tc.filter, " or ") && !strings.Contains(p, "Index Only Scan using "+tc.index+" ") {
					t.Errorf("count: not an index-only scan of %s:\n%s", tc.index, p)
				}
				// A single prefix's page sorts the range's ids from the index
				// alone (migration 0019: id INCLUDEd) and reads only its own
				// rows by key (sqlstore's listing), not every match's row.
				if stmt.name == "page" && !strings.Contains(tc.filter, " or ") && (!strings.Contains(p, "Index Only Scan using "+tc.index+" ") ||
					!strings.Contains(p, "Index Scan using users_pkey ")) {
					t.Errorf("page: not the ids from %s alone, then the page's rows by key:\n%s", tc.index, p)
				}
			}
			got, total, err := s.QueryUsers(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total || len(got) != min(tc.total, 100) {
				t.Errorf("%d users of %d, want %d", len(got), total, tc.total)
			}
		})
	}
}
