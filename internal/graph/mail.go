package graph

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

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
func hasFileAttachments(atts []attachmentDoc) bool {
	for _, a := range atts {
		if !a.IsInline {
			return true
		}
	}
	return false
}

// knownMailboxes remembers the mailboxes (tenant and user) whose
// well-known folders this process has seen or created, so that a mail
// request does not read the inbox folder from the store only to learn it
// exists: under load that read took a connection from the store's pool for
// every request (bench/README.md, "Throughput"). Well-known folders are
// never deleted (Graph refuses it, ErrorDeleteDistinguishedFolder), and
// their ids are derived from the user's id, so a remembered mailbox stays
// true for as long as the user does; a request for a deleted user fails
// before it gets here, and DELETE /users/{id} forgets the user's mailbox
// (the admin command's deletion, in another process, is not seen: should
// the same id come back — only an import can do that — its mail requests
// answer that the folder was not found instead of recreating it). The set
// is lock-free to read and bounded: at maxKnownMailboxes it starts over.
type knownMailboxes struct {
	m sync.Map // tenant + "/" + user → struct{}
	n atomic.Int64
}

const maxKnownMailboxes = 16384

func (k *knownMailboxes) has(key string) bool {
	_, ok := k.m.Load(key)
	return ok
}

func (k *knownMailboxes) add(key string) {
	if _, loaded := k.m.LoadOrStore(key, struct{}{}); !loaded && k.n.Add(1) > maxKnownMailboxes {
		k.m.Clear()
		k.n.Store(0)
	}
}

func (k *knownMailboxes) forget(key string) { k.m.Delete(key) }

// ensureMailbox creates a user's well-known folders on first use.
func (s *Server) ensureMailbox(c *Call, userID string) error {
	key := c.TenantID + "/" + userID
	if s.mailboxes.has(key) {
		return nil
	}
	if _, err := s.store.GetItem(c.ctx, c.TenantID, KindMailFolder, folderID(userID, "inbox")); err == nil {
		s.mailboxes.add(key)
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return AsError(err)
	}
	now := s.now()
	root := folderID(userID, msgFolderRoot)
	var items []store.Item
	for _, f := range wellKnownFolders {
		id := folderID(userID, f.Name)
		items = append(items, store.Item{TenantID: c.TenantID, Kind: KindMailFolder, ID: id, OwnerID: userID, ParentID: root,
			Doc: EncodeDoc(folderDoc{ID: id, DisplayName: f.Display, ParentFolderID: root, WellKnownName: f.Name}), CreatedAt: now, ModifiedAt: now})
	}
	err := s.store.CreateItems(c.ctx, items...)
	if err == nil || errors.Is(err, store.ErrConflict) { // a conflict: another request created it
		s.mailboxes.add(key)
		return nil
	}
	return AsError(err)
}

// resolveFolder reads a folder id or well-known name of the owner's mailbox.
func (s *Server) resolveFolder(c *Call, owner, idOrName string) (store.Item, error) {
	id := idOrName
	for _, f := range wellKnownFolders {
		if strings.EqualFold(idOrName, f.Name) {
			id = folderID(owner, f.Name)
		}
	}
	if strings.EqualFold(idOrName, msgFolderRoot) {
		return store.Item{}, ErrItemNotFound()
	}
	return s.getOwned(c, KindMailFolder, id, owner)
}

// messageEntity: messages inline their attachments and, for a meeting
// message, its event.
var messageEntity = Entity{Type: "microsoft.graph.message", Expand: []string{"attachments", eventNav}}

var _ = declare(WorkloadExchange, slices.Concat(
	Twins(Endpoint{Method: "GET", Template: "/mailFolders", Handler: (*Server).listFolders}),
	Twins(Endpoint{Method: "POST", Template: "/mailFolders", Handler: (*Server).createFolder}),
	Twins(Endpoint{Method: "GET", Template: "/mailFolders/{id}", Handler: (*Server).getFolder}),
	Twins(Endpoint{Method: "PATCH", Template: "/mailFolders/{id}", Handler: (*Server).updateFolder}),
	Twins(Endpoint{Method: "DELETE", Template: "/mailFolders/{id}", Handler: (*Server).deleteFolder}),
	Twins(Endpoint{Method: "GET", Template: "/mailFolders/{id}/childFolders", Handler: (*Server).listChildFolders}),
	Twins(Endpoint{Method: "POST", Template: "/mailFolders/{id}/childFolders", Handler: (*Server).createChildFolder}),
	Twins(Endpoint{Method: "GET", Template: "/mailFolders/{id}/messages", Handler: (*Server).listFolderMessages, Entity: messageEntity}),
	Twins(Endpoint{Method: "POST", Template: "/mailFolders/{id}/messages", Handler: (*Server).createFolderMessage}),
	Twins(Endpoint{Method: "GET", Template: "/messages", Handler: (*Server).listMessages, Entity: messageEntity}),
	Twins(Endpoint{Method: "POST", Template: "/messages", Handler: (*Server).createDraft}),
	Twins(Endpoint{Method: "GET", Template: "/messages/{id}", Handler: (*Server).getMessage, Entity: messageEntity}),
	Twins(Endpoint{Method: "PATCH", Template: "/messages/{id}", Handler: (*Server).updateMessage}),
	Twins(Endpoint{Method: "DELETE", Template: "/messages/{id}", Handler: (*Server).deleteMessage}),
	Twins(Endpoint{Method: "POST", Template: "/messages/{id}/move", Handler: (*Server).moveMessage}),
	Twins(Endpoint{Method: "POST", Template: "/messages/{id}/copy", Handler: (*Server).copyMessage}),
	Twins(Endpoint{Method: "POST", Template: "/messages/{id}/send", Handler: (*Server).sendDraft}),
	Twins(Endpoint{Method: "GET", Template: "/messages/{id}/attachments", Handler: (*Server).listAttachments}),
	Twins(Endpoint{Method: "POST", Template: "/messages/{id}/attachments", Handler: (*Server).addAttachment}),
	Twins(Endpoint{Method: "GET", Template: "/messages/{id}/attachments/{id}", Handler: (*Server).getAttachment}),
	Twins(Endpoint{Method: "DELETE", Template: "/messages/{id}/attachments/{id}", Handler: (*Server).deleteAttachment}),
	Twins(Endpoint{Method: "POST", Template: "/sendMail", Handler: (*Server).sendMail}),
)...)

// mailbox returns the mailbox owner of the request and makes sure the
// mailbox exists.
func (s *Server) mailbox(c *Call) (string, error) {
	if c.TargetUser == nil {
		return "", ErrMailboxNotFound(c.Param(0))
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

var messageSelectable = selectableAs("message", messageDoc{})

func (s *Server) messageMapping() odata.Mapping {
	return jsonMapping("microsoft.graph.message", messageProps)
}

// basicMessageAllowed is what Mail.ReadBasic may read (authz owns it): no
// body, preview or attachments.
func basicMessageAllowed(c *Call) map[string]bool {
	if c.Decision.Limit != authz.LimitBasicMessage {
		return nil
	}
	return authz.LimitBasicMessage.Properties()
}

func (s *Server) listMessages(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	return s.messages(c, store.ItemQuery{TenantID: c.TenantID, Kind: KindMessage, OwnerID: owner})
}

func (s *Server) listFolderMessages(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	f, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	return s.messages(c, store.ItemQuery{TenantID: c.TenantID, Kind: KindMessage, OwnerID: owner, ParentID: f.ID})
}

func (s *Server) messages(c *Call, base store.ItemQuery) error {
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	if q.q.Search != nil {
		if len(q.q.OrderBy) > 0 {
			return ErrBadRequest("The query parameter 'OrderBy' is invalid.")
		}
		base.Filter = searchMessages(q.q.Search)
		base.Text = searchMessageText(q.q.Search)
	}
	col := collection{q: q, base: base, mapping: s.messageMapping(),
		defOrder: byDoc("receivedDateTime", store.TypeTime, true),
		context:  c.BaseURL() + "/$metadata#users('" + c.TargetUser.ID + "')/messages", allowed: basicMessageAllowed(c),
		known: messageSelectable(),
		expand: func(it store.Item, b json.RawMessage) (json.RawMessage, error) {
			b, err := s.expandAttachments(c, base.OwnerID, it, b)
			if err != nil {
				return nil, err
			}
			return s.expandEvent(c, base.OwnerID, it, b)
		}}
	if q.q.Search != nil && q.q.Filter != nil {
		return ErrBadRequest("The query parameter '$filter' is not supported with '$search'.")
	}
	return s.writeCollection(c, col)
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

func (s *Server) messageContext(c *Call) string {
	return c.BaseURL() + "/$metadata#users('" + c.TargetUser.ID + "')/messages/$entity"
}

func (s *Server) getMessage(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Exchange, 1, 0)
	if err != nil {
		return err
	}
	if err := checkSelect(q.q.Select, messageSelectable(), "microsoft.graph.message", odata.Exchange); err != nil {
		return err
	}
	it, err := s.getOwned(c, KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	return c.writeItemExpanded(http.StatusOK, it, s.messageContext(c), nil, basicMessageAllowed(c),
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
	IsRead                  *bool          `json:"isRead"`
	Categories              *[]string      `json:"categories"`
	Importance              *string        `json:"importance"`
	Flag                    *followupFlag  `json:"flag"`
	InferenceClassification *string        `json:"inferenceClassification"`
	Subject                 *string        `json:"subject"`
	Body                    *itemBody      `json:"body"`
	ToRecipients            *[]recipient   `json:"toRecipients"`
	CcRecipients            *[]recipient   `json:"ccRecipients"`
	BccRecipients           *[]recipient   `json:"bccRecipients"`
	ReplyTo                 *[]recipient   `json:"replyTo"`
	From                    *recipient     `json:"from"`
	Sender                  *recipient     `json:"sender"`
	Extra                   map[string]any `json:"-"`
}

func (p messagePatch) apply(m *messageDoc) error {
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
			return ErrBadRequest("Invalid value '%s' for property 'importance'.", *p.Importance)
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
		return NewErrorf(http.StatusBadRequest, "ErrorInvalidPropertyUpdateSentMessage", "Update operation is invalid for property of a sent message.")
	}
	if p.Subject != nil {
		m.Subject = *p.Subject
	}
	if p.Body != nil {
		m.Body = *p.Body
		m.BodyPreview = preview(p.Body.Content)
	}
	setR := func(dst *[]recipient, v *[]recipient) {
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

func (s *Server) updateMessage(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var p messagePatch
	if err := c.ReadBody(&p, messageBody); err != nil {
		return err
	}
	ifVersion, err := versionOfETag(c.r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	if _, err := s.getOwned(c, KindMessage, c.Param(1), owner); err != nil {
		return err
	}
	var perr error
	it, err := s.store.UpdateItem(c.ctx, c.TenantID, KindMessage, c.Param(1), ifVersion, func(it store.Item) (store.Item, error) {
		m, err := DecodeDoc[messageDoc](it)
		if err != nil {
			return it, err
		}
		if perr = p.apply(&m); perr != nil {
			return it, perr
		}
		m.LastModifiedDateTime = storedTime(s.now())
		it.Doc = mergeDoc(it.Doc, m)
		return it, nil
	})
	if perr != nil {
		return perr
	}
	if errors.Is(err, store.ErrPrecondition) {
		return ErrPreconditionFailed()
	}
	if err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusOK, it, s.messageContext(c), nil, nil)
}

// deleteMessage moves a message to Deleted Items (permanently deleting it
// if it is there already), as Outlook does.
func (s *Server) deleteMessage(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.getOwned(c, KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	deleted := folderID(owner, "deleteditems")
	if it.ParentID == deleted {
		if err := s.store.Batch(c.ctx, func(tx store.Items) error { return s.deleteMessages(c, tx, owner, []string{it.ID}) }); err != nil {
			return AsError(err)
		}
		return c.NoContent()
	}
	if _, err := s.moveItem(c, it, deleted); err != nil {
		return err
	}
	return c.NoContent()
}

// deleteMessages removes messages of owner with their attachments, in tx.
func (s *Server) deleteMessages(c *Call, tx store.Items, owner string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	atts, _, err := tx.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindAttachment, OwnerID: owner, ParentIDs: ids})
	if err != nil {
		return err
	}
	aids := make([]string, len(atts))
	for i, a := range atts {
		aids[i] = a.ID
	}
	if _, err := tx.DeleteItems(c.ctx, c.TenantID, KindAttachment, aids...); err != nil {
		return err
	}
	_, err = tx.DeleteItems(c.ctx, c.TenantID, KindMessage, ids...)
	return err
}

func (s *Server) moveItem(c *Call, it store.Item, folder string) (store.Item, error) {
	out, err := s.store.UpdateItem(c.ctx, c.TenantID, KindMessage, it.ID, 0, func(it store.Item) (store.Item, error) {
		m, err := DecodeDoc[messageDoc](it)
		if err != nil {
			return it, err
		}
		m.ParentFolderID = folder
		m.LastModifiedDateTime = storedTime(s.now())
		it.ParentID = folder
		it.Doc = mergeDoc(it.Doc, m)
		return it, nil
	})
	return out, asErrorOrNil(err)
}

func asErrorOrNil(err error) error {
	if err == nil {
		return nil
	}
	return AsError(err)
}

type destination struct {
	DestinationID string `json:"destinationId"`
}

func (s *Server) moveMessage(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var d destination
	if err := c.ReadBody(&d, moveBody); err != nil {
		return err
	}
	it, err := s.getOwned(c, KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	f, err := s.resolveFolder(c, owner, d.DestinationID)
	if err != nil {
		return NewErrorf(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
	}
	// A move creates a new item id in Exchange; graphgate keeps the id but
	// the message is now in the new folder.
	out, err := s.moveItem(c, it, f.ID)
	if err != nil {
		return err
	}
	return c.writeItem(http.StatusCreated, out, s.messageContext(c), nil, nil)
}

func (s *Server) copyMessage(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var d destination
	if err := c.ReadBody(&d, copyBody); err != nil {
		return err
	}
	it, err := s.getOwned(c, KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	f, err := s.resolveFolder(c, owner, d.DestinationID)
	if err != nil {
		return NewErrorf(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed.")
	}
	m, err := DecodeDoc[messageDoc](it)
	if err != nil {
		return AsError(err)
	}
	now := s.now()
	m.ID, m.ParentFolderID, m.CreatedDateTime, m.LastModifiedDateTime = newItemID("AAMkAG"), f.ID, storedTime(now), storedTime(now)
	cp := store.Item{TenantID: c.TenantID, Kind: KindMessage, ID: m.ID, OwnerID: owner, ParentID: f.ID, Doc: mergeDoc(it.Doc, m), CreatedAt: now, ModifiedAt: now}
	// The copy has its own copies of the attachments.
	atts, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindAttachment, OwnerID: owner, ParentID: it.ID})
	if err != nil {
		return AsError(err)
	}
	items := []store.Item{cp}
	for _, a := range atts {
		d, err := DecodeDoc[attachmentDoc](a)
		if err != nil {
			return AsError(err)
		}
		d.ID = newItemID("AAMkAGAtt")
		items = append(items, store.Item{TenantID: c.TenantID, Kind: KindAttachment, ID: d.ID, OwnerID: owner, ParentID: m.ID, Doc: EncodeDoc(d), CreatedAt: now, ModifiedAt: now})
	}
	if err := s.store.CreateItems(c.ctx, items...); err != nil {
		return AsError(err)
	}
	cp.Version = 1
	return c.writeItem(http.StatusCreated, cp, s.messageContext(c), nil, nil)
}

// newMessage is a message in a request body (create, sendMail).
type newMessage struct {
	Subject       string          `json:"subject"`
	Body          *itemBody       `json:"body"`
	ToRecipients  []recipient     `json:"toRecipients"`
	CcRecipients  []recipient     `json:"ccRecipients"`
	BccRecipients []recipient     `json:"bccRecipients"`
	ReplyTo       []recipient     `json:"replyTo"`
	From          *recipient      `json:"from"`
	Sender        *recipient      `json:"sender"`
	Importance    string          `json:"importance"`
	Categories    []string        `json:"categories"`
	Attachments   []attachmentDoc `json:"attachments"`
	IsReadReceipt bool            `json:"isReadReceiptRequested"`
}

// toDoc builds a stored message for owner in folder.
func (s *Server) toDoc(nm newMessage, owner *userRef, folder string, draft bool) messageDoc {
	now := storedTime(s.now())
	body := itemBody{ContentType: "text", Content: ""}
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
	nz := func(r []recipient) []recipient {
		if r == nil {
			return []recipient{}
		}
		return r
	}
	cats := nm.Categories
	if cats == nil {
		cats = []string{}
	}
	id := newItemID("AAMkAG")
	m := messageDoc{ID: id, CreatedDateTime: now, LastModifiedDateTime: now, Categories: cats, ReceivedDateTime: now, SentDateTime: now,
		HasAttachments: hasFileAttachments(nm.Attachments), InternetMessageID: "<" + newItemID("")[:24] + "@graphgate.local>", Subject: nm.Subject,
		BodyPreview: preview(body.Content), Importance: imp, ParentFolderID: folder, ConversationID: newItemID("AAQkAG"),
		IsRead: true, IsDraft: draft, InferenceClassification: "focused", Body: body, ToRecipients: nz(nm.ToRecipients),
		CcRecipients: nz(nm.CcRecipients), BccRecipients: nz(nm.BccRecipients), ReplyTo: nz(nm.ReplyTo), Flag: followupFlag{FlagStatus: "notFlagged"},
		IsReadReceiptRequested: nm.IsReadReceipt}
	m.WebLink = "https://outlook.office365.com/owa/?ItemID=" + id + "&exvsurl=1&viewmodel=ReadMessageItem"
	if owner != nil {
		from := &recipient{EmailAddress: emailAddress{Name: owner.name, Address: owner.address}}
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

func attachmentItems(tenant, owner, messageID string, atts []attachmentDoc, now string) ([]store.Item, error) {
	var out []store.Item
	for _, a := range atts {
		if a.ODataType == "" {
			a.ODataType = "#microsoft.graph.fileAttachment"
		}
		if a.ODataType != "#microsoft.graph.fileAttachment" {
			return nil, ErrBadRequest("Only file attachments are supported.")
		}
		raw, err := base64.StdEncoding.DecodeString(a.ContentBytes)
		if err != nil {
			return nil, ErrBadRequest("The attachment's contentBytes is not valid base64.")
		}
		a.ID, a.Size, a.LastModifiedDateTime = newItemID("AAMkAGAtt"), len(raw), now
		if a.ContentType == "" {
			a.ContentType = "application/octet-stream"
		}
		out = append(out, store.Item{TenantID: tenant, Kind: KindAttachment, ID: a.ID, OwnerID: owner, ParentID: messageID, Doc: EncodeDoc(a)})
	}
	return out, nil
}

func (s *Server) createDraft(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	return s.createMessageIn(c, owner, folderID(owner, "drafts"))
}

func (s *Server) createFolderMessage(c *Call) error {
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

func (s *Server) createMessageIn(c *Call, owner, folder string) error {
	var nm newMessage
	if err := c.ReadBody(&nm, messageBody); err != nil {
		return err
	}
	m := s.toDoc(nm, refOf(c.TargetUser), folder, true)
	now := s.now()
	it := store.Item{TenantID: c.TenantID, Kind: KindMessage, ID: m.ID, OwnerID: owner, ParentID: folder, Doc: EncodeDoc(m), CreatedAt: now, ModifiedAt: now}
	atts, err := attachmentItems(c.TenantID, owner, m.ID, nm.Attachments, m.CreatedDateTime)
	if err != nil {
		return err
	}
	if err := s.store.CreateItems(c.ctx, append([]store.Item{it}, atts...)...); err != nil {
		return AsError(err)
	}
	it.Version = 1
	return c.writeItem(http.StatusCreated, it, s.messageContext(c), nil, nil)
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
func (s *Server) sendMail(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var req sendMailRequest
	if err := c.ReadBody(&req, sendMailBody); err != nil {
		return err
	}
	if req.Message == nil {
		return ErrBadRequest("Empty Payload. JSON content expected.")
	}
	save := req.SaveToSentItems == nil || *req.SaveToSentItems
	sent := s.toDoc(*req.Message, refOf(c.TargetUser), folderID(owner, "sentitems"), false)
	if c.Caller != nil && c.Caller.ID != owner && req.Message.Sender == nil {
		// Sending from another mailbox (a shared mailbox, a delegator):
		// from is the mailbox, sender the signed-in user (send on behalf).
		sent.Sender = &recipient{EmailAddress: emailAddress{Name: c.Caller.DisplayName, Address: refOf(c.Caller).address}}
	}
	items, err := s.deliveryItems(c, owner, sent, req.Message.Attachments, save)
	if err != nil {
		return err
	}
	if len(items) > 0 {
		if err := s.store.CreateItems(c.ctx, items...); err != nil {
			return AsError(err)
		}
	}
	return c.Accepted()
}

// deliveryItems builds the sent copy and the recipients' copies, for the
// caller to store in one transaction.
func (s *Server) deliveryItems(c *Call, owner string, sent messageDoc, atts []attachmentDoc, save bool) ([]store.Item, error) {
	all := append(append(append([]recipient{}, sent.ToRecipients...), sent.CcRecipients...), sent.BccRecipients...)
	if len(all) == 0 {
		return nil, NewErrorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be sent because it contains no recipients.")
	}
	now := s.now()
	var items []store.Item
	addCopy := func(m messageDoc, mbox, folder string) error {
		items = append(items, store.Item{TenantID: c.TenantID, Kind: KindMessage, ID: m.ID, OwnerID: mbox, ParentID: folder, Doc: EncodeDoc(m), CreatedAt: now, ModifiedAt: now})
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
			return nil, NewErrorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., Recipient '%s' isn't resolved. All recipients must be resolved before a message can be submitted.", r.EmailAddress.Address)
		}
		if seen[addr] {
			continue
		}
		seen[addr] = true
		u, err := s.store.UserByUPN(c.ctx, addr)
		if errors.Is(err, store.ErrNotFound) || err == nil && u.TenantID != c.TenantID {
			continue // outside the tenant: graphgate delivers nothing externally
		}
		if err != nil {
			return nil, AsError(err)
		}
		if err := s.ensureMailbox(c, u.ID); err != nil {
			return nil, err
		}
		cp := sent
		cp.ID, cp.ParentFolderID, cp.IsRead, cp.IsDraft = newItemID("AAMkAG"), folderID(u.ID, "inbox"), false, false
		cp.BccRecipients = []recipient{} // Bcc recipients are hidden from every recipient
		if err := addCopy(cp, u.ID, cp.ParentFolderID); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// sendDraft sends a draft: it moves to Sent Items and copies go out.
func (s *Server) sendDraft(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.getOwned(c, KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	m, err := DecodeDoc[messageDoc](it)
	if err != nil {
		return AsError(err)
	}
	if !m.IsDraft {
		return NewErrorf(http.StatusBadRequest, "ErrorInvalidOperation", "Only drafts can be sent.")
	}
	atts, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindAttachment, OwnerID: owner, ParentID: it.ID})
	if err != nil {
		return AsError(err)
	}
	var docs []attachmentDoc
	for _, a := range atts {
		d, err := DecodeDoc[attachmentDoc](a)
		if err != nil {
			return AsError(err)
		}
		docs = append(docs, d)
	}
	now := storedTime(s.now())
	m.IsDraft, m.SentDateTime, m.ReceivedDateTime, m.ParentFolderID = false, now, now, folderID(owner, "sentitems")
	m.ID = newItemID("AAMkAG")
	items, err := s.deliveryItems(c, owner, m, docs, true)
	if err != nil {
		return err
	}
	ids := make([]string, len(atts))
	for i, a := range atts {
		ids[i] = a.ID
	}
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.ctx, c.TenantID, KindMessage, it.ID); err != nil {
			return err
		}
		if _, err := tx.DeleteItems(c.ctx, c.TenantID, KindAttachment, ids...); err != nil {
			return err
		}
		return tx.CreateItems(c.ctx, items...)
	})
	if err != nil {
		return AsError(err)
	}
	return c.Accepted()
}
