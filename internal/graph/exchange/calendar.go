package exchange

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"

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

// The entities of the calendar endpoints: a user's or a group's (named as
// its owner's, users('{owner}')/…) calendars, events and views.
var (
	entCalendars    = graph.Entity{Context: "users('{owner}')/calendars"}
	entCalendar     = graph.Entity{Context: "users('{owner}')/calendars/$entity"}
	entEvents       = graph.Entity{Context: "users('{owner}')/events"}
	entEvent        = graph.Entity{Context: "users('{owner}')/events/$entity"}
	entCalendarView = graph.Entity{Context: "users('{owner}')/calendarView"}
)

// entInstances is an event's instances, on a template whose last
// parameter is the event's id.
func entInstances(template string) graph.Entity {
	return graph.Entity{Context: "users('{owner}')/events('{" + strconv.Itoa(strings.Count(template, "{id}")-1) + "}')/instances"}
}

// calendarEndpoints are the user's (and /me's) calendar endpoints; the
// forms Microsoft's data has no rule for are optional.
func calendarEndpoints() []graph.Endpoint {
	eps := []graph.Endpoint{
		{Method: "GET", Template: "/calendars", Handler: handle(server.listCalendars), Entity: entCalendars},
		{Method: "POST", Template: "/calendars", Handler: handle(server.createCalendar), Entity: entCalendar},
		{Method: "GET", Template: "/calendars/{id}", Handler: handle(server.getCalendar), Entity: entCalendar},
		{Method: "GET", Template: "/calendar", Handler: handle(server.getCalendar), Entity: entCalendar},
		{Method: "GET", Template: "/events", Handler: handle(server.listEvents), Entity: entEvents},
		{Method: "POST", Template: "/events", Handler: handle(server.createEvent), Entity: entEvent},
		{Method: "GET", Template: "/calendar/events", Handler: handle(server.listEvents), Entity: entEvents},
		{Method: "POST", Template: "/calendar/events", Handler: handle(server.createEvent), Entity: entEvent},
		{Method: "GET", Template: "/calendars/{id}/events", Handler: handle(server.listEvents), Entity: entEvents},
		{Method: "POST", Template: "/calendars/{id}/events", Handler: handle(server.createEvent), Entity: entEvent},
		{Method: "GET", Template: "/calendarView", Handler: handle(server.calendarView), Entity: entCalendarView},
		{Method: "GET", Template: "/calendar/calendarView", Handler: handle(server.calendarView), Entity: entCalendarView},
		{Method: "GET", Template: "/calendars/{id}/calendarView", Handler: handle(server.calendarView), Entity: entCalendarView},
	}
	for _, ev := range []string{"/events/{id}", "/calendar/events/{id}", "/calendars/{id}/events/{id}"} {
		eps = append(eps,
			graph.Endpoint{Method: "GET", Template: ev, Handler: handle(server.getEvent), Entity: entEvent},
			graph.Endpoint{Method: "PATCH", Template: ev, Handler: handle(server.updateEvent), Entity: entEvent},
			graph.Endpoint{Method: "DELETE", Template: ev, Handler: handle(server.deleteEvent)},
			// /users/{id}… and /me… (whose "me" is Param(0)) number the
			// event's id alike.
			graph.Endpoint{Method: "GET", Template: ev + "/instances", Handler: handle(server.listInstances), Entity: entInstances("/users/{id}" + ev)},
			graph.Endpoint{Method: "POST", Template: ev + "/cancel", Handler: handle(server.cancelEvent)},
			graph.Endpoint{Method: "POST", Template: ev + "/accept", Handler: handle(server.respondEvent)},
			graph.Endpoint{Method: "POST", Template: ev + "/decline", Handler: handle(server.respondEvent)},
			graph.Endpoint{Method: "POST", Template: ev + "/tentativelyAccept", Handler: handle(server.respondEvent)},
		)
	}
	var out []graph.Endpoint
	for _, e := range eps {
		out = append(out, graph.Twins(e)...)
	}
	return append(graph.Optional(out),
		graph.Endpoint{Method: "GET", Template: "/groups/{id}/calendar/events", Handler: handle(server.listEvents), Entity: entEvents},
		graph.Endpoint{Method: "POST", Template: "/groups/{id}/calendar/events", Handler: handle(server.createEvent), Entity: entEvent},
		graph.Endpoint{Method: "GET", Template: "/groups/{id}/events", Handler: handle(server.listEvents), Entity: entEvents},
		graph.Endpoint{Method: "POST", Template: "/groups/{id}/events", Handler: handle(server.createEvent), Entity: entEvent},
		graph.Endpoint{Method: "GET", Template: "/groups/{id}/calendar/calendarView", Handler: handle(server.calendarView), Entity: entCalendarView},
		graph.Endpoint{Method: "GET", Template: "/groups/{id}/calendarView", Handler: handle(server.calendarView), Entity: entCalendarView},
		graph.Endpoint{Method: "GET", Template: "/groups/{id}/calendar/events/{id}", Handler: handle(server.getEvent), Entity: entEvent},
		graph.Endpoint{Method: "GET", Template: "/groups/{id}/events/{id}", Handler: handle(server.getEvent), Entity: entEvent},
		graph.Endpoint{Method: "PATCH", Template: "/groups/{id}/events/{id}", Handler: handle(server.updateEvent), Entity: entEvent},
		graph.Endpoint{Method: "DELETE", Template: "/groups/{id}/events/{id}", Handler: handle(server.deleteEvent)},
		graph.Endpoint{Method: "GET", Template: "/groups/{id}/events/{id}/instances", Handler: handle(server.listInstances),
			Entity: entInstances("/groups/{id}/events/{id}")},
		graph.Endpoint{Method: "GET", Template: "/groups/{id}/calendar/events/{id}/instances", Handler: handle(server.listInstances),
			Entity: entInstances("/groups/{id}/calendar/events/{id}")},
		graph.Endpoint{Method: "POST", Template: "/groups/{id}/events/{id}/cancel", Handler: handle(server.cancelEvent)},
	)
}

var _ = declare(graph.WorkloadExchange, calendarEndpoints()...)

// calendarOwner is the user or group whose calendars the path names.
type calendarOwner struct {
	id, name, address string
	group             bool
}

// owner resolves the request's calendar owner and creates its default
// calendar on first use.
func (s server) calOwner(c *graph.Call) (calendarOwner, error) {
	var o calendarOwner
	switch {
	case c.TargetGroup != nil:
		o = calendarOwner{id: c.TargetGroup.ID, name: c.TargetGroup.DisplayName, address: c.TargetGroup.Mail, group: true}
	case c.TargetUser != nil:
		r := refOf(c.TargetUser)
		o = calendarOwner{id: r.id, name: r.name, address: r.address}
	default:
		return o, graph.ErrMailboxNotFound(c.Param(0))
	}
	id := model.DefaultCalendarID(o.id)
	if _, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindCalendar, id); errors.Is(err, store.ErrNotFound) {
		now := s.Now()
		doc := model.Calendar{ID: id, Name: "Calendar", Color: "auto", HexColor: "", IsDefaultCalendar: true, CanShare: !o.group,
			CanViewPrivateItems: true, CanEdit: true, Owner: &model.EmailAddress{Name: o.name, Address: o.address}}
		err := s.Store().CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: model.KindCalendar, ID: id, OwnerID: o.id, Doc: model.EncodeDoc(doc), CreatedAt: now, ModifiedAt: now})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return o, graph.AsError(err)
		}
	} else if err != nil {
		return o, graph.AsError(err)
	}
	return o, nil
}

// calendarFromPath resolves the calendar a path names: /calendars/{id},
// or the default for /calendar and /events.
func (s server) calendarFromPath(c *graph.Call, o calendarOwner) (store.Item, error) {
	segs := strings.Split(c.Match.Route.Path, "/")
	for i, seg := range segs {
		if seg == "calendars" && i+1 < len(segs) && segs[i+1] == "{id}" {
			it, err := s.GetOwned(c, model.KindCalendar, c.Param(1), o.id)
			if err != nil {
				return it, err
			}
			return it, nil
		}
	}
	return s.GetOwned(c, model.KindCalendar, model.DefaultCalendarID(o.id), o.id)
}

// eventParam is the event id of the path (the last parameter).
func eventParam(c *graph.Call) string { return c.LastParam() }

func (s server) listCalendars(c *graph.Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	return s.WriteCollection(c, graph.Collection{Q: q, Base: store.ItemQuery{TenantID: c.TenantID, Kind: model.KindCalendar, OwnerID: o.id},
		Mapping:  graph.JSONMapping("microsoft.graph.calendar", odata.JSONProps{"name": odata.TypeString, "id": odata.TypeString, "isDefaultCalendar": odata.TypeBool, "canEdit": odata.TypeBool}),
		DefOrder: graph.ByCreation, Context: c.ContextURL(),
		Render: func(it store.Item) (json.RawMessage, error) { return s.renderCalendar(c, it) }})
}

// renderCalendar reports canEdit as the caller may: the owner, or a user
// the owner shared the calendar with for writing.
func (s server) renderCalendar(c *graph.Call, it store.Item) (json.RawMessage, error) {
	cal, err := model.DecodeDoc[model.Calendar](it)
	if err != nil {
		return nil, err
	}
	if c.Decision.Match.Rule != nil && c.TargetUser != nil && c.Caller != nil && c.TargetUser.ID != c.Caller.ID {
		cal.CanEdit = c.TargetAccess().Has(authz.AccessWrite)
		cal.CanShare = false
	}
	it.Doc = model.EncodeDoc(cal)
	return graph.RenderItem(it)
}

func (s server) getCalendar(c *graph.Call) error {
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
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, graph.WithContext(b, c.ContextURL()))
}

func (s server) createCalendar(c *graph.Call) error {
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
		return graph.ErrBadRequest("The calendar name is required.")
	}
	now := s.Now()
	id := graph.NewItemID("AAMkAGCal")
	color := in.Color
	if color == "" {
		color = "auto"
	}
	it := store.Item{TenantID: c.TenantID, Kind: model.KindCalendar, ID: id, OwnerID: o.id, CreatedAt: now, ModifiedAt: now, Version: 1,
		Doc: model.EncodeDoc(model.Calendar{ID: id, Name: *in.Name, Color: color, CanShare: true, CanViewPrivateItems: true, CanEdit: true, Owner: &model.EmailAddress{Name: o.name, Address: o.address}})}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return c.WriteItem(http.StatusCreated, it, c.ContextURL(), nil, nil)
}

// basicEventAllowed is Calendars.ReadBasic's property limit (authz owns
// it): no body, preview, attachments or extensions.
func basicEventAllowed(c *graph.Call) map[string]bool {
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

var eventSelectable = graph.SelectableAs("event", model.Event{})

// renderEvent shows an event in the caller's preferred time zone.
func renderEvent(it store.Item, zone string, loc *time.Location) (json.RawMessage, error) {
	e, err := model.DecodeDoc[model.Event](it)
	if err != nil {
		return nil, err
	}
	e.Start, e.End = outputDTZ(e.Start, zone, loc), outputDTZ(e.End, zone, loc)
	it.Doc = model.EncodeDoc(e)
	return graph.RenderItem(it)
}

func (s server) listEvents(c *graph.Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	iq := store.ItemQuery{TenantID: c.TenantID, Kind: model.KindEvent, OwnerID: o.id}
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
	zone, loc := preferredZone(c)
	return s.WriteCollection(c, graph.Collection{Q: q, Base: iq, Mapping: graph.JSONMapping("microsoft.graph.event", eventProps),
		DefOrder: graph.ByDoc("start/utc", store.TypeTime, false), Context: c.ContextURL(),
		Allowed: basicEventAllowed(c), Known: eventSelectable(), Render: func(it store.Item) (json.RawMessage, error) { return renderEvent(it, zone, loc) }})
}

func (s server) getEvent(c *graph.Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	it, err := s.eventOrOccurrence(c, o, eventParam(c))
	if err != nil {
		return err
	}
	zone, loc := preferredZone(c)
	b, err := renderEvent(it, zone, loc)
	if err != nil {
		return graph.AsError(err)
	}
	q, err := c.ParseQuery(odata.Exchange, 1, 0)
	if err != nil {
		return err
	}
	if err := graph.CheckSelect(q.Options().Select, eventSelectable(), "microsoft.graph.event", odata.Exchange); err != nil {
		return err
	}
	if b, err = graph.Project(b, q.Options().Select, nil, basicEventAllowed(c)); err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, graph.WithContext(b, c.ContextURL()))
}

// occurrenceSep joins a series master's id and an occurrence's start.
const occurrenceSep = "_occ_"

// eventOrOccurrence finds a stored event or exception, or builds the
// occurrence an occurrence id names.
func (s server) eventOrOccurrence(c *graph.Call, o calendarOwner, id string) (store.Item, error) {
	master, when, isOcc := strings.Cut(id, occurrenceSep)
	if !isOcc {
		return s.GetOwned(c, model.KindEvent, id, o.id)
	}
	if ex, err := s.GetOwned(c, model.KindEventException, id, o.id); !isNotFound(err) {
		return ex, err
	}
	it, err := s.GetOwned(c, model.KindEvent, master, o.id)
	if err != nil {
		return it, err
	}
	return s.occurrenceAt(it, when)
}

// eventInput is the body of POST and PATCH on events.
type eventInput struct {
	Subject                    *string                    `json:"subject"`
	Body                       *model.ItemBody            `json:"body"`
	Start                      *model.DateTimeTimeZone    `json:"start"`
	End                        *model.DateTimeTimeZone    `json:"end"`
	IsAllDay                   *bool                      `json:"isAllDay"`
	Location                   *model.Location            `json:"location"`
	Locations                  *[]model.Location          `json:"locations"`
	Attendees                  *[]model.Attendee          `json:"attendees"`
	Categories                 *[]string                  `json:"categories"`
	Sensitivity                *string                    `json:"sensitivity"`
	ShowAs                     *string                    `json:"showAs"`
	Importance                 *string                    `json:"importance"`
	IsReminderOn               *bool                      `json:"isReminderOn"`
	ReminderMinutesBeforeStart *int                       `json:"reminderMinutesBeforeStart"`
	Recurrence                 *model.PatternedRecurrence `json:"recurrence"`
	IsOnlineMeeting            *bool                      `json:"isOnlineMeeting"`
	ResponseRequested          *bool                      `json:"responseRequested"`
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
		return graph.ErrBadRequest("Invalid value '%s' for property '%s'.", *v, prop)
	}
	*dst = x
	return nil
}

func (in eventInput) apply(e *model.Event, now string) error {
	if in.Subject != nil {
		e.Subject = *in.Subject
	}
	if in.Body != nil {
		e.Body = *in.Body
		if e.Body.ContentType == "" {
			e.Body.ContentType = "text"
		}
		e.BodyPreview = model.Preview(in.Body.Content)
	}
	if in.IsAllDay != nil {
		e.IsAllDay = *in.IsAllDay
	}
	for _, x := range []struct {
		in  *model.DateTimeTimeZone
		dst *model.DateTimeTimeZone
		tz  *string
	}{{in.Start, &e.Start, &e.OriginalStartTimeZone}, {in.End, &e.End, &e.OriginalEndTimeZone}} {
		if x.in == nil {
			continue
		}
		t, err := parseDTZ(*x.in)
		if err != nil {
			return err
		}
		*x.dst, *x.tz = model.StoredDTZ(t, orUTC(x.in.TimeZone)), orUTC(x.in.TimeZone)
	}
	st, err1 := model.ParseStoredTime(e.Start.UTC)
	en, err2 := model.ParseStoredTime(e.End.UTC)
	if err1 != nil || err2 != nil {
		return graph.ErrBadRequest("An event needs a start and an end.")
	}
	if en.Before(st) {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. The end time must be later than the start time.")
	}
	if e.IsAllDay && (st.Hour() != 0 || st.Minute() != 0 || en.Sub(st)%(24*time.Hour) != 0) {
		startLocal, _ := parseDTZ(model.DateTimeTimeZone{DateTime: e.Start.DateTime, TimeZone: e.Start.TimeZone})
		if startLocal.Hour() != 0 || startLocal.Minute() != 0 {
			return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. An all-day event must start and end at midnight.")
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
				e.Attendees[i].Status = model.ResponseStatus{Response: "none", Time: "0001-01-01T00:00:00Z"}
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
			return graph.ErrBadRequest("%s", err)
		}
		e.Recurrence = in.Recurrence
	}
	e.Type, e.SeriesEnd = "singleInstance", ""
	if e.Recurrence != nil {
		loc, _ := model.LoadZone(e.Start.TimeZone)
		if loc == nil {
			loc = time.UTC
		}
		startLocal := st.In(loc)
		last, err := e.Recurrence.LastEnd(startLocal, en.Sub(st))
		if err != nil {
			return graph.ErrBadRequest("%s", err)
		}
		e.Type = "seriesMaster"
		if !last.IsZero() {
			e.SeriesEnd = model.StoredTime(last)
		}
	}
	e.LastModifiedDateTime = now
	return nil
}

func (s server) createEvent(c *graph.Call) error {
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
		return graph.ErrBadRequest("An event needs a start and an end.")
	}
	now := model.StoredTime(s.Now())
	id := graph.NewItemID("AAMkAGEv")
	e := model.Event{ID: id, CreatedDateTime: now, Categories: []string{}, ICalUID: "040000008200E00074C5B7101A82E008" + strings.ToUpper(graph.NewItemID(""))[:32],
		ReminderMinutesBeforeStart: 15, IsReminderOn: true, Importance: "normal", Sensitivity: "normal", IsOrganizer: true, ResponseRequested: true,
		ShowAs: "busy", Body: model.ItemBody{ContentType: "text"}, Locations: []model.Location{}, Attendees: []model.Attendee{},
		ResponseStatus: model.ResponseStatus{Response: "organizer", Time: "0001-01-01T00:00:00Z"},
		Organizer:      model.Recipient{EmailAddress: model.EmailAddress{Name: o.name, Address: o.address}}}
	e.WebLink = "https://outlook.office365.com/owa/?itemid=" + id + "&exvsurl=1&path=/calendar/item"
	if err := in.apply(&e, now); err != nil {
		return err
	}
	nowT := s.Now()
	it := store.Item{TenantID: c.TenantID, Kind: model.KindEvent, ID: id, OwnerID: o.id, ParentID: cal.ID, Doc: model.EncodeDoc(e), CreatedAt: nowT, ModifiedAt: nowT, Version: 1}
	// The event, the attendees' copies and their meeting requests commit together.
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		invites, err := s.invitations(c, tx, e, o.id, nil, nil)
		if err != nil {
			return err
		}
		return tx.CreateItems(c.Context(), append([]store.Item{it}, invites...)...)
	})
	if err != nil {
		return graph.AsError(err)
	}
	zone, loc := preferredZone(c)
	b, err := renderEvent(it, zone, loc)
	if err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusCreated, graph.WithContext(b, c.ContextURL()))
}

// updateEvent changes an event, or one occurrence of a series (stored as
// an exception). The organizer's changes to a meeting reach the attendees'
// copies in the same transaction, as Exchange's meeting updates do.
func (s server) updateEvent(c *graph.Call) error {
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
		return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. The recurrence of an occurrence can't be changed; change its series.")
	}
	ifVersion, err := graph.VersionOfETag(c.Request().Header.Get("If-Match"))
	if err != nil {
		return err
	}
	now := model.StoredTime(s.Now())
	var it store.Item
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		var err error
		var ch meetingChange
		// change applies the PATCH; a significant change clears the
		// organizer's tally of responses and a series' exceptions.
		change := func(e *model.Event) error {
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
			it, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindEvent, id, ifVersion, func(it store.Item) (store.Item, error) {
				e, err := model.DecodeDoc[model.Event](it)
				if err != nil {
					return it, err
				}
				if perr = change(&e); perr != nil {
					return it, perr
				}
				it.Doc = model.EncodeDoc(e)
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
		e, err := model.DecodeDoc[model.Event](it)
		if err != nil || !e.IsOrganizer || !in.changesMeeting() {
			return err
		}
		if isOcc {
			requestType := informationalUpdate
			if ch.significant {
				requestType = fullUpdate
			}
			return s.propagateOccurrence(c, tx, e, o.id, when, func(d *model.Event) error {
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
		return graph.ErrPreconditionFailed()
	case err != nil:
		return graph.AsError(err)
	}
	zone, loc := preferredZone(c)
	b, err := renderEvent(it, zone, loc)
	if err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, graph.WithContext(b, c.ContextURL()))
}

// deleteEvent removes an event; deleting an occurrence excludes it from
// its series. The organizer deleting a meeting cancels it for attendees.
func (s server) deleteEvent(c *graph.Call) error {
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
func (s server) cancelEvent(c *graph.Call) error {
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
func (s server) respondEvent(c *graph.Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	var in struct {
		Comment      string `json:"comment"`
		SendResponse *bool  `json:"sendResponse"`
	}
	if err := c.ReadBody(&in, respondBody(c.Request().URL.Path)); err != nil {
		return err
	}
	id := eventParam(c)
	if master, _, ok := strings.Cut(id, occurrenceSep); ok {
		id = master
	}
	if _, err := s.GetOwned(c, model.KindEvent, id, o.id); err != nil {
		return err
	}
	path := strings.ToLower(c.Request().URL.Path)
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
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		var ev model.Event
		_, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindEvent, id, 0, func(it store.Item) (store.Item, error) {
			e, err := model.DecodeDoc[model.Event](it)
			if err != nil {
				return it, err
			}
			if e.IsOrganizer {
				perr = graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "Your request can't be completed. You can't respond to a meeting you organized.")
				return it, perr
			}
			e.ResponseStatus = model.ResponseStatus{Response: response, Time: model.GraphTime(s.Now())}
			if response == "tentativelyAccepted" {
				e.ShowAs = "tentative"
			}
			if response == "declined" {
				e.ShowAs = "free"
			}
			ev = e
			it.Doc = model.EncodeDoc(e)
			return it, nil
		})
		if err != nil || (in.SendResponse != nil && !*in.SendResponse) {
			return err
		}
		return s.trackResponse(c, tx, ev, model.EmailAddress{Name: o.name, Address: o.address}, response, in.Comment)
	})
	if perr != nil {
		return perr
	}
	if err != nil {
		return graph.AsError(err)
	}
	return c.Accepted()
}

// trackResponse records an attendee's response on the organizer's copy
// of the meeting (found by its iCalUId in the organizer's calendar) and
// delivers the response to the organizer's Inbox, as Exchange does when
// the response is sent.
func (s server) trackResponse(c *graph.Call, tx store.Items, ev model.Event, attendee model.EmailAddress, response, comment string) error {
	attendeeAddr := attendee.Address
	org := ev.Organizer.EmailAddress.Address
	if org == "" || ev.ICalUID == "" {
		return nil
	}
	u, err := s.Store().UserByUPN(c.Context(), org)
	if err != nil || u.TenantID != c.TenantID {
		return nil // an organizer outside the tenant gets an email, not a tracked status
	}
	items, _, err := tx.QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindEvent, OwnerID: u.ID,
		Filter: graph.DocEq("iCalUId", ev.ICalUID)})
	if err != nil {
		return err
	}
	now := model.GraphTime(s.Now())
	for _, it := range items {
		org := false
		up, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindEvent, it.ID, 0, func(it store.Item) (store.Item, error) {
			e, err := model.DecodeDoc[model.Event](it)
			if err != nil || !e.IsOrganizer {
				return it, err
			}
			org = true
			for i := range e.Attendees {
				if strings.EqualFold(e.Attendees[i].EmailAddress.Address, attendeeAddr) {
					e.Attendees[i].Status = model.ResponseStatus{Response: response, Time: now}
				}
			}
			it.Doc = model.EncodeDoc(e)
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
		if err := tx.CreateItems(c.Context(), msg); err != nil {
			return err
		}
	}
	return nil
}

// calendarView lists the events, occurrences and exceptions overlapping
// a window, a page at a time (calendar_view.go): the series active in the
// window, the single events and the exceptions, merged in start order.
func (s server) calendarView(c *graph.Call) error {
	o, err := s.calOwner(c)
	if err != nil {
		return err
	}
	v, err := s.newView(c, c.ContextURL())
	if err != nil {
		return err
	}
	// /calendarView is the default calendar's, as /calendar/… is.
	cal, err := s.calendarFromPath(c, o)
	if err != nil {
		return err
	}
	// The series that have begun before the window's end and not ended
	// before its start (items_series_span: the predicate — a literal —
	// and the expressions are the index's, both halves tested in it), by
	// id: the merge orders the instances by start and id, so the masters'
	// order changes no answer, and sorting the matches' keys reads no
	// document, where the index's order (end, start) would have each
	// row's document read for the sort's expressions (scale 1, psql: 1.4
	// against 3.2–9 ms).
	noEnd := store.Literal("9999-12-31")
	seriesEnd := store.Field{Path: []string{"_seriesEnd"}, Type: store.TypeString, IfNull: &noEnd}
	typ, start := store.Doc("type", store.TypeString), store.Doc("start/utc", store.TypeTime)
	masters, err := s.activeMasters(c, store.ItemQuery{TenantID: c.TenantID, Kind: model.KindEvent, OwnerID: o.id, ParentID: cal.ID,
		Filter: store.And{
			store.Compare{Field: typ, Op: store.Eq, Value: store.Literal("seriesMaster")},
			store.Compare{Field: start, Op: store.Lt, Value: store.Time(v.to)},
			store.Compare{Field: seriesEnd, Op: store.Gt, Value: store.String(model.StoredTime(v.from))},
		}})
	if err != nil {
		return graph.AsError(err)
	}
	// Single events: a type other than seriesMaster (and a type at all).
	single := store.And{store.Not{Cond: store.IsNull{Field: typ}}, store.Compare{Field: typ, Op: store.Ne, Value: store.Literal("seriesMaster")}}
	v.work.rows += int64(len(masters))
	sources, err := s.seriesSources(c.Context(), v, masters)
	if err != nil {
		return graph.AsError(err)
	}
	sources = append(sources,
		s.storedSource(v, store.ItemQuery{TenantID: c.TenantID, Kind: model.KindEvent, OwnerID: o.id, ParentID: cal.ID, Filter: single}),
		// Changed occurrences are where they are now, wherever their
		// series is.
		s.storedSource(v, store.ItemQuery{TenantID: c.TenantID, Kind: model.KindEventException, OwnerID: o.id, ParentID: cal.ID}))
	return s.writeView(v, sources)
}
