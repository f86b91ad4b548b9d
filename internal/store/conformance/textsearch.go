package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"graphgate/internal/store"
)

// ItemQuery.Text: a hint for Filter (a text index narrows the candidates),
// so a query answers the same with it as without it, in every scope, page
// and count, and after the items change — in the same transaction.

var textSearchTests = []test{
	{"the same results with and without Text", testTextSameResults},
	{"the index follows creates, updates and deletes", testTextFollowsChanges},
	{"a rolled-back batch leaves the index as it was", testTextRollback},
	{"kinds without a text index ignore Text", testTextOtherKinds},
}

var errRollback = errors.New("roll back")

// textFilter is the condition the Graph server's $search writes for one
// term: the subject, body or sender holds it, case-insensitively, % and _
// literal (graph's searchMessages).
func textFilter(term string) store.Cond {
	var ors store.Or
	for _, path := range []string{"subject", "body/content", "from/emailAddress/address", "from/emailAddress/name"} {
		ors = append(ors, store.Match{Field: str(path), Kind: store.Contains, Text: term})
	}
	return ors
}

// textMessage is a message with a subject and body.
func textMessage(tenant, owner, folder, subject, body string, n int) store.Item {
	it := newMessage(tenant, owner, folder, subject, n, at(time.Duration(n)*time.Minute), n%2 == 0)
	it.Doc = []byte(strings.Replace(string(it.Doc), `"isRead"`, fmt.Sprintf(`"body":{"contentType":"text","content":%q},"isRead"`, body), 1))
	return it
}

// checkTextQuery runs q for term with and without Text, and compares the
// ids and counts; want is the number of matches (-1: do not check).
func checkTextQuery(t *testing.T, s store.Items, q store.ItemQuery, term string, want int) {
	t.Helper()
	q.Filter = textFilter(term)
	q.Count = true
	plain, plainTotal, err := s.QueryItems(t.Context(), q)
	if err != nil {
		t.Fatalf("%q without Text: %v", term, err)
	}
	q.Text = []string{term}
	got, total, err := s.QueryItems(t.Context(), q)
	if err != nil {
		t.Fatalf("%q with Text: %v", term, err)
	}
	ids := func(items []store.Item) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	if !slices.Equal(ids(got), ids(plain)) || total != plainTotal {
		t.Errorf("%q: with Text %v (of %d), without %v (of %d)", term, ids(got), total, ids(plain), plainTotal)
	}
	if want >= 0 && total != want {
		t.Errorf("%q: %d matches, want %d", term, total, want)
	}
}

func testTextSameResults(t *testing.T, s store.Store) {
	ctx := t.Context()
	var items []store.Item
	bodies := []string{"The quokka smiled.", "Budget for Q3", "100% done_now", `say "hi" there`, "Ünïcode Straße review", "nothing to see"}
	for i := range 60 {
		folder := []string{"inbox", "archive"}[i%2]
		items = append(items, textMessage("t1", "u1", folder, fmt.Sprintf("Subject %d budget", i), bodies[i%len(bodies)], i))
	}
	// Another tenant and another mailbox hold the rare word too.
	items = append(items, textMessage("t2", "u1", "inbox", "Quokka news", "x", 1), textMessage("t1", "u2", "inbox", "quokka", "x", 2))
	if err := s.CreateItems(ctx, items...); err != nil {
		t.Fatal(err)
	}
	mailbox := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1"}
	folder := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1", ParentID: "inbox"}
	page := mailbox
	page.Limit, page.Offset = 3, 2
	for _, tc := range []struct {
		term string
		q    store.ItemQuery
		want int
	}{
		{"quokka", mailbox, 10},
		{"QUOKKA", folder, 10},
		{"quokka", page, 10},
		{"zyzzyva", mailbox, 0},
		{"budget", mailbox, 60},
		{"Q3", mailbox, 10},           // shorter than a trigram: Filter alone
		{"100%", mailbox, 10},         // % is a character
		{"e_n", mailbox, 10},          // _ is a character
		{`"hi"`, mailbox, 10},         // quotes in the term
		{"straße", mailbox, 10},       // non-ASCII
		{"contoso.com", mailbox, 60},  // the sender's address
		{"adele vance", folder, 30},   // the sender's name
		{"t 1 bud", mailbox, 1},       // across words of the subject
		{"smiled.\nS", mailbox, 0},    // not across properties
		{"subject 4 budget", page, 1}, // past the page's offset: empty page, count 1
	} {
		checkTextQuery(t, s, tc.q, tc.term, tc.want)
	}
}

func testTextFollowsChanges(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := textMessage("t1", "u1", "inbox", "first", "plain", 1), textMessage("t1", "u1", "inbox", "second", "plain", 2)
	if err := s.CreateItems(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	q := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1"}
	checkTextQuery(t, s, q, "wombat", 0)
	if _, err := s.UpdateItem(ctx, "t1", "message", a.ID, 0, func(it store.Item) (store.Item, error) {
		it.Doc = []byte(strings.Replace(string(it.Doc), `"first"`, `"a wombat"`, 1))
		return it, nil
	}); err != nil {
		t.Fatal(err)
	}
	checkTextQuery(t, s, q, "wombat", 1)
	checkTextQuery(t, s, q, "first", 0)
	if _, err := s.DeleteItems(ctx, "t1", "message", a.ID); err != nil {
		t.Fatal(err)
	}
	checkTextQuery(t, s, q, "wombat", 0)
	// A new message with the same id finds its own text, not the old one.
	c := textMessage("t1", "u1", "inbox", "third", "plain", 3)
	c.ID = a.ID
	if err := s.CreateItems(ctx, c); err != nil {
		t.Fatal(err)
	}
	checkTextQuery(t, s, q, "third", 1)
	checkTextQuery(t, s, q, "wombat", 0)
}

func testTextRollback(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := textMessage("t1", "u1", "inbox", "kept", "plain", 1)
	if err := s.CreateItems(ctx, a); err != nil {
		t.Fatal(err)
	}
	q := store.ItemQuery{TenantID: "t1", Kind: "message", OwnerID: "u1"}
	err := s.Batch(ctx, func(tx store.Items) error {
		if err := tx.CreateItems(ctx, textMessage("t1", "u1", "inbox", "platypus", "plain", 2)); err != nil {
			return err
		}
		if _, err := tx.DeleteItems(ctx, "t1", "message", a.ID); err != nil {
			return err
		}
		// Inside the batch, the batch's changes are what the index holds.
		checkTextQuery(t, tx, q, "platypus", 1)
		checkTextQuery(t, tx, q, "kept", 0)
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Batch = %v", err)
	}
	checkTextQuery(t, s, q, "platypus", 0)
	checkTextQuery(t, s, q, "kept", 1)
}

func testTextOtherKinds(t *testing.T, s store.Store) {
	ctx := context.Background()
	ev := newItem("t1", "event", "u1", "cal", `{"subject":"quokka party"}`)
	if err := s.CreateItems(ctx, ev); err != nil {
		t.Fatal(err)
	}
	q := store.ItemQuery{TenantID: "t1", Kind: "event", OwnerID: "u1", Filter: store.Match{Field: str("subject"), Kind: store.Contains, Text: "quokka"},
		Text: []string{"quokka"}, Count: true}
	got, n, err := s.QueryItems(ctx, q)
	if err != nil || n != 1 || len(got) != 1 || got[0].ID != ev.ID {
		t.Errorf("an event with Text: %d items of %d, %v; want the event", len(got), n, err)
	}
}
