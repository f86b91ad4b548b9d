package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/clock"
	"graphgate/internal/faults"
	"graphgate/internal/graph"
	"graphgate/internal/store"
	"graphgate/internal/tokens"
)

// Prefix is where the admin API is served.
const Prefix = "/admin/v1/"

// maxBody bounds a request body (a fault rule is well under 1 KB).
const maxBody = 64 << 10

// Authenticator verifies a request's bearer token (the Graph server).
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request) (*authz.Principal, *tokens.AccessClaims, error)
}

// ErrorWriter writes Graph's error body (the Graph server).
type ErrorWriter interface {
	WriteError(w http.ResponseWriter, r *http.Request, err error)
}

// Deps are what the API serves and how it authenticates.
type Deps struct {
	Auth   Authenticator
	Errors ErrorWriter
	Clock  *clock.Controlled
	Faults *faults.Set
	// Snapshots saves and restores the store (nil: the snapshot endpoints
	// answer 501).
	Snapshots store.Snapshots
	// Reset puts the store back to the demo tenant, its passwords and
	// secrets derived from seed when seed is set (nil: 501).
	Reset  func(ctx context.Context, seed string) error
	Logger *slog.Logger
}

// Options configure the API.
type Options struct {
	// Open serves without authentication. Only for a server listening on
	// loopback addresses; package server enforces that.
	Open bool
}

// API is the admin API's handler. It is safe for concurrent use.
type API struct {
	d   Deps
	o   Options
	mux *http.ServeMux
}

// New returns the admin API.
func New(d Deps, o Options) *API {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	a := &API{d: d, o: o, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /admin/v1/clock", a.clockShow)
	a.mux.HandleFunc("POST /admin/v1/clock/{action}", a.clockChange)
	a.mux.HandleFunc("GET /admin/v1/faults", a.faultsList)
	a.mux.HandleFunc("POST /admin/v1/faults", a.faultsAdd)
	a.mux.HandleFunc("DELETE /admin/v1/faults", a.faultsClear)
	a.mux.HandleFunc("DELETE /admin/v1/faults/{id}", a.faultsRemove)
	a.mux.HandleFunc("GET /admin/v1/snapshots", a.snapshotsList)
	a.mux.HandleFunc("POST /admin/v1/snapshots", a.snapshotsSave)
	a.mux.HandleFunc("POST /admin/v1/snapshots/{name}/restore", a.snapshotsRestore)
	a.mux.HandleFunc("DELETE /admin/v1/snapshots/{name}", a.snapshotsDelete)
	a.mux.HandleFunc("POST /admin/v1/reset", a.reset)
	a.mux.HandleFunc("/admin/v1/", func(w http.ResponseWriter, r *http.Request) {
		a.fail(w, r, graph.NewError(http.StatusNotFound, "itemNotFound",
			fmt.Sprintf("No admin API endpoint answers %s %s: the endpoints are /admin/v1/clock, /admin/v1/faults, /admin/v1/snapshots and /admin/v1/reset (graphgate clock --help, graphgate faults --help, graphgate snapshot --help).", r.Method, r.URL.Path)))
	})
	return a
}

// ServeHTTP authenticates the request, then serves it.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	who := "open"
	if !a.o.Open {
		p, claims, err := a.d.Auth.Authenticate(r.Context(), r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if ok, why := authz.AdminAPI(p); !ok {
			a.fail(w, r, graph.NewError(http.StatusForbidden, "Authorization_RequestDenied", why))
			return
		}
		who = claims.UPN
	}
	r = r.WithContext(context.WithValue(r.Context(), adminKey{}, who))
	w.Header().Set("Cache-Control", "no-store")
	a.mux.ServeHTTP(w, r)
}

type adminKey struct{}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.d.Errors.WriteError(w, r, err)
}

func badRequest(format string, args ...any) error {
	return graph.NewError(http.StatusBadRequest, "BadRequest", fmt.Sprintf(format, args...))
}

func (a *API) audit(r *http.Request, action string, attrs ...slog.Attr) {
	who, _ := r.Context().Value(adminKey{}).(string)
	a.d.Logger.LogAttrs(r.Context(), slog.LevelInfo, "admin", append([]slog.Attr{slog.String("action", action), slog.String("by", who)}, attrs...)...)
}

// decode reads a JSON body into v, refusing unknown fields; an empty body
// leaves v as it is.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return badRequest("Reading the request body: %v", err)
	}
	if len(body) > maxBody {
		return graph.NewError(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fmt.Sprintf("The request body is larger than %d bytes.", maxBody))
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("The request body is not valid JSON for this endpoint: %v", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ClockState is the clock as the API shows it.
type ClockState struct {
	// Now is the server's time.
	Now time.Time `json:"now"`
	// Real is the machine's time.
	Real time.Time `json:"real"`
	// Frozen says whether the clock stands still.
	Frozen bool `json:"frozen"`
	// Offset is Now minus Real, as a Go duration ("1h0m0s").
	Offset string `json:"offset"`
}

func clockState(s clock.State) ClockState {
	return ClockState{Now: s.Now.UTC(), Real: s.Real.UTC(), Frozen: s.Frozen, Offset: s.Offset.String()}
}

// ClockChange is the body of POST /admin/v1/clock/advance ({"by":"1h"})
// and /set ({"time":"2026-03-01T09:00:00Z"}).
type ClockChange struct {
	By   string `json:"by,omitempty"`
	Time string `json:"time,omitempty"`
}

func (a *API) clockShow(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, clockState(a.d.Clock.State()))
}

func (a *API) clockChange(w http.ResponseWriter, r *http.Request) {
	var body ClockChange
	if err := decode(r, &body); err != nil {
		a.fail(w, r, err)
		return
	}
	var st clock.State
	switch action := r.PathValue("action"); action {
	case "freeze":
		st = a.d.Clock.Freeze()
	case "reset":
		st = a.d.Clock.Reset()
	case "advance":
		d, err := ParseDuration(body.By)
		if err != nil {
			a.fail(w, r, badRequest("advance needs {\"by\": a duration such as \"1h\", \"90m\" or \"30d\"}: %v", err))
			return
		}
		if st, err = a.d.Clock.Advance(d); err != nil {
			a.fail(w, r, badRequest("%v", err))
			return
		}
	case "set":
		t, err := time.Parse(time.RFC3339Nano, body.Time)
		if err != nil {
			a.fail(w, r, badRequest("set needs {\"time\": an RFC 3339 time such as \"2026-03-01T09:00:00Z\"}: %v", err))
			return
		}
		st = a.d.Clock.Set(t)
	default:
		a.fail(w, r, graph.NewError(http.StatusNotFound, "itemNotFound",
			fmt.Sprintf("No clock action %q: use freeze, advance, set or reset.", action)))
		return
	}
	a.audit(r, "clock "+r.PathValue("action"), slog.Time("now", st.Now), slog.Bool("frozen", st.Frozen))
	writeJSON(w, http.StatusOK, clockState(st))
}

// ParseDuration reads a Go duration ("90m", "1h30m") or a number of days
// ("30d"), which clock tests need most.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return 0, fmt.Errorf("%q: days as a number, e.g. 30d", s)
		}
		return time.Duration(days * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}

// FaultList is GET /admin/v1/faults's answer.
type FaultList struct {
	Value []faults.Rule `json:"value"`
}

func (a *API) faultsList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, FaultList{Value: a.d.Faults.List()})
}

func (a *API) faultsAdd(w http.ResponseWriter, r *http.Request) {
	var rule faults.Rule
	if err := decode(r, &rule); err != nil {
		a.fail(w, r, err)
		return
	}
	added, err := a.d.Faults.Add(rule)
	switch {
	case errors.Is(err, faults.ErrDuplicate):
		a.fail(w, r, graph.NewError(http.StatusConflict, "nameAlreadyExists", err.Error()+" (remove it first: graphgate faults remove ID)"))
		return
	case err != nil:
		a.fail(w, r, badRequest("%v", err))
		return
	}
	a.audit(r, "faults add", slog.String("rule", added.ID), slog.String("kind", added.Kind()))
	writeJSON(w, http.StatusCreated, added)
}

func (a *API) faultsRemove(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := a.d.Faults.Remove(id); err != nil {
		a.fail(w, r, graph.NewError(http.StatusNotFound, "itemNotFound", fmt.Sprintf("No fault rule %q (graphgate faults list shows them).", id)))
		return
	}
	a.audit(r, "faults remove", slog.String("rule", id))
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) faultsClear(w http.ResponseWriter, r *http.Request) {
	a.d.Faults.Clear()
	a.audit(r, "faults clear")
	w.WriteHeader(http.StatusNoContent)
}
