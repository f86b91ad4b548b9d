package model

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Item kinds of a mailbox.
const (
	KindMailFolder = "mailFolder"
	KindMessage    = "message"
	KindAttachment = "attachment"
)

// EmailAddress is Graph's emailAddress.
type EmailAddress struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// Recipient is Graph's recipient.
type Recipient struct {
	EmailAddress EmailAddress `json:"emailAddress"`
}

// ItemBody is Graph's itemBody (contentType text or html).
type ItemBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

// FollowupFlag is a message's flag.
type FollowupFlag struct {
	FlagStatus string `json:"flagStatus"`
}

// Message is a message's stored document (Graph's message).
type Message struct {
	ID                         string       `json:"id"`
	CreatedDateTime            string       `json:"createdDateTime"`
	LastModifiedDateTime       string       `json:"lastModifiedDateTime"`
	ChangeKey                  string       `json:"changeKey"`
	Categories                 []string     `json:"categories"`
	ReceivedDateTime           string       `json:"receivedDateTime"`
	SentDateTime               string       `json:"sentDateTime"`
	HasAttachments             bool         `json:"hasAttachments"`
	InternetMessageID          string       `json:"internetMessageId"`
	Subject                    string       `json:"subject"`
	BodyPreview                string       `json:"bodyPreview"`
	Importance                 string       `json:"importance"`
	ParentFolderID             string       `json:"parentFolderId"`
	ConversationID             string       `json:"conversationId"`
	IsDeliveryReceiptRequested bool         `json:"isDeliveryReceiptRequested"`
	IsReadReceiptRequested     bool         `json:"isReadReceiptRequested"`
	IsRead                     bool         `json:"isRead"`
	IsDraft                    bool         `json:"isDraft"`
	WebLink                    string       `json:"webLink"`
	InferenceClassification    string       `json:"inferenceClassification"`
	Body                       ItemBody     `json:"body"`
	Sender                     *Recipient   `json:"sender"`
	From                       *Recipient   `json:"from"`
	ToRecipients               []Recipient  `json:"toRecipients"`
	CcRecipients               []Recipient  `json:"ccRecipients"`
	BccRecipients              []Recipient  `json:"bccRecipients"`
	ReplyTo                    []Recipient  `json:"replyTo"`
	Flag                       FollowupFlag `json:"flag"`
}

// Folder is a mail folder's stored document; counts are computed when read.
type Folder struct {
	ID               string `json:"id"`
	DisplayName      string `json:"displayName"`
	ParentFolderID   string `json:"parentFolderId"`
	ChildFolderCount int    `json:"childFolderCount"`
	UnreadItemCount  int    `json:"unreadItemCount"`
	TotalItemCount   int    `json:"totalItemCount"`
	IsHidden         bool   `json:"isHidden"`
	// WellKnownName is internal (inbox, sentitems, …).
	WellKnownName string `json:"_wellKnownName,omitempty"`
}

// Attachment is a file attachment.
type Attachment struct {
	ODataType            string `json:"@odata.type"`
	ID                   string `json:"id"`
	LastModifiedDateTime string `json:"lastModifiedDateTime"`
	Name                 string `json:"name"`
	ContentType          string `json:"contentType"`
	Size                 int    `json:"size"`
	IsInline             bool   `json:"isInline"`
	ContentID            string `json:"contentId,omitempty"`
	ContentBytes         string `json:"contentBytes"`
}

// WellKnownFolders are created with every mailbox, in Outlook's order.
var WellKnownFolders = []struct{ Name, Display string }{
	{"inbox", "Inbox"}, {"drafts", "Drafts"}, {"sentitems", "Sent Items"}, {"deleteditems", "Deleted Items"},
	{"junkemail", "Junk Email"}, {"outbox", "Outbox"}, {"archive", "Archive"},
}

// msgfolderroot is the parent of the top-level folders.
const MsgFolderRoot = "msgfolderroot"

// FolderID is the stable id of a user's well-known folder, so that two
// first requests racing to create a mailbox create the same folders.
func FolderID(userID, name string) string {
	h := sha256.Sum256([]byte(userID + "/" + name))
	return "AQMkA" + base64.RawURLEncoding.EncodeToString(h[:30])
}

// Preview is the first 255 characters of a body, tags removed.
func Preview(content string) string {
	var b strings.Builder
	in := false
	for _, r := range content {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	p := strings.Join(strings.Fields(b.String()), " ")
	if r := []rune(p); len(r) > 255 {
		p = string(r[:255])
	}
	return p
}
