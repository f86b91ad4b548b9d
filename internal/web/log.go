package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"graphgate/internal/authz"
	"graphgate/internal/report"
	"graphgate/internal/store"
)

// logPageSize bounds the decision log viewer: one page is at most this
// many rows, read by keyset (the Seq below the last row shown), so a page
// costs the same however long the log is.
const logPageSize = 50

// logFilter is the viewer's filters, all GET query parameters so that a
// filtered view is a link.
type logFilter struct {
	App, User, Route, Since string
	Denied                  bool
}

func (f logFilter) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"app": f.App, "user": f.User, "route": f.Route, "since": f.Since} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Denied {
		v.Set("denied", "1")
	}
	return v
}

type logData struct {
	Filter logFilter
	Rows   []store.Decision
	// Next is the link to the next (older) page, "" on the last one.
	Next string
}

// handleLog is the decision log viewer: the tenant's recorded decisions,
// newest first, a page at a time.
func (s *Server) handleLog(c *creq) {
	q := c.r.URL.Query()
	f := logFilter{App: strings.TrimSpace(q.Get("app")), User: strings.TrimSpace(q.Get("user")), Route: strings.TrimSpace(q.Get("route")),
		Since: strings.TrimSpace(q.Get("since")), Denied: q.Get("denied") != ""}
	d := logData{Filter: f}
	since, err := report.ParseSince(f.Since, s.d.Now())
	if err != nil {
		s.show(c, http.StatusBadRequest, "log", "Decision log", "log", d, "", "Since: "+err.Error()+".")
		return
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	rows, err := s.d.Store.ListDecisions(c.r.Context(), store.DecisionQuery{TenantID: c.tenant.ID, App: f.App, User: f.User, Route: f.Route,
		DeniedOnly: f.Denied, Since: since, Before: max(before, 0), Limit: logPageSize + 1, Newest: true})
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	// Newest first; one row more than a page says whether there is another.
	for i := len(rows) - 1; i >= 0 && len(d.Rows) < logPageSize; i-- {
		d.Rows = append(d.Rows, rows[i])
	}
	if len(rows) > logPageSize {
		v := f.query()
		v.Set("before", strconv.FormatInt(d.Rows[len(d.Rows)-1].Seq, 10))
		d.Next = "/console/log?" + v.Encode()
	}
	s.show(c, http.StatusOK, "log", "Decision log", "log", d, "", "")
}

// addLink is a permission that would allow a denied call, with the link
// that adds it on the app's API permissions page ("" when the app is not
// registered in this tenant).
type addLink struct {
	Permission, Href string
	Least            bool
}

type decisionData struct {
	D        store.Decision
	Detail   authz.Detail
	Relation string
	Type     string
	Allow    []addLink
	// AppHere is whether the app is registered in this tenant (its API
	// permissions page is here).
	AppHere bool
	// FaultRule and FaultDetail are set when an injected fault answered
	// the request: the rule's id and its recorded JSON.
	FaultRule, FaultDetail string
}

// handleDecision is one recorded decision's full reasoning: what
// 'graphgate explain --request-id' prints, read from the same recorded
// authz.Detail, with the permissions that would allow a denied call and a
// link to add each on the app's API permissions page.
func (s *Server) handleDecision(c *creq) {
	id := c.r.PathValue("id")
	ctx := c.r.Context()
	// A request may have two rows: an injected fault (latency alone) and
	// then the engine's decision; the decision is what is explained (as
	// 'graphgate explain --request-id' does).
	rows, err := s.d.Store.ListDecisions(ctx, store.DecisionQuery{TenantID: c.tenant.ID, RequestID: id, Limit: 2, Newest: true})
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	if len(rows) == 0 {
		s.show(c, http.StatusNotFound, "message", "Not found", "log", nil, "", "No decision with the request-id "+id+" is recorded for "+c.tenant.DisplayName+
			": older ones are pruned (graphgate serve --decision-log-max-age), and a server started with --decision-log=false records none.")
		return
	}
	d := decisionData{D: rows[0], Type: "delegated"}
	if d.D.Reason == report.FaultReason && len(rows) > 1 {
		d.D = rows[1]
	}
	if d.D.Reason == report.FaultReason {
		// A fault rule answered (graphgate faults): no permission was
		// decided; the row's detail is the rule.
		d.FaultRule, d.FaultDetail = strings.TrimPrefix(d.D.Check, "fault:"), string(d.D.Detail)
		s.show(c, http.StatusOK, "decision", "Decision "+d.D.RequestID, "log", d, "", "")
		return
	}
	if d.Detail, err = report.RecordedDetail(d.D); err != nil {
		s.log.Error("admin console: a recorded decision cannot be read", "requestId", id, "err", err)
		s.show(c, http.StatusInternalServerError, "message", "Decision log", "log", nil, "", "The recorded reasoning of "+id+" cannot be read (the server log says why).")
		return
	}
	if reach := authz.ParseReach(d.Detail.Relation); reach != authz.ReachNone {
		d.Relation = reach.Phrase()
	}
	if d.D.Scheme == "Application" {
		d.Type = "application"
	}
	if a, err := s.d.Store.GetApp(ctx, d.D.AppID); err == nil && a.TenantID == c.tenant.ID {
		d.AppHere = true
	}
	if !d.D.Allowed {
		least := map[string]bool{}
		for _, p := range d.Detail.Least {
			least[p] = true
		}
		cands := d.Detail.Candidates
		if len(cands) == 0 {
			cands = d.D.Candidates
		}
		for _, p := range cands {
			l := addLink{Permission: p, Least: least[p]}
			if d.AppHere {
				l.Href = "/console/apps/" + url.PathEscape(d.D.AppID) + "/permissions?" + url.Values{"add": {p}, "type": {d.Type}}.Encode()
			}
			d.Allow = append(d.Allow, l)
		}
	}
	s.show(c, http.StatusOK, "decision", "Decision "+d.D.RequestID, "log", d, "", "")
}
