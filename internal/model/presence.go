package model

import (
	"encoding/json"
	"time"
)

// KindPresence is a user's presence (id = the user).
const KindPresence = "presence"

// PresenceSession is an application's presence session, or the user's
// preferred presence.
type PresenceSession struct {
	SessionID    string `json:"sessionId"`
	Availability string `json:"availability"`
	Activity     string `json:"activity"`
	Expires      string `json:"expires"`
}

// Presence is a user's presence: its sessions and preferred presence, and
// what they make it now (Effective).
type Presence struct {
	ID            string            `json:"id"`
	Availability  string            `json:"availability"`
	Activity      string            `json:"activity"`
	StatusMessage *json.RawMessage  `json:"statusMessage"`
	Sessions      []PresenceSession `json:"_sessions,omitempty"`
	Preferred     *PresenceSession  `json:"_preferred,omitempty"`
}

// Effective computes the presence shown now.
func (p *Presence) Effective(now time.Time) {
	p.Availability, p.Activity = "Offline", "Offline"
	live := p.Sessions[:0]
	for _, s := range p.Sessions {
		if exp, err := ParseStoredTime(s.Expires); err == nil && exp.After(now) {
			live = append(live, s)
		}
	}
	p.Sessions = live
	if len(live) > 0 {
		last := live[len(live)-1]
		p.Availability, p.Activity = last.Availability, last.Activity
	}
	if pr := p.Preferred; pr != nil {
		if exp, err := ParseStoredTime(pr.Expires); err == nil && exp.After(now) {
			p.Availability, p.Activity = pr.Availability, pr.Activity
		} else {
			p.Preferred = nil
		}
	}
}
