package report

import (
	"context"
	"fmt"
	"slices"

	"graphgate/internal/store"
)

// LogSource is what ReadDecisionLog needs from the store: the decision
// log, and the tenant's consent (delegated grants and app role
// assignments), which say what the app was granted beyond what its tokens
// asked for.
type LogSource interface {
	ListDecisions(ctx context.Context, q store.DecisionQuery) ([]store.Decision, error)
	DelegatedGrants(ctx context.Context, tenantID, clientID, userID string) ([]store.DelegatedGrant, error)
	AppRoleAssignments(ctx context.Context, tenantID, clientID string) ([]store.AppRoleAssignment, error)
}

// FaultReason is the Reason of the decision log rows injected faults write
// beside the engine's decisions; ReadDecisionLog skips them.
const FaultReason = "fault"

// logPage is how many log rows ReadDecisionLog reads at a time.
const logPage = 1000

// ReadDecisionLog gives sink the calls the decision log holds that q
// selects (q.After, q.Limit and q.Newest are its own), oldest first, a page
// at a time. Each call's granted permissions are those its token held and
// those the tenant had consented to for the app (the user's grants and
// everyone's, or the app role assignments): a permission consented but not
// asked for is still one the app holds, and may be excess.
func ReadDecisionLog(ctx context.Context, src LogSource, q store.DecisionQuery, sink Sink) error {
	q.After, q.Limit, q.Newest = 0, logPage, false
	consent := map[[4]string][]string{}
	for {
		rows, err := src.ListDecisions(ctx, q)
		if err != nil {
			return fmt.Errorf("reading the decision log: %w", err)
		}
		for i := range rows {
			d := &rows[i]
			if d.Reason == FaultReason {
				// An injected fault (graphgate faults) is no permission
				// decision: the call it slowed is logged again as decided,
				// and one it answered never reached the engine.
				continue
			}
			granted, err := consented(ctx, src, consent, d)
			if err != nil {
				return err
			}
			// An aggregated row is one call per request it stands for.
			for _, one := range d.Requests() {
				sink.Add(CallFromDecision(&one, granted))
			}
		}
		if len(rows) < logPage {
			return nil
		}
		q.After = rows[len(rows)-1].Seq
	}
}

// consented returns (and caches) what the tenant consented to for the
// row's app and user, in the row's scheme.
func consented(ctx context.Context, src LogSource, cache map[[4]string][]string, d *store.Decision) ([]string, error) {
	key := [4]string{d.TenantID, d.AppID, d.UserID, d.Scheme}
	if v, ok := cache[key]; ok {
		return v, nil
	}
	var out []string
	if d.Scheme == "Application" {
		as, err := src.AppRoleAssignments(ctx, d.TenantID, d.AppID)
		if err != nil {
			return nil, fmt.Errorf("reading the app role assignments of %s: %w", d.AppID, err)
		}
		for _, a := range as {
			out = append(out, a.Permission)
		}
	} else {
		gs, err := src.DelegatedGrants(ctx, d.TenantID, d.AppID, d.UserID)
		if err != nil {
			return nil, fmt.Errorf("reading the delegated grants of %s: %w", d.AppID, err)
		}
		for _, g := range gs {
			out = append(out, g.Scopes...)
		}
	}
	cache[key] = out
	return out, nil
}

// CallFromDecision turns a decision log row into a report Call: the app,
// scheme, user, status and request id as recorded, granted what the token
// held plus consented (see ReadDecisionLog).
func CallFromDecision(d *store.Decision, consented []string) Call {
	c := Call{Method: d.Method, URL: d.Path, AppID: d.AppID, Status: d.Status, RequestID: d.RequestID, Time: d.Time,
		Where: "request " + d.RequestID, GrantKnown: true}
	switch d.Scheme {
	case "Application":
		c.Scheme = Application
	case "DelegatedPersonal":
		c.Scheme = DelegatedPersonal
	default:
		c.Scheme = Delegated
	}
	c.Granted = slices.Clone(d.Held)
	for _, p := range consented {
		if !slices.Contains(c.Granted, p) {
			c.Granted = append(c.Granted, p)
		}
	}
	if d.UserID != "" {
		c.User = []string{d.UserID, d.UserUPN}
	}
	return c
}
