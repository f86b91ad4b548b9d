package model

import (
	"encoding/json"
)

// KindChat is a chat; its document lists its members.
const KindChat = "chat"

// ConversationMember is a member of a chat (Graph's
// aadUserConversationMember).
type ConversationMember struct {
	ODataType                   string   `json:"@odata.type"`
	ID                          string   `json:"id"`
	Roles                       []string `json:"roles"`
	DisplayName                 string   `json:"displayName"`
	VisibleHistoryStartDateTime string   `json:"visibleHistoryStartDateTime"`
	UserID                      string   `json:"userId"`
	Email                       string   `json:"email"`
	TenantID                    string   `json:"tenantId"`
}

// Chat is a chat's stored document (Graph's chat).
type Chat struct {
	ID                  string               `json:"id"`
	Topic               *string              `json:"topic"`
	CreatedDateTime     string               `json:"createdDateTime"`
	LastUpdatedDateTime string               `json:"lastUpdatedDateTime"`
	ChatType            string               `json:"chatType"`
	WebURL              string               `json:"webUrl"`
	TenantID            string               `json:"tenantId"`
	Members             []ConversationMember `json:"members"`
	// MemberIDs is internal: what /me/chats queries.
	MemberIDs []string `json:"_memberIds"`
}

// KindChatMessage is a message of a chat (ParentID = the chat).
const KindChatMessage = "chatMessage"

// ChatIdentity is the user who sent a chat message.
type ChatIdentity struct {
	ID               string `json:"id"`
	DisplayName      string `json:"displayName"`
	UserIdentityType string `json:"userIdentityType"`
	TenantID         string `json:"tenantId"`
}

// ChatMessage is a chat message's stored document (Graph's chatMessage).
type ChatMessage struct {
	ID                   string  `json:"id"`
	ReplyToID            *string `json:"replyToId"`
	Etag                 string  `json:"etag"`
	MessageType          string  `json:"messageType"`
	CreatedDateTime      string  `json:"createdDateTime"`
	LastModifiedDateTime string  `json:"lastModifiedDateTime"`
	LastEditedDateTime   *string `json:"lastEditedDateTime"`
	DeletedDateTime      *string `json:"deletedDateTime"`
	Subject              *string `json:"subject"`
	Summary              *string `json:"summary"`
	ChatID               string  `json:"chatId"`
	Importance           string  `json:"importance"`
	Locale               string  `json:"locale"`
	WebURL               *string `json:"webUrl"`
	From                 struct {
		Application *json.RawMessage `json:"application"`
		Device      *json.RawMessage `json:"device"`
		User        *ChatIdentity    `json:"user"`
	} `json:"from"`
	Body        ItemBody          `json:"body"`
	Attachments []json.RawMessage `json:"attachments"`
	Mentions    []json.RawMessage `json:"mentions"`
	Reactions   []json.RawMessage `json:"reactions"`
}

// ChatMessageKey is a chat message's item id: message ids (Teams uses the
// creation time in milliseconds) are unique only within their chat.
func ChatMessageKey(chatID, messageID string) string { return chatID + "/" + messageID }
