package bridge

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"graphgate/internal/bridge/graphclient"
	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// Calendar sensors are the integration's calendar entities as MQTT binary
// sensors: on while an event is in progress; the attributes are the
// integration's (message, all_day, start_time, end_time, location,
// description, and data: the events of the window).

type graphCalendar struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	CanEdit  bool   `json:"canEdit"`
	Color    string `json:"color"`
	HexColor string `json:"hexColor"`
}

type graphEvent struct {
	ID       string    `json:"id"`
	Subject  string    `json:"subject"`
	Body     itemBody  `json:"body"`
	Start    graphTime `json:"start"`
	End      graphTime `json:"end"`
	IsAllDay bool      `json:"isAllDay"`
	Location struct {
		DisplayName string `json:"displayName"`
	} `json:"location"`
	Categories  []string `json:"categories"`
	Sensitivity string   `json:"sensitivity"`
	ShowAs      string   `json:"showAs"`
	Attendees   []struct {
		emailAddress
		Type   string `json:"type"`
		Status struct {
			Response string `json:"response"`
		} `json:"status"`
	} `json:"attendees"`
	SeriesMasterID string `json:"seriesMasterId"`
}

// The integration's calendarView $select; basic_calendar drops what
// Calendars.ReadBasic does not give (body, attendees).
const (
	eventSelect      = "subject,body,start,end,isAllDay,location,categories,sensitivity,showAs,attendees,seriesMasterId"
	eventSelectBasic = "subject,start,end,isAllDay,location,categories,sensitivity,showAs,seriesMasterId"
	calendarSelect   = "name,id,canEdit,color,hexColor"
)

// listCalendars is GET {mailbox}/calendars?$top=50&$select=….
func (a *account) listCalendars(ctx context.Context) ([]graphCalendar, error) {
	return graphclient.List[graphCalendar](ctx, a.gc, a.mailbox()+"/calendars",
		graphclient.Query{}.Add("$top", "50").Add("$select", calendarSelect), 0)
}

// window is a calendarView query.
type window struct {
	search     string
	start, end int // hours from now
	max        int
}

func (a *account) calendarView(ctx context.Context, path string, w window) ([]graphEvent, error) {
	now := time.Now().UTC()
	sel := eventSelect
	if a.cfg.BasicCalendar {
		sel = eventSelectBasic
	}
	q := graphclient.Query{}.
		Add("startDateTime", now.Add(time.Duration(w.start)*time.Hour).Format(time.RFC3339)).
		Add("endDateTime", now.Add(time.Duration(w.end)*time.Hour).Format(time.RFC3339)).
		Add("$top", fmt.Sprint(w.max)).
		Add("$select", sel)
	if w.search != "" {
		q = q.Add("$filter", "contains(subject,"+odataString(w.search)+")")
	}
	evs, err := graphclient.List[graphEvent](ctx, a.gc, path, q, w.max)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(evs, func(i, j int) bool {
		ti, _ := evs[i].Start.time()
		tj, _ := evs[j].Start.time()
		return ti.Before(tj)
	})
	return evs, nil
}

// calendarEntity builds the binary sensor of a calendar's events.
func calendarEntity(object, name string, evs []graphEvent, now time.Time) entity {
	type ev struct {
		Summary     string   `json:"summary"`
		Start       string   `json:"start"`
		End         string   `json:"end"`
		AllDay      bool     `json:"all_day"`
		Location    string   `json:"location,omitempty"`
		Description string   `json:"description,omitempty"`
		Categories  []string `json:"categories,omitempty"`
		Sensitivity string   `json:"sensitivity,omitempty"`
		ShowAs      string   `json:"show_as,omitempty"`
		Attendees   []string `json:"attendees,omitempty"`
		UID         string   `json:"uid"`
		SeriesID    string   `json:"series_master_id,omitempty"`
	}
	attrs := map[string]any{"message": "", "all_day": false, "start_time": nil, "end_time": nil, "location": "", "description": "", "data": []ev{}}
	data := []ev{}
	var current, next *graphEvent
	for i := range evs {
		e := &evs[i]
		att := []string{}
		for _, x := range e.Attendees {
			att = append(att, x.EmailAddress.Address)
		}
		data = append(data, ev{Summary: e.Subject, Start: e.Start.String(), End: e.End.String(), AllDay: e.IsAllDay,
			Location: e.Location.DisplayName, Description: e.Body.Content, Categories: e.Categories, Sensitivity: e.Sensitivity,
			ShowAs: e.ShowAs, Attendees: att, UID: e.ID, SeriesID: e.SeriesMasterID})
		s, ok1 := e.Start.time()
		en, ok2 := e.End.time()
		if !ok1 || !ok2 {
			continue
		}
		// A timed event is favoured over an all-day one, as the integration.
		if !s.After(now) && en.After(now) && (current == nil || current.IsAllDay && !e.IsAllDay) {
			current = e
		}
		if s.After(now) && (next == nil || next.IsAllDay && !e.IsAllDay) {
			if next == nil {
				next = e
			}
		}
	}
	state := "OFF"
	show := next
	if current != nil {
		state, show = "ON", current
	}
	if show != nil {
		attrs["message"] = show.Subject
		attrs["all_day"] = show.IsAllDay
		attrs["start_time"] = show.Start.String()
		attrs["end_time"] = show.End.String()
		attrs["location"] = show.Location.DisplayName
		attrs["description"] = show.Body.Content
	}
	attrs["data"] = data
	return entity{component: "binary_sensor", object: object, name: name, icon: "mdi:calendar", state: state, attrs: attrs}
}

// allCalendarsSensor tracks every calendar of the mailbox (no calendars
// configured).
func (a *account) allCalendarsSensor(every time.Duration) *sensor {
	return newSensor(planner.FeatureCalendar, "calendars", every, func(ctx context.Context) ([]entity, error) {
		cals, err := a.listCalendars(ctx)
		if err != nil {
			return nil, err
		}
		var out []entity
		used := map[string]bool{}
		for _, c := range cals {
			obj := "calendar_" + mqttha.Slug(c.Name)
			if used[obj] {
				obj += "_" + mqttha.Slug(c.ID[max(0, len(c.ID)-6):])
			}
			used[obj] = true
			evs, err := a.calendarView(ctx, a.mailbox()+"/calendars/"+url.PathEscape(c.ID)+"/calendarView", window{start: -24, end: 24, max: 50})
			if err != nil {
				return nil, err
			}
			out = append(out, calendarEntity(obj, c.Name, evs, time.Now()))
		}
		return out, nil
	})
}

// calendarSensor tracks one configured calendar, found by name or id.
func (a *account) calendarSensor(cc CalendarConfig, every time.Duration) *sensor {
	name := firstNonEmpty(cc.Name, cc.Calendar, cc.CalendarID)
	obj := "calendar_" + mqttha.Slug(name)
	var mu sync.Mutex
	id := cc.CalendarID
	return newSensor(planner.FeatureCalendar, obj, every, func(ctx context.Context) ([]entity, error) {
		mu.Lock()
		calID := id
		mu.Unlock()
		if calID == "" {
			cals, err := a.listCalendars(ctx)
			if err != nil {
				return nil, err
			}
			for _, c := range cals {
				if strings.EqualFold(c.Name, cc.Calendar) {
					calID = c.ID
				}
			}
			if calID == "" {
				return nil, fmt.Errorf("no calendar named %q in %s", cc.Calendar, a.mailbox())
			}
			mu.Lock()
			id = calID
			mu.Unlock()
		}
		evs, err := a.calendarView(ctx, a.mailbox()+"/calendars/"+url.PathEscape(calID)+"/calendarView",
			window{search: cc.Search, start: *cc.StartOffset, end: *cc.EndOffset, max: cc.MaxResults})
		if graphclient.IsStatus(err, 404) && cc.CalendarID == "" {
			mu.Lock()
			id = "" // renamed or deleted: look it up again next time
			mu.Unlock()
		}
		if err != nil {
			return nil, err
		}
		return []entity{calendarEntity(obj, name, evs, time.Now())}, nil
	})
}

// groupSensor tracks a Microsoft 365 group's calendar.
func (a *account) groupSensor(g GroupConfig, every time.Duration) *sensor {
	obj := "group_calendar_" + mqttha.Slug(firstNonEmpty(g.Name, g.GroupID))
	var mu sync.Mutex
	name := g.Name
	return newSensor(planner.FeatureGroups, obj, every, func(ctx context.Context) ([]entity, error) {
		mu.Lock()
		n := name
		mu.Unlock()
		if n == "" {
			var grp struct {
				DisplayName string `json:"displayName"`
			}
			if err := a.gc.Get(ctx, "/groups/"+url.PathEscape(g.GroupID), graphclient.Query{}.Add("$select", "displayName"), &grp); err != nil {
				return nil, err
			}
			n = firstNonEmpty(grp.DisplayName, g.GroupID)
			mu.Lock()
			name = n
			mu.Unlock()
		}
		evs, err := a.calendarView(ctx, "/groups/"+url.PathEscape(g.GroupID)+"/calendar/calendarView",
			window{search: g.Search, start: *g.StartOffset, end: *g.EndOffset, max: g.MaxResults})
		if err != nil {
			return nil, err
		}
		return []entity{calendarEntity(obj, n, evs, time.Now())}, nil
	})
}
