package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"graphgate/internal/store"
)

// Per-folder message counters (migration 0017, message_counts): the
// number of messages in a folder and how many are unread or read, kept by
// triggers on the items table in the item's own transaction, as Exchange
// keeps a folder's totalItemCount and unreadItemCount. A count whose query
// is exactly one of these reads its folder's row instead of counting the
// folder's index entries (work that grows with the folder: 100,000 unread
// messages in a 200,000-message inbox at scale 1); every other count
// counts rows as before.

// messageKind is the kind the counters count (model.KindMessage; the
// store does not import the model).
const messageKind = "message"

// folderCount is how a count of a folder's messages is read from its
// counter row: the columns added and subtracted from total.
type folderCount struct {
	// add is the counter the count is ("total", "unread" or "read");
	// less, when set, is subtracted from total (isRead ne …, which is
	// true for a message without isRead).
	add, less string
}

// countedFolder reports whether q's count is a folder's counter: the
// messages of one mailbox's folder (OwnerID and ParentID, no ParentIDs,
// Text or Overlap) with no filter, or with exactly isRead eq/ne a boolean.
// It says nothing about the page, which runs as before.
func countedFolder(q store.ItemQuery) (folderCount, bool) {
	if q.Kind != messageKind || q.OwnerID == "" || q.ParentID == "" || q.ParentIDs != nil || len(q.Text) > 0 || q.Overlap != nil {
		return folderCount{}, false
	}
	if q.Filter == nil {
		return folderCount{add: "total"}, true
	}
	c, ok := q.Filter.(store.Compare)
	if !ok || c.Fold || c.Value.Type != store.TypeBool || !isReadField(c.Field) {
		return folderCount{}, false
	}
	counter := "unread"
	if c.Value.Bool {
		counter = "read"
	}
	switch c.Op {
	case store.Eq:
		return folderCount{add: counter}, true
	case store.Ne:
		return folderCount{add: "total", less: counter}, true
	}
	return folderCount{}, false
}

// isReadField is the document's top-level isRead as a boolean, nothing
// derived from it (no default for null, no array count).
func isReadField(f store.Field) bool {
	return f.Var == "" && f.Column == "" && !f.Count && f.IfNull == nil && f.Type == store.TypeBool &&
		len(f.Path) == 1 && f.Path[0] == "isRead"
}

// FolderCountStatement is the SQL of q's count from its folder's counter
// row ('?' placeholders; it reads the count and odd), and false when q's
// count is not a folder's counter (countedFolder). It is exported for the
// backends' plan tests.
func FolderCountStatement(q store.ItemQuery) (string, []any, bool) {
	fc, ok := countedFolder(q)
	if !ok {
		return "", nil, false
	}
	return fc.statement(), []any{q.TenantID, q.OwnerID, q.ParentID}, true
}

func (fc folderCount) statement() string {
	expr := fc.add
	if fc.less != "" {
		expr += " - " + fc.less
	}
	return `SELECT ` + expr + `, odd FROM message_counts WHERE tenant_id = ? AND owner_id = ? AND parent_id = ?`
}

// readFolderCount reads q's count from its folder's counter row in tx (the
// page's snapshot). ok is false when the folder holds a message whose
// isRead is neither a boolean nor null (odd), which the engines' own
// comparisons decide; the caller then counts the rows.
func readFolderCount(ctx context.Context, tx *Tx, q store.ItemQuery, fc folderCount) (n int, ok bool, err error) {
	var odd int
	err = tx.QueryRow(ctx, fc.statement(), q.TenantID, q.OwnerID, q.ParentID).Scan(&n, &odd)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, true, nil // no row: the folder holds no message
	case err != nil:
		return 0, false, err
	}
	return n, odd == 0, nil
}
