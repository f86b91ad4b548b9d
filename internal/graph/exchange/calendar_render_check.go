package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/store"
)

// What tests compare the one-pass render of a view's events with (graph's
// HTTP tests and this package's): the old path, renderEvent then
// graph.Project. Nothing serving a request calls them.

// renderOldPath is a view's instance as views rendered it before the
// one-pass render: the occurrence's document encoded (viewSeries.
// occurrence), renderEvent, then graph.Project.
func renderOldPath(it store.Item, selected []string, allowed map[string]bool, zone string, loc *time.Location) (json.RawMessage, error) {
	b, err := renderEvent(it, zone, loc)
	if err != nil {
		return nil, err
	}
	return graph.Project(b, selected, nil, allowed)
}

// sameRender reports whether got is compact JSON and want but for the
// order of members that want wrote in Go's map order (no $select: every
// member): the same bytes when selected names the members, else the same
// members with the same bytes each.
func sameRender(got, want json.RawMessage, selected []string) error {
	// Pages write the render as it is (graph's WritePageRendered): it
	// must be compact, valid JSON.
	var compact bytes.Buffer
	if err := json.Compact(&compact, got); err != nil || !bytes.Equal(compact.Bytes(), got) {
		return fmt.Errorf("not compact JSON (%v): %s", err, got)
	}
	if len(selected) > 0 && !slices.Contains(selected, "*") {
		if !bytes.Equal(got, want) {
			return fmt.Errorf("\n got %s\nwant %s", got, want)
		}
		return nil
	}
	var g, w map[string]json.RawMessage
	if err := json.Unmarshal(got, &g); err != nil {
		return fmt.Errorf("%w: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		return err
	}
	if len(g) != len(w) || len(got) != len(want) {
		return fmt.Errorf("\n got %s\nwant %s", got, want)
	}
	for k, v := range w {
		if !bytes.Equal(g[k], v) {
			return fmt.Errorf("member %s: got %s, want %s", k, g[k], v)
		}
	}
	return nil
}

// CheckEventRender compares, for every event and exception of an owner
// and the first occurrences of each series in [from, to), the one-pass
// render of a view (eventRender) with the old path's, in a preferred zone,
// with each of the projections selects (a nil entry: no $select) and,
// when basic is set, limited to Calendars.ReadBasic's properties. It
// returns the first difference and how many renders it compared.
func CheckEventRender(ctx context.Context, st store.Items, tenant, owner, zone string, from, to time.Time, selects [][]string, allowed map[string]bool) (int, error) {
	loc, ok := model.LoadZone(zone)
	if !ok {
		return 0, fmt.Errorf("zone %s", zone)
	}
	n := 0
	for _, kind := range []string{model.KindEvent, model.KindEventException} {
		items, _, err := st.QueryItems(ctx, store.ItemQuery{TenantID: tenant, Kind: kind, OwnerID: owner})
		if err != nil {
			return n, err
		}
		for _, it := range items {
			for _, sel := range selects {
				r := newEventRender(sel, allowed, zone, loc)
				want, err := renderOldPath(it, sel, allowed, zone, loc)
				if err != nil {
					return n, err
				}
				got, err := (&viewInstance{item: it}).render(r)
				if err != nil {
					return n, err
				}
				if err := sameRender(got, want, sel); err != nil {
					return n, fmt.Errorf("%s %s, $select %v: %w", kind, it.ID, sel, err)
				}
				n++
				if e, err := decodeDoc[model.Event](it); err != nil || e.Type != "seriesMaster" {
					continue
				}
				// Its occurrences, the shared members rendered once.
				sr, err := newViewSeries(it, from, to, viewCursor{}, new(int64))
				if err != nil {
					return n, err
				}
				for range 3 {
					inst, ok, err := sr.next(ctx)
					if err != nil || !ok {
						break
					}
					occ, err := sr.occurrence(inst.at)
					if err != nil {
						return n, err
					}
					want, err := renderOldPath(occ, sel, allowed, zone, loc)
					if err != nil {
						return n, err
					}
					got, err := inst.render(r)
					if err != nil {
						return n, err
					}
					if err := sameRender(got, want, sel); err != nil {
						return n, fmt.Errorf("occurrence %s, $select %v: %w", occ.ID, sel, err)
					}
					n++
				}
			}
		}
	}
	return n, nil
}
