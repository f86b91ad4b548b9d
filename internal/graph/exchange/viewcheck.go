package exchange

// What tests compare calendar views with (graph's HTTP tests and this
// package's): the simple, expensive ways the lazy views avoid. Nothing
// serving a request calls them.

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"github.com/teambition/rrule-go"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// recurrenceRule is a recurrence's RRULE expanded from its first
// occurrence, the simple way views no longer take.
func recurrenceRule(r model.PatternedRecurrence, start time.Time) (*rrule.RRule, error) {
	o, err := r.Options(start)
	if err != nil {
		return nil, err
	}
	return rrule.NewRRule(o)
}

// ViewInstance is an instance of a brute-force view.
type ViewInstance struct {
	ID, Subject string
	Start       time.Time
}

// BruteForceView is what a calendar's view of [from, to) must list,
// computed the simple way: every stored event and exception read, every
// series expanded from its first occurrence (rrule-go's Between), sorted
// by start then id. Tests compare the lazy, paged views with it.
func BruteForceView(ctx context.Context, st store.Items, tenant, owner, cal string, from, to time.Time) ([]ViewInstance, error) {
	var out []ViewInstance
	add := func(id, subject string, start, end time.Time) {
		if start.Before(to) && end.After(from) {
			out = append(out, ViewInstance{ID: id, Subject: subject, Start: start.UTC()})
		}
	}
	for _, kind := range []string{model.KindEvent, model.KindEventException} {
		items, _, err := st.QueryItems(ctx, store.ItemQuery{TenantID: tenant, Kind: kind, OwnerID: owner, ParentID: cal})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			e, err := model.DecodeDoc[model.Event](it)
			if err != nil {
				return nil, err
			}
			st, _ := model.ParseStoredTime(e.Start.UTC)
			en, _ := model.ParseStoredTime(e.End.UTC)
			if e.Type != "seriesMaster" {
				add(it.ID, e.Subject, st, en)
				continue
			}
			loc, ok := model.LoadZone(e.Start.TimeZone)
			if !ok {
				loc = time.UTC
			}
			rr, err := recurrenceRule(*e.Recurrence, st.In(loc))
			if err != nil {
				return nil, err
			}
			excluded := map[string]bool{}
			for _, x := range append(e.Exdates, e.Exceptions...) {
				excluded[x] = true
			}
			d := en.Sub(st)
			for _, t := range rr.Between(from.Add(-d), to, true) {
				if !excluded[model.StoredTime(t)] {
					add(occurrenceID(it.ID, t), e.Subject, t, t.Add(d))
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b ViewInstance) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// CheckStoredRows compares, for every event and exception of an owner,
// the rows calendar views filter stored instances on (the whole
// storedEventRow, and lazyEventRow path by path) with the event as
// rendered, in a preferred zone; it returns the first difference and how
// many instances it compared.
func CheckStoredRows(ctx context.Context, st store.Items, tenant, owner, zone string) (int, error) {
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
			row, err := storedEventRow(it, zone, loc)
			if err != nil {
				return n, err
			}
			b, err := renderEvent(it, zone, loc)
			if err != nil {
				return n, err
			}
			var want map[string]any
			if err := json.Unmarshal(b, &want); err != nil {
				return n, err
			}
			if !reflect.DeepEqual(map[string]any(row), want) {
				return n, fmt.Errorf("%s %s:\n row %v\nwant %v", kind, it.ID, row, want)
			}
			// The lazy row resolves every path as the whole row does:
			// each property, in other cases, nested, and what is not
			// there.
			lazy, err := newLazyEventRow(it, nil, zone, loc)
			if err != nil {
				return n, err
			}
			var doc map[string]any
			if err := json.Unmarshal(it.Doc, &doc); err != nil {
				return n, err
			}
			var paths [][]string
			for k := range doc {
				paths = append(paths, []string{k}, []string{strings.ToUpper(k)})
			}
			for k := range row {
				paths = append(paths, []string{k}, []string{strings.ToLower(k)})
			}
			paths = append(paths, []string{"start", "dateTime"}, []string{"END", "TimeZone"}, []string{"body", "content"},
				[]string{"organizer", "emailAddress", "address"}, []string{"nothing"}, []string{"start", "nothing"}, []string{"_seriesEnd"})
			for _, p := range paths {
				gv, gok := lazy.Resolve(p)
				wv, wok := row.Resolve(p)
				if gok != wok || !reflect.DeepEqual(gv, wv) {
					return n, fmt.Errorf("%s %s: %v resolves lazily to %v (%v), whole to %v (%v)", kind, it.ID, p, gv, gok, wv, wok)
				}
			}
			if lazy.err != nil {
				return n, lazy.err
			}
			n++
		}
	}
	return n, nil
}

// storedEventRow is the whole row lazyEventRow resolves a property at a
// time: every property of a stored event, each as eventValue renders it.
func storedEventRow(it store.Item, zone string, loc *time.Location) (odata.Row, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(it.Doc, &raw); err != nil {
		return nil, err
	}
	row := odata.Row{"@odata.etag": graph.ETag(it)}
	eventZero, _ := eventShape()
	for _, keys := range []map[string]any{eventZero, rawKeys(raw)} {
		for k := range keys {
			v, ok, err := eventValue(it, k, raw[k], zone, loc)
			if err != nil {
				return nil, err
			}
			if ok {
				row[k] = v
			}
		}
	}
	return row, nil
}
