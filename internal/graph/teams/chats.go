package teams

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// The entities the chat endpoints answer; their context URLs name the chat
// of the path ({0}: graph.Entity.Context's placeholders).
var (
	chatsEntity        = graph.Entity{Type: "microsoft.graph.chat", Context: "chats"}
	chatEntity         = graph.Entity{Type: "microsoft.graph.chat", Context: "chats/$entity"}
	chatMembersEntity  = graph.Entity{Type: "microsoft.graph.conversationMember", Context: "chats('{0}')/members"}
	chatMessagesEntity = graph.Entity{Type: "microsoft.graph.chatMessage", Context: "chats('{0}')/messages"}
	chatMessageEntity  = graph.Entity{Type: "microsoft.graph.chatMessage", Context: "chats('{0}')/messages/$entity"}
)

var _ = declare(graph.WorkloadTeams,
	graph.Endpoint{Method: "GET", Template: "/me/chats", Handler: handle(server.listChats), Entity: chatsEntity},
	graph.Endpoint{Method: "GET", Template: "/users/{id}/chats", Handler: handle(server.listChats), Entity: chatsEntity},
	graph.Endpoint{Method: "POST", Template: "/chats", Handler: handle(server.createChat), Entity: chatEntity},
	graph.Endpoint{Method: "GET", Template: "/chats/{id}", Handler: handle(server.getChat), Entity: chatEntity},
	graph.Endpoint{Method: "GET", Template: "/chats/{id}/members", Handler: handle(server.listChatMembers), Entity: chatMembersEntity},
	graph.Endpoint{Method: "GET", Template: "/chats/{id}/messages", Handler: handle(server.listChatMessages), Entity: chatMessagesEntity},
	graph.Endpoint{Method: "POST", Template: "/chats/{id}/messages", Handler: handle(server.sendChatMessage), Entity: chatMessageEntity},
	graph.Endpoint{Method: "GET", Template: "/chats/{id}/messages/{id}", Handler: handle(server.getChatMessage), Entity: chatMessageEntity},
)

// chatsOf matches chats whose internal member list holds one user.
func chatsOf(userID string) store.Cond {
	return store.Any{Array: store.Field{Path: []string{"_memberIds"}, Type: store.TypeString}, Var: "m",
		Cond: store.Compare{Field: store.Field{Var: "m", Type: store.TypeString}, Op: store.Eq, Value: store.String(userID)}}
}

var chatProps = odata.JSONProps{"topic": odata.TypeString, "chatType": odata.TypeString, "createdDateTime": odata.TypeDateTime,
	"lastUpdatedDateTime": odata.TypeDateTime, "id": odata.TypeString}

func (s server) listChats(c *graph.Call) error {
	if c.TargetUser == nil {
		return graph.ErrDirectoryNotFound(c.Param(0))
	}
	q, err := c.ParseQuery(odata.Generic, 50, 50)
	if err != nil {
		return err
	}
	return s.WriteCollection(c, graph.Collection{Q: q,
		Base:     store.ItemQuery{TenantID: c.TenantID, Kind: model.KindChat, Filter: chatsOf(c.TargetUser.ID)},
		Mapping:  graph.JSONMapping("microsoft.graph.chat", chatProps),
		DefOrder: graph.ByDoc("lastUpdatedDateTime", store.TypeTime, true), Context: c.ContextURL(),
		Defaults: []string{"id", "topic", "createdDateTime", "lastUpdatedDateTime", "chatType", "webUrl", "tenantId"}})
}

func (s server) chat(c *graph.Call) (store.Item, model.Chat, error) {
	it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindChat, c.Param(0))
	if errors.Is(err, store.ErrNotFound) {
		return it, model.Chat{}, graph.NewErrorf(http.StatusNotFound, "NotFound", "Resource not found.")
	}
	if err != nil {
		return it, model.Chat{}, graph.AsError(err)
	}
	doc, err := model.DecodeDoc[model.Chat](it)
	return it, doc, graph.AsErrorOrNil(err)
}

func (s server) getChat(c *graph.Call) error {
	it, _, err := s.chat(c)
	if err != nil {
		return err
	}
	b, err := graph.RenderItem(it)
	if err != nil {
		return graph.AsError(err)
	}
	if b, err = graph.Project(b, nil, []string{"id", "topic", "createdDateTime", "lastUpdatedDateTime", "chatType", "webUrl", "tenantId"}, nil); err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, graph.WithContext(b, c.ContextURL()))
}

func (s server) listChatMembers(c *graph.Call) error {
	_, doc, err := s.chat(c)
	if err != nil {
		return err
	}
	vals := make([]json.RawMessage, 0, len(doc.Members))
	for _, m := range doc.Members {
		vals = append(vals, model.EncodeDoc(m))
	}
	return c.JSON(http.StatusOK, graph.Page{Context: c.ContextURL(), Value: vals})
}

func (s server) listChatMessages(c *graph.Call) error {
	if _, _, err := s.chat(c); err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Generic, 20, 50)
	if err != nil {
		return err
	}
	return s.WriteCollection(c, graph.Collection{Q: q, Base: store.ItemQuery{TenantID: c.TenantID, Kind: model.KindChatMessage, ParentID: c.Param(0)},
		Mapping:  graph.JSONMapping("microsoft.graph.chatMessage", odata.JSONProps{"createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime, "messageType": odata.TypeString}),
		DefOrder: graph.ByDoc("createdDateTime", store.TypeTime, true), Context: c.ContextURL()})
}

func (s server) getChatMessage(c *graph.Call) error {
	it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindChatMessage, model.ChatMessageKey(c.Param(0), c.Param(1)))
	if err != nil || it.ParentID != c.Param(0) {
		return graph.NewErrorf(http.StatusNotFound, "NotFound", "Resource not found.")
	}
	return c.WriteItem(http.StatusOK, it, c.ContextURL(), nil, nil)
}

func (s server) sendChatMessage(c *graph.Call) error {
	it, _, err := s.chat(c)
	if err != nil {
		return err
	}
	var in struct {
		Body *model.ItemBody `json:"body"`
	}
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	if in.Body == nil || strings.TrimSpace(in.Body.Content) == "" {
		return graph.ErrBadRequest("Message body cannot be empty.")
	}
	if in.Body.ContentType == "" {
		in.Body.ContentType = "text"
	}
	now := s.Now()
	m := model.ChatMessage{ID: strconv.FormatInt(now.UnixMilli(), 10), Etag: strconv.FormatInt(now.UnixMilli(), 10), MessageType: "message",
		CreatedDateTime: model.StoredTime(now), LastModifiedDateTime: model.StoredTime(now), ChatID: it.ID, Importance: "normal", Locale: "en-us",
		Body: *in.Body, Attachments: []json.RawMessage{}, Mentions: []json.RawMessage{}, Reactions: []json.RawMessage{}}
	if c.Caller != nil {
		m.From.User = &model.ChatIdentity{ID: c.Caller.ID, DisplayName: c.Caller.DisplayName, UserIdentityType: "aadUser", TenantID: c.TenantID}
	}
	msg := store.Item{TenantID: c.TenantID, Kind: model.KindChatMessage, ID: model.ChatMessageKey(it.ID, m.ID), ParentID: it.ID, CreatedAt: now, ModifiedAt: now, Version: 1}
	msg.Doc = model.EncodeDoc(m)
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if err := tx.CreateItems(c.Context(), msg); err != nil {
			return err
		}
		_, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindChat, it.ID, 0, func(ch store.Item) (store.Item, error) {
			d, err := model.DecodeDoc[model.Chat](ch)
			if err != nil {
				return ch, err
			}
			d.LastUpdatedDateTime = model.StoredTime(now)
			ch.Doc = model.EncodeDoc(d)
			return ch, nil
		})
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.WriteItem(http.StatusCreated, msg, c.ContextURL(), nil, nil)
}

// createChat creates a one-on-one or group chat from member bindings
// ("user@odata.bind": ".../users('id')").
func (s server) createChat(c *graph.Call) error {
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
		return graph.ErrBadRequest("chatType must be oneOnOne or group.")
	}
	if ct == "oneonone" && len(in.Members) != 2 || ct == "group" && len(in.Members) < 2 {
		return graph.ErrBadRequest("A oneOnOne chat needs exactly two members; a group chat at least two.")
	}
	now := s.Now()
	doc := model.Chat{ID: "19:" + strings.ToLower(graph.NewItemID(""))[:32] + "@thread.v2", Topic: in.Topic, CreatedDateTime: model.StoredTime(now),
		LastUpdatedDateTime: model.StoredTime(now), ChatType: map[string]string{"oneonone": "oneOnOne", "group": "group"}[ct], TenantID: c.TenantID}
	callerIn := c.Caller == nil
	for _, m := range in.Members {
		id := graph.BindID(m.Bind)
		u, err := s.FindUser(c, id)
		if err != nil {
			return graph.ErrBadRequest("The member '%s' was not found.", id)
		}
		callerIn = callerIn || c.Caller != nil && u.ID == c.Caller.ID
		doc.Members = append(doc.Members, model.ConversationMember{ODataType: "#microsoft.graph.aadUserConversationMember", ID: graph.NewItemID("MCMj")[:40], Roles: m.Roles,
			DisplayName: u.DisplayName, VisibleHistoryStartDateTime: "0001-01-01T00:00:00Z", UserID: u.ID, Email: u.Mail, TenantID: c.TenantID})
		doc.MemberIDs = append(doc.MemberIDs, u.ID)
	}
	if !callerIn {
		return graph.ErrBadRequest("The signed-in user must be a member of the chat.")
	}
	doc.WebURL = "https://teams.microsoft.com/l/chat/" + doc.ID + "/0"
	it := store.Item{TenantID: c.TenantID, Kind: model.KindChat, ID: doc.ID, Doc: model.EncodeDoc(doc), CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return c.WriteItem(http.StatusCreated, it, c.ContextURL(), []string{"id", "topic", "createdDateTime", "lastUpdatedDateTime", "chatType", "webUrl", "tenantId"}, nil)
}
