package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"graphgate/internal/authz"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Calendars of users and groups, their events (single, recurring series
// expanded with rrule-go, occurrences and changed occurrences, see
// calendar_instances.go), calendarView and /instances over a time window,
// a page at a time (calendar_view.go), responses to invitations, meeting
// updates and cancellations (calendar_meetings.go), and Prefer:
// outlook.timezone on every date.

// calendarEndpoints are the user's (and /me's) calendar endpoints; the
// forms Microsoft's data has no rule for are optional.
func calendarEndpoints() []Endpoint {
	eps := []Endpoint{
		{Method: "GET", Template: "/calendars", Handler: (*Server).listCalendars},
		{Method: "POST", Template: "/calendars", Handler: (*Server).createCalendar},
		{Method: "GET", Template: "/calendars/{id}", Handler: (*Server).getCalendar},
		{Method: "GET", Template: "/calendar", Handler: (*Server).getCalendar},
		{Method: "GET", Template: "/events", Handler: (*Server).listEvents},
		{Method: "POST", Template: "/events", Handler: (*Server).createEvent},
		{Method: "GET", Template: "/calendar/events", Handler: (*Server).listEvents},
		{Method: "POST", Template: "/calendar/events", Handler: (*Server).createEvent},
		{Method: "GET", Template: "/calendars/{id}/events", Handler: (*Server).listEvents},
		{Method: "POST", Template: "/calendars/{id}/events", Handler: (*Server).createEvent},
		{Method: "GET", Template: "/calendarView", Handler: (*Server).calendarView},
		{Method: "GET", Template: "/calendar/calendarView", Handler: (*Server).calendarView},
		{Method: "GET", Template: "/calendars/{id}/calendarView", Handler: (*Server).calendarView},
	}
	for _, ev := range []string{"/events/{id}", "/calendar/events/{id}", "/calendars/{id}/events/{id}"} {
		eps = append(eps,
			Endpoint{Method: "GET", Template: ev, Handler: (*Server).getEvent},
			Endpoint{Method: "PATCH", Template: ev, Handler: (*Server).updateEvent},
			Endpoint{Method: "DELETE", Template: ev, Handler: (*Server).deleteEvent},
			Endpoint{Method: "GET", Template: ev + "/instances", Handler: (*Server).listInstances},
			Endpoint{Method: "POST", Template: ev + "/cancel", Handler: (*Server).cancelEvent},
			Endpoint{Method: "POST", Template: ev + "/accept", Handler: (*Server).respondEvent},
			Endpoint{Method: "POST", Template: ev + "/decline", Handler: (*Server).respondEvent},
			Endpoint{Method: "POST", Template: ev + "/tentativelyAccept", Handler: (*Server).respondEvent},
		)
	}
	var out []Endpoint
	for _, e := range eps {
		out = append(out, Twins(e)...)
	}
	return append(Optional(out),
		Endpoint{Method: "GET", Template: "/groups/{id}/calendar/events", Handler: (*Server).listEvents},
		Endpoint{Method: "POST", Template: "/groups/{id}/calendar/events", Handler: (*Server).createEvent},
		Endpoint{Method: "GET", Template: "/groups/{id}/events", Handler: (*Server).listEvents},
		Endpoint{Method: "POST", Template: "/groups/{id}/events", Handler: (*Server).createEvent},
		Endpoint{Method: "GET", Template: "/groups/{id}/calendar/calendarView", Handler: (*Server).calendarView},
		Endpoint{Method: "GET", Template: "/groups/{id}/calendarView", Handler: (*Server).calendarView},
		Endpoint{Method: "GET", Template: "/groups/{id}/calendar/events/{id}", Handler: (*Server).getEvent},
		Endpoint{Method: "GET", Template: "/groups/{id}/events/{id}", Handler: (*Server).getEvent},
		Endpoint{Method: "PATCH", Template: "/groups/{id}/events/{id}", Handler: (*Server).updateEvent},
		Endpoint{Method: "DELETE", Template: "/groups/{id}/events/{id}", Handler: (*Server).deleteEvent},
		Endpoint{Method: "GET", Template: "/groups/{id}/events/{id}/instances", Handler: (*Server).listInstances},
		Endpoint{Method: "GET", Template: "/groups/{id}/calendar/events/{id}/instances", Handler: (*Server).listInstances},
		Endpoint{Method: "POST", Template: "/groups/{id}/events/{id}/cancel", Handler: (*Server).cancelEvent},
	)
}

var _ = declare(WorkloadExchange, calendarEndpoints()...)

// calendarOwner is the user or group whose calendars the path names.
type calendarOwner struct {
	id, name, address string
	group             bool
}

// owner resolves the request's calendar owner and creates its default
// calendar on first use.
func (s *Server) calOwner(c *Call) (calendarOwner, error) {
	var o calendarOwner
	switch {
	case c.TargetGroup != nil:
		o = calendarOwner{id: c.TargetGroup.ID, name: c.TargetGroup.DisplayName, address: c.TargetGroup.Mail, group: true}
	case c.TargetUser != nil:
		r := refOf(c.TargetUser)
		o = calendarOwner{id: r.id, name: r.name, address: r.address}
	default:
		return o, ErrMailboxNotFound(c.Param(0))
	}
	id := defaultCalendarID(o.id)
	if _, err := s.store.GetItem(c.ctx, c.TenantID, KindCalendar, id); errors.Is(err, store.ErrNotFound) {
		now := s.now()
		doc := calendarDoc{ID: id, Name: "Calendar", Color: "auto", HexColor: "", IsDefaultCalendar: true, CanShare: !o.group,
			CanViewPrivateItems: true, CanEdit: true, Owner: &emailAddress{Name: o.name, Address: o.address}}
		err := s.store.CreateItems(c.ctx, store.Item{TenantID: c.TenantID, Kind: KindCalendar, ID: id, OwnerID: o.id, Doc: EncodeDoc(doc), CreatedAt: now, ModifiedAt: now})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return o, AsError(err)
		}
	} else if err != nil {
		return o, AsError(err)
	}
	return o, nil
}

// calendarFromPath resolves the calendar a path names: /calendars/{id},
// or the default for /calendar and /events.
func (s *Server) calendarFromPath(c *Call, o calendarOwner) (store.Item, error) {
	segs := strings.Split(c.Match.Route.Path, "/")
	for i, seg := range segs {
		if seg == "calendars" && i+1 < len(segs) && segs[i+1] == "{id}" {
			it, err := s.getOwned(c, KindCalendar, c.Param(1), o.id)
			if err != nil {
				return it, err
			}
			return it, nil
		}
	}
	return s.getOwned(c, KindCalendar, defaultCalendarID(o.id), o.id)
}

// eventParam is the event id of the path (the last parameter).
func eventParam(c *Call) string { return c.params[len(c.params)-1] }

func (s *Server) listCalendars(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	return s.writeCollection(c, collection{q: q, base: store.ItemQuery{TenantID: c.TenantID, Kind: KindCalendar, OwnerID: o.id},
		mapping:  jsonMapping("microsoft.graph.calendar", odata.JSONProps{"name": odata.TypeString, "id": odata.TypeString, "isDefaultCalendar": odata.TypeBool, "canEdit": odata.TypeBool}),
		defOrder: byCreation, context: c.BaseURL() + "/$metadata#users('" + o.id + "')/calendars",
		render: func(it store.Item) (json.RawMessage, error) { return s.renderCalendar(c, it) }})
}

// renderCalendar reports canEdit as the caller may: the owner, or a user
// the owner shared the calendar with for writing.
func (s *Server) renderCalendar(c *Call, it store.Item) (json.RawMessage, error) {
	cal, err := DecodeDoc[calendarDoc](it)
	if err != nil {
		return nil, err
	}
	if c.Decision.Match.Rule != nil && c.TargetUser != nil && c.Caller != nil && c.TargetUser.ID != c.Caller.ID {
		cal.CanEdit = c.target.Access.Has(authz.AccessWrite)
		cal.CanShare = false
	}
	it.Doc = EncodeDoc(cal)
	return renderItem(it)
}

func (s *Server) getCalendar(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	it, err := s.calendarFromPath(c, o)
	if err != nil {
		return err
	}
	b, err := s.renderCalendar(c, it)
	if err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusOK, WithContext(b, c.BaseURL()+"/$metadata#users('"+o.id+"')/calendars/$entity"))
}

func (s *Server) createCalendar(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	var in struct {
		Name  *string `json:"name"`
		Color string  `json:"color"`
	}
	if err := c.ReadBody(&in, calendarBody); err != nil {
		return err
	}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		return ErrBadRequest("The calendar name is required.")
	}
	now := s.now()
	id := newItemID("AAMkAGCal")
	color := in.Color
	if color == "" {
		color = "auto"
	}
	it := store.Item{TenantID: c.TenantID, Kind: KindCalendar, ID: id, OwnerID: o.id, CreatedAt: now, ModifiedAt: now, Version: 1,
		Doc: EncodeDoc(calendarDoc{ID: id, Name: *in.Name, Color: color, CanShare: true, CanViewPrivateItems: true, CanEdit: true, Owner: &emailAddress{Name: o.name, Address: o.address}})}
	if err := s.store.CreateItems(c.ctx, it); err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusCreated, it, c.BaseURL()+"/$metadata#users('"+o.id+"')/calendars/$entity", nil, nil)
}

// basicEventAllowed is Calendars.ReadBasic's property limit (authz owns
// it): no body, preview, attachments or extensions.
func basicEventAllowed(c *Call) map[string]bool {
	if c.Decision.Limit != authz.LimitBasicEvent {
		return nil
	}
	return authz.LimitBasicEvent.Properties()
}

var eventProps = odata.JSONProps{"subject": odata.TypeString, "isAllDay": odata.TypeBool, "isCancelled": odata.TypeBool,
	"isOrganizer": odata.TypeBool, "importance": odata.TypeString, "sensitivity": odata.TypeString, "showAs": odata.TypeString,
	"type": odata.TypeString, "id": odata.TypeString, "iCalUId": odata.TypeString, "createdDateTime": odata.TypeDateTime,
	"lastModifiedDateTime": odata.TypeDateTime, "organizer/emailAddress/address": odata.TypeString, "organizer/emailAddress/name": odata.TypeString,
	"location/displayName": odata.TypeString, "body/content": odata.TypeString, "bodyPreview": odata.TypeString,
	"start/dateTime": odata.TypeString, "end/dateTime": odata.TypeString, "seriesMasterId": odata.TypeString,
	"categories": odata.JSONArrayOf(odata.TypeString),
	"attendees":  odata.JSONArrayOfObjects(odata.JSONProps{"emailAddress/address": odata.TypeString, "emailAddress/name": odata.TypeString, "type": odata.TypeString})}

var eventSelectable = selectableAs("event", eventDoc{})

// renderEvent shows an event in the caller's preferred time zone.
func renderEvent(it store.Item, zone string, loc *time.Location) (json.RawMessage, error) {
	e, err := DecodeDoc[eventDoc](it)
	if err != nil {
		return nil, err
	}
	e.Start, e.End = outputDTZ(e.Start, zone, loc), outputDTZ(e.End, zone, loc)
	it.Doc = EncodeDoc(e)
	return renderItem(it)
}

func (s *Server) listEvents(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	iq := store.ItemQuery{TenantID: c.TenantID, Kind: KindEvent, OwnerID: o.id}
	// /events and /calendarView are the default calendar's, as /calendar/… are.
	cal, err := s.calendarFromPath(c, o)
	if err != nil {
		return err
	}
	iq.ParentID = cal.ID
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	zone, loc := c.preferredZone()
	return s.writeCollection(c, collection{q: q, base: iq, mapping: jsonMapping("microsoft.graph.event", eventProps),
		defOrder: byDoc("start/utc", store.TypeTime, false), context: c.BaseURL() + "/$metadata#users('" + o.id + "')/events",
		allowed: basicEventAllowed(c), known: eventSelectable(), render: func(it store.Item) (json.RawMessage, error) { return renderEvent(it, zone, loc) }})
}

func (s *Server) getEvent(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	it, err := s.eventOrOccurrence(c, o, eventParam(c))
	if err != nil {
		return err
	}
	zone, loc := c.preferredZone()
	b, err := renderEvent(it, zone, loc)
	if err != nil {
		return AsError(err)
	}
	q, err := c.ParseQuery(odata.Exchange, 1, 0)
	if err != nil {
		return err
	}
	if err := checkSelect(q.q.Select, eventSelectable(), "microsoft.graph.event", odata.Exchange); err != nil {
		return err
	}
	if b, err = project(b, q.q.Select, nil, basicEventAllowed(c)); err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusOK, WithContext(b, c.BaseURL()+"/$metadata#users('"+o.id+"')/events/$entity"))
}

// occurrenceSep joins a series master's id and an occurrence's start.
const occurrenceSep = "_occ_"

// eventOrOccurrence finds a stored event or exception, or builds the
// occurrence an occurrence id names.
func (s *Server) eventOrOccurrence(c *Call, o calendarOwner, id string) (store.Item, error) {
	master, when, isOcc := strings.Cut(id, occurrenceSep)
	if !isOcc {
		return s.getOwned(c, KindEvent, id, o.id)
	}
	if ex, err := s.getOwned(c, KindEventException, id, o.id); !isNotFound(err) {
		return ex, err
	}
	it, err := s.getOwned(c, KindEvent, master, o.id)
	if err != nil {
		return it, err
	}
	return s.occurrenceAt(it, when)
}

// eventInput is the body of POST and PATCH on events.
type eventInput struct {
	Subject                    *string              `json:"subject"`
	Body                       *itemBody            `json:"body"`
	Start                      *dateTimeTimeZone    `json:"start"`
	End                        *dateTimeTimeZone    `json:"end"`
	IsAllDay                   *bool                `json:"isAllDay"`
	Location                   *location            `json:"location"`
	Locations                  *[]location          `json:"locations"`
	Attendees                  *[]attendee          `json:"attendees"`
	Categories                 *[]string            `json:"categories"`
	Sensitivity                *string              `json:"sensitivity"`
	ShowAs                     *string              `json:"showAs"`
	Importance                 *string              `json:"importance"`
	IsReminderOn               *bool                `json:"isReminderOn"`
	ReminderMinutesBeforeStart *int                 `json:"reminderMinutesBeforeStart"`
	Recurrence                 *patternedRecurrence `json:"recurrence"`
	IsOnlineMeeting            *bool                `json:"isOnlineMeeting"`
	ResponseRequested          *bool                `json:"responseRequested"`
}

var (
	sensitivities = map[string]string{"normal": "normal", "personal": "personal", "private": "private", "confidential": "confidential"}
	showAses      = map[string]string{"free": "free", "tentative": "tentative", "busy": "busy", "oof": "oof", "workingelsewhere": "workingElsewhere", "unknown": "unknown"}
)

func pick(table map[string]string, v *string, prop string, dst *string) error {
	if v == nil {
		return nil
	}
	x, ok := table[strings.ToLower(*v)]
	if !ok {
		return ErrBadRequest("Invalid value '%s' for property '%s'.", *v, prop)
	}
	*dst = x
	return nil
}

func (in eventInput) apply(e *eventDoc, now string) error {
	if in.Subject != nil {
		e.Subject = *in.Subject
	}
	if in.Body != nil {
		e.Body = *in.Body
		if e.Body.ContentType == "" {
			e.Body.ContentType = "text"
		}
		e.BodyPreview = preview(in.Body.Content)
	}
	if in.IsAllDay != nil {
		e.IsAllDay = *in.IsAllDay
	}
	for _, x := range []struct {
		in  *dateTimeTimeZone
		dst *dateTimeTimeZone
		tz  *string
	}{{in.Start, &e.Start, &e.OriginalStartTimeZone}, {in.End, &e.End, &e.OriginalEndTimeZone}} {
		if x.in == nil {
			continue
		}
		t, err := parseDTZ(*x.in)
		if err != nil {
			return err
		}
		*x.dst, *x.tz = storedDTZ(t, orUTC(x.in.TimeZone)), orUTC(x.in.TimeZone)
	}
	st, err1 := parseStoredTime(e.Start.UTC)
	en, err2 := parseStoredTime(e.End.UTC)
	if err1 != nil || err2 != nil {
		return ErrBadRequest("An event needs a start and an end.")
	}
	if en.Before(st) {
		return NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. The end time must be later than the start time.")
	}
	if e.IsAllDay && (st.Hour() != 0 || st.Minute() != 0 || en.Sub(st)%(24*time.Hour) != 0) {
		startLocal, _ := parseDTZ(dateTimeTimeZone{DateTime: e.Start.DateTime, TimeZone: e.Start.TimeZone})
		if startLocal.Hour() != 0 || startLocal.Minute() != 0 {
			return NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. An all-day event must start and end at midnight.")
		}
	}
	if in.Location != nil {
		e.Location = *in.Location
	}
	if in.Locations != nil {
		e.Locations = *in.Locations
	}
	if in.Attendees != nil {
		e.Attendees = *in.Attendees
		for i := range e.Attendees {
			if e.Attendees[i].Type == "" {
				e.Attendees[i].Type = "required"
			}
			if e.Attendees[i].Status.Response == "" {
				e.Attendees[i].Status = responseStatus{Response: "none", Time: "0001-01-01T00:00:00Z"}
			}
		}
	}
	if in.Categories != nil {
		e.Categories = *in.Categories
	}
	if err := pick(sensitivities, in.Sensitivity, "sensitivity", &e.Sensitivity); err != nil {
		return err
	}
	if err := pick(showAses, in.ShowAs, "showAs", &e.ShowAs); err != nil {
		return err
	}
	if err := pick(importances, in.Importance, "importance", &e.Importance); err != nil {
		return err
	}
	if in.IsReminderOn != nil {
		e.IsReminderOn = *in.IsReminderOn
	}
	if in.ReminderMinutesBeforeStart != nil {
		e.ReminderMinutesBeforeStart = *in.ReminderMinutesBeforeStart
	}
	if in.IsOnlineMeeting != nil {
		e.IsOnlineMeeting = *in.IsOnlineMeeting
	}
	if in.ResponseRequested != nil {
		e.ResponseRequested = *in.ResponseRequested
	}
	if in.Recurrence != nil {
		if err := in.Recurrence.Check(); err != nil {
			return ErrBadRequest("%s", err)
		}
		e.Recurrence = in.Recurrence
	}
	e.Type, e.SeriesEnd = "singleInstance", ""
	if e.Recurrence != nil {
		loc, _ := loadZone(e.Start.TimeZone)
		if loc == nil {
			loc = time.UTC
		}
		startLocal := st.In(loc)
		last, err := e.Recurrence.LastEnd(startLocal, en.Sub(st))
		if err != nil {
			return ErrBadRequest("%s", err)
		}
		e.Type = "seriesMaster"
		if !last.IsZero() {
			e.SeriesEnd = storedTime(last)
		}
	}
	e.LastModifiedDateTime = now
	return nil
}

func (s *Server) createEvent(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	cal, err := s.calendarFromPath(c, o)
	if err != nil {
		return err
	}
	var in eventInput
	if err := c.ReadBody(&in, eventBody); err != nil {
		return err
	}
	if in.Start == nil || in.End == nil {
		return ErrBadRequest("An event needs a start and an end.")
	}
	now := storedTime(s.now())
	id := newItemID("AAMkAGEv")
	e := eventDoc{ID: id, CreatedDateTime: now, Categories: []string{}, ICalUID: "040000008200E00074C5B7101A82E008" + strings.ToUpper(newItemID(""))[:32],
		ReminderMinutesBeforeStart: 15, IsReminderOn: true, Importance: "normal", Sensitivity: "normal", IsOrganizer: true, ResponseRequested: true,
		ShowAs: "busy", Body: itemBody{ContentType: "text"}, Locations: []location{}, Attendees: []attendee{},
		ResponseStatus: responseStatus{Response: "organizer", Time: "0001-01-01T00:00:00Z"},
		Organizer:      recipient{EmailAddress: emailAddress{Name: o.name, Address: o.address}}}
	e.WebLink = "https://outlook.office365.com/owa/?itemid=" + id + "&exvsurl=1&path=/calendar/item"
	if err := in.apply(&e, now); err != nil {
		return err
	}
	nowT := s.now()
	it := store.Item{TenantID: c.TenantID, Kind: KindEvent, ID: id, OwnerID: o.id, ParentID: cal.ID, Doc: EncodeDoc(e), CreatedAt: nowT, ModifiedAt: nowT, Version: 1}
	// The event, the attendees' copies and their meeting requests commit together.
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		invites, err := s.invitations(c, tx, e, o.id, nil, nil)
		if err != nil {
			return err
		}
		return tx.CreateItems(c.ctx, append([]store.Item{it}, invites...)...)
	})
	if err != nil {
		return AsError(err)
	}
	zone, loc := c.preferredZone()
	b, err := renderEvent(it, zone, loc)
	if err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusCreated, WithContext(b, c.BaseURL()+"/$metadata#users('"+o.id+"')/events/$entity"))
}

// updateEvent changes an event, or one occurrence of a series (stored as
// an exception). The organizer's changes to a meeting reach the attendees'
// copies in the same transaction, as Exchange's meeting updates do.
func (s *Server) updateEvent(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	id := eventParam(c)
	_, when, isOcc := strings.Cut(id, occurrenceSep)
	if _, err := s.eventOrOccurrence(c, o, id); err != nil {
		return err
	}
	var in eventInput
	if err := c.ReadBody(&in, eventBody); err != nil {
		return err
	}
	if isOcc && in.Recurrence != nil {
		return NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. The recurrence of an occurrence can't be changed; change its series.")
	}
	ifVersion, err := versionOfETag(c.r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	now := storedTime(s.now())
	var it store.Item
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		var err error
		var ch meetingChange
		// change applies the PATCH; a significant change clears the
		// organizer's tally of responses and a series' exceptions.
		change := func(e *eventDoc) error {
			before := *e
			if err := in.apply(e, now); err != nil {
				return err
			}
			ch = changeOf(before, *e)
			if ch.reset {
				clearResponses(e)
			}
			if ch.dropExceptions && !isOcc {
				e.Exceptions, e.Exdates = nil, nil
			}
			return nil
		}
		if isOcc {
			it, err = s.changeOccurrence(c, tx, o.id, id, ifVersion, change)
		} else {
			var perr error
			it, err = tx.UpdateItem(c.ctx, c.TenantID, KindEvent, id, ifVersion, func(it store.Item) (store.Item, error) {
				e, err := DecodeDoc[eventDoc](it)
				if err != nil {
					return it, err
				}
				if perr = change(&e); perr != nil {
					return it, perr
				}
				it.Doc = EncodeDoc(e)
				return it, nil
			})
			if perr != nil {
				return perr
			}
			if err == nil && ch.dropExceptions {
				err = s.dropExceptions(c, tx, it)
			}
		}
		if err != nil {
			return err
		}
		e, err := DecodeDoc[eventDoc](it)
		if err != nil || !e.IsOrganizer || !in.changesMeeting() {
			return err
		}
		if isOcc {
			requestType := informationalUpdate
			if ch.significant {
				requestType = fullUpdate
			}
			return s.propagateOccurrence(c, tx, e, o.id, when, func(d *eventDoc) error {
				syncMeeting(d, e)
				if ch.reset {
					d.ResponseStatus = notResponded
				}
				return nil
			}, func(x store.Item) (store.Item, error) { return s.requestMessage(c, tx, x, requestType) })
		}
		rest := in
		rest.Attendees = nil
		return s.propagateUpdate(c, tx, e, o.id, ch, in.Attendees != nil && !rest.changesMeeting())
	})
	switch {
	case errors.Is(err, store.ErrPrecondition):
		return ErrPreconditionFailed()
	case err != nil:
		return AsError(err)
	}
	zone, loc := c.preferredZone()
	b, err := renderEvent(it, zone, loc)
	if err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusOK, WithContext(b, c.BaseURL()+"/$metadata#users('"+o.id+"')/events/$entity"))
}

// deleteEvent removes an event; deleting an occurrence excludes it from
// its series. The organizer deleting a meeting cancels it for attendees.
func (s *Server) deleteEvent(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	if err := s.withdrawEvent(c, o, eventParam(c), "", false); err != nil {
		return err
	}
	return c.NoContent()
}

// cancelEvent is the organizer's cancellation with a message: as delete,
// but refused to attendees.
func (s *Server) cancelEvent(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	var in struct {
		Comment string `json:"comment"`
	}
	if err := c.ReadBody(&in, cancelBody); err != nil {
		return err
	}
	if err := s.withdrawEvent(c, o, eventParam(c), in.Comment, true); err != nil {
		return err
	}
	return c.Accepted()
}

// respondEvent records the owner's response to an invitation.
func (s *Server) respondEvent(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	var in struct {
		Comment      string `json:"comment"`
		SendResponse *bool  `json:"sendResponse"`
	}
	if err := c.ReadBody(&in, respondBody(c.r.URL.Path)); err != nil {
		return err
	}
	id := eventParam(c)
	if master, _, ok := strings.Cut(id, occurrenceSep); ok {
		id = master
	}
	if _, err := s.getOwned(c, KindEvent, id, o.id); err != nil {
		return err
	}
	path := strings.ToLower(c.r.URL.Path)
	response := map[bool]string{true: "accepted"}[strings.HasSuffix(path, "/accept")]
	switch {
	case strings.HasSuffix(path, "/decline"):
		response = "declined"
	case strings.HasSuffix(path, "/tentativelyaccept"):
		response = "tentativelyAccepted"
	}
	var perr error
	// The attendee's copy and, unless sendResponse is false, the
	// organizer's tracking of this attendee change in one transaction.
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		var ev eventDoc
		_, err := tx.UpdateItem(c.ctx, c.TenantID, KindEvent, id, 0, func(it store.Item) (store.Item, error) {
			e, err := DecodeDoc[eventDoc](it)
			if err != nil {
				return it, err
			}
			if e.IsOrganizer {
				perr = NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. You can't respond to a meeting you organized.")
				return it, perr
			}
			e.ResponseStatus = responseStatus{Response: response, Time: graphTime(s.now())}
			if response == "tentativelyAccepted" {
				e.ShowAs = "tentative"
			}
			if response == "declined" {
				e.ShowAs = "free"
			}
			ev = e
			it.Doc = EncodeDoc(e)
			return it, nil
		})
		if err != nil || (in.SendResponse != nil && !*in.SendResponse) {
			return err
		}
		return s.trackResponse(c, tx, ev, emailAddress{Name: o.name, Address: o.address}, response, in.Comment)
	})
	if perr != nil {
		return perr
	}
	if err != nil {
		return AsError(err)
	}
	return c.Accepted()
}

// trackResponse records an attendee's response on the organizer's copy
// of the meeting (found by its iCalUId in the organizer's calendar) and
// delivers the response to the organizer's Inbox, as Exchange does when
// the response is sent.
func (s *Server) trackResponse(c *Call, tx store.Items, ev eventDoc, attendee emailAddress, response, comment string) error {
	attendeeAddr := attendee.Address
	org := ev.Organizer.EmailAddress.Address
	if org == "" || ev.ICalUID == "" {
		return nil
	}
	u, err := s.store.UserByUPN(c.ctx, org)
	if err != nil || u.TenantID != c.TenantID {
		return nil // an organizer outside the tenant gets an email, not a tracked status
	}
	items, _, err := tx.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindEvent, OwnerID: u.ID,
		Filter: docEq("iCalUId", ev.ICalUID)})
	if err != nil {
		return err
	}
	now := graphTime(s.now())
	for _, it := range items {
		org := false
		up, err := tx.UpdateItem(c.ctx, c.TenantID, KindEvent, it.ID, 0, func(it store.Item) (store.Item, error) {
			e, err := DecodeDoc[eventDoc](it)
			if err != nil || !e.IsOrganizer {
				return it, err
			}
			org = true
			for i := range e.Attendees {
				if strings.EqualFold(e.Attendees[i].EmailAddress.Address, attendeeAddr) {
					e.Attendees[i].Status = responseStatus{Response: response, Time: now}
				}
			}
			it.Doc = EncodeDoc(e)
			return it, nil
		})
		if err != nil {
			return err
		}
		if !org {
			continue
		}
		msg, err := s.responseMessage(c, tx, u.ID, up, attendee, response, comment)
		if err != nil {
			return err
		}
		if err := tx.CreateItems(c.ctx, msg); err != nil {
			return err
		}
	}
	return nil
}

// calendarView lists the events, occurrences and exceptions overlapping
// a window, a page at a time (calendar_view.go): the series active in the
// window, the single events and the exceptions, merged in start order.
func (s *Server) calendarView(c *Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	v, err := s.newView(c, c.BaseURL()+"/$metadata#users('"+o.id+"')/calendarView")
	if err != nil {
		return err
	}
	// /calendarView is the default calendar's, as /calendar/… is.
	cal, err := s.calendarFromPath(c, o)
	if err != nil {
		return err
	}
	// The series that have begun before the window's end and not ended
	// before its start (items_series_by_end: the predicate — a literal —
	// and the expression are the index's).
	noEnd := store.Literal("9999-12-31")
	seriesEnd := store.Field{Path: []string{"_seriesEnd"}, Type: store.TypeString, IfNull: &noEnd}
	typ := store.Doc("type", store.TypeString)
	masters, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindEvent, OwnerID: o.id, ParentID: cal.ID,
		Filter: store.And{
			store.Compare{Field: typ, Op: store.Eq, Value: store.Literal("seriesMaster")},
			store.Compare{Field: store.Doc("start/utc", store.TypeTime), Op: store.Lt, Value: store.Time(v.to)},
			store.Compare{Field: seriesEnd, Op: store.Gt, Value: store.String(storedTime(v.from))},
		},
		Order: []store.Order{{Field: seriesEnd}}})
	if err != nil {
		return AsError(err)
	}
	// Single events: a type other than seriesMaster (and a type at all).
	single := store.And{store.Not{Cond: store.IsNull{Field: typ}}, store.Compare{Field: typ, Op: store.Ne, Value: store.Literal("seriesMaster")}}
	v.work.rows += int64(len(masters))
	sources, err := s.seriesSources(c.ctx, v, masters)
	if err != nil {
		return AsError(err)
	}
	sources = append(sources,
		s.storedSource(v, store.ItemQuery{TenantID: c.TenantID, Kind: KindEvent, OwnerID: o.id, ParentID: cal.ID, Filter: single}),
		// Changed occurrences are where they are now, wherever their
		// series is.
		s.storedSource(v, store.ItemQuery{TenantID: c.TenantID, Kind: KindEventException, OwnerID: o.id, ParentID: cal.ID}))
	return s.writeView(v, sources)
}
