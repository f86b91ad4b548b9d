package model

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/store"
)

// Seeder writes workload data straight into the store, in the documents'
// formats, for the demo tenant and for tests: mailboxes with messages,
// calendars with events, To Do tasks, chats, presence, and sharing grants.
type Seeder struct {
	st     store.Items
	tenant string
	now    time.Time
	items  []store.Item
	// calendars maps a calendar owner's address (lower-cased) to its id,
	// and invites are events whose attendees get a copy when flushed.
	calendars map[string]string
	invites   []Event
	inviteOf  []string // the organizer of invites[i]
	// ids, when set, is where new item ids come from (WithIDs).
	ids io.Reader
}

// WithIDs makes the ids of the items the seeder creates come from r
// instead of crypto/rand: a deterministic stream gives the same ids on
// every run (graphgate's --seed), for reproducible fixtures. It returns s.
func (s *Seeder) WithIDs(r io.Reader) *Seeder {
	s.ids = r
	return s
}

// fill fills b with the seeder's id entropy.
func (s *Seeder) fill(b []byte) {
	if s.ids == nil {
		_, _ = rand.Read(b)
		return
	}
	if _, err := io.ReadFull(s.ids, b); err != nil {
		panic("model: seeder id source: " + err.Error())
	}
}

// itemID is a new item id (the Graph server's shape: prefix and 44
// base64url characters) from the seeder's entropy.
func (s *Seeder) itemID(prefix string) string {
	b := make([]byte, 33)
	s.fill(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// driveItemID is NewDriveItemID from the seeder's entropy.
func (s *Seeder) driveItemID() string {
	b := make([]byte, 20)
	s.fill(b)
	return "01" + b32.EncodeToString(b)[:32]
}

// onenoteID is newOnenoteID from the seeder's entropy.
func (s *Seeder) onenoteID() string {
	b := make([]byte, 16)
	s.fill(b)
	x := hex.EncodeToString(b)
	return "1-" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// NewSeeder collects items for a tenant; Flush stores them in one batch.
func NewSeeder(st store.Items, tenantID string, now time.Time) *Seeder {
	return &Seeder{st: st, tenant: tenantID, now: now.UTC()}
}

// Pending is the number of items collected and not yet flushed, so that a
// generator can flush in batches of bounded size.
func (s *Seeder) Pending() int { return len(s.items) }

func (s *Seeder) add(kind, id, owner, parent string, doc any) {
	s.items = append(s.items, store.Item{TenantID: s.tenant, Kind: kind, ID: id, OwnerID: owner, ParentID: parent,
		Doc: EncodeDoc(doc), CreatedAt: s.now, ModifiedAt: s.now, Version: 1})
}

// Mailbox creates a user's well-known mail folders.
func (s *Seeder) Mailbox(userID string) {
	root := FolderID(userID, MsgFolderRoot)
	for _, f := range WellKnownFolders {
		id := FolderID(userID, f.Name)
		s.add(KindMailFolder, id, userID, root, Folder{ID: id, DisplayName: f.Display, ParentFolderID: root, WellKnownName: f.Name})
	}
}

// MailFolder adds a folder under parent ("" for the top level) and returns its id.
func (s *Seeder) MailFolder(userID, parent, name string) string {
	if parent == "" {
		parent = FolderID(userID, MsgFolderRoot)
	}
	id := s.itemID("AAMkAGFld")
	s.add(KindMailFolder, id, userID, parent, Folder{ID: id, DisplayName: name, ParentFolderID: parent})
	return id
}

// SeedMessage describes a received message.
type SeedMessage struct {
	Folder     string // folder id
	FromName   string
	FromAddr   string
	To         []string
	Subject    string
	Body       string
	HTML       bool
	Received   time.Time
	IsRead     bool
	Importance string
	Categories []string
	Attachment *SeedAttachment
	// ConversationID groups messages of one thread ("": a new one).
	ConversationID string
}

// SeedAttachment is a file attached to a seeded message.
type SeedAttachment struct {
	Name, ContentType string
	Content           []byte
}

// Message adds a message to a user's mailbox.
func (s *Seeder) Message(userID string, m SeedMessage) string {
	ct := "text"
	if m.HTML {
		ct = "html"
	}
	imp := m.Importance
	if imp == "" {
		imp = "normal"
	}
	var to []Recipient
	for _, a := range m.To {
		to = append(to, Recipient{EmailAddress: EmailAddress{Address: a}})
	}
	cats := m.Categories
	if cats == nil {
		cats = []string{}
	}
	from := &Recipient{EmailAddress: EmailAddress{Name: m.FromName, Address: m.FromAddr}}
	id := s.itemID("AAMkAG")
	conv := m.ConversationID
	if conv == "" {
		conv = s.itemID("AAQkAG")
	}
	rt := StoredTime(m.Received)
	doc := Message{ID: id, CreatedDateTime: rt, LastModifiedDateTime: rt, Categories: cats, ReceivedDateTime: rt, SentDateTime: rt,
		HasAttachments: m.Attachment != nil, InternetMessageID: "<" + id[:20] + "@graphgate.local>", Subject: m.Subject,
		BodyPreview: Preview(m.Body), Importance: imp, ParentFolderID: m.Folder, ConversationID: conv, IsRead: m.IsRead,
		InferenceClassification: "focused", Body: ItemBody{ContentType: ct, Content: m.Body}, Sender: from, From: from, ToRecipients: to,
		CcRecipients: []Recipient{}, BccRecipients: []Recipient{}, ReplyTo: []Recipient{}, Flag: FollowupFlag{FlagStatus: "notFlagged"}}
	s.add(KindMessage, id, userID, m.Folder, doc)
	if a := m.Attachment; a != nil {
		aid := s.itemID("AAMkAGAtt")
		s.add(KindAttachment, aid, userID, id, Attachment{ODataType: "#microsoft.graph.fileAttachment", ID: aid, LastModifiedDateTime: rt,
			Name: a.Name, ContentType: a.ContentType, Size: len(a.Content), ContentBytes: b64(a.Content)})
	}
	return id
}

// Calendar creates an owner's default calendar (user or group).
func (s *Seeder) Calendar(ownerID, ownerName, ownerAddr string) string {
	id := DefaultCalendarID(ownerID)
	if s.calendars == nil {
		s.calendars = map[string]string{}
	}
	s.calendars[strings.ToLower(ownerAddr)] = ownerID
	s.add(KindCalendar, id, ownerID, "", Calendar{ID: id, Name: "Calendar", Color: "auto", IsDefaultCalendar: true, CanShare: true,
		CanViewPrivateItems: true, CanEdit: true, Owner: &EmailAddress{Name: ownerName, Address: ownerAddr}})
	return id
}

// SeedEvent describes an event of an owner's default calendar.
type SeedEvent struct {
	Subject, Body, Location, TimeZone string
	Start                             time.Time
	Duration                          time.Duration
	AllDay                            bool
	Attendees                         []string
	// Weekly makes a weekly series on the start's weekday for N weeks (0: none).
	Weekly int
	// Daily makes a daily series with no end.
	Daily bool
}

// Event adds an event (or series) to an owner's default calendar.
func (s *Seeder) Event(ownerID, ownerName, ownerAddr string, e SeedEvent) string {
	tz := e.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	id := s.itemID("AAMkAGEv")
	now := StoredTime(s.now)
	var atts []Attendee
	for _, a := range e.Attendees {
		atts = append(atts, Attendee{Type: "required", Status: ResponseStatus{Response: "none", Time: "0001-01-01T00:00:00Z"}, EmailAddress: EmailAddress{Address: a}})
	}
	if atts == nil {
		atts = []Attendee{}
	}
	doc := Event{ID: id, CreatedDateTime: now, LastModifiedDateTime: now, Categories: []string{}, OriginalStartTimeZone: tz, OriginalEndTimeZone: tz,
		ICalUID: "040000008200E00074C5B7101A82E008" + id[8:40], ReminderMinutesBeforeStart: 15, IsReminderOn: true, Subject: e.Subject,
		BodyPreview: Preview(e.Body), Importance: "normal", Sensitivity: "normal", IsAllDay: e.AllDay, IsOrganizer: true, ResponseRequested: true,
		ShowAs: "busy", Type: "singleInstance", ResponseStatus: ResponseStatus{Response: "organizer", Time: "0001-01-01T00:00:00Z"},
		Body: ItemBody{ContentType: "text", Content: e.Body}, Start: StoredDTZ(e.Start, tz), End: StoredDTZ(e.Start.Add(e.Duration), tz),
		Location: Location{DisplayName: e.Location}, Locations: []Location{}, Attendees: atts,
		Organizer: Recipient{EmailAddress: EmailAddress{Name: ownerName, Address: ownerAddr}}}
	loc, ok := LoadZone(tz)
	if !ok {
		loc = time.UTC
	}
	local := e.Start.In(loc)
	switch {
	case e.Weekly > 0:
		doc.Recurrence = &PatternedRecurrence{Pattern: RecurrencePattern{Type: "weekly", Interval: 1, DaysOfWeek: []string{lowerWeekday(local.Weekday())}, FirstDayOfWeek: "sunday"},
			Range: RecurrenceRange{Type: "numbered", StartDate: local.Format("2006-01-02"), NumberOfOccurrences: e.Weekly, RecurrenceTimeZone: tz}}
	case e.Daily:
		doc.Recurrence = &PatternedRecurrence{Pattern: RecurrencePattern{Type: "daily", Interval: 1},
			Range: RecurrenceRange{Type: "noEnd", StartDate: local.Format("2006-01-02"), RecurrenceTimeZone: tz}}
	}
	if doc.Recurrence != nil {
		doc.Type = "seriesMaster"
		if last, err := doc.Recurrence.LastEnd(local, e.Duration); err == nil && !last.IsZero() {
			doc.SeriesEnd = StoredTime(last)
		}
	}
	s.add(KindEvent, id, ownerID, DefaultCalendarID(ownerID), doc)
	if len(e.Attendees) > 0 {
		s.invites, s.inviteOf = append(s.invites, doc), append(s.inviteOf, ownerID)
	}
	return id
}

// invitations gives every attendee who has a calendar of the seeder a copy
// of the events they are invited to, awaiting their response, as creating
// an event through Graph does.
func (s *Seeder) invitations() {
	for i, doc := range s.invites {
		for _, a := range doc.Attendees {
			owner, ok := s.calendars[strings.ToLower(a.EmailAddress.Address)]
			if !ok || owner == s.inviteOf[i] {
				continue
			}
			inv := doc
			inv.ID, inv.IsOrganizer = s.itemID("AAMkAGEv"), false
			inv.ResponseStatus = ResponseStatus{Response: "notResponded", Time: "0001-01-01T00:00:00Z"}
			s.add(KindEvent, inv.ID, owner, DefaultCalendarID(owner), inv)
		}
	}
	s.invites, s.inviteOf = nil, nil
}

func lowerWeekday(d time.Weekday) string {
	return map[time.Weekday]string{time.Monday: "monday", time.Tuesday: "tuesday", time.Wednesday: "wednesday", time.Thursday: "thursday",
		time.Friday: "friday", time.Saturday: "saturday", time.Sunday: "sunday"}[d]
}

// TodoList creates a user's default To Do list and returns its id.
func (s *Seeder) TodoList(userID string) string {
	id := TodoListID(userID)
	s.add(KindTodoList, id, userID, "", TodoList{ID: id, DisplayName: "Tasks", IsOwner: true, WellknownListName: "defaultList"})
	return id
}

// Task adds a task to a list.
func (s *Seeder) Task(userID, listID, title, status string, due *time.Time) string {
	id := s.itemID("AAMkAGTk")
	now := StoredTime(s.now)
	t := TodoTask{ID: id, Title: title, Status: status, Importance: "normal", CreatedDateTime: now, LastModifiedDateTime: now,
		BodyLastModifiedDateTime: now, Categories: []string{}, Body: ItemBody{ContentType: "text"}}
	if due != nil {
		d := StoredDTZ(*due, "UTC")
		t.DueDateTime = &d
	}
	if status == "completed" {
		d := StoredDTZ(s.now, "UTC")
		t.CompletedDateTime = &d
	}
	s.add(KindTodoTask, id, userID, listID, t)
	return id
}

// ChatMember is a member of a seeded chat.
type ChatMember struct{ ID, Name, Email string }

// Chat creates a chat with messages (each from a member, by index).
func (s *Seeder) Chat(topic string, members []ChatMember, messages []struct {
	From int
	Text string
}) string {
	id := "19:" + s.itemID("")[:24] + "@thread.v2"
	chatType := "group"
	if len(members) == 2 {
		chatType = "oneOnOne"
	}
	doc := Chat{ID: id, CreatedDateTime: StoredTime(s.now.Add(-time.Hour)), LastUpdatedDateTime: StoredTime(s.now), ChatType: chatType,
		TenantID: s.tenant, WebURL: "https://teams.microsoft.com/l/chat/" + id + "/0"}
	if topic != "" && chatType == "group" {
		doc.Topic = &topic
	}
	for _, m := range members {
		doc.Members = append(doc.Members, ConversationMember{ODataType: "#microsoft.graph.aadUserConversationMember", ID: s.itemID("MCMj")[:40],
			Roles: []string{"owner"}, DisplayName: m.Name, VisibleHistoryStartDateTime: "0001-01-01T00:00:00Z", UserID: m.ID, Email: m.Email, TenantID: s.tenant})
		doc.MemberIDs = append(doc.MemberIDs, m.ID)
	}
	s.add(KindChat, id, "", "", doc)
	for i, msg := range messages {
		at := s.now.Add(time.Duration(i-len(messages)) * time.Minute)
		mid := strconv.FormatInt(at.UnixMilli(), 10)
		m := ChatMessage{ID: mid, Etag: mid, MessageType: "message", CreatedDateTime: StoredTime(at), LastModifiedDateTime: StoredTime(at), ChatID: id,
			Importance: "normal", Locale: "en-us", Body: ItemBody{ContentType: "text", Content: msg.Text},
			Attachments: []json.RawMessage{}, Mentions: []json.RawMessage{}, Reactions: []json.RawMessage{}}
		if msg.From >= 0 && msg.From < len(members) {
			mm := members[msg.From]
			m.From.User = &ChatIdentity{ID: mm.ID, DisplayName: mm.Name, UserIdentityType: "aadUser", TenantID: s.tenant}
		}
		s.add(KindChatMessage, ChatMessageKey(id, mid), "", id, m)
	}
	return id
}

// Presence sets a user's preferred presence for a long time.
func (s *Seeder) Presence(userID, availability, activity string) {
	p := Presence{ID: userID, Preferred: &PresenceSession{Availability: availability, Activity: activity, Expires: StoredTime(s.now.AddDate(10, 0, 0))}}
	p.Effective(s.now)
	s.add(KindPresence, userID, userID, "", p)
}

// Delegate records that owner shared resource — named by the permission
// resource that reaches it: Mail (the mailbox), Calendars, Contacts, Tasks,
// Notes — with delegate at the given access levels (read, write, send).
func (s *Seeder) Delegate(ownerID, delegateID, resource string, access ...string) {
	s.add(KindDelegation, s.itemID("Dlg"), ownerID, "", Delegation{DelegateID: delegateID, Resource: resource, Access: access})
}

// Flush stores everything collected, atomically.
func (s *Seeder) Flush(ctx context.Context) error {
	s.invitations()
	if len(s.items) == 0 {
		return nil
	}
	if err := s.st.CreateItems(ctx, s.items...); err != nil {
		return err
	}
	s.items = nil
	return nil
}
