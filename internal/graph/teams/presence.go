package teams

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/store"
)

// Presence: one item per user (id = user id). Apps set session presence
// (setPresence, per app session) and users set a preferred presence; the
// preferred one wins while it lasts, as in Teams.

// presenceCombos are the availability/activity pairs setPresence accepts.
var presenceCombos = map[string][]string{
	"Available":    {"Available"},
	"Busy":         {"InACall", "InAConferenceCall", "Busy"},
	"Away":         {"Away"},
	"DoNotDisturb": {"Presenting"},
}

// preferredCombos are the pairs setUserPreferredPresence accepts.
var preferredCombos = map[string][]string{
	"Available": {"Available"}, "Busy": {"Busy"}, "DoNotDisturb": {"DoNotDisturb"}, "BeRightBack": {"BeRightBack"},
	"Away": {"Away"}, "Offline": {"OffWork"},
}

// The entities the presence endpoints answer: a user's presence names its
// user ({owner}: graph.Entity.Context's placeholders).
var (
	presenceEntity  = graph.Entity{Type: "microsoft.graph.presence", Context: "users('{owner}')/presence/$entity"}
	presencesEntity = graph.Entity{Type: "microsoft.graph.presence", Context: "Collection(microsoft.graph.presence)"}
)

// The /users/{id} forms the route table lacks (setPresence's, for one) are
// optional: served where Microsoft's data has a rule.
var _ = declare(graph.WorkloadTeams, append(graph.Optional(slices.Concat(
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/presence", Handler: handle(server.getPresence), Entity: presenceEntity}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/presence/setPresence", Handler: handle(server.setPresence)}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/presence/clearPresence", Handler: handle(server.clearPresence)}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/presence/setUserPreferredPresence", Handler: handle(server.setPreferredPresence)}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/presence/clearUserPreferredPresence", Handler: handle(server.clearPreferredPresence)}),
)),
	graph.Endpoint{Method: "POST", Template: "/communications/getPresencesByUserId", Handler: handle(server.presencesByUserID), Entity: presencesEntity},
)...)

func (s server) presenceOf(c *graph.Call, userID string) (model.Presence, error) {
	it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindPresence, userID)
	if errors.Is(err, store.ErrNotFound) {
		return model.Presence{ID: userID, Availability: "Offline", Activity: "Offline"}, nil
	}
	if err != nil {
		return model.Presence{}, graph.AsError(err)
	}
	p, err := model.DecodeDoc[model.Presence](it)
	if err != nil {
		return model.Presence{}, graph.AsError(err)
	}
	p.Effective(s.Now())
	return p, nil
}

func presenceJSON(p model.Presence) model.Presence {
	p.Sessions, p.Preferred = nil, nil
	return p
}

func (s server) getPresence(c *graph.Call) error {
	p, err := s.presenceOf(c, c.TargetUser.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, graph.WithContext(model.EncodeDoc(presenceJSON(p)), c.ContextURL()))
}

type presenceInput struct {
	SessionID          string `json:"sessionId"`
	Availability       string `json:"availability"`
	Activity           string `json:"activity"`
	ExpirationDuration string `json:"expirationDuration"`
}

var isoDuration = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)
})

// parseDuration reads the ISO 8601 durations Graph uses (PT1H, P1D, PT5M30S).
func parseDuration(s string) (time.Duration, bool) {
	m := isoDuration().FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil || s == "P" || s == "PT" {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	if m[4] != "" {
		f, _ := strconv.ParseFloat(m[4], 64)
		d += time.Duration(f * float64(time.Second))
	}
	return d, true
}

func validCombo(table map[string][]string, availability, activity string) bool {
	for _, a := range table[availability] {
		if a == activity {
			return true
		}
	}
	return false
}

// updatePresence changes a user's presence document in a transaction.
func (s server) updatePresence(c *graph.Call, f func(*model.Presence)) error {
	id := c.TargetUser.ID
	now := s.Now()
	_, err := s.Store().UpdateItem(c.Context(), c.TenantID, model.KindPresence, id, 0, func(it store.Item) (store.Item, error) {
		p, err := model.DecodeDoc[model.Presence](it)
		if err != nil {
			return it, err
		}
		f(&p)
		p.Effective(now)
		it.Doc = model.EncodeDoc(p)
		return it, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		p := model.Presence{ID: id}
		f(&p)
		p.Effective(now)
		err = s.Store().CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: model.KindPresence, ID: id, OwnerID: id, Doc: model.EncodeDoc(p), CreatedAt: now, ModifiedAt: now})
		if errors.Is(err, store.ErrConflict) {
			return s.updatePresence(c, f)
		}
	}
	return graph.AsErrorOrNil(err)
}

func (s server) setPresence(c *graph.Call) error {
	var in presenceInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if !strings.EqualFold(in.SessionID, c.Claims.AppID) {
		return graph.ErrBadRequest("The sessionId must be the application id of the caller ('%s').", c.Claims.AppID)
	}
	if !validCombo(presenceCombos, in.Availability, in.Activity) {
		return graph.ErrBadRequest("The availability '%s' and activity '%s' combination is not supported.", in.Availability, in.Activity)
	}
	d := 5 * time.Minute
	if in.ExpirationDuration != "" {
		var ok bool
		if d, ok = parseDuration(in.ExpirationDuration); !ok || d < 5*time.Minute || d > 4*time.Hour {
			return graph.ErrBadRequest("The expirationDuration must be an ISO 8601 duration between PT5M and PT4H.")
		}
	}
	exp := model.StoredTime(s.Now().Add(d))
	if err := s.updatePresence(c, func(p *model.Presence) {
		kept := p.Sessions[:0]
		for _, x := range p.Sessions {
			if !strings.EqualFold(x.SessionID, in.SessionID) {
				kept = append(kept, x)
			}
		}
		p.Sessions = append(kept, model.PresenceSession{SessionID: strings.ToLower(in.SessionID), Availability: in.Availability, Activity: in.Activity, Expires: exp})
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct{}{})
}

func (s server) clearPresence(c *graph.Call) error {
	var in presenceInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if err := s.updatePresence(c, func(p *model.Presence) {
		kept := p.Sessions[:0]
		for _, x := range p.Sessions {
			if !strings.EqualFold(x.SessionID, in.SessionID) {
				kept = append(kept, x)
			}
		}
		p.Sessions = kept
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct{}{})
}

func (s server) setPreferredPresence(c *graph.Call) error {
	var in presenceInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if !validCombo(preferredCombos, in.Availability, in.Activity) {
		return graph.ErrBadRequest("The availability '%s' and activity '%s' combination is not supported.", in.Availability, in.Activity)
	}
	d := 7 * 24 * time.Hour
	if in.ExpirationDuration != "" {
		var ok bool
		if d, ok = parseDuration(in.ExpirationDuration); !ok || d < 5*time.Minute {
			return graph.ErrBadRequest("The expirationDuration must be an ISO 8601 duration of at least PT5M.")
		}
	}
	exp := model.StoredTime(s.Now().Add(d))
	if err := s.updatePresence(c, func(p *model.Presence) {
		p.Preferred = &model.PresenceSession{Availability: in.Availability, Activity: in.Activity, Expires: exp}
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct{}{})
}

func (s server) clearPreferredPresence(c *graph.Call) error {
	if err := s.updatePresence(c, func(p *model.Presence) { p.Preferred = nil }); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct{}{})
}

func (s server) presencesByUserID(c *graph.Call) error {
	var in struct {
		IDs []string `json:"ids"`
	}
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if len(in.IDs) == 0 || len(in.IDs) > 650 {
		return graph.ErrBadRequest("Between 1 and 650 ids are required.")
	}
	var vals []json.RawMessage
	for _, id := range in.IDs {
		if _, err := s.Store().GetUser(c.Context(), c.TenantID, strings.ToLower(id)); err != nil {
			continue
		}
		p, err := s.presenceOf(c, strings.ToLower(id))
		if err != nil {
			return err
		}
		vals = append(vals, model.EncodeDoc(presenceJSON(p)))
	}
	if vals == nil {
		vals = []json.RawMessage{}
	}
	return c.JSON(http.StatusOK, struct {
		Context string            `json:"@odata.context"`
		Value   []json.RawMessage `json:"value"`
	}{c.ContextURL(), vals})
}
