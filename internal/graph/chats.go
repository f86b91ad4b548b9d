package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// chatMember reports whether a user is a member of a chat (false for a
// chat that does not exist, which the handler then answers 404 for).
func (s *Server) chatMember(c *Call, chatID, userID string) (bool, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindChat, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return false, NewErrorf(http.StatusNotFound, "NotFound", "Resource not found.")
	}
	if err != nil {
		return false, AsError(err)
	}
	var doc struct {
		Members []struct {
			UserID string `json:"userId"`
		} `json:"members"`
	}
	if err := json.Unmarshal(it.Doc, &doc); err != nil {
		return false, AsError(err)
	}
	for _, m := range doc.Members {
		if strings.EqualFold(m.UserID, userID) {
			return true, nil
		}
	}
	return false, nil
}

var (
	chatsEntity = Entity{Type: "microsoft.graph.chat", Context: "chats"}
	chatEntity  = Entity{Type: "microsoft.graph.chat", Context: "chats/$entity"}
)

var _ = declare(WorkloadTeams,
	Endpoint{Method: "GET", Template: "/me/chats", Handler: (*Server).listChats, Entity: chatsEntity},
	Endpoint{Method: "GET", Template: "/users/{id}/chats", Handler: (*Server).listChats, Entity: chatsEntity},
	Endpoint{Method: "POST", Template: "/chats", Handler: (*Server).createChat, Entity: chatEntity},
	Endpoint{Method: "GET", Template: "/chats/{id}", Handler: (*Server).getChat, Entity: chatEntity},
	Endpoint{Method: "GET", Template: "/chats/{id}/members", Handler: (*Server).listChatMembers},
	Endpoint{Method: "GET", Template: "/chats/{id}/messages", Handler: (*Server).listChatMessages},
	Endpoint{Method: "POST", Template: "/chats/{id}/messages", Handler: (*Server).sendChatMessage},
	Endpoint{Method: "GET", Template: "/chats/{id}/messages/{id}", Handler: (*Server).getChatMessage},
)

// chatsOf matches chats whose internal member list holds one user.
func chatsOf(userID string) store.Cond {
	return store.Any{Array: store.Field{Path: []string{"_memberIds"}, Type: store.TypeString}, Var: "m",
		Cond: store.Compare{Field: store.Field{Var: "m", Type: store.TypeString}, Op: store.Eq, Value: store.String(userID)}}
}

var chatProps = odata.JSONProps{"topic": odata.TypeString, "chatType": odata.TypeString, "createdDateTime": odata.TypeDateTime,
	"lastUpdatedDateTime": odata.TypeDateTime, "id": odata.TypeString}

func (s *Server) listChats(c *Call) error {
	if c.TargetUser == nil {
		return ErrDirectoryNotFound(c.Param(0))
	}
	q, err := c.ParseQuery(odata.Generic, 50, 50)
	if err != nil {
		return err
	}
	return s.writeCollection(c, collection{q: q,
		base:     store.ItemQuery{TenantID: c.TenantID, Kind: KindChat, Filter: chatsOf(c.TargetUser.ID)},
		mapping:  jsonMapping("microsoft.graph.chat", chatProps),
		defOrder: byDoc("lastUpdatedDateTime", store.TypeTime, true), context: c.ContextURL(),
		defaults: []string{"id", "topic", "createdDateTime", "lastUpdatedDateTime", "chatType", "webUrl", "tenantId"}})
}

func (s *Server) chat(c *Call) (store.Item, chatDoc, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindChat, c.Param(0))
	if errors.Is(err, store.ErrNotFound) {
		return it, chatDoc{}, NewErrorf(http.StatusNotFound, "NotFound", "Resource not found.")
	}
	if err != nil {
		return it, chatDoc{}, AsError(err)
	}
	doc, err := DecodeDoc[chatDoc](it)
	return it, doc, asErrorOrNil(err)
}

func (s *Server) getChat(c *Call) error {
	it, _, err := s.chat(c)
	if err != nil {
		return err
	}
	b, err := renderItem(it)
	if err != nil {
		return AsError(err)
	}
	if b, err = project(b, nil, []string{"id", "topic", "createdDateTime", "lastUpdatedDateTime", "chatType", "webUrl", "tenantId"}, nil); err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusOK, WithContext(b, c.ContextURL()))
}

func (s *Server) listChatMembers(c *Call) error {
	_, doc, err := s.chat(c)
	if err != nil {
		return err
	}
	vals := make([]json.RawMessage, 0, len(doc.Members))
	for _, m := range doc.Members {
		vals = append(vals, EncodeDoc(m))
	}
	return c.JSON(http.StatusOK, page{Context: c.BaseURL() + "/$metadata#chats('" + doc.ID + "')/members", Value: vals})
}

func (s *Server) listChatMessages(c *Call) error {
	if _, _, err := s.chat(c); err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Generic, 20, 50)
	if err != nil {
		return err
	}
	return s.writeCollection(c, collection{q: q, base: store.ItemQuery{TenantID: c.TenantID, Kind: KindChatMessage, ParentID: c.Param(0)},
		mapping:  jsonMapping("microsoft.graph.chatMessage", odata.JSONProps{"createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime, "messageType": odata.TypeString}),
		defOrder: byDoc("createdDateTime", store.TypeTime, true), context: c.BaseURL() + "/$metadata#chats('" + c.Param(0) + "')/messages"})
}

func (s *Server) getChatMessage(c *Call) error {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindChatMessage, chatMessageKey(c.Param(0), c.Param(1)))
	if err != nil || it.ParentID != c.Param(0) {
		return NewErrorf(http.StatusNotFound, "NotFound", "Resource not found.")
	}
	return c.writeItem(http.StatusOK, it, c.BaseURL()+"/$metadata#chats('"+c.Param(0)+"')/messages/$entity", nil, nil)
}

func (s *Server) sendChatMessage(c *Call) error {
	it, _, err := s.chat(c)
	if err != nil {
		return err
	}
	var in struct {
		Body *itemBody `json:"body"`
	}
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if in.Body == nil || strings.TrimSpace(in.Body.Content) == "" {
		return ErrBadRequest("Message body cannot be empty.")
	}
	if in.Body.ContentType == "" {
		in.Body.ContentType = "text"
	}
	now := s.now()
	m := chatMessageDoc{ID: strconv.FormatInt(now.UnixMilli(), 10), Etag: strconv.FormatInt(now.UnixMilli(), 10), MessageType: "message",
		CreatedDateTime: storedTime(now), LastModifiedDateTime: storedTime(now), ChatID: it.ID, Importance: "normal", Locale: "en-us",
		Body: *in.Body, Attachments: []json.RawMessage{}, Mentions: []json.RawMessage{}, Reactions: []json.RawMessage{}}
	if c.Caller != nil {
		m.From.User = &chatIdentity{ID: c.Caller.ID, DisplayName: c.Caller.DisplayName, UserIdentityType: "aadUser", TenantID: c.TenantID}
	}
	msg := store.Item{TenantID: c.TenantID, Kind: KindChatMessage, ID: chatMessageKey(it.ID, m.ID), ParentID: it.ID, CreatedAt: now, ModifiedAt: now, Version: 1}
	msg.Doc = EncodeDoc(m)
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if err := tx.CreateItems(c.ctx, msg); err != nil {
			return err
		}
		_, err := tx.UpdateItem(c.ctx, c.TenantID, KindChat, it.ID, 0, func(ch store.Item) (store.Item, error) {
			d, err := DecodeDoc[chatDoc](ch)
			if err != nil {
				return ch, err
			}
			d.LastUpdatedDateTime = storedTime(now)
			ch.Doc = EncodeDoc(d)
			return ch, nil
		})
		return err
	})
	if err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusCreated, msg, c.BaseURL()+"/$metadata#chats('"+it.ID+"')/messages/$entity", nil, nil)
}

// createChat creates a one-on-one or group chat from member bindings
// ("user@odata.bind": ".../users('id')").
func (s *Server) createChat(c *Call) error {
	var in struct {
		ChatType string  `json:"chatType"`
		Topic    *string `json:"topic"`
		Members  []struct {
			Roles []string `json:"roles"`
			Bind  string   `json:"user@odata.bind"`
		} `json:"members"`
	}
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	ct := strings.ToLower(in.ChatType)
	if ct != "oneonone" && ct != "group" {
		return ErrBadRequest("chatType must be oneOnOne or group.")
	}
	if ct == "oneonone" && len(in.Members) != 2 || ct == "group" && len(in.Members) < 2 {
		return ErrBadRequest("A oneOnOne chat needs exactly two members; a group chat at least two.")
	}
	now := s.now()
	doc := chatDoc{ID: "19:" + strings.ToLower(newItemID(""))[:32] + "@thread.v2", Topic: in.Topic, CreatedDateTime: storedTime(now),
		LastUpdatedDateTime: storedTime(now), ChatType: map[string]string{"oneonone": "oneOnOne", "group": "group"}[ct], TenantID: c.TenantID}
	callerIn := c.Caller == nil
	for _, m := range in.Members {
		id := BindID(m.Bind)
		u, err := s.FindUser(c, id)
		if err != nil {
			return ErrBadRequest("The member '%s' was not found.", id)
		}
		callerIn = callerIn || c.Caller != nil && u.ID == c.Caller.ID
		doc.Members = append(doc.Members, chatMember{ODataType: "#microsoft.graph.aadUserConversationMember", ID: newItemID("MCMj")[:40], Roles: m.Roles,
			DisplayName: u.DisplayName, VisibleHistoryStartDateTime: "0001-01-01T00:00:00Z", UserID: u.ID, Email: u.Mail, TenantID: c.TenantID})
		doc.MemberIDs = append(doc.MemberIDs, u.ID)
	}
	if !callerIn {
		return ErrBadRequest("The signed-in user must be a member of the chat.")
	}
	doc.WebURL = "https://teams.microsoft.com/l/chat/" + doc.ID + "/0"
	it := store.Item{TenantID: c.TenantID, Kind: KindChat, ID: doc.ID, Doc: EncodeDoc(doc), CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := s.store.CreateItems(c.ctx, it); err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusCreated, it, c.ContextURL(), []string{"id", "topic", "createdDateTime", "lastUpdatedDateTime", "chatType", "webUrl", "tenantId"}, nil)
}
