package web

import (
	"net/http"

	"graphgate/internal/parity"
)

// paritySummary is the landing page's parity section and the /parity
// page: package parity's classification of the route table against the
// running Graph server's handlers (the same computation docs/parity.md is
// generated from), counted once, at the first request that shows it.
type paritySummary struct {
	// Totals are all workloads; Shown those with a served endpoint (the
	// landing page lists them), Others how many serve nothing yet.
	Totals         []parity.Total
	Shown          []parity.Total
	Others         int
	Served, All    int
	OthersRuleOnly int
	// ServedRows are the served method+paths by workload (/parity).
	ServedRows map[string][]parity.Row
}

func newParitySummary(rows []parity.Row) *paritySummary {
	if len(rows) == 0 {
		return nil
	}
	p := &paritySummary{Totals: parity.Totals(rows), ServedRows: map[string][]parity.Row{}}
	for _, t := range p.Totals {
		p.Served += t.Served
		p.All += t.All()
		if t.Served > 0 {
			p.Shown = append(p.Shown, t)
		} else {
			p.Others++
			p.OthersRuleOnly += t.RuleOnly
		}
	}
	for _, r := range rows {
		if r.Status == parity.Served {
			p.ServedRows[r.Workload] = append(p.ServedRows[r.Workload], r)
		}
	}
	return p
}

// handleParity is /parity: every workload's totals and each served
// method+path (the rule-only ones, thousands, are in docs/parity.md and
// 'graphgate permissions routes').
func (s *Server) handleParity(w http.ResponseWriter, r *http.Request) {
	p := s.parity()
	if p == nil {
		http.NotFound(w, r)
		return
	}
	s.render(w, http.StatusOK, "parity", page{Title: "Parity map", Area: "home", Data: p})
}
