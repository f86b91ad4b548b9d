package explorer

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/report"
)

// csrfCookie holds the report form's token; the form carries the same
// value in csrfField (the double-submit pattern: a page of another site
// can make the browser send the cookie but cannot read it to fill the
// field, and SameSite=Strict keeps the browser from sending it at all).
const (
	csrfCookie = "gg_explorer_csrf"
	csrfField  = "csrf"
)

// ReportView is the report page: the form, what was wrong, and the report.
type ReportView struct {
	CSRF string `json:"-"`
	// Input says what was read: a HAR file or a call list, and its name.
	Kind     string         `json:"input,omitempty"`
	Name     string         `json:"name,omitempty"`
	Text     string         `json:"-"`
	Scheme   string         `json:"scheme,omitempty"`
	Problems []string       `json:"problems,omitempty"`
	Report   *report.Report `json:"report,omitempty"`
	// MaxUploadMB is the upload bound, for the form's hint.
	MaxUploadMB int64 `json:"-"`
}

const sampleCalls = `# granted=Mail.ReadWrite,User.Read
GET https://graph.microsoft.com/v1.0/me
GET https://graph.microsoft.com/v1.0/me/messages?$select=subject,from
POST https://graph.microsoft.com/v1.0/me/sendMail 403`

func (e *explorer) reportAnalyzer() *report.Analyzer {
	e.analyzerOnce.Do(func() { e.analyzer = report.New(e.eng) })
	return e.analyzer
}

func (e *explorer) handleReportForm(w http.ResponseWriter, r *http.Request) {
	v := ReportView{CSRF: e.csrfToken(w, r), Text: sampleCalls, MaxUploadMB: e.o.MaxUpload >> 20}
	e.render(w, r, http.StatusOK, "report", pageData{Title: "Least-privilege report", Nav: "report", Body: v})
}

// csrfToken returns the browser's token, setting a new one when it has
// none.
func (e *explorer) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validToken(c.Value) {
		return c.Value
	}
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand's documented contract)
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: Prefix, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return tok
}

func validToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// checkCSRF compares the form's token with the cookie's in constant time.
func checkCSRF(r *http.Request, form string) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || !validToken(c.Value) || !validToken(form) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) == 1
}

// formMemory is what a report form keeps in memory; an upload beyond it
// waits in a temporary file (removed when the request ends).
const formMemory = 1 << 20

func (e *explorer) handleReport(w http.ResponseWriter, r *http.Request) {
	// At most MaxReports at once: wait ReportWait for a slot, then answer
	// 503 with when to try again.
	wait := time.NewTimer(e.o.ReportWait)
	select {
	case e.reports <- struct{}{}:
		wait.Stop()
		defer func() { <-e.reports }()
	case <-wait.C:
		w.Header().Set("Retry-After", "10")
		e.fail(w, r, http.StatusServiceUnavailable, "serviceUnavailable",
			"The explorer is making as many reports as it makes at once; try again in a few seconds, or run graphgate report least-privilege on the command line.",
			notFoundView{Heading: "Busy"})
		return
	case <-r.Context().Done():
		wait.Stop()
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, e.o.MaxUpload)
	v := ReportView{MaxUploadMB: e.o.MaxUpload >> 20}
	var text, name, kind, scheme string
	var file multipart.File
	ct := r.Header.Get("Content-Type")
	var err error
	if strings.HasPrefix(ct, "multipart/form-data") {
		err = r.ParseMultipartForm(formMemory)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		e.fail(w, r, http.StatusRequestEntityTooLarge, "requestEntityTooLarge",
			"The upload is larger than the explorer accepts ("+sizeMB(e.o.MaxUpload)+"). For a larger file, run graphgate report least-privilege --har FILE (or --calls FILE) on the command line.",
			notFoundView{Heading: "Upload too large"})
		return
	case err != nil:
		e.fail(w, r, http.StatusBadRequest, "invalidRequest", "The form could not be read: "+err.Error()+".", notFoundView{Heading: "Bad request"})
		return
	}
	if !checkCSRF(r, r.PostFormValue(csrfField)) {
		e.fail(w, r, http.StatusForbidden, "csrfTokenInvalid",
			"The form's security token is missing or does not match this browser's: open the report page again (it sets a fresh token) and send the form from there.",
			notFoundView{Heading: "Form expired"})
		return
	}
	v.CSRF = r.PostFormValue(csrfField)
	text, kind, scheme = r.PostFormValue("calls"), r.PostFormValue("kind"), r.PostFormValue("scheme")
	if r.MultipartForm != nil {
		if fhs := r.MultipartForm.File["file"]; len(fhs) > 0 && fhs[0].Size > 0 {
			if file, err = fhs[0].Open(); err != nil {
				e.fail(w, r, http.StatusBadRequest, "invalidRequest", "The uploaded file could not be read: "+err.Error()+".", notFoundView{Heading: "Bad request"})
				return
			}
			defer file.Close()
			name = fhs[0].Filename
		}
	}
	var in io.Reader = strings.NewReader(text)
	if file != nil {
		in = file
		v.Name = name
	} else {
		v.Text = text
	}
	br := bufio.NewReader(in)
	if kind == "" || kind == "auto" {
		kind = sniff(br)
	}
	o := report.Options{}
	if scheme != "" && scheme != "auto" {
		s, err := report.ParseScheme(scheme)
		if err != nil {
			v.Problems = append(v.Problems, err.Error())
		}
		o.DefaultScheme = s
		v.Scheme = scheme
	}
	if file == nil && strings.TrimSpace(text) == "" {
		v.Problems = append(v.Problems, "Paste a call list or choose a HAR file.")
	}
	v.Kind = kind
	if len(v.Problems) == 0 {
		ctx, cancel := context.WithTimeout(r.Context(), e.o.ReportTimeout)
		defer cancel()
		b := e.reportAnalyzer().NewBuilder(o)
		switch kind {
		case "har":
			err = report.ReadHAR(ctx, br, b)
		case "calls":
			err = report.ReadCallList(ctx, br, b)
		default:
			v.Problems = append(v.Problems, "The input is a HAR file (har) or a call list (calls), not "+kind+".")
		}
		switch {
		case errors.As(err, &mbe):
			e.fail(w, r, http.StatusRequestEntityTooLarge, "requestEntityTooLarge", "The upload is larger than the explorer accepts ("+sizeMB(e.o.MaxUpload)+").", notFoundView{Heading: "Upload too large"})
			return
		case errors.Is(err, context.DeadlineExceeded):
			e.tooLong(w, r)
			return
		case errors.Is(err, report.ErrNotHAR):
			v.Problems = append(v.Problems, "This is not a HAR file: "+err.Error()+". A list of METHOD URL lines is a call list.")
		case err != nil:
			v.Problems = append(v.Problems, "Reading the calls: "+err.Error()+".")
		}
		if len(v.Problems) == 0 {
			rep, err := b.Report(ctx)
			if err != nil {
				e.log.Warn("explorer: building a report", "err", err)
				e.tooLong(w, r)
				return
			}
			v.Report = rep
		}
	}
	status := http.StatusOK
	if len(v.Problems) > 0 {
		status = http.StatusBadRequest
		if wantsJSON(r) {
			e.fail(w, r, status, "invalidRequest", strings.Join(v.Problems, " "), notFoundView{})
			return
		}
	}
	e.render(w, r, status, "report", pageData{Title: "Least-privilege report", Nav: "report", Body: v})
}

// tooLong answers a report that ran out of time (ReportTimeout).
func (e *explorer) tooLong(w http.ResponseWriter, r *http.Request) {
	e.fail(w, r, http.StatusServiceUnavailable, "serviceUnavailable",
		"The report took longer than the explorer allows ("+e.o.ReportTimeout.String()+"): run graphgate report least-privilege on the command line for this input.",
		notFoundView{Heading: "Report not finished"})
}

// sniff tells a HAR file (a JSON object) from a call list by its first
// character that is not white space.
func sniff(br *bufio.Reader) string {
	for i := 0; i < 4096; i++ {
		b, err := br.Peek(i + 1)
		if err != nil {
			return "calls"
		}
		switch c := b[i]; c {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF: // white space, a UTF-8 byte-order mark
			continue
		case '{':
			return "har"
		default:
			return "calls"
		}
	}
	return "calls"
}

func sizeMB(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MB"
}
