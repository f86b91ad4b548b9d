package bridge

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// stringList accepts "a@x, b@y" or ["a@x", "b@y"].
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		for _, s := range strings.FieldsFunc(one, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			*l = append(*l, s)
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*l = many
	return nil
}

func recipients(field string, l stringList) ([]emailAddress, error) {
	out := []emailAddress{}
	for _, s := range l {
		if !strings.Contains(s, "@") {
			return nil, badRequest("%s: %q is not an email address", field, s)
		}
		var r emailAddress
		r.EmailAddress.Address = s
		out = append(out, r)
	}
	return out, nil
}

// sendMail: POST {mailbox}/sendMail. With a shared mailbox the message is
// sent from it (from = the shared address, which needs Mail.Send.Shared and
// Send As or Send on Behalf in Exchange); sender overrides the from address.
func sendMail(ctx context.Context, a *account, p []byte) (any, error) {
	var in struct {
		callID
		To              stringList `json:"to"`
		Cc              stringList `json:"cc,omitempty"`
		Bcc             stringList `json:"bcc,omitempty"`
		Subject         string     `json:"subject"`
		Body            string     `json:"body"`
		HTML            bool       `json:"html,omitempty"`
		Importance      string     `json:"importance,omitempty"`
		Sender          string     `json:"sender,omitempty"`
		SaveToSentItems *bool      `json:"save_to_sent_items,omitempty"`
	}
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if len(in.To) == 0 || in.Subject == "" {
		return nil, badRequest("to and subject are required")
	}
	to, err := recipients("to", in.To)
	if err != nil {
		return nil, err
	}
	cc, err := recipients("cc", in.Cc)
	if err != nil {
		return nil, err
	}
	bcc, err := recipients("bcc", in.Bcc)
	if err != nil {
		return nil, err
	}
	ct := "text"
	if in.HTML {
		ct = "html"
	}
	msg := map[string]any{"subject": in.Subject, "body": itemBody{ContentType: ct, Content: in.Body},
		"toRecipients": to, "ccRecipients": cc, "bccRecipients": bcc}
	if in.Importance != "" {
		msg["importance"] = strings.ToLower(in.Importance)
	}
	if from := firstNonEmpty(in.Sender, a.cfg.SharedMailbox); from != "" {
		var f emailAddress
		f.EmailAddress.Address = from
		msg["from"] = f
	}
	save := true
	if in.SaveToSentItems != nil {
		save = *in.SaveToSentItems
	}
	if err := a.gc.Do(ctx, http.MethodPost, a.mailbox()+"/sendMail", nil, map[string]any{"message": msg, "saveToSentItems": save}, nil); err != nil {
		return nil, err
	}
	return map[string]any{"sent": true, "to": []string(in.To)}, nil
}

// autoReplyEnable: PATCH /me/mailboxSettings with automaticRepliesSetting
// alwaysEnabled, or scheduled when start and end are given.
func autoReplyEnable(ctx context.Context, a *account, p []byte) (any, error) {
	var in struct {
		callID
		InternalReply    string `json:"internal_reply"`
		ExternalReply    string `json:"external_reply"`
		Start            string `json:"start,omitempty"`
		End              string `json:"end,omitempty"`
		ExternalAudience string `json:"external_audience,omitempty"`
	}
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if in.InternalReply == "" {
		return nil, badRequest("internal_reply is required")
	}
	aud := in.ExternalAudience
	switch strings.ToLower(aud) {
	case "":
		aud = "all"
	case "none", "all":
		aud = strings.ToLower(aud)
	case "contactsonly", "contacts_only", "contacts":
		aud = "contactsOnly"
	default:
		return nil, badRequest("external_audience must be none, contactsOnly or all")
	}
	s := map[string]any{"status": "alwaysEnabled", "internalReplyMessage": in.InternalReply,
		"externalReplyMessage": firstNonEmpty(in.ExternalReply, in.InternalReply), "externalAudience": aud}
	if in.Start != "" || in.End != "" {
		if in.Start == "" || in.End == "" {
			return nil, badRequest("give both start and end for a scheduled auto reply")
		}
		st, err := parseTime("start", in.Start)
		if err != nil {
			return nil, err
		}
		en, err := parseTime("end", in.End)
		if err != nil {
			return nil, err
		}
		if !en.After(st) {
			return nil, badRequest("end must be after start")
		}
		s["status"] = "scheduled"
		s["scheduledStartDateTime"] = utcTime(st)
		s["scheduledEndDateTime"] = utcTime(en)
	}
	if err := a.gc.Do(ctx, http.MethodPatch, "/me/mailboxSettings", nil, map[string]any{"automaticRepliesSetting": s}, nil); err != nil {
		return nil, err
	}
	return map[string]any{"status": s["status"]}, nil
}

func autoReplyDisable(ctx context.Context, a *account, p []byte) (any, error) {
	var in struct{ callID }
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if err := a.gc.Do(ctx, http.MethodPatch, "/me/mailboxSettings", nil, map[string]any{"automaticRepliesSetting": map[string]string{"status": "disabled"}}, nil); err != nil {
		return nil, err
	}
	return map[string]string{"status": "disabled"}, nil
}

type presenceIn struct {
	callID
	Availability       string `json:"availability"`
	Activity           string `json:"activity,omitempty"`
	ExpirationDuration string `json:"expiration_duration,omitempty"`
}

func (in presenceIn) body() (map[string]any, error) {
	if in.Availability == "" {
		return nil, badRequest("availability is required (Available, Busy, DoNotDisturb, BeRightBack, Away, Offline)")
	}
	b := map[string]any{"availability": in.Availability, "activity": firstNonEmpty(in.Activity, in.Availability)}
	if in.ExpirationDuration != "" {
		b["expirationDuration"] = in.ExpirationDuration
	}
	return b, nil
}

// setPresence: POST /me/presence/setPresence (the app's session, sessionId
// = the client id).
func setPresence(ctx context.Context, a *account, p []byte) (any, error) {
	var in presenceIn
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	b, err := in.body()
	if err != nil {
		return nil, err
	}
	b["sessionId"] = a.cfg.ClientID
	if err := a.gc.Do(ctx, http.MethodPost, "/me/presence/setPresence", nil, b, nil); err != nil {
		return nil, err
	}
	return b, nil
}

// setPreferredPresence: POST /me/presence/setUserPreferredPresence.
func setPreferredPresence(ctx context.Context, a *account, p []byte) (any, error) {
	var in presenceIn
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	b, err := in.body()
	if err != nil {
		return nil, err
	}
	if err := a.gc.Do(ctx, http.MethodPost, "/me/presence/setUserPreferredPresence", nil, b, nil); err != nil {
		return nil, err
	}
	return b, nil
}

// sendChatMessage: POST /chats/{id}/messages.
func sendChatMessage(ctx context.Context, a *account, p []byte) (any, error) {
	var in struct {
		callID
		ChatID      string `json:"chat_id"`
		Message     string `json:"message"`
		ContentType string `json:"content_type,omitempty"`
	}
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if in.ChatID == "" || in.Message == "" {
		return nil, badRequest("chat_id and message are required")
	}
	ct := strings.ToLower(firstNonEmpty(in.ContentType, "text"))
	if ct != "text" && ct != "html" {
		return nil, badRequest("content_type must be text or html")
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.gc.Do(ctx, http.MethodPost, "/chats/"+url.PathEscape(in.ChatID)+"/messages", nil,
		map[string]any{"body": itemBody{ContentType: ct, Content: in.Message}}, &out); err != nil {
		return nil, err
	}
	return map[string]string{"message_id": out.ID, "chat_id": in.ChatID}, nil
}

type taskIn struct {
	callID
	List        string  `json:"list"`
	TaskID      string  `json:"task_id,omitempty"`
	Subject     *string `json:"subject,omitempty"`
	Description *string `json:"description,omitempty"`
	Due         string  `json:"due,omitempty"`
	Reminder    string  `json:"reminder,omitempty"`
	Importance  string  `json:"importance,omitempty"`
	Completed   *bool   `json:"completed,omitempty"`
}

func (in taskIn) body() (map[string]any, error) {
	b := map[string]any{}
	if in.Subject != nil {
		b["title"] = *in.Subject
	}
	if in.Description != nil {
		b["body"] = itemBody{ContentType: "text", Content: *in.Description}
	}
	if in.Due != "" {
		t, err := parseTime("due", in.Due)
		if err != nil {
			return nil, err
		}
		b["dueDateTime"] = utcTime(t)
	}
	if in.Reminder != "" {
		t, err := parseTime("reminder", in.Reminder)
		if err != nil {
			return nil, err
		}
		b["reminderDateTime"] = utcTime(t)
		b["isReminderOn"] = true
	}
	if in.Importance != "" {
		b["importance"] = strings.ToLower(in.Importance)
	}
	return b, nil
}

func (a *account) taskPath(ctx context.Context, in taskIn, needTask bool) (string, error) {
	id, err := a.findTodoList(ctx, in.List)
	if err != nil {
		return "", err
	}
	p := "/me/todo/lists/" + url.PathEscape(id) + "/tasks"
	if needTask {
		if in.TaskID == "" {
			return "", badRequest("task_id is required")
		}
		p += "/" + url.PathEscape(in.TaskID)
	}
	return p, nil
}

// newTask: POST /me/todo/lists/{id}/tasks.
func newTask(ctx context.Context, a *account, p []byte) (any, error) {
	var in taskIn
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	if in.Subject == nil || *in.Subject == "" {
		return nil, badRequest("subject is required")
	}
	b, err := in.body()
	if err != nil {
		return nil, err
	}
	path, err := a.taskPath(ctx, in, false)
	if err != nil {
		return nil, err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.gc.Do(ctx, http.MethodPost, path, nil, b, &out); err != nil {
		return nil, err
	}
	return map[string]string{"task_id": out.ID}, nil
}

// updateTask: PATCH /me/todo/lists/{id}/tasks/{id}.
func updateTask(ctx context.Context, a *account, p []byte) (any, error) {
	var in taskIn
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	b, err := in.body()
	if err != nil {
		return nil, err
	}
	if in.Completed != nil {
		b["status"] = map[bool]string{true: "completed", false: "notStarted"}[*in.Completed]
	}
	if len(b) == 0 {
		return nil, badRequest("nothing to change: give subject, description, due, reminder, importance or completed")
	}
	path, err := a.taskPath(ctx, in, true)
	if err != nil {
		return nil, err
	}
	if err := a.gc.Do(ctx, http.MethodPatch, path, nil, b, nil); err != nil {
		return nil, err
	}
	return map[string]string{"task_id": in.TaskID}, nil
}

// completeTask: PATCH … {status: completed} (completed false reopens it).
func completeTask(ctx context.Context, a *account, p []byte) (any, error) {
	var in taskIn
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	status := "completed"
	if in.Completed != nil && !*in.Completed {
		status = "notStarted"
	}
	path, err := a.taskPath(ctx, in, true)
	if err != nil {
		return nil, err
	}
	if err := a.gc.Do(ctx, http.MethodPatch, path, nil, map[string]string{"status": status}, nil); err != nil {
		return nil, err
	}
	return map[string]string{"task_id": in.TaskID, "status": status}, nil
}

// deleteTask: DELETE /me/todo/lists/{id}/tasks/{id}.
func deleteTask(ctx context.Context, a *account, p []byte) (any, error) {
	var in taskIn
	if err := decode(p, &in); err != nil {
		return nil, err
	}
	path, err := a.taskPath(ctx, in, true)
	if err != nil {
		return nil, err
	}
	if err := a.gc.Do(ctx, http.MethodDelete, path, nil, nil, nil); err != nil {
		return nil, err
	}
	return map[string]string{"task_id": in.TaskID}, nil
}
