package exchange

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/store"
)

// Occurrences changed on their own: Graph's "exception" instances of a
// series. An exception is stored under the occurrence's id (series id and
// original start), so the id a client got from calendarView keeps naming
// it after the change, and the series master records its original start
// so that expansion leaves that slot to the stored exception.

// isNotFound tells a 404 of any workload from other failures.
func isNotFound(err error) bool {
	var ge *graph.Error
	return errors.As(err, &ge) && ge.Status == http.StatusNotFound
}

// occurrenceAt builds the occurrence of a series master that an
// occurrence id names (its original start), unless it was deleted or
// changed into an exception.
func (s server) occurrenceAt(master store.Item, when string) (store.Item, error) {
	t, err := time.Parse("20060102T150405Z", when)
	if err != nil {
		return store.Item{}, graph.ErrItemNotFound()
	}
	var steps int64
	// From just before t: a zero-length occurrence at t overlaps [t-1ns, t+1s).
	v, err := newViewSeries(master, t.Add(-time.Nanosecond), t.Add(time.Second), viewCursor{}, &steps)
	if err != nil {
		return store.Item{}, graph.AsError(err)
	}
	want := master.ID + occurrenceSep + when
	for {
		inst, ok, _ := v.next(context.Background())
		if !ok || inst.key.start.After(t) {
			return store.Item{}, graph.ErrItemNotFound()
		}
		if inst.key.id == want {
			return v.occurrence(inst.at)
		}
	}
}

// changeOccurrence changes one occurrence of an owner's series through f.
// The first change stores the occurrence as an exception and records it on
// the master; later ones update the exception. ifVersion is an If-Match
// precondition on the instance as the client read it: the master's
// version for a plain occurrence, the exception's afterwards.
func (s server) changeOccurrence(c *graph.Call, tx store.Items, owner, id string, ifVersion int64, f func(*model.Event) error) (store.Item, error) {
	masterID, when, _ := strings.Cut(id, occurrenceSep)
	ex, err := tx.GetItem(c.Context(), c.TenantID, model.KindEventException, id)
	switch {
	case err == nil && ex.OwnerID != owner:
		return store.Item{}, graph.ErrItemNotFound()
	case err == nil:
		var ferr error
		it, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindEventException, id, ifVersion, func(it store.Item) (store.Item, error) {
			e, err := model.DecodeDoc[model.Event](it)
			if err != nil {
				return it, err
			}
			if ferr = f(&e); ferr != nil {
				return it, ferr
			}
			e.Type = "exception"
			it.Doc = model.EncodeDoc(e)
			return it, nil
		})
		if ferr != nil {
			return it, ferr
		}
		return it, err
	case !errors.Is(err, store.ErrNotFound):
		return store.Item{}, err
	}
	master, err := tx.GetItem(c.Context(), c.TenantID, model.KindEvent, masterID)
	if errors.Is(err, store.ErrNotFound) || err == nil && master.OwnerID != owner {
		return store.Item{}, graph.ErrItemNotFound()
	}
	if err != nil {
		return store.Item{}, err
	}
	occ, err := s.occurrenceAt(master, when)
	if err != nil {
		return store.Item{}, err
	}
	if ifVersion > 0 && master.Version != ifVersion {
		return store.Item{}, graph.ErrPreconditionFailed()
	}
	e, err := model.DecodeDoc[model.Event](occ)
	if err != nil {
		return store.Item{}, err
	}
	if err := f(&e); err != nil {
		return store.Item{}, err
	}
	e.Type = "exception"
	now := s.Now()
	it := store.Item{TenantID: c.TenantID, Kind: model.KindEventException, ID: id, OwnerID: owner, ParentID: master.ParentID, Doc: model.EncodeDoc(e),
		CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := tx.CreateItems(c.Context(), it); err != nil {
		return store.Item{}, err
	}
	_, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindEvent, masterID, 0, func(mi store.Item) (store.Item, error) {
		m, err := model.DecodeDoc[model.Event](mi)
		if err != nil {
			return mi, err
		}
		t, _ := time.Parse("20060102T150405Z", when)
		m.Exceptions = append(m.Exceptions, model.StoredTime(t))
		mi.Doc = model.EncodeDoc(m)
		return mi, nil
	})
	return it, err
}

// removeOccurrence deletes one occurrence (plain or changed) of an owner's
// series: its slot becomes an excluded date of the master.
func (s server) removeOccurrence(c *graph.Call, tx store.Items, owner, id string) error {
	masterID, when, _ := strings.Cut(id, occurrenceSep)
	t, err := time.Parse("20060102T150405Z", when)
	if err != nil {
		return graph.ErrItemNotFound()
	}
	master, err := tx.GetItem(c.Context(), c.TenantID, model.KindEvent, masterID)
	if errors.Is(err, store.ErrNotFound) || err == nil && master.OwnerID != owner {
		return graph.ErrItemNotFound()
	}
	if err != nil {
		return err
	}
	ex, err := tx.GetItem(c.Context(), c.TenantID, model.KindEventException, id)
	switch {
	case err == nil && ex.OwnerID == owner:
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindEventException, id); err != nil {
			return err
		}
	case err == nil || errors.Is(err, store.ErrNotFound):
		if _, err := s.occurrenceAt(master, when); err != nil {
			return err
		}
	default:
		return err
	}
	_, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindEvent, masterID, 0, func(it store.Item) (store.Item, error) {
		e, err := model.DecodeDoc[model.Event](it)
		if err != nil {
			return it, err
		}
		e.Exdates = append(e.Exdates, model.StoredTime(t))
		it.Doc = model.EncodeDoc(e)
		return it, nil
	})
	return err
}

// removeEvent deletes a stored event with, for a series, its exceptions.
func (s server) removeEvent(c *graph.Call, tx store.Items, it store.Item) error {
	exs, err := s.exceptionsOf(c, tx, it)
	if err != nil {
		return err
	}
	if len(exs) > 0 {
		ids := make([]string, len(exs))
		for i, x := range exs {
			ids[i] = x.ID
		}
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindEventException, ids...); err != nil {
			return err
		}
	}
	_, err = tx.DeleteItems(c.Context(), c.TenantID, model.KindEvent, it.ID)
	return err
}

// exceptionsOf lists a series master's stored exceptions.
func (s server) exceptionsOf(c *graph.Call, tx store.Items, master store.Item) ([]store.Item, error) {
	items, _, err := tx.QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindEventException, OwnerID: master.OwnerID,
		Filter: graph.DocEq("seriesMasterId", master.ID)})
	return items, err
}

// listInstances is GET …/events/{id}/instances: a series' occurrences and
// exceptions in a window, a page at a time (calendar_view.go); another
// event is its own only instance.
func (s server) listInstances(c *graph.Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	id := eventParam(c)
	v, err := s.newView(c, c.ContextURL())
	if err != nil {
		return err
	}
	it, err := s.eventOrOccurrence(c, o, id)
	if err != nil {
		return err
	}
	e, err := model.DecodeDoc[model.Event](it)
	if err != nil {
		return graph.AsError(err)
	}
	var sources []viewSource
	if e.Type == "seriesMaster" {
		if sources, err = s.seriesSources(c.Context(), v, []store.Item{it}); err != nil {
			return graph.AsError(err)
		}
		sources = append(sources, s.storedSource(v, store.ItemQuery{TenantID: c.TenantID, Kind: model.KindEventException, OwnerID: o.id, ParentID: it.ParentID,
			Filter: graph.DocEq("seriesMasterId", it.ID)}))
	} else if st, en := e.Start.UTC, e.End.UTC; st < model.StoredTime(v.to) && en > model.StoredTime(v.from) {
		t, err := model.ParseStoredTime(st)
		if err != nil {
			return graph.AsError(err)
		}
		one := viewInstance{key: viewKey{start: t, id: it.ID}, item: it}
		if !v.cursor.set || v.cursor.key.less(one.key) || !v.byStart() {
			sources = []viewSource{&viewOne{inst: &one}}
		}
	}
	return s.writeView(v, sources)
}
