package exchange

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/authz"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Mail: folders (well-known ones created with the mailbox), messages,
// attachments, sendMail delivering inside the tenant. A message is an item
// of its folder; its document is Graph's message.

// hasFileAttachments is a message's hasAttachments: Graph documents that it
// does not count inline attachments (a message with only inline images
// has none).
func hasFileAttachments(atts []model.Attachment) bool {
	for _, a := range atts {
		if !a.IsInline {
			return true
		}
	}
	return false
}

// ensureMailbox creates a user's well-known folders on first use.
func (s server) ensureMailbox(c *graph.Call, userID string) error {
	if s.KnownMailbox(c.TenantID, userID) {
		return nil
	}
	if _, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindMailFolder, model.FolderID(userID, "inbox")); err == nil {
		s.RememberMailbox(c.TenantID, userID)
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return graph.AsError(err)
	}
	now := s.Now()
	root := model.FolderID(userID, model.MsgFolderRoot)
	var items []store.Item
	for _, f := range model.WellKnownFolders {
		id := model.FolderID(userID, f.Name)
		items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindMailFolder, ID: id, OwnerID: userID, ParentID: root,
			Doc: model.EncodeDoc(model.Folder{ID: id, DisplayName: f.Display, ParentFolderID: root, WellKnownName: f.Name}), CreatedAt: now, ModifiedAt: now})
	}
	err := s.Store().CreateItems(c.Context(), items...)
	if err == nil || errors.Is(err, store.ErrConflict) { // a conflict: another request created it
		s.RememberMailbox(c.TenantID, userID)
		return nil
	}
	return graph.AsError(err)
}

// resolveFolder reads a folder id or well-known name of the owner's mailbox.
func (s server) resolveFolder(c *graph.Call, owner, idOrName string) (store.Item, error) {
	id := idOrName
	for _, f := range model.WellKnownFolders {
		if strings.EqualFold(idOrName, f.Name) {
			id = model.FolderID(owner, f.Name)
		}
	}
	if strings.EqualFold(idOrName, model.MsgFolderRoot) {
		return store.Item{}, graph.ErrItemNotFound()
	}
	return s.GetOwned(c, model.KindMailFolder, id, owner)
}

// The entities of mail's endpoints: a mailbox's folders and messages
// are named as its owner's (users('{owner}')/…), an attachment as its
// message's.
var (
	entFolders     = graph.Entity{Context: "users('{owner}')/mailFolders"}
	entFolder      = graph.Entity{Context: "users('{owner}')/mailFolders/$entity"}
	entMessage     = graph.Entity{Context: "users('{owner}')/messages/$entity"}
	entAttachments = graph.Entity{Context: "users('{owner}')/messages('{1}')/attachments"}
	entAttachment  = graph.Entity{Context: "users('{owner}')/messages('{1}')/attachments/$entity"}
)

// messageEntity is what a message and a page of messages are: messages
// inline their attachments and, for a meeting message, its event.
func messageEntity(context string) graph.Entity {
	return graph.Entity{Type: "microsoft.graph.message", Context: context, Expand: []string{"attachments", eventNav}}
}

var _ = declare(graph.WorkloadExchange, slices.Concat(
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/mailFolders", Handler: handle(server.listFolders), Entity: entFolders}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/mailFolders", Handler: handle(server.createFolder), Entity: entFolder}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/mailFolders/{id}", Handler: handle(server.getFolder), Entity: entFolder}),
	graph.Twins(graph.Endpoint{Method: "PATCH", Template: "/mailFolders/{id}", Handler: handle(server.updateFolder), Entity: entFolder}),
	graph.Twins(graph.Endpoint{Method: "DELETE", Template: "/mailFolders/{id}", Handler: handle(server.deleteFolder)}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/mailFolders/{id}/childFolders", Handler: handle(server.listChildFolders), Entity: entFolders}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/mailFolders/{id}/childFolders", Handler: handle(server.createChildFolder), Entity: entFolder}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/mailFolders/{id}/messages", Handler: handle(server.listFolderMessages),
		Entity: messageEntity("users('{owner}')/messages")}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/mailFolders/{id}/messages", Handler: handle(server.createFolderMessage), Entity: entMessage}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/messages", Handler: handle(server.listMessages), Entity: messageEntity("users('{owner}')/messages")}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/messages", Handler: handle(server.createDraft), Entity: entMessage}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/messages/{id}", Handler: handle(server.getMessage), Entity: messageEntity(entMessage.Context)}),
	graph.Twins(graph.Endpoint{Method: "PATCH", Template: "/messages/{id}", Handler: handle(server.updateMessage), Entity: entMessage}),
	graph.Twins(graph.Endpoint{Method: "DELETE", Template: "/messages/{id}", Handler: handle(server.deleteMessage)}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/messages/{id}/move", Handler: handle(server.moveMessage), Entity: entMessage}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/messages/{id}/copy", Handler: handle(server.copyMessage), Entity: entMessage}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/messages/{id}/send", Handler: handle(server.sendDraft)}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/messages/{id}/attachments", Handler: handle(server.listAttachments), Entity: entAttachments}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/messages/{id}/attachments", Handler: handle(server.addAttachment), Entity: entAttachment}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/messages/{id}/attachments/{id}", Handler: handle(server.getAttachment), Entity: entAttachment}),
	graph.Twins(graph.Endpoint{Method: "DELETE", Template: "/messages/{id}/attachments/{id}", Handler: handle(server.deleteAttachment)}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/sendMail", Handler: handle(server.sendMail)}),
)...)

// mailbox returns the mailbox owner of the request and makes sure the
// mailbox exists.
func (s server) mailbox(c *graph.Call) (string, error) {
	if c.TargetUser == nil {
		return "", graph.ErrMailboxNotFound(c.Param(0))
	}
	if err := s.ensureMailbox(c, c.TargetUser.ID); err != nil {
		return "", err
	}
	return c.TargetUser.ID, nil
}

// messageProps are the message properties $filter and $orderby may use.
var messageProps = odata.JSONProps{
	"subject": odata.TypeString, "isRead": odata.TypeBool, "isDraft": odata.TypeBool, "importance": odata.TypeString,
	"hasAttachments": odata.TypeBool, "receivedDateTime": odata.TypeDateTime, "sentDateTime": odata.TypeDateTime,
	"createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime, "conversationId": odata.TypeString,
	"internetMessageId": odata.TypeString, "parentFolderId": odata.TypeString, "inferenceClassification": odata.TypeString,
	"bodyPreview": odata.TypeString, "body/content": odata.TypeString, "flag/flagStatus": odata.TypeString,
	"categories":                odata.JSONArrayOf(odata.TypeString),
	"toRecipients":              odata.JSONArrayOfObjects(odata.JSONProps{"emailAddress/address": odata.TypeString, "emailAddress/name": odata.TypeString}),
	"ccRecipients":              odata.JSONArrayOfObjects(odata.JSONProps{"emailAddress/address": odata.TypeString, "emailAddress/name": odata.TypeString}),
	"bccRecipients":             odata.JSONArrayOfObjects(odata.JSONProps{"emailAddress/address": odata.TypeString, "emailAddress/name": odata.TypeString}),
	"from/emailAddress/address": odata.TypeString, "from/emailAddress/name": odata.TypeString,
	"sender/emailAddress/address": odata.TypeString, "sender/emailAddress/name": odata.TypeString, "id": odata.TypeString,
}

var messageSelectable = graph.SelectableAs("message", model.Message{})

func (s server) messageMapping() odata.Mapping {
	return graph.JSONMapping("microsoft.graph.message", messageProps)
}

// basicMessageAllowed is what Mail.ReadBasic may read (authz owns it): no
// body, preview or attachments.
func basicMessageAllowed(c *graph.Call) map[string]bool {
	if c.Decision.Limit != authz.LimitBasicMessage {
		return nil
	}
	return authz.LimitBasicMessage.Properties()
}

func (s server) listMessages(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	return s.messages(c, store.ItemQuery{TenantID: c.TenantID, Kind: model.KindMessage, OwnerID: owner})
}

func (s server) listFolderMessages(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	f, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	return s.messages(c, store.ItemQuery{TenantID: c.TenantID, Kind: model.KindMessage, OwnerID: owner, ParentID: f.ID})
}

func (s server) messages(c *graph.Call, base store.ItemQuery) error {
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	if q.Options().Search != nil {
		if len(q.Options().OrderBy) > 0 {
			return graph.ErrBadRequest("The query parameter 'OrderBy' is invalid.")
		}
		base.Filter = searchMessages(q.Options().Search)
		base.Text = searchMessageText(q.Options().Search)
	}
	col := graph.Collection{Q: q, Base: base, Mapping: s.messageMapping(),
		DefOrder: graph.ByDoc("receivedDateTime", store.TypeTime, true),
		Context:  c.ContextURL(), Allowed: basicMessageAllowed(c),
		Known: messageSelectable(),
		Expand: func(it store.Item, b json.RawMessage) (json.RawMessage, error) {
			b, err := s.expandAttachments(c, base.OwnerID, it, b)
			if err != nil {
				return nil, err
			}
			return s.expandEvent(c, base.OwnerID, it, b)
		}}
	if q.Options().Search != nil && q.Options().Filter != nil {
		return graph.ErrBadRequest("The query parameter '$filter' is not supported with '$search'.")
	}
	return s.WriteCollection(c, col)
}

// searchMessages matches every term of $search in the subject, body or
// sender, case-insensitively (Exchange's KQL, reduced to what graphgate
// serves); % and _ in a term are characters, not wildcards.
func searchMessages(search *odata.Search) store.Cond {
	fields := map[string][]string{
		"":        {"subject", "body/content", "from/emailAddress/address", "from/emailAddress/name"},
		"subject": {"subject"}, "body": {"body/content"}, "from": {"from/emailAddress/address", "from/emailAddress/name"},
	}
	var ors store.Or
	for _, g := range search.Groups {
		var ands store.And
		for _, t := range g {
			cols := fields[strings.ToLower(t.Property)]
			if cols == nil {
				cols = fields[""]
			}
			var any store.Or
			for _, col := range cols {
				any = append(any, store.Match{Field: store.Doc(col, store.TypeString), Kind: store.Contains, Text: t.Value})
			}
			var cond store.Cond = any
			if t.Not {
				cond = store.Not{Cond: cond}
			}
			ands = append(ands, cond)
		}
		ors = append(ors, ands)
	}
	return ors
}

// searchMessageText is the text every message $search matches must hold, for
// the store's text index (store.ItemQuery.Text, a hint: searchMessages's
// condition still decides): the terms of a search without OR, except
// negated ones. A search with OR has no string every match holds.
func searchMessageText(search *odata.Search) []string {
	if len(search.Groups) != 1 {
		return nil
	}
	var text []string
	for _, t := range search.Groups[0] {
		if !t.Not {
			text = append(text, t.Value)
		}
	}
	return text
}

func (s server) getMessage(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Exchange, 1, 0)
	if err != nil {
		return err
	}
	if err := graph.CheckSelect(q.Options().Select, messageSelectable(), "microsoft.graph.message", odata.Exchange); err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	return c.WriteItemExpanded(http.StatusOK, it, c.ContextURL(), nil, basicMessageAllowed(c),
		func(it store.Item, b json.RawMessage) (json.RawMessage, error) {
			b, err := s.expandAttachments(c, owner, it, b)
			if err != nil {
				return nil, err
			}
			return s.expandEvent(c, owner, it, b)
		})
}

// messagePatch is what PATCH may change (drafts may change more).
type messagePatch struct {
	IsRead                  *bool               `json:"isRead"`
	Categories              *[]string           `json:"categories"`
	Importance              *string             `json:"importance"`
	Flag                    *model.FollowupFlag `json:"flag"`
	InferenceClassification *string             `json:"inferenceClassification"`
	Subject                 *string             `json:"subject"`
	Body                    *model.ItemBody     `json:"body"`
	ToRecipients            *[]model.Recipient  `json:"toRecipients"`
	CcRecipients            *[]model.Recipient  `json:"ccRecipients"`
	BccRecipients           *[]model.Recipient  `json:"bccRecipients"`
	ReplyTo                 *[]model.Recipient  `json:"replyTo"`
	From                    *model.Recipient    `json:"from"`
	Sender                  *model.Recipient    `json:"sender"`
	Extra                   map[string]any      `json:"-"`
}

func (p messagePatch) apply(m *model.Message) error {
	if p.IsRead != nil {
		m.IsRead = *p.IsRead
	}
	if p.Categories != nil {
		m.Categories = *p.Categories
	}
	if p.Importance != nil {
		switch strings.ToLower(*p.Importance) {
		case "low", "normal", "high":
			m.Importance = strings.ToLower(*p.Importance)
		default:
			return graph.ErrBadRequest("Invalid value '%s' for property 'importance'.", *p.Importance)
		}
	}
	if p.Flag != nil {
		m.Flag = *p.Flag
	}
	if p.InferenceClassification != nil {
		m.InferenceClassification = *p.InferenceClassification
	}
	draftOnly := p.Subject != nil || p.Body != nil || p.ToRecipients != nil || p.CcRecipients != nil || p.BccRecipients != nil || p.From != nil
	if draftOnly && !m.IsDraft {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidPropertyUpdateSentMessage", "Update operation is invalid for property of a sent message.")
	}
	if p.Subject != nil {
		m.Subject = *p.Subject
	}
	if p.Body != nil {
		m.Body = *p.Body
		m.BodyPreview = model.Preview(p.Body.Content)
	}
	setR := func(dst *[]model.Recipient, v *[]model.Recipient) {
		if v != nil {
			*dst = *v
		}
	}
	setR(&m.ToRecipients, p.ToRecipients)
	setR(&m.CcRecipients, p.CcRecipients)
	setR(&m.BccRecipients, p.BccRecipients)
	setR(&m.ReplyTo, p.ReplyTo)
	if p.From != nil {
		m.From = p.From
	}
	if p.Sender != nil {
		m.Sender = p.Sender
	}
	return nil
}

func (s server) updateMessage(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var p messagePatch
	if err := c.ReadBody(&p, messageBody); err != nil {
		return err
	}
	ifVersion, err := graph.VersionOfETag(c.Request().Header.Get("If-Match"))
	if err != nil {
		return err
	}
	if _, err := s.GetOwned(c, model.KindMessage, c.Param(1), owner); err != nil {
		return err
	}
	it, err := graph.UpdateDoc(c, s.Store(), model.KindMessage, c.Param(1), ifVersion, func(it store.Item, m *model.Message) (json.RawMessage, error) {
		if err := p.apply(m); err != nil {
			return nil, err
		}
		m.LastModifiedDateTime = model.StoredTime(s.Now())
		return graph.MergeDoc(it.Doc, *m), nil
	})
	if err != nil {
		return err
	}
	return c.WriteItem(http.StatusOK, it, c.ContextURL(), nil, nil)
}

// deleteMessage moves a message to Deleted Items (permanently deleting it
// if it is there already), as Outlook does.
func (s server) deleteMessage(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	deleted := model.FolderID(owner, "deleteditems")
	if it.ParentID == deleted {
		if err := s.Store().Batch(c.Context(), func(tx store.Items) error { return s.deleteMessages(c, tx, owner, []string{it.ID}) }); err != nil {
			return graph.AsError(err)
		}
		return c.NoContent()
	}
	if _, err := s.moveItem(c, it, deleted); err != nil {
		return err
	}
	return c.NoContent()
}

// deleteMessages removes messages of owner with their attachments, in tx.
func (s server) deleteMessages(c *graph.Call, tx store.Items, owner string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	atts, _, err := tx.QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindAttachment, OwnerID: owner, ParentIDs: ids})
	if err != nil {
		return err
	}
	aids := make([]string, len(atts))
	for i, a := range atts {
		aids[i] = a.ID
	}
	if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindAttachment, aids...); err != nil {
		return err
	}
	_, err = tx.DeleteItems(c.Context(), c.TenantID, model.KindMessage, ids...)
	return err
}

func (s server) moveItem(c *graph.Call, it store.Item, folder string) (store.Item, error) {
	out, err := s.Store().UpdateItem(c.Context(), c.TenantID, model.KindMessage, it.ID, 0, func(it store.Item) (store.Item, error) {
		m, err := model.DecodeDoc[model.Message](it)
		if err != nil {
			return it, err
		}
		m.ParentFolderID = folder
		m.LastModifiedDateTime = model.StoredTime(s.Now())
		it.ParentID = folder
		it.Doc = graph.MergeDoc(it.Doc, m)
		return it, nil
	})
	return out, graph.AsErrorOrNil(err)
}

type destination struct {
	DestinationID string `json:"destinationId"`
}

func (s server) moveMessage(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var d destination
	if err := c.ReadBody(&d, moveBody); err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	f, err := s.resolveFolder(c, owner, d.DestinationID)
	if err != nil {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
	}
	// A move creates a new item id in Exchange; graphgate keeps the id but
	// the message is now in the new folder.
	out, err := s.moveItem(c, it, f.ID)
	if err != nil {
		return err
	}
	return c.WriteItem(http.StatusCreated, out, c.ContextURL(), nil, nil)
}

func (s server) copyMessage(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var d destination
	if err := c.ReadBody(&d, copyBody); err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	f, err := s.resolveFolder(c, owner, d.DestinationID)
	if err != nil {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
	}
	m, err := model.DecodeDoc[model.Message](it)
	if err != nil {
		return graph.AsError(err)
	}
	now := s.Now()
	m.ID, m.ParentFolderID, m.CreatedDateTime, m.LastModifiedDateTime = graph.NewItemID("AAMkAG"), f.ID, model.StoredTime(now), model.StoredTime(now)
	cp := store.Item{TenantID: c.TenantID, Kind: model.KindMessage, ID: m.ID, OwnerID: owner, ParentID: f.ID, Doc: graph.MergeDoc(it.Doc, m), CreatedAt: now, ModifiedAt: now}
	// The copy has its own copies of the attachments.
	atts, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindAttachment, OwnerID: owner, ParentID: it.ID})
	if err != nil {
		return graph.AsError(err)
	}
	items := []store.Item{cp}
	for _, a := range atts {
		d, err := model.DecodeDoc[model.Attachment](a)
		if err != nil {
			return graph.AsError(err)
		}
		d.ID = graph.NewItemID("AAMkAGAtt")
		items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindAttachment, ID: d.ID, OwnerID: owner, ParentID: m.ID, Doc: model.EncodeDoc(d), CreatedAt: now, ModifiedAt: now})
	}
	if err := s.Store().CreateItems(c.Context(), items...); err != nil {
		return graph.AsError(err)
	}
	cp.Version = 1
	return c.WriteItem(http.StatusCreated, cp, c.ContextURL(), nil, nil)
}

// newMessage is a message in a request body (create, sendMail).
type newMessage struct {
	Subject       string             `json:"subject"`
	Body          *model.ItemBody    `json:"body"`
	ToRecipients  []model.Recipient  `json:"toRecipients"`
	CcRecipients  []model.Recipient  `json:"ccRecipients"`
	BccRecipients []model.Recipient  `json:"bccRecipients"`
	ReplyTo       []model.Recipient  `json:"replyTo"`
	From          *model.Recipient   `json:"from"`
	Sender        *model.Recipient   `json:"sender"`
	Importance    string             `json:"importance"`
	Categories    []string           `json:"categories"`
	Attachments   []model.Attachment `json:"attachments"`
	IsReadReceipt bool               `json:"isReadReceiptRequested"`
}

// toDoc builds a stored message for owner in folder.
func (s server) toDoc(nm newMessage, owner *userRef, folder string, draft bool) model.Message {
	now := model.StoredTime(s.Now())
	body := model.ItemBody{ContentType: "text", Content: ""}
	if nm.Body != nil {
		body = *nm.Body
		if body.ContentType == "" {
			body.ContentType = "text"
		}
		body.ContentType = strings.ToLower(body.ContentType)
	}
	imp := strings.ToLower(nm.Importance)
	if imp == "" {
		imp = "normal"
	}
	nz := func(r []model.Recipient) []model.Recipient {
		if r == nil {
			return []model.Recipient{}
		}
		return r
	}
	cats := nm.Categories
	if cats == nil {
		cats = []string{}
	}
	id := graph.NewItemID("AAMkAG")
	m := model.Message{ID: id, CreatedDateTime: now, LastModifiedDateTime: now, Categories: cats, ReceivedDateTime: now, SentDateTime: now,
		HasAttachments: hasFileAttachments(nm.Attachments), InternetMessageID: "<" + graph.NewItemID("")[:24] + "@graphgate.local>", Subject: nm.Subject,
		BodyPreview: model.Preview(body.Content), Importance: imp, ParentFolderID: folder, ConversationID: graph.NewItemID("AAQkAG"),
		IsRead: true, IsDraft: draft, InferenceClassification: "focused", Body: body, ToRecipients: nz(nm.ToRecipients),
		CcRecipients: nz(nm.CcRecipients), BccRecipients: nz(nm.BccRecipients), ReplyTo: nz(nm.ReplyTo), Flag: model.FollowupFlag{FlagStatus: "notFlagged"},
		IsReadReceiptRequested: nm.IsReadReceipt}
	m.WebLink = "https://outlook.office365.com/owa/?ItemID=" + id + "&exvsurl=1&viewmodel=ReadMessageItem"
	if owner != nil {
		from := &model.Recipient{EmailAddress: model.EmailAddress{Name: owner.name, Address: owner.address}}
		m.From, m.Sender = from, from
	}
	if nm.From != nil {
		m.From = nm.From
	}
	if nm.Sender != nil {
		m.Sender = nm.Sender
	}
	if draft {
		m.SentDateTime, m.ReceivedDateTime = "", now
	}
	return m
}

type userRef struct{ id, name, address string }

func refOf(u *store.User) *userRef {
	addr := u.Mail
	if addr == "" {
		addr = u.UserPrincipalName
	}
	return &userRef{id: u.ID, name: u.DisplayName, address: addr}
}

func attachmentItems(tenant, owner, messageID string, atts []model.Attachment, now string) ([]store.Item, error) {
	var out []store.Item
	for _, a := range atts {
		if a.ODataType == "" {
			a.ODataType = "#microsoft.graph.fileAttachment"
		}
		if a.ODataType != "#microsoft.graph.fileAttachment" {
			return nil, graph.ErrBadRequest("Only file attachments are supported.")
		}
		raw, err := base64.StdEncoding.DecodeString(a.ContentBytes)
		if err != nil {
			return nil, graph.ErrBadRequest("The attachment's contentBytes is not valid base64.")
		}
		a.ID, a.Size, a.LastModifiedDateTime = graph.NewItemID("AAMkAGAtt"), len(raw), now
		if a.ContentType == "" {
			a.ContentType = "application/octet-stream"
		}
		out = append(out, store.Item{TenantID: tenant, Kind: model.KindAttachment, ID: a.ID, OwnerID: owner, ParentID: messageID, Doc: model.EncodeDoc(a)})
	}
	return out, nil
}

func (s server) createDraft(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	return s.createMessageIn(c, owner, model.FolderID(owner, "drafts"))
}

func (s server) createFolderMessage(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	f, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	return s.createMessageIn(c, owner, f.ID)
}

func (s server) createMessageIn(c *graph.Call, owner, folder string) error {
	var nm newMessage
	if err := c.ReadBody(&nm, messageBody); err != nil {
		return err
	}
	m := s.toDoc(nm, refOf(c.TargetUser), folder, true)
	now := s.Now()
	it := store.Item{TenantID: c.TenantID, Kind: model.KindMessage, ID: m.ID, OwnerID: owner, ParentID: folder, Doc: model.EncodeDoc(m), CreatedAt: now, ModifiedAt: now}
	atts, err := attachmentItems(c.TenantID, owner, m.ID, nm.Attachments, m.CreatedDateTime)
	if err != nil {
		return err
	}
	if err := s.Store().CreateItems(c.Context(), append([]store.Item{it}, atts...)...); err != nil {
		return graph.AsError(err)
	}
	it.Version = 1
	return c.WriteItem(http.StatusCreated, it, c.ContextURL(), nil, nil)
}

// sendMailRequest is POST /sendMail's body.
type sendMailRequest struct {
	Message         *newMessage `json:"message"`
	SaveToSentItems *bool       `json:"saveToSentItems"`
}

// sendMail delivers a message: a copy in the Inbox of every recipient who
// has a mailbox in the tenant, and (unless saveToSentItems is false) one in
// the sender's Sent Items — all in one transaction. Mail.Send alone
// suffices for both, as the permissions reference states.
func (s server) sendMail(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var req sendMailRequest
	if err := c.ReadBody(&req, sendMailBody); err != nil {
		return err
	}
	if req.Message == nil {
		return graph.ErrBadRequest("Empty Payload. JSON content expected.")
	}
	save := req.SaveToSentItems == nil || *req.SaveToSentItems
	sent := s.toDoc(*req.Message, refOf(c.TargetUser), model.FolderID(owner, "sentitems"), false)
	if c.Caller != nil && c.Caller.ID != owner && req.Message.Sender == nil {
		// Sending from another mailbox (a shared mailbox, a delegator):
		// from is the mailbox, sender the signed-in user (send on behalf).
		sent.Sender = &model.Recipient{EmailAddress: model.EmailAddress{Name: c.Caller.DisplayName, Address: refOf(c.Caller).address}}
	}
	items, err := s.deliveryItems(c, owner, sent, req.Message.Attachments, save)
	if err != nil {
		return err
	}
	if len(items) > 0 {
		if err := s.Store().CreateItems(c.Context(), items...); err != nil {
			return graph.AsError(err)
		}
	}
	return c.Accepted()
}

// deliveryItems builds the sent copy and the recipients' copies, for the
// caller to store in one transaction.
func (s server) deliveryItems(c *graph.Call, owner string, sent model.Message, atts []model.Attachment, save bool) ([]store.Item, error) {
	all := append(append(append([]model.Recipient{}, sent.ToRecipients...), sent.CcRecipients...), sent.BccRecipients...)
	if len(all) == 0 {
		return nil, graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be sent because it contains no recipients.")
	}
	now := s.Now()
	var items []store.Item
	addCopy := func(m model.Message, mbox, folder string) error {
		items = append(items, store.Item{TenantID: c.TenantID, Kind: model.KindMessage, ID: m.ID, OwnerID: mbox, ParentID: folder, Doc: model.EncodeDoc(m), CreatedAt: now, ModifiedAt: now})
		ai, err := attachmentItems(c.TenantID, mbox, m.ID, atts, m.CreatedDateTime)
		items = append(items, ai...)
		return err
	}
	if save {
		if err := addCopy(sent, owner, sent.ParentFolderID); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, r := range all {
		addr := strings.ToLower(strings.TrimSpace(r.EmailAddress.Address))
		if addr == "" || !strings.Contains(addr, "@") {
			return nil, graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., Recipient '%s' isn't resolved. All recipients must be resolved before a message can be submitted.", r.EmailAddress.Address)
		}
		if seen[addr] {
			continue
		}
		seen[addr] = true
		u, err := s.Store().UserByUPN(c.Context(), addr)
		if errors.Is(err, store.ErrNotFound) || err == nil && u.TenantID != c.TenantID {
			continue // outside the tenant: graphgate delivers nothing externally
		}
		if err != nil {
			return nil, graph.AsError(err)
		}
		if err := s.ensureMailbox(c, u.ID); err != nil {
			return nil, err
		}
		cp := sent
		cp.ID, cp.ParentFolderID, cp.IsRead, cp.IsDraft = graph.NewItemID("AAMkAG"), model.FolderID(u.ID, "inbox"), false, false
		cp.BccRecipients = []model.Recipient{} // Bcc recipients are hidden from every recipient
		if err := addCopy(cp, u.ID, cp.ParentFolderID); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// sendDraft sends a draft: it moves to Sent Items and copies go out.
func (s server) sendDraft(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	m, err := model.DecodeDoc[model.Message](it)
	if err != nil {
		return graph.AsError(err)
	}
	if !m.IsDraft {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidOperation", "Only drafts can be sent.")
	}
	atts, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindAttachment, OwnerID: owner, ParentID: it.ID})
	if err != nil {
		return graph.AsError(err)
	}
	var docs []model.Attachment
	for _, a := range atts {
		d, err := model.DecodeDoc[model.Attachment](a)
		if err != nil {
			return graph.AsError(err)
		}
		docs = append(docs, d)
	}
	now := model.StoredTime(s.Now())
	m.IsDraft, m.SentDateTime, m.ReceivedDateTime, m.ParentFolderID = false, now, now, model.FolderID(owner, "sentitems")
	m.ID = graph.NewItemID("AAMkAG")
	items, err := s.deliveryItems(c, owner, m, docs, true)
	if err != nil {
		return err
	}
	ids := make([]string, len(atts))
	for i, a := range atts {
		ids[i] = a.ID
	}
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindMessage, it.ID); err != nil {
			return err
		}
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindAttachment, ids...); err != nil {
			return err
		}
		return tx.CreateItems(c.Context(), items...)
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.Accepted()
}
