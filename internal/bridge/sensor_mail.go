package bridge

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"graphgate/internal/bridge/graphclient"
	"graphgate/internal/planner"
)

// Email and query sensors: the number of matching messages of a folder,
// with the messages (up to max_items) in the attribute data, as the
// integration.

type graphMessage struct {
	ID               string         `json:"id"`
	Subject          string         `json:"subject"`
	Body             itemBody       `json:"body"`
	BodyPreview      string         `json:"bodyPreview"`
	ReceivedDateTime string         `json:"receivedDateTime"`
	From             emailAddress   `json:"from"`
	Sender           emailAddress   `json:"sender"`
	ToRecipients     []emailAddress `json:"toRecipients"`
	CcRecipients     []emailAddress `json:"ccRecipients"`
	HasAttachments   bool           `json:"hasAttachments"`
	Importance       string         `json:"importance"`
	IsRead           bool           `json:"isRead"`
}

const messageSelect = "subject,body,bodyPreview,receivedDateTime,from,sender,toRecipients,ccRecipients,hasAttachments,importance,isRead"

// findFolder resolves a folder path (Inbox/Invoices) by display names:
// GET {mailbox}/mailFolders?$filter=displayName eq 'Inbox'&$top=1, then
// …/mailFolders/{id}/childFolders?$filter=displayName eq 'Invoices'&$top=1.
func (a *account) findFolder(ctx context.Context, path string) (string, error) {
	id := ""
	for i, name := range strings.Split(path, "/") {
		name = strings.TrimSpace(name)
		p := a.mailbox() + "/mailFolders"
		if i > 0 {
			p = a.mailbox() + "/mailFolders/" + url.PathEscape(id) + "/childFolders"
		}
		var page struct {
			Value []struct {
				ID string `json:"id"`
			} `json:"value"`
		}
		q := graphclient.Query{}.Add("$filter", "displayName eq "+odataString(name)).Add("$top", "1")
		if err := a.gc.Get(ctx, p, q, &page); err != nil {
			return "", err
		}
		if len(page.Value) == 0 {
			return "", fmt.Errorf("mail folder %q not found in %s (folder paths start at the top of the mailbox, e.g. Inbox/Invoices)", path, a.mailbox())
		}
		id = page.Value[0].ID
	}
	return id, nil
}

// messageFilter builds the integration's $filter. Graph needs the $orderby
// property (receivedDateTime) to come first in $filter when both are used.
func messageFilter(s QuerySensor) string {
	var parts []string
	if s.IsUnread != nil && *s.IsUnread {
		parts = append(parts, "isRead eq false")
	}
	if s.HasAttachment != nil {
		parts = append(parts, fmt.Sprintf("hasAttachments eq %t", *s.HasAttachment))
	}
	if s.Importance != "" {
		parts = append(parts, "importance eq "+odataString(strings.ToLower(s.Importance)))
	}
	if s.From != "" {
		parts = append(parts, "from/emailAddress/address eq "+odataString(s.From))
	}
	if s.SubjectContains != "" {
		parts = append(parts, "contains(subject,"+odataString(s.SubjectContains)+")")
	}
	if s.SubjectIs != "" {
		parts = append(parts, "subject eq "+odataString(s.SubjectIs))
	}
	if s.BodyContains != "" {
		parts = append(parts, "contains(body/content,"+odataString(s.BodyContains)+")")
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(append([]string{"receivedDateTime ge 1900-01-01T00:00:00Z"}, parts...), " and ")
}

var tagRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<[^>]*>`) })

// plainText is an HTML body as text (the integration's default, html_body
// false).
func plainText(s string) string {
	s = tagRe().ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	return strings.Join(strings.Fields(s), " ")
}

func (a *account) mailSensor(f planner.Feature, obj string, s QuerySensor, every time.Duration) *sensor {
	var mu sync.Mutex
	folderID := ""
	return newSensor(f, obj, every, func(ctx context.Context) ([]entity, error) {
		mu.Lock()
		id := folderID
		mu.Unlock()
		if id == "" {
			var err error
			if id, err = a.findFolder(ctx, s.Folder); err != nil {
				return nil, err
			}
			mu.Lock()
			folderID = id
			mu.Unlock()
		}
		q := graphclient.Query{}.Add("$top", fmt.Sprint(s.MaxItems)).Add("$select", messageSelect).
			Add("$orderby", "receivedDateTime desc").Add("$filter", messageFilter(s))
		msgs, err := graphclient.List[graphMessage](ctx, a.gc, a.mailbox()+"/mailFolders/"+url.PathEscape(id)+"/messages", q, s.MaxItems)
		if graphclient.IsStatus(err, 404) {
			mu.Lock()
			folderID = ""
			mu.Unlock()
		}
		if err != nil {
			return nil, err
		}
		data := []map[string]any{}
		for _, m := range msgs {
			d := map[string]any{"subject": m.Subject, "received": m.ReceivedDateTime, "to": addresses(m.ToRecipients),
				"cc": addresses(m.CcRecipients), "sender": m.From.EmailAddress.Address, "sender_name": m.From.EmailAddress.Name,
				"has_attachments": m.HasAttachments, "importance": m.Importance, "is_read": m.IsRead, "id": m.ID}
			if s.ShowBody {
				if s.HTMLBody || !strings.EqualFold(m.Body.ContentType, "html") {
					d["body"] = m.Body.Content
				} else {
					d["body"] = plainText(m.Body.Content)
				}
			}
			if s.Attachments && m.HasAttachments {
				atts, err := graphclient.List[struct {
					Name        string `json:"name"`
					ContentType string `json:"contentType"`
					Size        int    `json:"size"`
				}](ctx, a.gc, a.mailbox()+"/messages/"+url.PathEscape(m.ID)+"/attachments",
					graphclient.Query{}.Add("$select", "name,contentType,size"), 0)
				if err != nil {
					return nil, err
				}
				d["attachments"] = atts
			}
			data = append(data, d)
		}
		return []entity{{component: "sensor", object: obj, name: s.Name, icon: "mdi:email", state: fmt.Sprint(len(msgs)),
			unit: "messages", attrs: map[string]any{"folder": s.Folder, "data": data}}}, nil
	})
}
