package model

import (
	"crypto/sha256"
	"encoding/base64"
)

// Item kinds of calendars.
const (
	KindCalendar = "calendar"
	KindEvent    = "event"
)

// Calendar is a calendar's stored document (Graph's calendar).
type Calendar struct {
	ID                  string        `json:"id"`
	Name                string        `json:"name"`
	Color               string        `json:"color"`
	HexColor            string        `json:"hexColor"`
	IsDefaultCalendar   bool          `json:"isDefaultCalendar"`
	ChangeKey           string        `json:"changeKey"`
	CanShare            bool          `json:"canShare"`
	CanViewPrivateItems bool          `json:"canViewPrivateItems"`
	CanEdit             bool          `json:"canEdit"`
	Owner               *EmailAddress `json:"owner"`
}

// ResponseStatus is an attendee's or the owner's response to an event.
type ResponseStatus struct {
	Response string `json:"response"`
	Time     string `json:"time"`
}

// Attendee is an event's attendee.
type Attendee struct {
	Type         string         `json:"type"`
	Status       ResponseStatus `json:"status"`
	EmailAddress EmailAddress   `json:"emailAddress"`
}

// Location is an event's location.
type Location struct {
	DisplayName  string `json:"displayName"`
	LocationType string `json:"locationType,omitempty"`
}

// Event is an event's stored document (Graph's event): a single event, a
// series master, or an exception of a series (KindEventException).
type Event struct {
	ID                         string               `json:"id"`
	CreatedDateTime            string               `json:"createdDateTime"`
	LastModifiedDateTime       string               `json:"lastModifiedDateTime"`
	ChangeKey                  string               `json:"changeKey"`
	Categories                 []string             `json:"categories"`
	OriginalStartTimeZone      string               `json:"originalStartTimeZone"`
	OriginalEndTimeZone        string               `json:"originalEndTimeZone"`
	OriginalStart              *string              `json:"originalStart,omitempty"` // instances only: the start in the series' pattern
	ICalUID                    string               `json:"iCalUId"`
	ReminderMinutesBeforeStart int                  `json:"reminderMinutesBeforeStart"`
	IsReminderOn               bool                 `json:"isReminderOn"`
	HasAttachments             bool                 `json:"hasAttachments"`
	Subject                    string               `json:"subject"`
	BodyPreview                string               `json:"bodyPreview"`
	Importance                 string               `json:"importance"`
	Sensitivity                string               `json:"sensitivity"`
	IsAllDay                   bool                 `json:"isAllDay"`
	IsCancelled                bool                 `json:"isCancelled"`
	IsOrganizer                bool                 `json:"isOrganizer"`
	ResponseRequested          bool                 `json:"responseRequested"`
	SeriesMasterID             *string              `json:"seriesMasterId"`
	ShowAs                     string               `json:"showAs"`
	Type                       string               `json:"type"`
	WebLink                    string               `json:"webLink"`
	IsOnlineMeeting            bool                 `json:"isOnlineMeeting"`
	IsDraft                    bool                 `json:"isDraft"`
	ResponseStatus             ResponseStatus       `json:"responseStatus"`
	Body                       ItemBody             `json:"body"`
	Start                      DateTimeTimeZone     `json:"start"`
	End                        DateTimeTimeZone     `json:"end"`
	Location                   Location             `json:"location"`
	Locations                  []Location           `json:"locations"`
	Recurrence                 *PatternedRecurrence `json:"recurrence"`
	Attendees                  []Attendee           `json:"attendees"`
	Organizer                  Recipient            `json:"organizer"`
	// Internal: the end of a series' last occurrence (empty for no end or
	// not a series), deleted occurrences' start instants, and the start
	// instants of occurrences stored as exceptions (KindEventException).
	SeriesEnd  string   `json:"_seriesEnd,omitempty"`
	Exdates    []string `json:"_exdates,omitempty"`
	Exceptions []string `json:"_exceptions,omitempty"`
}

// DefaultCalendarID is the stable id of an owner's default calendar.
func DefaultCalendarID(ownerID string) string {
	h := sha256.Sum256([]byte(ownerID + "/calendar/default"))
	return "AAMkADefCal" + base64.RawURLEncoding.EncodeToString(h[:24])
}

// KindEventException holds exceptions. They are a kind of their own so
// that /events, which lists single events and series masters only, never
// pages over them, while calendarView and instances query them next to
// the expanded series.
const KindEventException = "eventException"

// EventMessage is an eventMessage's stored document: the message, the
// eventMessage properties, and those of the request or response subtype.
type EventMessage struct {
	ODataType string `json:"@odata.type"`
	Message
	MeetingMessageType string               `json:"meetingMessageType"`
	StartDateTime      *DateTimeTimeZone    `json:"startDateTime"`
	EndDateTime        *DateTimeTimeZone    `json:"endDateTime"`
	Location           *Location            `json:"location"`
	Type               string               `json:"type"`
	IsAllDay           bool                 `json:"isAllDay"`
	IsOutOfDate        bool                 `json:"isOutOfDate"`
	IsDelegated        bool                 `json:"isDelegated"`
	Recurrence         *PatternedRecurrence `json:"recurrence"`
	// eventMessageRequest
	MeetingRequestType    string `json:"meetingRequestType,omitempty"`
	ResponseRequested     *bool  `json:"responseRequested,omitempty"`
	AllowNewTimeProposals *bool  `json:"allowNewTimeProposals,omitempty"`
	// What an update changed, as it was before (set only when changed).
	PreviousStartDateTime *DateTimeTimeZone `json:"previousStartDateTime,omitempty"`
	PreviousEndDateTime   *DateTimeTimeZone `json:"previousEndDateTime,omitempty"`
	PreviousLocation      *Location         `json:"previousLocation,omitempty"`
	// eventMessageResponse
	ResponseType string `json:"responseType,omitempty"`
	// EventID is the recipient's event the message is about: the target of
	// the event navigation property.
	EventID string `json:"_eventId,omitempty"`
}
