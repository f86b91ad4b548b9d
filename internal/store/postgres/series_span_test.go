package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// TestSeriesMastersBySpan: the calendar view's query of a window's active
// series masters, as the Graph server writes it (by id), reads
// items_series_span with both halves of the span as index conditions —
// no row's document is read to test them — and sorts the matches' keys,
// rather than reading the calendar's events in id order (items_pkey) and
// testing each one's document, on a calendar whose statistics say it
// holds many events of which a few are active series (migration 0020).
func TestSeriesMastersBySpan(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := t.Context()
	base := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	var items []store.Item
	for i := range 3000 {
		start := base.Add(time.Duration(i) * 7 * time.Hour)
		doc := map[string]any{"type": "singleInstance", "start": map[string]any{"utc": start.Format("2006-01-02T15:04:05.0000000Z")},
			"end": map[string]any{"utc": start.Add(time.Hour).Format("2006-01-02T15:04:05.0000000Z")}}
		if i%10 == 0 {
			doc["type"] = "seriesMaster"
			doc["_seriesEnd"] = start.AddDate(0, 2, 0).Format("2006-01-02T15:04:05.0000000Z")
		}
		b, _ := json.Marshal(doc)
		items = append(items, store.Item{TenantID: "t", Kind: "event", ID: fmt.Sprintf("e%05d", i), OwnerID: "o", ParentID: "cal", Doc: b})
	}
	if err := s.CreateItems(ctx, items...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE items`); err != nil {
		t.Fatal(err)
	}
	noEnd := store.Literal("9999-12-31")
	seriesEnd := store.Field{Path: []string{"_seriesEnd"}, Type: store.TypeString, IfNull: &noEnd}
	from := base.AddDate(0, 6, 0)
	q := store.ItemQuery{TenantID: "t", Kind: "event", OwnerID: "o", ParentID: "cal",
		Filter: store.And{
			store.Compare{Field: store.Doc("type", store.TypeString), Op: store.Eq, Value: store.Literal("seriesMaster")},
			store.Compare{Field: store.Doc("start/utc", store.TypeTime), Op: store.Lt, Value: store.Time(from.AddDate(0, 1, 0))},
			store.Compare{Field: seriesEnd, Op: store.Gt, Value: store.String(from.Format("2006-01-02T15:04:05.0000000Z"))},
		}}
	st, err := s.ItemStatements(q, sqlstore.TextScope{})
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Split(planOf(t, s.pool, flavor.Rebind(st.Page), st.PageArgs...), "\n")
	docFilter := false
	for _, line := range plan {
		docFilter = docFilter || strings.Contains(line, "Filter:") && strings.Contains(line, "doc #>>")
	}
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "items_series_span") || docFilter {
		t.Errorf("series masters' plan:\n%s", p)
	}
	got, _, err := s.QueryItems(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// The masters starting before the window's end whose series ends after its start.
	want := 0
	for _, it := range items {
		var d struct {
			Type      string               `json:"type"`
			Start     struct{ UTC string } `json:"start"`
			SeriesEnd string               `json:"_seriesEnd"`
		}
		_ = json.Unmarshal(it.Doc, &d)
		if d.Type == "seriesMaster" && d.Start.UTC < from.AddDate(0, 1, 0).Format("2006-01-02T15:04:05.0000000Z") && d.SeriesEnd > from.Format("2006-01-02T15:04:05.0000000Z") {
			want++
		}
	}
	if len(got) != want || want == 0 {
		t.Errorf("%d masters, want %d", len(got), want)
	}
}
