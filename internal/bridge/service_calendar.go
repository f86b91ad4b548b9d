package bridge

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// callID is the optional correlation id every payload may carry.
type callID struct {
	ID any `json:"id,omitempty"`
}

type attendeeIn struct {
	Email string `json:"email"`
	Type  string `json:"type,omitempty"` // required (default), optional, resource
}

// eventIn is the payload of calendar_create_event and calendar_modify_event
// (the integration's service fields).
type eventIn struct {
	callID
	EventID     string       `json:"event_id,omitempty"`
	CalendarID  string       `json:"calendar_id,omitempty"`
	Calendar    string       `json:"calendar,omitempty"`
	GroupID     string       `json:"group_id,omitempty"`
	Subject     *string      `json:"subject,omitempty"`
	Start       string       `json:"start,omitempty"`
	End         string       `json:"end,omitempty"`
	Body        *string      `json:"body,omitempty"`
	IsHTML      bool         `json:"is_html,omitempty"`
	Location    *string      `json:"location,omitempty"`
	IsAllDay    *bool        `json:"is_all_day,omitempty"`
	Categories  []string     `json:"categories,omitempty"`
	Sensitivity string       `json:"sensitivity,omitempty"`
	ShowAs      string       `json:"show_as,omitempty"`
	Attendees   []attendeeIn `json:"attendees,omitempty"`
}

// graphEventBody builds Graph's event from the payload's set fields.
func (in eventIn) graphEventBody() (map[string]any, error) {
	ev := map[string]any{}
	if in.Subject != nil {
		ev["subject"] = *in.Subject
	}
	if in.Body != nil {
		ct := "text"
		if in.IsHTML {
			ct = "html"
		}
		ev["body"] = itemBody{ContentType: ct, Content: *in.Body}
	}
	var start, end time.Time
	var err error
	if in.Start != "" {
		if start, err = parseTime("start", in.Start); err != nil {
			return nil, err
		}
		ev["start"] = utcTime(start)
	}
	if in.End != "" {
		if end, err = parseTime("end", in.End); err != nil {
			return nil, err
		}
		ev["end"] = utcTime(end)
	}
	if in.Start != "" && in.End != "" && !end.After(start) {
		return nil, badRequest("end must be after start")
	}
	if in.Location != nil {
		ev["location"] = map[string]string{"displayName": *in.Location}
	}
	if in.IsAllDay != nil {
		ev["isAllDay"] = *in.IsAllDay
	}
	if in.Categories != nil {
		ev["categories"] = in.Categories
	}
	if in.Sensitivity != "" {
		ev["sensitivity"] = in.Sensitivity
	}
	if in.ShowAs != "" {
		ev["showAs"] = in.ShowAs
	}
	if in.Attendees != nil {
		var att []map[string]any
		for _, x := range in.Attendees {
			if !strings.Contains(x.Email, "@") {
				return nil, badRequest("attendee email %q is not an address", x.Email)
			}
			t := x.Type
			if t == "" {
				t = "required"
			}
			att = append(att, map[string]any{"emailAddress": map[string]string{"address": x.Email}, "type": t})
		}
		ev["attendees"] = att
	}
	return ev, nil
}

// eventPath is the event's path: the group's, or the mailbox's.
func (a *account) eventPath(groupID, eventID string) string {
	if groupID != "" {
		return "/groups/" + url.PathEscape(groupID) + "/events/" + url.PathEscape(eventID)
	}
	return a.mailbox() + "/events/" + url.PathEscape(eventID)
}

// createEvent: POST {mailbox}/calendars/{id}/events (the default calendar's
// {mailbox}/events without one), or /groups/{id}/calendar/events.
func createEvent(ctx context.Context, a *account, p []byte) (any, error) {
	var in eventIn
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if in.Subject == nil || *in.Subject == "" || in.Start == "" || in.End == "" {
		return nil, badRequest("subject, start and end are required")
	}
	ev, err := in.graphEventBody()
	if err != nil {
		return nil, err
	}
	path := a.mailbox() + "/events"
	switch {
	case in.GroupID != "":
		path = "/groups/" + url.PathEscape(in.GroupID) + "/calendar/events"
	case in.CalendarID != "" || in.Calendar != "":
		id := in.CalendarID
		if id == "" {
			cals, err := a.listCalendars(ctx)
			if err != nil {
				return nil, err
			}
			for _, c := range cals {
				if strings.EqualFold(c.Name, in.Calendar) {
					id = c.ID
				}
			}
			if id == "" {
				return nil, &serviceError{Code: "calendarNotFound", Message: "no calendar named " + in.Calendar}
			}
		}
		path = a.mailbox() + "/calendars/" + url.PathEscape(id) + "/events"
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.gc.Do(ctx, http.MethodPost, path, nil, ev, &out); err != nil {
		return nil, err
	}
	return map[string]string{"event_id": out.ID}, nil
}

// modifyEvent: PATCH {mailbox}/events/{id}.
func modifyEvent(ctx context.Context, a *account, p []byte) (any, error) {
	var in eventIn
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if in.EventID == "" {
		return nil, badRequest("event_id is required")
	}
	ev, err := in.graphEventBody()
	if err != nil {
		return nil, err
	}
	if len(ev) == 0 {
		return nil, badRequest("nothing to change: give subject, start, end, body, location, is_all_day, categories, sensitivity, show_as or attendees")
	}
	if err := a.gc.Do(ctx, http.MethodPatch, a.eventPath(in.GroupID, in.EventID), nil, ev, nil); err != nil {
		return nil, err
	}
	return map[string]string{"event_id": in.EventID}, nil
}

// removeEvent: DELETE {mailbox}/events/{id}.
func removeEvent(ctx context.Context, a *account, p []byte) (any, error) {
	var in struct {
		callID
		EventID string `json:"event_id"`
		GroupID string `json:"group_id,omitempty"`
	}
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if in.EventID == "" {
		return nil, badRequest("event_id is required")
	}
	if err := a.gc.Do(ctx, http.MethodDelete, a.eventPath(in.GroupID, in.EventID), nil, nil, nil); err != nil {
		return nil, err
	}
	return map[string]string{"event_id": in.EventID}, nil
}

// respondEvent: POST {mailbox}/events/{id}/accept, /tentativelyAccept or
// /decline {comment, sendResponse}.
func respondEvent(ctx context.Context, a *account, p []byte) (any, error) {
	var in struct {
		callID
		EventID      string `json:"event_id"`
		Response     string `json:"response"`
		Message      string `json:"message,omitempty"`
		SendResponse *bool  `json:"send_response,omitempty"`
	}
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if in.EventID == "" {
		return nil, badRequest("event_id is required")
	}
	action := map[string]string{"accept": "accept", "tentative": "tentativelyAccept", "tentativelyaccept": "tentativelyAccept", "decline": "decline"}[strings.ToLower(in.Response)]
	if action == "" {
		return nil, badRequest("response must be accept, tentative or decline, not %q", in.Response)
	}
	send := true
	if in.SendResponse != nil {
		send = *in.SendResponse
	}
	body := map[string]any{"comment": in.Message, "sendResponse": send}
	if err := a.gc.Do(ctx, http.MethodPost, a.eventPath("", in.EventID)+"/"+action, nil, body, nil); err != nil {
		return nil, err
	}
	return map[string]string{"event_id": in.EventID, "response": action}, nil
}
