package graph

import (
	"errors"
	"net/http"
	"strings"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Meeting updates and cancellations. Attendees in the tenant hold their
// own copy of a meeting (made when the organizer created it, found by its
// iCalUId), as Exchange delivers meeting requests into their calendars.
// Exchange processes the organizer's updates and cancellations into those
// copies; here the organizer's change and its effect on every copy commit
// in one store transaction, as responses update the organizer's copy.
// Invitations are calendar copies only: no meeting messages are delivered
// to Inboxes, so updates and cancellations deliver none either.

// canceledPrefix is what Exchange puts before a cancelled meeting's
// subject in the attendee's calendar.
const canceledPrefix = "Canceled: "

// changesMeeting reports whether a PATCH touches what the organizer sends
// to attendees (not the organizer's own reminder, categories or free/busy).
func (in eventInput) changesMeeting() bool {
	return in.Subject != nil || in.Body != nil || in.Start != nil || in.End != nil || in.IsAllDay != nil || in.Location != nil ||
		in.Locations != nil || in.Attendees != nil || in.Recurrence != nil || in.Sensitivity != nil || in.Importance != nil ||
		in.IsOnlineMeeting != nil || in.ResponseRequested != nil
}

// syncMeeting copies the organizer's meeting onto an attendee's copy,
// keeping what is the attendee's own: response, free/busy, reminder,
// categories, and the copy's own identity and series bookkeeping.
func syncMeeting(dst *eventDoc, src eventDoc) {
	dst.Subject, dst.Body, dst.BodyPreview = src.Subject, src.Body, src.BodyPreview
	dst.Start, dst.End, dst.IsAllDay = src.Start, src.End, src.IsAllDay
	dst.OriginalStartTimeZone, dst.OriginalEndTimeZone = src.OriginalStartTimeZone, src.OriginalEndTimeZone
	dst.Location, dst.Locations, dst.Attendees = src.Location, src.Locations, src.Attendees
	dst.Importance, dst.Sensitivity, dst.IsOnlineMeeting, dst.ResponseRequested = src.Importance, src.Sensitivity, src.IsOnlineMeeting, src.ResponseRequested
	dst.Organizer, dst.IsCancelled, dst.LastModifiedDateTime = src.Organizer, false, src.LastModifiedDateTime
	if dst.Type != "exception" {
		dst.Recurrence, dst.Type, dst.SeriesEnd = src.Recurrence, src.Type, src.SeriesEnd
	}
}

// cancelDoc marks an attendee's copy cancelled; a cancellation's comment
// becomes its body, as the processed cancellation request's does.
func cancelDoc(d *eventDoc, comment string) {
	d.IsCancelled = true
	if !strings.HasPrefix(d.Subject, canceledPrefix) {
		d.Subject = canceledPrefix + d.Subject
	}
	if comment != "" {
		d.Body, d.BodyPreview = itemBody{ContentType: "text", Content: comment}, preview(comment)
	}
}

// meetingCopies finds the attendees' copies of an organizer's meeting
// (single events and series masters; exceptions hang off the masters).
func (s *Server) meetingCopies(c *Call, tx store.Items, org eventDoc, orgOwner string) ([]store.Item, error) {
	if org.ICalUID == "" {
		return nil, nil
	}
	d := s.store.Dialect()
	items, _, err := tx.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindEvent,
		Where: jsonExpr(d, "iCalUId", odata.TypeString) + " = " + placeholder(dialectOf(d), 1), Args: []any{org.ICalUID}})
	if err != nil {
		return nil, err
	}
	var out []store.Item
	for _, it := range items {
		e, err := decodeDoc[eventDoc](it)
		if err != nil {
			return nil, err
		}
		if it.OwnerID != orgOwner && !e.IsOrganizer {
			out = append(out, it)
		}
	}
	return out, nil
}

// attendeeUsers maps the meeting's attendees with a mailbox in the tenant
// (other than the organizer) to their user ids.
func (s *Server) attendeeUsers(c *Call, e eventDoc, orgOwner string) map[string]store.User {
	out := map[string]store.User{}
	for _, a := range e.Attendees {
		u, err := s.store.UserByUPN(c.ctx, a.EmailAddress.Address)
		if err != nil || u.TenantID != c.TenantID || u.ID == orgOwner {
			continue
		}
		out[u.ID] = u
	}
	return out
}

// invitations builds a copy of the meeting, awaiting a response, in the
// default calendar of each attendee with a mailbox in the tenant who has
// none yet (have: user ids), and that calendar where it does not exist.
func (s *Server) invitations(c *Call, tx store.Items, e eventDoc, orgOwner string, have map[string]bool) ([]store.Item, error) {
	now := s.now()
	var items []store.Item
	seen := map[string]bool{}
	for _, a := range e.Attendees {
		u, err := s.store.UserByUPN(c.ctx, a.EmailAddress.Address)
		if err != nil || u.TenantID != c.TenantID || u.ID == orgOwner || have[u.ID] || seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		inv := e
		inv.ID, inv.IsOrganizer, inv.IsCancelled = newItemID("AAMkAGEv"), false, false
		inv.Exdates, inv.Exceptions = nil, nil
		inv.ResponseStatus = responseStatus{Response: "notResponded", Time: "0001-01-01T00:00:00Z"}
		items = append(items, store.Item{TenantID: c.TenantID, Kind: KindEvent, ID: inv.ID, OwnerID: u.ID, ParentID: defaultCalendarID(u.ID),
			Doc: encodeDoc(inv), CreatedAt: now, ModifiedAt: now})
		if _, err := tx.GetItem(c.ctx, c.TenantID, KindCalendar, defaultCalendarID(u.ID)); errors.Is(err, store.ErrNotFound) {
			items = append(items, store.Item{TenantID: c.TenantID, Kind: KindCalendar, ID: defaultCalendarID(u.ID), OwnerID: u.ID, CreatedAt: now, ModifiedAt: now,
				Doc: encodeDoc(calendarDoc{ID: defaultCalendarID(u.ID), Name: "Calendar", Color: "auto", IsDefaultCalendar: true, CanShare: true, CanViewPrivateItems: true, CanEdit: true,
					Owner: &emailAddress{Name: u.DisplayName, Address: refOf(&u).address}})})
		} else if err != nil {
			return nil, err
		}
	}
	return items, nil
}

// propagateUpdate brings the attendees' copies in line with the
// organizer's changed meeting: current attendees' copies are updated,
// removed attendees' copies cancelled, and new attendees invited.
func (s *Server) propagateUpdate(c *Call, tx store.Items, org eventDoc, orgOwner string) error {
	copies, err := s.meetingCopies(c, tx, org, orgOwner)
	if err != nil {
		return err
	}
	invited := s.attendeeUsers(c, org, orgOwner)
	have := map[string]bool{}
	for _, cp := range copies {
		have[cp.OwnerID] = true
		if _, ok := invited[cp.OwnerID]; !ok {
			if err := s.cancelCopy(c, tx, cp, ""); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.UpdateItem(c.ctx, c.TenantID, KindEvent, cp.ID, 0, func(it store.Item) (store.Item, error) {
			e, err := decodeDoc[eventDoc](it)
			if err != nil {
				return it, err
			}
			syncMeeting(&e, org)
			it.Doc = encodeDoc(e)
			return it, nil
		}); err != nil {
			return err
		}
	}
	items, err := s.invitations(c, tx, org, orgOwner, have)
	if err != nil || len(items) == 0 {
		return err
	}
	return tx.CreateItems(c.ctx, items...)
}

// cancelCopy cancels an attendee's copy and, for a series, its exceptions.
func (s *Server) cancelCopy(c *Call, tx store.Items, cp store.Item, comment string) error {
	exs, err := s.exceptionsOf(c, tx, cp)
	if err != nil {
		return err
	}
	for _, it := range append([]store.Item{cp}, exs...) {
		if _, err := tx.UpdateItem(c.ctx, c.TenantID, it.Kind, it.ID, 0, func(it store.Item) (store.Item, error) {
			e, err := decodeDoc[eventDoc](it)
			if err != nil {
				return it, err
			}
			cancelDoc(&e, comment)
			it.Doc = encodeDoc(e)
			return it, nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// propagateOccurrence applies f to the same occurrence (by original
// start) of every attendee's copy of the organizer's series. A copy
// without that occurrence (the attendee deleted it) is left alone.
func (s *Server) propagateOccurrence(c *Call, tx store.Items, org eventDoc, orgOwner, when string, f func(*eventDoc) error) error {
	copies, err := s.meetingCopies(c, tx, org, orgOwner)
	if err != nil {
		return err
	}
	for _, cp := range copies {
		if _, err := s.changeOccurrence(c, tx, cp.OwnerID, cp.ID+occurrenceSep+when, 0, f); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

// withdrawEvent deletes an event or one occurrence for DELETE and
// cancel. The organizer withdrawing a meeting cancels the attendees'
// copies (of that occurrence, for one occurrence); organizerOnly refuses
// anyone else, as cancel does.
func (s *Server) withdrawEvent(c *Call, o calendarOwner, id, comment string, organizerOnly bool) error {
	masterID, when, isOcc := strings.Cut(id, occurrenceSep)
	if _, err := s.eventOrOccurrence(c, o, id); err != nil {
		return err
	}
	it, err := s.getOwned(c, KindEvent, masterID, o.id)
	if err != nil {
		return err
	}
	e, err := decodeDoc[eventDoc](it)
	if err != nil {
		return asError(err)
	}
	if organizerOnly && !e.IsOrganizer {
		return newError(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. You need to be an organizer to cancel a meeting.")
	}
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if isOcc {
			if err := s.removeOccurrence(c, tx, o.id, id); err != nil {
				return err
			}
			if !e.IsOrganizer {
				return nil
			}
			return s.propagateOccurrence(c, tx, e, o.id, when, func(d *eventDoc) error { cancelDoc(d, comment); return nil })
		}
		if e.IsOrganizer {
			copies, err := s.meetingCopies(c, tx, e, o.id)
			if err != nil {
				return err
			}
			for _, cp := range copies {
				if err := s.cancelCopy(c, tx, cp, comment); err != nil {
					return err
				}
			}
		}
		return s.removeEvent(c, tx, it)
	})
	return asErrorOrNil(err)
}
