package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"graphgate/internal/identity"
	"graphgate/internal/report"
	"graphgate/internal/store"
)

// signInPageSize bounds the sign-in log viewer: one page is at most this
// many rows, read by keyset (the Seq below the last row shown), so a page
// costs the same however long the log is.
const signInPageSize = 50

// signInFilter is the viewer's filters, all GET query parameters so that
// a filtered view is a link (the user page's "Sign-ins" is one).
type signInFilter struct {
	User, App, Status, Since, ID string
}

func (f signInFilter) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"user": f.User, "app": f.App, "status": f.Status, "since": f.Since, "id": f.ID} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// signInRow is a recorded sign-in with what the page shows beside it: a
// failure's explanation, as graphgate's error page gives it.
type signInRow struct {
	store.SignIn
	Help string
}

type signInsData struct {
	Filter signInFilter
	Rows   []signInRow
	// Next is the link to the next (older) page, "" on the last one.
	Next string
}

// handleSignIns is the sign-in log: the tenant's recorded sign-ins,
// newest first, a page at a time. Every console administrator may read it
// (as the activity list): it changes nothing.
func (s *Server) handleSignIns(c *creq) {
	q := c.r.URL.Query()
	f := signInFilter{User: strings.TrimSpace(q.Get("user")), App: strings.TrimSpace(q.Get("app")), Status: q.Get("status"),
		Since: strings.TrimSpace(q.Get("since")), ID: strings.TrimSpace(q.Get("id"))}
	d := signInsData{Filter: f}
	sq := store.SignInQuery{TenantID: c.tenant.ID, User: f.User, App: f.App, ID: f.ID, Limit: signInPageSize + 1}
	switch f.Status {
	case "":
	case "success":
		sq.Status = store.Succeeded
	case "failure":
		sq.Status = store.Failed
	default:
		d.Filter.Status = ""
		s.show(c, http.StatusBadRequest, "signins", "Sign-ins", "signins", d, "", "Status: choose success or failure (or any).")
		return
	}
	since, err := report.ParseSince(f.Since, s.d.Now())
	if err != nil {
		s.show(c, http.StatusBadRequest, "signins", "Sign-ins", "signins", d, "", "Since: "+err.Error()+".")
		return
	}
	sq.Since = since
	if b := q.Get("before"); b != "" {
		if sq.Before, err = strconv.ParseInt(b, 10, 64); err != nil || sq.Before <= 0 {
			s.show(c, http.StatusBadRequest, "signins", "Sign-ins", "signins", d, "", "The page link is not valid; start again from the first page.")
			return
		}
	}
	rows, err := s.d.Store.ListSignIns(c.r.Context(), sq)
	if err != nil {
		s.storeFailed(c.w, c.r, err)
		return
	}
	// One row more than a page says whether there is another.
	for _, x := range rows[:min(len(rows), signInPageSize)] {
		r := signInRow{SignIn: x}
		if !x.Succeeded() {
			r.Help = identity.ErrorSummary(x.ErrorCode)
		}
		d.Rows = append(d.Rows, r)
	}
	if len(rows) > signInPageSize {
		v := f.query()
		v.Set("before", strconv.FormatInt(d.Rows[len(d.Rows)-1].Seq, 10))
		d.Next = "/console/signins?" + v.Encode()
	}
	s.show(c, http.StatusOK, "signins", "Sign-ins", "signins", d, "", "")
}
