package exchange

import (
	"errors"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/store"
)

// Meeting messages. Exchange delivers a meeting request, update or
// cancellation to each attendee's Inbox and an attendee's response to the
// organizer's, as eventMessage items (eventMessageRequest for requests,
// eventMessageResponse for responses). They are messages of the mailbox
// like any other (KindMessage, listed, filtered and paged by mail.go),
// with the eventMessage properties added to the stored document, and are
// created in the transaction of the calendar change they report.

// Graph's meetingMessageType values; "meetingTenativelyAccepted" is
// spelled as Graph's enumeration spells it.
const (
	meetingRequest     = "meetingRequest"
	meetingCancelled   = "meetingCancelled"
	meetingAccepted    = "meetingAccepted"
	meetingTentative   = "meetingTenativelyAccepted"
	meetingDeclinedMsg = "meetingDeclined"
)

// Graph's meetingRequestType values of the requests graphgate sends.
const (
	newMeetingRequest   = "newMeetingRequest"
	fullUpdate          = "fullUpdate"
	informationalUpdate = "informationalUpdate"
)

// responsePrefixes are the subject prefixes of responses, as Exchange
// words them.
var responseMessages = map[string]struct{ kind, prefix string }{
	"accepted":            {meetingAccepted, "Accepted: "},
	"tentativelyAccepted": {meetingTentative, "Tentative: "},
	"declined":            {meetingDeclinedMsg, "Declined: "},
}

// meetingRecipients are a meeting's attendees as a request addresses
// them: required attendees and resources in To, optional ones in Cc.
func meetingRecipients(ev model.Event) (to, cc []model.Recipient) {
	to, cc = []model.Recipient{}, []model.Recipient{}
	for _, a := range ev.Attendees {
		r := model.Recipient{EmailAddress: a.EmailAddress}
		if strings.EqualFold(a.Type, "optional") {
			cc = append(cc, r)
		} else {
			to = append(to, r)
		}
	}
	return to, cc
}

// messageDTZ is an event time as eventMessages carry it: in UTC.
func messageDTZ(d model.DateTimeTimeZone) *model.DateTimeTimeZone {
	t, err := model.ParseStoredTime(d.UTC)
	if err != nil {
		return &model.DateTimeTimeZone{DateTime: d.DateTime, TimeZone: d.TimeZone}
	}
	return &model.DateTimeTimeZone{DateTime: t.UTC().Format(model.LocalLayout), TimeZone: "UTC"}
}

// mailboxInTx creates a recipient's well-known folders in tx when the
// mailbox was never used, as ensureMailbox does outside a transaction.
func (s server) mailboxInTx(c *graph.Call, tx store.Items, userID string) error {
	if _, err := tx.GetItem(c.Context(), c.TenantID, model.KindMailFolder, model.FolderID(userID, "inbox")); err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := s.Now()
	root := model.FolderID(userID, model.MsgFolderRoot)
	var items []store.Item
	for _, f := range model.WellKnownFolders {
		id := model.FolderID(userID, f.Name)
		items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindMailFolder, ID: id, OwnerID: userID, ParentID: root,
			Doc: model.EncodeDoc(model.Folder{ID: id, DisplayName: f.Display, ParentFolderID: root, WellKnownName: f.Name}), CreatedAt: now, ModifiedAt: now})
	}
	return tx.CreateItems(c.Context(), items...)
}

// meetingMessage is one eventMessage in owner's Inbox: kind is its
// meetingMessageType, ev the event it reports (eventID, owner's own
// event), from its sender, body its body (the event's when empty).
func (s server) meetingMessage(c *graph.Call, tx store.Items, owner, kind string, ev model.Event, eventID string, from model.EmailAddress, to, cc []model.Recipient, body *model.ItemBody) (store.Item, error) {
	if err := s.mailboxInTx(c, tx, owner); err != nil {
		return store.Item{}, err
	}
	subject := strings.TrimPrefix(ev.Subject, canceledPrefix)
	odataType := "#microsoft.graph.eventMessage"
	var responseType string
	switch kind {
	case meetingRequest:
		odataType = "#microsoft.graph.eventMessageRequest"
	case meetingCancelled:
		subject = canceledPrefix + subject
	default:
		odataType = "#microsoft.graph.eventMessageResponse"
		for resp, m := range responseMessages {
			if m.kind == kind {
				subject, responseType = m.prefix+subject, resp
			}
		}
	}
	if body == nil {
		body = &ev.Body
	}
	inbox := model.FolderID(owner, "inbox")
	m := s.toDoc(newMessage{Subject: subject, Body: body, ToRecipients: to, CcRecipients: cc}, &userRef{name: from.Name, address: from.Address}, inbox, false)
	m.IsRead = false
	loc := ev.Location
	doc := model.EventMessage{ODataType: odataType, Message: m, MeetingMessageType: kind, StartDateTime: messageDTZ(ev.Start), EndDateTime: messageDTZ(ev.End),
		Location: &loc, Type: ev.Type, IsAllDay: ev.IsAllDay, Recurrence: ev.Recurrence, ResponseType: responseType, EventID: eventID}
	if ev.Type == "occurrence" {
		doc.Type = "exception" // what was sent about one occurrence is the changed occurrence
	}
	now := s.Now()
	it := store.Item{TenantID: c.TenantID, Kind: model.KindMessage, ID: m.ID, OwnerID: owner, ParentID: inbox, Doc: model.EncodeDoc(doc), CreatedAt: now, ModifiedAt: now, Version: 1}
	return it, nil
}

// requestMessage is a meeting request or update for an attendee's copy.
func (s server) requestMessage(c *graph.Call, tx store.Items, cp store.Item, requestType string) (store.Item, error) {
	ev, err := model.DecodeDoc[model.Event](cp)
	if err != nil {
		return store.Item{}, err
	}
	to, cc := meetingRecipients(ev)
	it, err := s.meetingMessage(c, tx, cp.OwnerID, meetingRequest, ev, cp.ID, ev.Organizer.EmailAddress, to, cc, nil)
	if err != nil {
		return it, err
	}
	doc, err := model.DecodeDoc[model.EventMessage](it)
	if err != nil {
		return it, err
	}
	allow := true
	doc.MeetingRequestType, doc.ResponseRequested, doc.AllowNewTimeProposals = requestType, &ev.ResponseRequested, &allow
	it.Doc = model.EncodeDoc(doc)
	return it, nil
}

// cancelMessage is a cancellation for an attendee's (cancelled) copy; a
// cancellation's comment is its body, else the meeting's body.
func (s server) cancelMessage(c *graph.Call, tx store.Items, cp store.Item, comment string) (store.Item, error) {
	ev, err := model.DecodeDoc[model.Event](cp)
	if err != nil {
		return store.Item{}, err
	}
	to, cc := meetingRecipients(ev)
	var body *model.ItemBody
	if comment != "" {
		body = &model.ItemBody{ContentType: "text", Content: comment}
	}
	return s.meetingMessage(c, tx, cp.OwnerID, meetingCancelled, ev, cp.ID, ev.Organizer.EmailAddress, to, cc, body)
}

// responseMessage is an attendee's response in the organizer's Inbox
// (orgEvent, the organizer's meeting); the comment is its body. The copy
// in the responding attendee's Sent Items is stored here, in tx, because
// the caller only delivers what the organizer receives.
func (s server) responseMessage(c *graph.Call, tx store.Items, orgOwner string, orgEvent store.Item, attendee model.EmailAddress, response, comment string) (store.Item, error) {
	ev, err := model.DecodeDoc[model.Event](orgEvent)
	if err != nil {
		return store.Item{}, err
	}
	msg, err := s.meetingMessage(c, tx, orgOwner, responseMessages[response].kind, ev, orgEvent.ID, attendee,
		[]model.Recipient{{EmailAddress: ev.Organizer.EmailAddress}}, []model.Recipient{}, &model.ItemBody{ContentType: "text", Content: comment})
	if err != nil || c.TargetUser == nil || c.TargetUser.ID == orgOwner {
		return msg, err
	}
	// The response is about the attendee's own copy of the meeting.
	copies, err := s.meetingCopies(c, tx, ev, orgOwner)
	if err != nil {
		return msg, err
	}
	own := ""
	for _, cp := range copies {
		if cp.OwnerID == c.TargetUser.ID {
			own = cp.ID
		}
	}
	sent, err := s.sentCopy(c, tx, c.TargetUser.ID, msg, own, nil, nil)
	if err != nil {
		return msg, err
	}
	return msg, tx.CreateItems(c.Context(), sent)
}

// sentCopy is the sender's Sent Items copy of a meeting message built for
// one recipient: one message addressed to all the recipients (to and cc;
// msg's own when to is nil), read, about the sender's event eventID, as
// sendMail files what it sends.
func (s server) sentCopy(c *graph.Call, tx store.Items, sender string, msg store.Item, eventID string, to, cc []model.Recipient) (store.Item, error) {
	if err := s.mailboxInTx(c, tx, sender); err != nil {
		return store.Item{}, err
	}
	doc, err := model.DecodeDoc[model.EventMessage](msg)
	if err != nil {
		return store.Item{}, err
	}
	folder := model.FolderID(sender, "sentitems")
	doc.ID, doc.ParentFolderID, doc.IsRead, doc.EventID = graph.NewItemID("AAMkAG"), folder, true, eventID
	doc.WebLink = "https://outlook.office365.com/owa/?ItemID=" + doc.ID + "&exvsurl=1&viewmodel=ReadMessageItem"
	if to != nil {
		doc.ToRecipients, doc.CcRecipients = to, cc
	}
	now := s.Now()
	return store.Item{TenantID: c.TenantID, Kind: model.KindMessage, ID: doc.ID, OwnerID: sender, ParentID: folder, Doc: model.EncodeDoc(doc), CreatedAt: now, ModifiedAt: now, Version: 1}, nil
}

// organizerSent is the organizer's Sent Items copy of the request, update
// (requestType) or cancellation (kind) it sends about its meeting org,
// addressed to to and cc, or to all the attendees when to is nil. Nothing
// is filed for a group's calendar, which has no Sent Items of its own.
func (s server) organizerSent(c *graph.Call, tx store.Items, orgOwner string, org model.Event, kind, requestType, comment string, to, cc []model.Recipient) ([]store.Item, error) {
	if c.TargetGroup != nil || len(org.Attendees) == 0 || to != nil && len(to)+len(cc) == 0 {
		return nil, nil
	}
	self := store.Item{ID: org.ID, OwnerID: orgOwner, Doc: model.EncodeDoc(org)}
	var m store.Item
	var err error
	if kind == meetingCancelled {
		m, err = s.cancelMessage(c, tx, self, comment)
	} else {
		m, err = s.requestMessage(c, tx, self, requestType)
	}
	if err != nil {
		return nil, err
	}
	sent, err := s.sentCopy(c, tx, orgOwner, m, org.ID, to, cc)
	return []store.Item{sent}, err
}

// recipientsOf are the attendees of ev who are the users ids, addressed as
// a request addresses them.
func (s server) recipientsOf(c *graph.Call, ev model.Event, ids map[string]bool) (to, cc []model.Recipient) {
	some := ev
	some.Attendees = nil
	for _, a := range ev.Attendees {
		if u, err := s.Store().UserByUPN(c.Context(), a.EmailAddress.Address); err == nil && u.TenantID == c.TenantID && ids[u.ID] {
			some.Attendees = append(some.Attendees, a)
		}
	}
	return meetingRecipients(some)
}

// withPrevious adds to an update (not a new request) the start, end and
// location the meeting had before, where the update changed them, as
// Graph's eventMessageRequest reports them.
func withPrevious(it store.Item, before, after model.Event) (store.Item, error) {
	doc, err := model.DecodeDoc[model.EventMessage](it)
	if err != nil || doc.MeetingMessageType != meetingRequest || doc.MeetingRequestType == newMeetingRequest {
		return it, err
	}
	if before.Start.UTC != after.Start.UTC {
		doc.PreviousStartDateTime = messageDTZ(before.Start)
	}
	if before.End.UTC != after.End.UTC {
		doc.PreviousEndDateTime = messageDTZ(before.End)
	}
	if before.Location != after.Location {
		loc := before.Location
		doc.PreviousLocation = &loc
	}
	it.Doc = model.EncodeDoc(doc)
	return it, nil
}
