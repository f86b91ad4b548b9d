package exchange

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/store"
)

// Meeting updates and cancellations. Attendees in the tenant hold their
// own copy of a meeting (made when the organizer created it, found by its
// iCalUId), as Exchange delivers meeting requests into their calendars.
// Exchange processes the organizer's updates and cancellations into those
// copies; here the organizer's change and its effect on every copy commit
// in one store transaction, as responses update the organizer's copy.
// Each request, update, cancellation and response is also delivered as an
// eventMessage into the recipient's Inbox (calendar_messages.go), in the
// same transaction.

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

// meetingChange is what an organizer's change does beyond copying the
// meeting: MS-OXOCAL 3.1.4.7.3.1 calls a change of the start, the end or
// the recurrence pattern (added, modified or removed) significant, and a
// significant change clears the responses tallied so far (3.1.4.7.3.2,
// only when responses are requested) and, on a series, removes its
// exceptions (3.1.4.7.3.5).
type meetingChange struct {
	significant    bool // start, end or recurrence changed
	reset          bool // responses are cleared
	dropExceptions bool // a series loses its exceptions and deleted occurrences
}

// changeOf compares an event before and after a change.
func changeOf(before, after model.Event) meetingChange {
	var ch meetingChange
	ch.significant = before.Start.UTC != after.Start.UTC || before.End.UTC != after.End.UTC ||
		string(model.EncodeDoc(before.Recurrence)) != string(model.EncodeDoc(after.Recurrence))
	ch.reset = ch.significant && after.IsOrganizer && after.ResponseRequested
	ch.dropExceptions = ch.significant && (before.Type == "seriesMaster" || after.Type == "seriesMaster")
	return ch
}

// clearResponses sets the tracked status of every attendee to none
// (MAPI's respNone), as a significant change leaves it.
func clearResponses(e *model.Event) {
	for i := range e.Attendees {
		e.Attendees[i].Status = model.ResponseStatus{Response: "none", Time: "0001-01-01T00:00:00Z"}
	}
}

// notResponded is an attendee's own status on a request still to answer
// (respNotResponded), as on a new invitation.
var notResponded = model.ResponseStatus{Response: "notResponded", Time: "0001-01-01T00:00:00Z"}

// dropExceptions deletes a series' stored exceptions (the master's lists
// are cleared by the caller).
func (s server) dropExceptions(c *graph.Call, tx store.Items, master store.Item) error {
	exs, err := s.exceptionsOf(c, tx, master)
	if err != nil || len(exs) == 0 {
		return err
	}
	ids := make([]string, len(exs))
	for i, x := range exs {
		ids[i] = x.ID
	}
	_, err = tx.DeleteItems(c.Context(), c.TenantID, model.KindEventException, ids...)
	return err
}

// syncMeeting copies the organizer's meeting onto an attendee's copy,
// keeping what is the attendee's own: response, free/busy, reminder,
// categories, and the copy's own identity and series bookkeeping.
func syncMeeting(dst *model.Event, src model.Event) {
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
func cancelDoc(d *model.Event, comment string) {
	d.IsCancelled = true
	if !strings.HasPrefix(d.Subject, canceledPrefix) {
		d.Subject = canceledPrefix + d.Subject
	}
	if comment != "" {
		d.Body, d.BodyPreview = model.ItemBody{ContentType: "text", Content: comment}, model.Preview(comment)
	}
}

// meetingCopies finds the attendees' copies of an organizer's meeting
// (single events and series masters; exceptions hang off the masters).
func (s server) meetingCopies(c *graph.Call, tx store.Items, org model.Event, orgOwner string) ([]store.Item, error) {
	if org.ICalUID == "" {
		return nil, nil
	}
	items, _, err := tx.QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindEvent,
		Filter: graph.DocEq("iCalUId", org.ICalUID)})
	if err != nil {
		return nil, err
	}
	var out []store.Item
	for _, it := range items {
		e, err := model.DecodeDoc[model.Event](it)
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
func (s server) attendeeUsers(c *graph.Call, e model.Event, orgOwner string) map[string]store.User {
	out := map[string]store.User{}
	for _, a := range e.Attendees {
		u, err := s.Store().UserByUPN(c.Context(), a.EmailAddress.Address)
		if err != nil || u.TenantID != c.TenantID || u.ID == orgOwner {
			continue
		}
		out[u.ID] = u
	}
	return out
}

// invitations builds a copy of the meeting, awaiting a response, in the
// default calendar of each attendee with a mailbox in the tenant who has
// none yet (have: user ids), and that calendar where it does not exist,
// with the meeting request in the attendee's Inbox. A series' copy has the
// series' deleted occurrences and a copy of each of its exceptions (exs),
// as Exchange sends a new attendee the series and its exceptions. For a
// new meeting (have is nil) the organizer's Sent Items gets the request,
// addressed to every attendee; an update files its own (propagateUpdate).
func (s server) invitations(c *graph.Call, tx store.Items, e model.Event, orgOwner string, have map[string]bool, exs []store.Item) ([]store.Item, error) {
	now := s.Now()
	var items []store.Item
	seen := map[string]bool{}
	for _, a := range e.Attendees {
		u, err := s.Store().UserByUPN(c.Context(), a.EmailAddress.Address)
		if err != nil || u.TenantID != c.TenantID || u.ID == orgOwner || have[u.ID] || seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		cal := model.DefaultCalendarID(u.ID)
		inv := e
		inv.ID, inv.IsOrganizer, inv.IsCancelled = graph.NewItemID("AAMkAGEv"), false, false
		inv.Exdates, inv.Exceptions = append([]string(nil), e.Exdates...), nil
		inv.ResponseStatus = notResponded
		for _, x := range exs {
			d, err := model.DecodeDoc[model.Event](x)
			if err != nil {
				return nil, err
			}
			_, when, _ := strings.Cut(x.ID, occurrenceSep)
			d.ID, d.SeriesMasterID, d.IsOrganizer, d.ResponseStatus = inv.ID+occurrenceSep+when, &inv.ID, false, notResponded
			items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindEventException, ID: d.ID, OwnerID: u.ID, ParentID: cal,
				Doc: model.EncodeDoc(d), CreatedAt: now, ModifiedAt: now})
			if t, err := time.Parse("20060102T150405Z", when); err == nil {
				inv.Exceptions = append(inv.Exceptions, model.StoredTime(t))
			}
		}
		copyItem := store.Item{TenantID: c.TenantID, Kind: model.KindEvent, ID: inv.ID, OwnerID: u.ID, ParentID: cal, Doc: model.EncodeDoc(inv), CreatedAt: now, ModifiedAt: now}
		msg, err := s.requestMessage(c, tx, copyItem, newMeetingRequest)
		if err != nil {
			return nil, err
		}
		items = append(items, copyItem, msg)
		if _, err := tx.GetItem(c.Context(), c.TenantID, model.KindCalendar, cal); errors.Is(err, store.ErrNotFound) {
			items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindCalendar, ID: cal, OwnerID: u.ID, CreatedAt: now, ModifiedAt: now,
				Doc: model.EncodeDoc(model.Calendar{ID: cal, Name: "Calendar", Color: "auto", IsDefaultCalendar: true, CanShare: true, CanViewPrivateItems: true, CanEdit: true,
					Owner: &model.EmailAddress{Name: u.DisplayName, Address: refOf(&u).address}})})
		} else if err != nil {
			return nil, err
		}
	}
	if have == nil {
		sent, err := s.organizerSent(c, tx, orgOwner, e, meetingRequest, newMeetingRequest, "", nil, nil)
		if err != nil {
			return nil, err
		}
		items = append(items, sent...)
	}
	return items, nil
}

// propagateUpdate brings the attendees' copies in line with the
// organizer's changed meeting: current attendees'
// copies are updated and sent an update, removed attendees' copies
// cancelled and sent a cancellation, and new attendees invited. A
// significant change (ch) clears the copies' responses and, for a series,
// their exceptions. A change of the attendees alone is sent only to the
// attendees it adds or removes, as Graph documents for PATCH of an event.
// An update carries what it changed as it was before; the organizer's Sent
// Items gets one copy of the update and one of the cancellation sent to
// removed attendees.
func (s server) propagateUpdate(c *graph.Call, tx store.Items, org model.Event, orgOwner string, ch meetingChange, attendeesOnly bool) error {
	copies, err := s.meetingCopies(c, tx, org, orgOwner)
	if err != nil {
		return err
	}
	invited := s.attendeeUsers(c, org, orgOwner)
	have := map[string]bool{}
	var msgs []store.Item
	removed, asked := map[string]bool{}, map[string]bool{} // user ids sent a cancellation, a new request
	var before *model.Event                                // the meeting before the change, as a current copy had it
	requestType := informationalUpdate
	if ch.significant {
		requestType = fullUpdate
	}
	for _, cp := range copies {
		have[cp.OwnerID] = true
		old, err := model.DecodeDoc[model.Event](cp)
		if err != nil {
			return err
		}
		if _, ok := invited[cp.OwnerID]; !ok {
			if old.IsCancelled {
				continue // removed before: cancelled and told so then
			}
			if err := s.cancelCopy(c, tx, cp, ""); err != nil {
				return err
			}
			cp.Doc = model.EncodeDoc(withCancel(old, ""))
			msg, err := s.cancelMessage(c, tx, cp, "")
			if err != nil {
				return err
			}
			msgs, removed[cp.OwnerID] = append(msgs, msg), true
			continue
		}
		if ch.dropExceptions {
			if err := s.dropExceptions(c, tx, cp); err != nil {
				return err
			}
		}
		up, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindEvent, cp.ID, 0, func(it store.Item) (store.Item, error) {
			e, err := model.DecodeDoc[model.Event](it)
			if err != nil {
				return it, err
			}
			syncMeeting(&e, org)
			if ch.dropExceptions {
				e.Exceptions, e.Exdates = nil, nil
			}
			if ch.reset {
				e.ResponseStatus = notResponded
			}
			it.Doc = model.EncodeDoc(e)
			return it, nil
		})
		if err != nil {
			return err
		}
		if !old.IsCancelled && before == nil {
			before = &old
		}
		if attendeesOnly && !old.IsCancelled {
			continue // not a changed attendee: nothing is sent
		}
		rt := requestType
		if old.IsCancelled {
			rt, asked[cp.OwnerID] = newMeetingRequest, true // invited again
		}
		msg, err := s.requestMessage(c, tx, up, rt)
		if err == nil {
			msg, err = withPrevious(msg, old, org)
		}
		if err != nil {
			return err
		}
		msgs = append(msgs, msg)
	}
	exs, err := s.exceptionsOf(c, tx, store.Item{ID: org.ID, OwnerID: orgOwner})
	if err != nil {
		return err
	}
	items, err := s.invitations(c, tx, org, orgOwner, have, exs)
	if err != nil {
		return err
	}
	for id := range invited {
		if !have[id] {
			asked[id] = true
		}
	}
	// The organizer's Sent Items: the cancellation to removed attendees,
	// and the update to all (a change of attendees alone: the request to
	// the added ones).
	var to, cc []model.Recipient
	sentType := requestType
	if attendeesOnly {
		to, cc = s.recipientsOf(c, org, asked)
		sentType = newMeetingRequest
	}
	sent, err := s.organizerSent(c, tx, orgOwner, org, meetingRequest, sentType, "", to, cc)
	if err == nil && len(sent) == 1 && !attendeesOnly && before != nil {
		sent[0], err = withPrevious(sent[0], *before, org)
	}
	if err != nil {
		return err
	}
	if len(removed) > 0 {
		var gone model.Event
		for _, cp := range copies {
			if removed[cp.OwnerID] {
				d, err := model.DecodeDoc[model.Event](cp)
				if err != nil {
					return err
				}
				gone = d // a removed attendee's copy still lists the attendees it was sent to
			}
		}
		rto, rcc := s.recipientsOf(c, gone, removed)
		cancelled, err := s.organizerSent(c, tx, orgOwner, org, meetingCancelled, "", "", rto, rcc)
		if err != nil {
			return err
		}
		sent = append(sent, cancelled...)
	}
	msgs = append(msgs, sent...)
	if items = append(items, msgs...); len(items) == 0 {
		return nil
	}
	return tx.CreateItems(c.Context(), items...)
}

// withCancel is a copy's document as cancelDoc leaves it.
func withCancel(d model.Event, comment string) model.Event {
	cancelDoc(&d, comment)
	return d
}

// cancelCopy cancels an attendee's copy and, for a series, its exceptions.
func (s server) cancelCopy(c *graph.Call, tx store.Items, cp store.Item, comment string) error {
	exs, err := s.exceptionsOf(c, tx, cp)
	if err != nil {
		return err
	}
	for _, it := range append([]store.Item{cp}, exs...) {
		if _, err := tx.UpdateItem(c.Context(), c.TenantID, it.Kind, it.ID, 0, func(it store.Item) (store.Item, error) {
			e, err := model.DecodeDoc[model.Event](it)
			if err != nil {
				return it, err
			}
			cancelDoc(&e, comment)
			it.Doc = model.EncodeDoc(e)
			return it, nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// propagateOccurrence applies f to the same occurrence (by original
// start) of every attendee's copy of the organizer's series, and delivers
// the message msg makes of each changed occurrence. A copy without that
// occurrence (the attendee deleted it) or cancelled is left alone. The
// organizer's Sent Items gets a copy of what was sent; with no attendee
// copy in the tenant to build it from, none is filed.
func (s server) propagateOccurrence(c *graph.Call, tx store.Items, org model.Event, orgOwner, when string, f func(*model.Event) error,
	msg func(store.Item) (store.Item, error)) error {
	copies, err := s.meetingCopies(c, tx, org, orgOwner)
	if err != nil {
		return err
	}
	var msgs []store.Item
	for _, cp := range copies {
		if d, err := model.DecodeDoc[model.Event](cp); err != nil || d.IsCancelled {
			if err != nil {
				return err
			}
			continue
		}
		var before model.Event
		it, err := s.changeOccurrence(c, tx, cp.OwnerID, cp.ID+occurrenceSep+when, 0, func(d *model.Event) error { before = *d; return f(d) })
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		after, err := model.DecodeDoc[model.Event](it)
		if err != nil {
			return err
		}
		m, err := msg(it)
		if err == nil {
			m, err = withPrevious(m, before, after)
		}
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return nil
	}
	if c.TargetGroup == nil {
		// The organizer's Sent Items holds what the attendees got, about
		// its own occurrence.
		masterID, _, _ := strings.Cut(org.ID, occurrenceSep)
		sent, err := s.sentCopy(c, tx, orgOwner, msgs[0], masterID+occurrenceSep+when, nil, nil)
		if err != nil {
			return err
		}
		msgs = append(msgs, sent)
	}
	return tx.CreateItems(c.Context(), msgs...)
}

// withdrawEvent deletes an event or one occurrence for DELETE and
// cancel. The organizer withdrawing a meeting cancels the attendees'
// copies (of that occurrence, for one occurrence); organizerOnly refuses
// anyone else, as cancel does.
func (s server) withdrawEvent(c *graph.Call, o calendarOwner, id, comment string, organizerOnly bool) error {
	masterID, when, isOcc := strings.Cut(id, occurrenceSep)
	if _, err := s.eventOrOccurrence(c, o, id); err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindEvent, masterID, o.id)
	if err != nil {
		return err
	}
	e, err := model.DecodeDoc[model.Event](it)
	if err != nil {
		return graph.AsError(err)
	}
	if organizerOnly && !e.IsOrganizer {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. You need to be an organizer to cancel a meeting.")
	}
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if isOcc {
			if err := s.removeOccurrence(c, tx, o.id, id); err != nil {
				return err
			}
			if !e.IsOrganizer {
				return nil
			}
			return s.propagateOccurrence(c, tx, e, o.id, when, func(d *model.Event) error { cancelDoc(d, comment); return nil },
				func(x store.Item) (store.Item, error) { return s.cancelMessage(c, tx, x, comment) })
		}
		if e.IsOrganizer {
			copies, err := s.meetingCopies(c, tx, e, o.id)
			if err != nil {
				return err
			}
			var msgs []store.Item
			for _, cp := range copies {
				d, err := model.DecodeDoc[model.Event](cp)
				if err != nil {
					return err
				}
				if d.IsCancelled {
					continue // removed from the meeting earlier, and told so then
				}
				if err := s.cancelCopy(c, tx, cp, comment); err != nil {
					return err
				}
				cp.Doc = model.EncodeDoc(withCancel(d, comment))
				m, err := s.cancelMessage(c, tx, cp, comment)
				if err != nil {
					return err
				}
				msgs = append(msgs, m)
			}
			sent, err := s.organizerSent(c, tx, o.id, e, meetingCancelled, "", comment, nil, nil)
			if err != nil {
				return err
			}
			if msgs = append(msgs, sent...); len(msgs) > 0 {
				if err := tx.CreateItems(c.Context(), msgs...); err != nil {
					return err
				}
			}
		}
		return s.removeEvent(c, tx, it)
	})
	return graph.AsErrorOrNil(err)
}
