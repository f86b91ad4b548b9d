package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"graphgate/internal/store"
)

// The decision log (store.DecisionLog).

var decisionColumns = []string{"at", "request_id", "client_request_id", "tenant_id", "app_id", "app_name", "user_id", "user_upn",
	"scheme", "method", "route", "path", "allowed", "status", "reason", "check_name", "held", "granted", "candidates", "detail",
	"request_count", "repeats"}

var insertDecisionChunk = insertRowsSQL("decisions", decisionColumns, logChunk)

const selectDecision = `SELECT seq, at, request_id, client_request_id, tenant_id, app_id, app_name, user_id, user_upn,
	scheme, method, route, path, allowed, status, reason, check_name, held, granted, candidates, detail, repeats FROM decisions `

func scanDecision(sc scanner) (store.Decision, error) {
	var d store.Decision
	var detail []byte
	var repeats string
	err := sc.Scan(&d.Seq, ts(&d.Time), &d.RequestID, &d.ClientRequestID, &d.TenantID, &d.AppID, &d.AppName, &d.UserID, &d.UserUPN,
		&d.Scheme, &d.Method, &d.Route, &d.Path, &d.Allowed, &d.Status, &d.Reason, &d.Check, strs(&d.Held), &d.Granted,
		strs(&d.Candidates), &detail, &repeats)
	d.Detail = json.RawMessage(detail)
	if err == nil {
		d.Repeats, err = store.ParseRepeats(repeats)
	}
	return d, err
}

// object is what a JSON object column gets: the object, or {} when
// empty (a json.RawMessage: TEXT checked as JSON on SQLite, jsonb on
// PostgreSQL).
func object(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("{}")
	}
	return b
}

func (s *Store) AppendDecisions(ctx context.Context, ds []store.Decision) error {
	// An aggregated row's repeats are encoded before the transaction.
	rows := make([]decisionRow, len(ds))
	for i := range ds {
		var err error
		rows[i].d = &ds[i]
		if rows[i].repeats, err = store.RepeatsText(ds[i].Repeats); err != nil {
			return err
		}
	}
	return appendRows(ctx, s.db, "decisions", decisionColumns, insertDecisionChunk, rows, func(a []any, r decisionRow) []any {
		d := r.d
		return append(a, s.f.Time(d.Time), d.RequestID, d.ClientRequestID, d.TenantID, d.AppID, d.AppName,
			d.UserID, d.UserUPN, d.Scheme, d.Method, d.Route, d.Path, d.Allowed, d.Status, d.Reason, d.Check,
			list(d.Held), d.Granted, list(d.Candidates), object(d.Detail), d.Count(), r.repeats)
	})
}

// asSeenBy keeps the rows as one of their requests sees them (as returns
// that view, or false when none of the row's requests is the one asked
// for): a log row found by an id LIKE matched in its repeats' text stands
// for several requests, and a LIKE can also match a row holding the id only
// as part of another.
func asSeenBy[R any](rows []R, as func(*R) (R, bool)) []R {
	kept := rows[:0]
	for i := range rows {
		if r, ok := as(&rows[i]); ok {
			kept = append(kept, r)
		}
	}
	return kept
}

// decisionRow is a row to append with its repeats encoded.
type decisionRow struct {
	d       *store.Decision
	repeats string
}

func (s *Store) ListDecisions(ctx context.Context, q store.DecisionQuery) ([]store.Decision, error) {
	cond, args := q.Where(s.f.Time, "NOT allowed")
	query := selectDecision
	if cond != "" {
		query += "WHERE " + cond
	}
	if q.Newest {
		query += " ORDER BY seq DESC LIMIT ?"
	} else {
		query += " ORDER BY seq LIMIT ?"
	}
	args = append(args, s.f.Limit(q.Limit))
	var out []store.Decision
	err := s.db.LogRead(ctx, func(q Querier) (err error) {
		out, err = queryAll(ctx, q, scanDecision, query, args...)
		return err
	})
	if q.RequestID != "" {
		// The row as the request sees it (an aggregated row's other
		// requests have their own time and ids).
		out = asSeenBy(out, func(d *store.Decision) (store.Decision, bool) { return d.ForRequest(q.RequestID) })
	}
	if q.Newest {
		slices.Reverse(out)
	}
	return out, err
}

func (s *Store) PruneDecisions(ctx context.Context, before time.Time, keep, limit int) (int, error) {
	return s.pruneRows(ctx, "decisions", before, keep, limit)
}
