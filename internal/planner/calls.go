package planner

import "strings"

// Call is one Microsoft Graph request the integration makes, under /v1.0,
// as the reference documents it (its calls per feature).
type Call struct {
	Feature Feature `json:"feature"`
	Method  string  `json:"method"`
	// Path names ids with placeholders ({calendar-id}); a shared mailbox's
	// calls go to /users/{shared}/….
	Path  string `json:"path"`
	Query string `json:"query,omitempty"`
	// Write marks a call only the feature's write services make (its
	// effective enable_update, or a write-only feature).
	Write bool `json:"write,omitempty"`
}

// The integration's $select lists. The reference elides the message list
// ("$select=…"); these are what graphgate's bridge, which runs the
// integration's sensors, selects.
const (
	calendarSelect   = "name,id,canEdit,color,hexColor"
	eventSelect      = "subject,body,start,end,isAllDay,location,categories,sensitivity,showAs,attendees,seriesMasterId"
	eventSelectBasic = "subject,start,end,isAllDay,location,categories,sensitivity,showAs,seriesMasterId"
	messageSelect    = "subject,body,bodyPreview,receivedDateTime,from,sender,toRecipients,ccRecipients,hasAttachments,importance,isRead"
	// userSelect: the integration looks a watched user up by address and
	// reads only the id, to ask for that id's presence. The reference shows
	// the call without options; without a $select Graph answers with the
	// default properties, some of which User.ReadBasic.All trims, so
	// graphgate's bridge selects what it uses, inside the basic profile.
	userSelect = "id,displayName,mail"
	window     = "startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-01-02T00:00:00Z&$top=50"
)

// Calls lists the Graph calls the integration makes for cfg: those of
// every configured feature the plan does not refuse, with the write
// services' calls when the feature's effective enable_update is on. The
// order is the plan's order of features.
func (pl *Planner) Calls(cfg Config) ([]Call, error) {
	p, err := pl.Plan(cfg)
	if err != nil {
		return nil, err
	}
	mb := "/me"
	if p.SharedMailbox != "" {
		mb = "/users/" + p.SharedMailbox
	}
	var out []Call
	for _, fp := range p.Features {
		if fp.Refused {
			continue
		}
		f := fp.Feature
		read := func(method, path, query string) {
			out = append(out, Call{Feature: f, Method: method, Path: path, Query: query})
		}
		write := func(method, path string) {
			out = append(out, Call{Feature: f, Method: method, Path: path, Write: true})
		}
		switch f {
		case FeatureAccount:
			read("GET", "/me", "")
		case FeatureCalendar:
			sel := eventSelect
			if cfg.BasicCalendar {
				sel = eventSelectBasic
			}
			read("GET", mb+"/calendars", "$top=50&$select="+calendarSelect)
			read("GET", mb+"/calendars/{calendar-id}/calendarView", window+"&$select="+sel)
			if fp.Update {
				write("POST", mb+"/calendars/{calendar-id}/events")
				write("PATCH", mb+"/events/{event-id}")
				write("DELETE", mb+"/events/{event-id}")
				for _, r := range []string{"accept", "tentativelyAccept", "decline"} {
					write("POST", mb+"/events/{event-id}/"+r)
				}
			}
		case FeatureGroups:
			read("GET", "/groups/{group-id}/calendar/calendarView", window+"&$select="+eventSelect)
			if fp.Update {
				write("POST", "/groups/{group-id}/calendar/events")
			}
		case FeatureEmail, FeatureQuery:
			read("GET", mb+"/mailFolders", "$filter="+queryEscape("displayName eq 'Inbox'")+"&$top=1")
			read("GET", mb+"/mailFolders/{folder-id}/childFolders", "$filter="+queryEscape("displayName eq 'Invoices'")+"&$top=1")
			read("GET", mb+"/mailFolders/{folder-id}/messages", "$top=25&$select="+messageSelect+
				"&$orderby="+queryEscape("receivedDateTime desc")+"&$filter="+queryEscape("isRead eq false"))
			read("GET", mb+"/messages/{message-id}/attachments", "")
		case FeatureSendMail:
			write("POST", mb+"/sendMail")
		case FeatureAutoReply:
			read("GET", "/me/mailboxSettings", "")
			write("PATCH", "/me/mailboxSettings")
		case FeatureStatusSensor:
			read("GET", "/me/presence", "")
			if fp.Update {
				write("POST", "/me/presence/setPresence")
				write("POST", "/me/presence/setUserPreferredPresence")
			}
		case FeatureOtherStatus:
			for _, e := range cfg.OtherStatusEmails {
				read("GET", "/users/"+strings.TrimSpace(e), "$select="+userSelect)
			}
			read("GET", "/users/{user-id}/presence", "")
		case FeatureChat:
			read("GET", "/me/chats", "$top=20")
			read("GET", "/chats/{chat-id}/messages", "$top=10")
			read("GET", "/chats/{chat-id}/members", "")
			if fp.Update {
				write("POST", "/chats/{chat-id}/messages")
			}
		case FeatureTodo:
			read("GET", "/me/todo/lists", "")
			read("GET", "/me/todo/lists/{list-id}", "")
			read("GET", "/me/todo/lists/{list-id}/tasks", "$top=100&$filter="+queryEscape("status ne 'completed'"))
			if fp.Update {
				write("POST", "/me/todo/lists/{list-id}/tasks")
				write("PATCH", "/me/todo/lists/{list-id}/tasks/{task-id}")
				write("DELETE", "/me/todo/lists/{list-id}/tasks/{task-id}")
			}
		}
	}
	return out, nil
}

// queryEscape encodes an OData expression for a query string (spaces and
// quotes), as a client library sends it.
func queryEscape(s string) string {
	return strings.NewReplacer(" ", "%20", "'", "%27").Replace(s)
}
