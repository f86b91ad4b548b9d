package graph_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"
)

// subjects lists the subjects of messages, in order.
func subjects(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, str(it, "subject"))
	}
	return out
}

// messageProps are the properties of a message Graph returns without $select.
var messageProps = []string{"@odata.etag", "bccRecipients", "body", "bodyPreview", "categories", "ccRecipients", "changeKey", "conversationId",
	"createdDateTime", "flag", "from", "hasAttachments", "id", "importance", "inferenceClassification", "internetMessageId", "isDeliveryReceiptRequested",
	"isDraft", "isRead", "isReadReceiptRequested", "lastModifiedDateTime", "parentFolderId", "receivedDateTime", "replyTo", "sender", "sentDateTime",
	"subject", "toRecipients", "webLink"}

func TestMailFolders(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Mail.Read")
	rw := e.delegated("adele", "Mail.ReadWrite")

	t.Run("ListWithCounts", func(t *testing.T) {
		body := e.must(200, "GET", "/me/mailFolders", read, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#users('"+e.id("adele")+"')/mailFolders" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		fs := list(t, body)
		want := []string{"Archive", "Deleted Items", "Drafts", "Inbox", "Invoices", "Junk Email", "Outbox", "Sent Items"}
		if got := names(fs); !slices.Equal(got, want) {
			t.Fatalf("folders = %v, want %v", got, want)
		}
		var order []string
		for _, f := range fs {
			order = append(order, str(f, "displayName"))
		}
		if !slices.Equal(order, want) {
			t.Errorf("folders in order %v, want by display name", order)
		}
		inbox := find(fs, "displayName", "Inbox")
		for k, v := range map[string]float64{"totalItemCount": 3, "unreadItemCount": 1, "childFolderCount": 0} {
			if inbox[k] != v {
				t.Errorf("Inbox %s = %v, want %v", k, inbox[k], v)
			}
		}
		if inbox["isHidden"] != false || str(inbox, "parentFolderId") == "" || str(inbox, "@odata.etag") == "" {
			t.Errorf("Inbox = %v", inbox)
		}
		for _, f := range fs {
			if _, ok := f["_wellKnownName"]; ok {
				t.Errorf("an internal property leaked: %v", f)
			}
		}
		if inv := find(fs, "displayName", "Invoices"); inv["totalItemCount"] != 1.0 || inv["unreadItemCount"] != 0.0 {
			t.Errorf("Invoices = %v", inv)
		}
	})

	t.Run("WellKnownNames", func(t *testing.T) {
		for name, display := range map[string]string{"inbox": "Inbox", "sentitems": "Sent Items", "drafts": "Drafts", "deleteditems": "Deleted Items", "Inbox": "Inbox", "archive": "Archive"} {
			f := e.must(200, "GET", "/me/mailFolders/"+name, read, nil)
			if f["displayName"] != display {
				t.Errorf("mailFolders/%s = %v", name, f["displayName"])
			}
			if !strings.HasSuffix(str(f, "@odata.context"), "/mailFolders/$entity") {
				t.Errorf("@odata.context %q", f["@odata.context"])
			}
		}
		wantError(t, e.do("GET", "/me/mailFolders/nosuchfolder", read, nil), 404, "ErrorItemNotFound", "The specified object was not found in the store.")
		msgs := list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages", read, nil))
		if len(msgs) != 3 {
			t.Errorf("inbox has %d messages, want 3", len(msgs))
		}
	})

	t.Run("ChildFoldersAndDuplicates", func(t *testing.T) {
		f := e.must(201, "POST", "/me/mailFolders/inbox/childFolders", rw, map[string]any{"displayName": "Receipts"})
		if f["displayName"] != "Receipts" || f["totalItemCount"] != 0.0 || str(f, "id") == "" {
			t.Errorf("created child folder = %v", f)
		}
		children := list(t, e.must(200, "GET", "/me/mailFolders/inbox/childFolders", read, nil))
		if len(children) != 1 || children[0]["id"] != f["id"] {
			t.Errorf("inbox child folders = %v", children)
		}
		if n := e.must(200, "GET", "/me/mailFolders/inbox", read, nil)["childFolderCount"]; n != 1.0 {
			t.Errorf("inbox childFolderCount = %v", n)
		}
		wantError(t, e.do("POST", "/me/mailFolders/inbox/childFolders", rw, map[string]any{"displayName": "receipts"}), 409, "ErrorFolderExists", "A folder with the specified name already exists.")
		// Top-level folders: a new one, then its duplicate.
		e.must(201, "POST", "/me/mailFolders", rw, map[string]any{"displayName": "Projects"})
		wantError(t, e.do("POST", "/me/mailFolders", rw, map[string]any{"displayName": "Projects"}), 409, "ErrorFolderExists", "…")
		wantError(t, e.do("POST", "/me/mailFolders", rw, map[string]any{"displayName": "Inbox"}), 409, "ErrorFolderExists", "…")
		wantError(t, e.do("POST", "/me/mailFolders", rw, map[string]any{}), 400, "", "…")
		// Rename and delete a folder; the well-known ones are protected.
		up := e.must(200, "PATCH", "/me/mailFolders/"+str(f, "id"), rw, map[string]any{"displayName": "Receipts 2026"})
		if up["displayName"] != "Receipts 2026" {
			t.Errorf("renamed folder = %v", up)
		}
		wantError(t, e.do("PATCH", "/me/mailFolders/inbox", rw, map[string]any{"displayName": "In"}), 400, "ErrorCannotRenameDistinguishedFolder", "…")
		wantError(t, e.do("DELETE", "/me/mailFolders/inbox", rw, nil), 400, "ErrorDeleteDistinguishedFolder", "…")
		e.must(204, "DELETE", "/me/mailFolders/"+str(f, "id"), rw, nil)
		wantError(t, e.do("GET", "/me/mailFolders/"+str(f, "id"), read, nil), 404, "ErrorItemNotFound", "…")
	})

	t.Run("FirstUseCreatesMailbox", func(t *testing.T) {
		// Sam (personal) and Kim (guest) have no seeded mailbox.
		fs := list(t, e.must(200, "GET", "/me/mailFolders", e.personal("Mail.Read"), nil))
		if len(fs) != 7 {
			t.Errorf("a new mailbox has %d folders, want the 7 well-known ones", len(fs))
		}
		if ms := list(t, e.must(200, "GET", "/me/messages", e.delegated("guest", "Mail.ReadBasic"), nil)); len(ms) != 0 {
			t.Errorf("a new mailbox has messages: %v", ms)
		}
	})
}

func TestMessages(t *testing.T) {
	e := newEnv(t)
	read := e.delegated("adele", "Mail.Read")
	rw := e.delegated("adele", "Mail.ReadWrite")

	all := e.all("/me/messages?$top=1", read)
	byS := func(s string) map[string]any {
		m := find(all, "subject", s)
		if m == nil {
			t.Fatalf("no message %q in %v", s, subjects(all))
		}
		return m
	}

	t.Run("ListShapeAndOrder", func(t *testing.T) {
		body := e.must(200, "GET", "/me/messages", read, nil)
		if str(body, "@odata.context") != e.base+"/$metadata#users('"+e.id("adele")+"')/messages" {
			t.Errorf("@odata.context %q", body["@odata.context"])
		}
		ms := list(t, body)
		want := []string{"Launch plan — please review", "Invoice INV-1042", "Office closed on Monday", "Invoice INV-0977"}
		if got := subjects(ms); !slices.Equal(got, want) {
			t.Errorf("messages (newest first) = %v, want %v", got, want)
		}
		if len(all) != 4 {
			t.Errorf("paging with $top=1 visited %d messages, want 4", len(all))
		}
		m := ms[0]
		if got := keys(m); !slices.Equal(got, messageProps) {
			t.Errorf("message properties\n got %v\nwant %v", got, messageProps)
		}
		if et := str(m, "@odata.etag"); et != `W/"`+str(m, "changeKey")+`"` {
			t.Errorf("@odata.etag %q, changeKey %q", et, m["changeKey"])
		}
		if _, err := time.Parse("2006-01-02T15:04:05Z", str(m, "receivedDateTime")); err != nil {
			t.Errorf("receivedDateTime %q: %v", m["receivedDateTime"], err)
		}
		if str(m, "from/emailAddress/address") != e.upn("megan") || str(m, "from/emailAddress/name") != "Megan Bowen" ||
			str(m, "body/contentType") != "html" || m["importance"] != "high" || m["isRead"] != false || m["hasAttachments"] != true {
			t.Errorf("Launch plan message = %v", m)
		}
		if str(m, "bodyPreview") != "Hi Adele, the launch plan is attached. Can you review it by Friday?" {
			t.Errorf("bodyPreview %q", m["bodyPreview"])
		}
		if to, _ := m["toRecipients"].([]any); len(to) != 1 || str(to[0].(map[string]any), "emailAddress/address") != e.upn("adele") {
			t.Errorf("toRecipients %v", m["toRecipients"])
		}
	})

	t.Run("HomeAssistantFilters", func(t *testing.T) {
		since := time.Now().UTC().Add(-27 * time.Hour).Format("2006-01-02T15:04:05Z")
		for filter, want := range map[string][]string{
			"isRead eq false":             {"Launch plan — please review"},
			"hasAttachments eq true":      {"Launch plan — please review"},
			"importance eq 'high'":        {"Launch plan — please review"},
			"isRead eq true":              {"Invoice INV-1042", "Office closed on Monday", "Invoice INV-0977"},
			"contains(subject,'Invoice')": {"Invoice INV-1042", "Invoice INV-0977"},
			"from/emailAddress/address eq 'billing@fabrikam.com'":               {"Invoice INV-1042", "Invoice INV-0977"},
			"receivedDateTime ge " + since:                                      {"Launch plan — please review", "Invoice INV-1042"},
			"isRead eq false and importance eq 'high'":                          {"Launch plan — please review"},
			"receivedDateTime ge " + since + " and contains(subject,'Invoice')": {"Invoice INV-1042"},
		} {
			got := subjects(list(t, e.must(200, "GET", "/me/messages?$filter="+q(filter), read, nil)))
			if !slices.Equal(got, want) {
				t.Errorf("$filter=%s: %v, want %v", filter, got, want)
			}
		}
		// Ordering: ascending and descending, and a filter with an order.
		asc := subjects(list(t, e.must(200, "GET", "/me/messages?$orderby=receivedDateTime", read, nil)))
		desc := subjects(list(t, e.must(200, "GET", "/me/messages?$orderby="+q("receivedDateTime desc"), read, nil)))
		slices.Reverse(asc)
		if !slices.Equal(asc, desc) || desc[0] != "Launch plan — please review" {
			t.Errorf("$orderby receivedDateTime desc = %v (asc reversed %v)", desc, asc)
		}
		got := subjects(list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$filter="+q("isRead eq true")+"&$orderby="+q("receivedDateTime desc")+"&$top=1", read, nil)))
		if !slices.Equal(got, []string{"Invoice INV-1042"}) {
			t.Errorf("inbox read messages, newest first, top 1 = %v", got)
		}
		// Home Assistant's query: $select with $filter and $top.
		ms := list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages?$select=subject,from,receivedDateTime,isRead&$filter="+q("isRead eq false")+"&$top=10", read, nil))
		if len(ms) != 1 || ms[0]["body"] != nil || ms[0]["subject"] == nil || ms[0]["@odata.etag"] == nil || ms[0]["id"] == nil {
			t.Errorf("$select subject,from,receivedDateTime,isRead = %v", ms)
		}
	})

	t.Run("SelectUnknownProperty", func(t *testing.T) {
		r := e.do("GET", "/me/messages?$select=subject,nosuchproperty", read, nil)
		wantError(t, r, 400, "RequestBroker--ParseUri", "Could not find a property named 'nosuchproperty' on type 'microsoft.graph.message'.")
		r = e.do("GET", "/me/messages/"+str(all[0], "id")+"?$select=nosuchproperty", read, nil)
		wantError(t, r, 400, "RequestBroker--ParseUri", "Could not find a property named 'nosuchproperty' on type 'microsoft.graph.message'.")
		one := e.must(200, "GET", "/me/messages/"+str(all[0], "id")+"?$select=subject,isRead", read, nil)
		if got := keys(one); !slices.Equal(got, []string{"@odata.context", "@odata.etag", "id", "isRead", "subject"}) {
			t.Errorf("$select=subject,isRead on a message = %v", got)
		}
	})

	t.Run("Search", func(t *testing.T) {
		got := subjects(list(t, e.must(200, "GET", "/me/messages?$search="+q(`"invoice"`), read, nil)))
		slices.Sort(got)
		if !slices.Equal(got, []string{"Invoice INV-0977", "Invoice INV-1042"}) {
			t.Errorf(`$search="invoice" = %v`, got)
		}
		if got := subjects(list(t, e.must(200, "GET", "/me/messages?$search="+q(`"maintenance"`), read, nil))); !slices.Equal(got, []string{"Office closed on Monday"}) {
			t.Errorf(`$search="maintenance" (body) = %v`, got)
		}
		wantError(t, e.do("GET", "/me/messages?$search="+q(`"invoice"`)+"&$orderby=receivedDateTime", read, nil), 400, "", "…")
	})

	t.Run("GetPatchETag", func(t *testing.T) {
		m := byS("Launch plan — please review")
		id := str(m, "id")
		got := e.must(200, "GET", "/me/messages/"+id, read, nil)
		if got["subject"] != m["subject"] || !strings.HasSuffix(str(got, "@odata.context"), "/messages/$entity") {
			t.Errorf("GET message = %v", got)
		}
		old := str(got, "@odata.etag")
		up := e.must(200, "PATCH", "/me/messages/"+id, rw, map[string]any{"isRead": true}, header("If-Match", old))
		if up["isRead"] != true || str(up, "@odata.etag") == old || str(up, "@odata.etag") != `W/"`+str(up, "changeKey")+`"` {
			t.Errorf("PATCH isRead: %v", up)
		}
		wantError(t, e.do("PATCH", "/me/messages/"+id, rw, map[string]any{"isRead": false}, header("If-Match", old)),
			412, "ErrorIrresolvableConflict", "The change key passed in the request does not match the current change key for the item.")
		if r := e.must(200, "GET", "/me/messages/"+id, read, nil); r["isRead"] != true {
			t.Errorf("a failed conditional PATCH changed the message: %v", r["isRead"])
		}
		// Sent messages keep their subject.
		wantError(t, e.do("PATCH", "/me/messages/"+id, rw, map[string]any{"subject": "x"}), 400, "ErrorInvalidPropertyUpdateSentMessage", "…")
		// Mail.Read cannot write.
		wantError(t, e.do("PATCH", "/me/messages/"+id, read, map[string]any{"isRead": false}), 403, "ErrorAccessDenied", "…")
		wantError(t, e.do("GET", "/me/messages/AAMkAGnosuchmessage", read, nil), 404, "ErrorItemNotFound", "…")
		if n := e.must(200, "GET", "/me/mailFolders/inbox", read, nil)["unreadItemCount"]; n != 0.0 {
			t.Errorf("inbox unreadItemCount after reading = %v", n)
		}
	})

	t.Run("ReadBasic", func(t *testing.T) {
		ms := list(t, e.must(200, "GET", "/me/messages", e.delegated("adele", "Mail.ReadBasic"), nil))
		for _, m := range ms {
			if _, ok := m["body"]; ok {
				t.Errorf("Mail.ReadBasic returned a body: %v", m)
			}
			if _, ok := m["bodyPreview"]; ok {
				t.Errorf("Mail.ReadBasic returned bodyPreview")
			}
			if m["subject"] == nil {
				t.Errorf("Mail.ReadBasic has no subject: %v", m)
			}
		}
	})

	t.Run("Attachments", func(t *testing.T) {
		id := str(byS("Launch plan — please review"), "id")
		body := e.must(200, "GET", "/me/messages/"+id+"/attachments", read, nil)
		as := list(t, body)
		if len(as) != 1 {
			t.Fatalf("attachments = %v", as)
		}
		a := as[0]
		content := "1. Announce\n2. Ship\n"
		if a["@odata.type"] != "#microsoft.graph.fileAttachment" || a["name"] != "launch-plan.txt" || a["contentType"] != "text/plain" ||
			a["size"] != float64(len(content)) || a["isInline"] != false || a["contentBytes"] != base64.StdEncoding.EncodeToString([]byte(content)) {
			t.Errorf("attachment = %v", a)
		}
		got := e.must(200, "GET", "/me/messages/"+id+"/attachments/"+str(a, "id"), read, nil)
		if got["name"] != "launch-plan.txt" || !strings.HasSuffix(str(got, "@odata.context"), "/attachments/$entity") {
			t.Errorf("GET attachment = %v", got)
		}
		r := e.do("GET", "/me/messages/"+id+"/attachments/"+str(a, "id")+"/$value", read, nil)
		if r.Status != 200 || string(r.Raw) != content || r.Header.Get("Content-Type") != "text/plain" {
			t.Errorf("$value: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
		wantError(t, e.do("GET", "/me/messages/"+id+"/attachments/AAMkAGnone", read, nil), 404, "ErrorItemNotFound", "…")
		// Add and delete one.
		na := e.must(201, "POST", "/me/messages/"+id+"/attachments", rw, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "notes.txt",
			"contentBytes": base64.StdEncoding.EncodeToString([]byte("notes"))})
		if na["size"] != 5.0 || na["contentType"] != "application/octet-stream" {
			t.Errorf("new attachment = %v", na)
		}
		e.must(204, "DELETE", "/me/messages/"+id+"/attachments/"+str(na, "id"), rw, nil)
		if n := len(list(t, e.must(200, "GET", "/me/messages/"+id+"/attachments", read, nil))); n != 1 {
			t.Errorf("%d attachments after add and delete", n)
		}
		if e.must(200, "GET", "/me/messages/"+id, read, nil)["hasAttachments"] != true {
			t.Error("hasAttachments went false while an attachment is left")
		}
		// Deleting the last attachment clears hasAttachments (on a draft of its own).
		draft := str(e.must(201, "POST", "/me/messages", rw, map[string]any{"subject": "attachment draft"}), "id")
		only := e.must(201, "POST", "/me/messages/"+draft+"/attachments", rw, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment",
			"name": "only.txt", "contentBytes": base64.StdEncoding.EncodeToString([]byte("x"))})
		if e.must(200, "GET", "/me/messages/"+draft, read, nil)["hasAttachments"] != true {
			t.Error("hasAttachments false after adding an attachment")
		}
		// Deleting it through another message's path is refused and changes nothing.
		wantError(t, e.do("DELETE", "/me/messages/"+id+"/attachments/"+str(only, "id"), rw, nil), 404, "ErrorItemNotFound", "")
		if e.must(200, "GET", "/me/messages/"+draft, read, nil)["hasAttachments"] != true {
			t.Error("hasAttachments changed by a refused delete")
		}
		e.must(204, "DELETE", "/me/messages/"+draft+"/attachments/"+str(only, "id"), rw, nil)
		if e.must(200, "GET", "/me/messages/"+draft, read, nil)["hasAttachments"] != false {
			t.Error("hasAttachments still true after the last attachment was deleted")
		}
		// Adding one again sets it again.
		e.must(201, "POST", "/me/messages/"+draft+"/attachments", rw, map[string]any{"@odata.type": "#microsoft.graph.fileAttachment",
			"name": "again.txt", "contentBytes": base64.StdEncoding.EncodeToString([]byte("y"))})
		if e.must(200, "GET", "/me/messages/"+draft, read, nil)["hasAttachments"] != true {
			t.Error("hasAttachments false after adding an attachment again")
		}
		// A draft created with attachments: inline ones don't count, as Graph documents.
		file := func(name string, inline bool) map[string]any {
			return map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": name, "isInline": inline,
				"contentBytes": base64.StdEncoding.EncodeToString([]byte(name))}
		}
		for _, c := range []struct {
			name string
			atts []map[string]any
			want bool
		}{
			{"none", nil, false},
			{"a file", []map[string]any{file("a.txt", false)}, true},
			{"only inline", []map[string]any{file("logo.png", true)}, false},
			{"inline and a file", []map[string]any{file("logo.png", true), file("a.txt", false)}, true},
		} {
			m := e.must(201, "POST", "/me/messages", rw, map[string]any{"subject": "created with " + c.name, "attachments": c.atts})
			if got := e.must(200, "GET", "/me/messages/"+str(m, "id"), read, nil)["hasAttachments"]; got != c.want {
				t.Errorf("%s: hasAttachments %v, want %v", c.name, got, c.want)
			}
		}
		// Added and deleted one by one, inline attachments don't count either.
		d2 := str(e.must(201, "POST", "/me/messages", rw, map[string]any{"subject": "inline then file"}), "id")
		has := func(step string, want bool) {
			t.Helper()
			if got := e.must(200, "GET", "/me/messages/"+d2, read, nil)["hasAttachments"]; got != want {
				t.Errorf("%s: hasAttachments %v, want %v", step, got, want)
			}
		}
		logo := e.must(201, "POST", "/me/messages/"+d2+"/attachments", rw, file("logo.png", true))
		has("after adding an inline image", false)
		doc := e.must(201, "POST", "/me/messages/"+d2+"/attachments", rw, file("doc.txt", false))
		has("after adding a file", true)
		e.must(204, "DELETE", "/me/messages/"+d2+"/attachments/"+str(doc, "id"), rw, nil)
		has("after deleting the file, the inline image left", false)
		e.must(204, "DELETE", "/me/messages/"+d2+"/attachments/"+str(logo, "id"), rw, nil)
		has("after deleting everything", false)
	})

	t.Run("MoveCopyDelete", func(t *testing.T) {
		archive := str(e.must(200, "GET", "/me/mailFolders/archive", read, nil), "id")
		deleted := str(e.must(200, "GET", "/me/mailFolders/deleteditems", read, nil), "id")
		id := str(byS("Office closed on Monday"), "id")
		moved := e.must(201, "POST", "/me/messages/"+id+"/move", rw, map[string]any{"destinationId": "archive"})
		if moved["parentFolderId"] != archive {
			t.Errorf("moved message's parentFolderId = %v, want %s", moved["parentFolderId"], archive)
		}
		if got := subjects(list(t, e.must(200, "GET", "/me/mailFolders/archive/messages", read, nil))); !slices.Equal(got, []string{"Office closed on Monday"}) {
			t.Errorf("archive = %v", got)
		}
		wantError(t, e.do("POST", "/me/messages/"+id+"/move", rw, map[string]any{"destinationId": "nosuchfolder"}), 400, "ErrorInvalidIdMalformed", "…")

		cp := e.must(201, "POST", "/me/messages/"+id+"/copy", rw, map[string]any{"destinationId": "inbox"})
		if cp["id"] == id || cp["subject"] != "Office closed on Monday" || cp["parentFolderId"] != str(e.must(200, "GET", "/me/mailFolders/inbox", read, nil), "id") {
			t.Errorf("copy = %v", cp)
		}
		e.must(200, "GET", "/me/messages/"+id, read, nil)
		// A copy has its own attachments.
		lp := str(byS("Launch plan — please review"), "id")
		cpa := e.must(201, "POST", "/me/messages/"+lp+"/copy", rw, map[string]any{"destinationId": "archive"})
		as := list(t, e.must(200, "GET", "/me/messages/"+str(cpa, "id")+"/attachments", read, nil))
		if len(as) != 1 || as[0]["name"] != "launch-plan.txt" || cpa["hasAttachments"] != true {
			t.Errorf("attachments of a copy = %v", as)
		}
		e.must(204, "DELETE", "/me/messages/"+str(cpa, "id")+"/attachments/"+str(as[0], "id"), rw, nil)
		if n := len(list(t, e.must(200, "GET", "/me/messages/"+lp+"/attachments", read, nil))); n != 1 {
			t.Errorf("deleting the copy's attachment changed the original's: %d", n)
		}
		// A message deleted for good takes its attachments with it, and so
		// does a deleted folder.
		for _, how := range []string{"message", "folder"} {
			f := e.must(201, "POST", "/me/mailFolders", rw, map[string]any{"displayName": "Tmp " + how})
			c := e.must(201, "POST", "/me/messages/"+lp+"/copy", rw, map[string]any{"destinationId": str(f, "id")})
			att := list(t, e.must(200, "GET", "/me/messages/"+str(c, "id")+"/attachments", read, nil))[0]
			if how == "message" {
				e.must(204, "DELETE", "/me/messages/"+str(c, "id"), rw, nil) // to Deleted Items
				e.must(204, "DELETE", "/me/messages/"+str(c, "id"), rw, nil) // for good
			} else {
				e.must(204, "DELETE", "/me/mailFolders/"+str(f, "id"), rw, nil)
			}
			for _, suffix := range []string{"", "/$value"} {
				wantError(t, e.do("GET", "/me/messages/"+str(c, "id")+"/attachments/"+str(att, "id")+suffix, read, nil), 404, "ErrorItemNotFound", "…")
			}
			wantError(t, e.do("GET", "/me/messages/"+str(c, "id"), read, nil), 404, "ErrorItemNotFound", "…")
		}

		// Deleting moves to Deleted Items; deleting there removes it.
		e.must(204, "DELETE", "/me/messages/"+str(cp, "id"), rw, nil)
		got := e.must(200, "GET", "/me/messages/"+str(cp, "id"), read, nil)
		if got["parentFolderId"] != deleted {
			t.Errorf("a deleted message is in %v, want Deleted Items %s", got["parentFolderId"], deleted)
		}
		if n := e.must(200, "GET", "/me/mailFolders/deleteditems", read, nil)["totalItemCount"]; n != 1.0 {
			t.Errorf("Deleted Items totalItemCount = %v", n)
		}
		e.must(204, "DELETE", "/me/messages/"+str(cp, "id"), rw, nil)
		wantError(t, e.do("GET", "/me/messages/"+str(cp, "id"), read, nil), 404, "ErrorItemNotFound", "…")
	})
}

func TestSendMail(t *testing.T) {
	e := newEnv(t)
	adeleSend := e.delegated("adele", "Mail.Send")
	adeleRead := e.delegated("adele", "Mail.Read")
	meganRead := e.delegated("megan", "Mail.Read")
	msg := func(subject string, to ...string) map[string]any {
		var rs []any
		for _, a := range to {
			rs = append(rs, map[string]any{"emailAddress": map[string]any{"address": a}})
		}
		return map[string]any{"message": map[string]any{"subject": subject, "body": map[string]any{"contentType": "Text", "content": "Body of " + subject},
			"toRecipients": rs}}
	}

	t.Run("DeliversAndSavesWithOnlyMailSend", func(t *testing.T) {
		r := e.do("POST", "/me/sendMail", adeleSend, msg("Quarterly numbers", e.upn("megan"), "partner@example.com"))
		if r.Status != 202 || len(r.Raw) != 0 {
			t.Fatalf("sendMail: %d %s", r.Status, r.Raw)
		}
		if !strings.Contains(r.Header.Get("x-graphgate-decision"), "Sent Items") {
			t.Errorf("decision %q", r.Header.Get("x-graphgate-decision"))
		}
		inbox := list(t, e.must(200, "GET", "/me/mailFolders/inbox/messages", meganRead, nil))
		m := find(inbox, "subject", "Quarterly numbers")
		if m == nil {
			t.Fatalf("Megan's inbox = %v", subjects(inbox))
		}
		if str(m, "from/emailAddress/address") != e.upn("adele") || m["isRead"] != false || m["isDraft"] != false || str(m, "body/content") != "Body of Quarterly numbers" {
			t.Errorf("delivered message = %v", m)
		}
		sent := list(t, e.must(200, "GET", "/me/mailFolders/sentitems/messages", adeleRead, nil))
		if s := find(sent, "subject", "Quarterly numbers"); s == nil || s["isRead"] != true || str(s, "sender/emailAddress/address") != e.upn("adele") {
			t.Errorf("Adele's Sent Items = %v", sent)
		}
		// Mail.Send alone does not read.
		wantError(t, e.do("GET", "/me/messages", adeleSend, nil), 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	})

	t.Run("BccHiddenFromRecipients", func(t *testing.T) {
		body := msg("Bcc test", e.upn("megan"))
		body["message"].(map[string]any)["bccRecipients"] = []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("lynne")}}}
		e.must(202, "POST", "/me/sendMail", adeleSend, body)
		for _, who := range []string{"megan", "lynne"} {
			m := find(list(t, e.must(200, "GET", "/me/messages", e.delegated(who, "Mail.Read"), nil)), "subject", "Bcc test")
			if m == nil {
				t.Fatalf("not delivered to %s", who)
			}
			if bcc, _ := m["bccRecipients"].([]any); bcc == nil || len(bcc) != 0 {
				t.Errorf("%s's copy shows bccRecipients %v", who, m["bccRecipients"])
			}
		}
		s := find(list(t, e.must(200, "GET", "/me/mailFolders/sentitems/messages", adeleRead, nil)), "subject", "Bcc test")
		if bcc, _ := s["bccRecipients"].([]any); len(bcc) != 1 {
			t.Errorf("the sender's copy lost its bccRecipients: %v", s["bccRecipients"])
		}
	})

	t.Run("SaveToSentItemsFalse", func(t *testing.T) {
		body := msg("Not saved", e.upn("megan"))
		body["saveToSentItems"] = false
		e.must(202, "POST", "/me/sendMail", adeleSend, body)
		if find(list(t, e.must(200, "GET", "/me/mailFolders/sentitems/messages", adeleRead, nil)), "subject", "Not saved") != nil {
			t.Error("saveToSentItems false saved a copy")
		}
		if find(list(t, e.must(200, "GET", "/me/messages", meganRead, nil)), "subject", "Not saved") == nil {
			t.Error("the message was not delivered")
		}
	})

	t.Run("FromSharedMailbox", func(t *testing.T) {
		support := e.user("support")
		e.must(202, "POST", "/users/"+support.UserPrincipalName+"/sendMail", e.delegated("adele", "Mail.Send.Shared"), msg("Your order", e.upn("megan")))
		m := find(list(t, e.must(200, "GET", "/me/messages", meganRead, nil)), "subject", "Your order")
		if m == nil {
			t.Fatal("not delivered")
		}
		if str(m, "from/emailAddress/address") != support.UserPrincipalName || str(m, "sender/emailAddress/address") != e.upn("adele") ||
			str(m, "sender/emailAddress/name") != "Adele Vance" {
			t.Errorf("from %v, sender %v; want from support, sender Adele", m["from"], m["sender"])
		}
		// The copy is in the shared mailbox's Sent Items.
		sent := list(t, e.must(200, "GET", "/users/"+support.ID+"/mailFolders/sentitems/messages", e.delegated("adele", "Mail.Read.Shared"), nil))
		if find(sent, "subject", "Your order") == nil {
			t.Errorf("support's Sent Items = %v", subjects(sent))
		}
		// Megan has no send rights on the shared mailbox; Mail.Send (own
		// mailbox) does not reach it either.
		wantError(t, e.do("POST", "/users/"+support.ID+"/sendMail", e.delegated("megan", "Mail.Send.Shared"), msg("x", e.upn("adele"))), 403, "ErrorAccessDenied", "…")
		wantError(t, e.do("POST", "/users/"+support.ID+"/sendMail", adeleSend, msg("x", e.upn("megan"))), 403, "ErrorAccessDenied", "…")
	})

	t.Run("AppOnly", func(t *testing.T) {
		e.must(202, "POST", "/users/"+e.id("megan")+"/sendMail", e.app("Mail.Send"), msg("From the daemon", e.upn("adele")))
		if find(list(t, e.must(200, "GET", "/me/messages", adeleRead, nil)), "subject", "From the daemon") == nil {
			t.Error("not delivered")
		}
		wantError(t, e.do("POST", "/me/sendMail", e.app("Mail.Send"), msg("x", e.upn("adele"))), 400, "BadRequest", "/me request is only valid with delegated authentication flow.")
	})

	t.Run("NoRecipients", func(t *testing.T) {
		wantError(t, e.do("POST", "/me/sendMail", adeleSend, msg("Nobody")), 400, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be sent because it contains no recipients.")
		wantError(t, e.do("POST", "/me/sendMail", adeleSend, msg("Bad", "not-an-address")), 400, "ErrorInvalidRecipients", "…")
		wantError(t, e.do("POST", "/me/sendMail", adeleSend, map[string]any{}), 400, "", "…")
		wantError(t, e.do("POST", "/me/sendMail", adeleSend, "{not json"), 400, "BadRequest", "…")
	})

	t.Run("DraftAndSend", func(t *testing.T) {
		rw := e.delegated("adele", "Mail.ReadWrite", "Mail.Send")
		d := e.must(201, "POST", "/me/messages", rw, map[string]any{"subject": "Draft plan", "body": map[string]any{"contentType": "HTML", "content": "<b>Plan</b>"},
			"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("megan")}}}})
		drafts := str(e.must(200, "GET", "/me/mailFolders/drafts", rw, nil), "id")
		if d["isDraft"] != true || d["parentFolderId"] != drafts || str(d, "body/contentType") != "html" || d["bodyPreview"] != "Plan" {
			t.Errorf("draft = %v", d)
		}
		id := str(d, "id")
		up := e.must(200, "PATCH", "/me/messages/"+id, rw, map[string]any{"subject": "Final plan"})
		if up["subject"] != "Final plan" {
			t.Errorf("draft after PATCH = %v", up)
		}
		r := e.do("POST", "/me/messages/"+id+"/send", rw, nil)
		if r.Status != 202 {
			t.Fatalf("send draft: %d %s", r.Status, r.Raw)
		}
		if ms := list(t, e.must(200, "GET", "/me/mailFolders/drafts/messages", rw, nil)); find(ms, "subject", "Final plan") != nil {
			t.Error("the sent draft is still in Drafts")
		}
		s := find(list(t, e.must(200, "GET", "/me/mailFolders/sentitems/messages", rw, nil)), "subject", "Final plan")
		if s == nil || s["isDraft"] != false {
			t.Errorf("Sent Items copy = %v", s)
		}
		if find(list(t, e.must(200, "GET", "/me/messages", meganRead, nil)), "subject", "Final plan") == nil {
			t.Error("the draft was not delivered to Megan")
		}
		wantError(t, e.do("POST", "/me/messages/"+str(s, "id")+"/send", rw, nil), 400, "ErrorInvalidOperation", "…")
	})

	t.Run("GzipBody", func(t *testing.T) {
		raw := []byte(`{"message":{"subject":"Compressed","toRecipients":[{"emailAddress":{"address":"` + e.upn("megan") + `"}}]}}`)
		r := e.do("POST", "/me/sendMail", adeleSend, gzipped(raw), header("Content-Encoding", "gzip"))
		if r.Status != 202 {
			t.Fatalf("gzip sendMail: %d %s", r.Status, r.Raw)
		}
		if find(list(t, e.must(200, "GET", "/me/messages", meganRead, nil)), "subject", "Compressed") == nil {
			t.Error("the gzip-compressed message was not delivered")
		}
		wantError(t, e.do("POST", "/me/sendMail", adeleSend, raw, header("Content-Encoding", "gzip")), 400, "BadRequest", "The request body is not valid gzip.")
	})
}

func TestSharedMailbox(t *testing.T) {
	e := newEnv(t)
	megan := e.id("megan")

	// Megan gave Adele access to her mailbox.
	ms := list(t, e.must(200, "GET", "/users/"+megan+"/messages", e.delegated("adele", "Mail.Read.Shared"), nil))
	if got := subjects(ms); !slices.Equal(got, []string{"Re: Launch plan"}) {
		t.Errorf("Megan's messages read by Adele = %v", got)
	}
	e.must(200, "GET", "/users/"+e.upn("megan")+"/mailFolders/inbox/messages", e.delegated("adele", "Mail.Read.Shared"), nil)
	// Mail.Read covers only Adele's own mailbox.
	wantError(t, e.do("GET", "/users/"+megan+"/messages", e.delegated("adele", "Mail.Read"), nil), 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	// Lynne was given nothing.
	wantError(t, e.do("GET", "/users/"+megan+"/messages", e.delegated("lynne", "Mail.Read.Shared"), nil), 403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	// Write access was granted too.
	e.must(200, "PATCH", "/users/"+megan+"/messages/"+str(ms[0], "id"), e.delegated("adele", "Mail.ReadWrite.Shared"), map[string]any{"isRead": true})
	// But no send rights on Megan's mailbox.
	wantError(t, e.do("POST", "/users/"+megan+"/sendMail", e.delegated("adele", "Mail.Send.Shared"),
		map[string]any{"message": map[string]any{"subject": "x", "toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": e.upn("lynne")}}}}}), 403, "ErrorAccessDenied", "…")
	// Unknown mailbox.
	wantError(t, e.do("GET", "/users/nobody@contoso.onmicrosoft.com/messages", e.app("Mail.Read"), nil), 404, "ErrorInvalidUser", "The requested user 'nobody@contoso.onmicrosoft.com' is invalid.")
	// App-only reads any mailbox.
	if n := len(list(t, e.must(200, "GET", "/users/"+megan+"/messages", e.app("Mail.Read"), nil))); n != 1 {
		t.Errorf("app-only: %d messages", n)
	}
}
