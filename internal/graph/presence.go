package graph

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

// The /users/{id} forms the route table lacks (setPresence's, for one) are
// optional: served where Microsoft's data has a rule.
var _ = declare(WorkloadTeams, append(Optional(slices.Concat(
	Twins(Endpoint{Method: "GET", Template: "/presence", Handler: (*Server).getPresence}),
	Twins(Endpoint{Method: "POST", Template: "/presence/setPresence", Handler: (*Server).setPresence}),
	Twins(Endpoint{Method: "POST", Template: "/presence/clearPresence", Handler: (*Server).clearPresence}),
	Twins(Endpoint{Method: "POST", Template: "/presence/setUserPreferredPresence", Handler: (*Server).setPreferredPresence}),
	Twins(Endpoint{Method: "POST", Template: "/presence/clearUserPreferredPresence", Handler: (*Server).clearPreferredPresence}),
)),
	Endpoint{Method: "POST", Template: "/communications/getPresencesByUserId", Handler: (*Server).presencesByUserID},
)...)

func (s *Server) presenceOf(c *Call, userID string) (presenceDoc, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindPresence, userID)
	if errors.Is(err, store.ErrNotFound) {
		return presenceDoc{ID: userID, Availability: "Offline", Activity: "Offline"}, nil
	}
	if err != nil {
		return presenceDoc{}, AsError(err)
	}
	p, err := DecodeDoc[presenceDoc](it)
	if err != nil {
		return presenceDoc{}, AsError(err)
	}
	p.Effective(s.now())
	return p, nil
}

func presenceJSON(p presenceDoc) presenceDoc {
	p.Sessions, p.Preferred = nil, nil
	return p
}

func (s *Server) getPresence(c *Call) error {
	p, err := s.presenceOf(c, c.TargetUser.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, WithContext(EncodeDoc(presenceJSON(p)), c.BaseURL()+"/$metadata#users('"+c.TargetUser.ID+"')/presence/$entity"))
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
func (s *Server) updatePresence(c *Call, f func(*presenceDoc)) error {
	id := c.TargetUser.ID
	now := s.now()
	_, err := s.store.UpdateItem(c.ctx, c.TenantID, KindPresence, id, 0, func(it store.Item) (store.Item, error) {
		p, err := DecodeDoc[presenceDoc](it)
		if err != nil {
			return it, err
		}
		f(&p)
		p.Effective(now)
		it.Doc = EncodeDoc(p)
		return it, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		p := presenceDoc{ID: id}
		f(&p)
		p.Effective(now)
		err = s.store.CreateItems(c.ctx, store.Item{TenantID: c.TenantID, Kind: KindPresence, ID: id, OwnerID: id, Doc: EncodeDoc(p), CreatedAt: now, ModifiedAt: now})
		if errors.Is(err, store.ErrConflict) {
			return s.updatePresence(c, f)
		}
	}
	return asErrorOrNil(err)
}

func (s *Server) setPresence(c *Call) error {
	var in presenceInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if !strings.EqualFold(in.SessionID, c.Claims.AppID) {
		return ErrBadRequest("The sessionId must be the application id of the caller ('%s').", c.Claims.AppID)
	}
	if !validCombo(presenceCombos, in.Availability, in.Activity) {
		return ErrBadRequest("The availability '%s' and activity '%s' combination is not supported.", in.Availability, in.Activity)
	}
	d := 5 * time.Minute
	if in.ExpirationDuration != "" {
		var ok bool
		if d, ok = parseDuration(in.ExpirationDuration); !ok || d < 5*time.Minute || d > 4*time.Hour {
			return ErrBadRequest("The expirationDuration must be an ISO 8601 duration between PT5M and PT4H.")
		}
	}
	exp := storedTime(s.now().Add(d))
	if err := s.updatePresence(c, func(p *presenceDoc) {
		kept := p.Sessions[:0]
		for _, x := range p.Sessions {
			if !strings.EqualFold(x.SessionID, in.SessionID) {
				kept = append(kept, x)
			}
		}
		p.Sessions = append(kept, presenceSession{SessionID: strings.ToLower(in.SessionID), Availability: in.Availability, Activity: in.Activity, Expires: exp})
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct{}{})
}

func (s *Server) clearPresence(c *Call) error {
	var in presenceInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if err := s.updatePresence(c, func(p *presenceDoc) {
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

func (s *Server) setPreferredPresence(c *Call) error {
	var in presenceInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if !validCombo(preferredCombos, in.Availability, in.Activity) {
		return ErrBadRequest("The availability '%s' and activity '%s' combination is not supported.", in.Availability, in.Activity)
	}
	d := 7 * 24 * time.Hour
	if in.ExpirationDuration != "" {
		var ok bool
		if d, ok = parseDuration(in.ExpirationDuration); !ok || d < 5*time.Minute {
			return ErrBadRequest("The expirationDuration must be an ISO 8601 duration of at least PT5M.")
		}
	}
	exp := storedTime(s.now().Add(d))
	if err := s.updatePresence(c, func(p *presenceDoc) {
		p.Preferred = &presenceSession{Availability: in.Availability, Activity: in.Activity, Expires: exp}
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct{}{})
}

func (s *Server) clearPreferredPresence(c *Call) error {
	if err := s.updatePresence(c, func(p *presenceDoc) { p.Preferred = nil }); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct{}{})
}

func (s *Server) presencesByUserID(c *Call) error {
	var in struct {
		IDs []string `json:"ids"`
	}
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if len(in.IDs) == 0 || len(in.IDs) > 650 {
		return ErrBadRequest("Between 1 and 650 ids are required.")
	}
	var vals []json.RawMessage
	for _, id := range in.IDs {
		if _, err := s.store.GetUser(c.ctx, c.TenantID, strings.ToLower(id)); err != nil {
			continue
		}
		p, err := s.presenceOf(c, strings.ToLower(id))
		if err != nil {
			return err
		}
		vals = append(vals, EncodeDoc(presenceJSON(p)))
	}
	if vals == nil {
		vals = []json.RawMessage{}
	}
	return c.JSON(http.StatusOK, struct {
		Context string            `json:"@odata.context"`
		Value   []json.RawMessage `json:"value"`
	}{c.BaseURL() + "/$metadata#Collection(microsoft.graph.presence)", vals})
}
