package web

import (
	"net/http"
	"strings"

	"graphgate/internal/report"
	"graphgate/internal/store"
)

type reportData struct {
	App    store.App
	Since  string
	Report *report.Report
}

// handleReport is an app's least-privilege report: granted vs needed vs
// excess per scheme, with the reasoning, built from the tenant's decision
// log for the app exactly as 'graphgate report least-privilege --from-log
// --app' builds it (report.ReadDecisionLog into the report's Builder).
//
// Bounded: the log is read a page at a time and the Builder keeps a
// bounded summary per endpoint; the log itself is bounded by its
// retention (graphgate serve --decision-log-max-age, --decision-log-max-rows).
// The request's context ends the read when the browser goes away.
func (s *Server) handleReport(c *creq) {
	a, ok := s.app(c)
	if !ok {
		return
	}
	d := reportData{App: a, Since: strings.TrimSpace(c.r.URL.Query().Get("since"))}
	since, err := report.ParseSince(d.Since, s.d.Now())
	if err != nil {
		s.show(c, http.StatusBadRequest, "report", a.DisplayName+" – least-privilege report", "apps", d, "", "Since: "+err.Error()+".")
		return
	}
	ctx := c.r.Context()
	b := report.New(nil).NewBuilder(report.Options{})
	if err := report.ReadDecisionLog(ctx, s.d.Store, store.DecisionQuery{TenantID: c.tenant.ID, App: a.AppID, Since: since}, b); err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	if d.Report, err = b.Report(ctx); err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	s.show(c, http.StatusOK, "report", a.DisplayName+" – least-privilege report", "apps", d, "", "")
}
