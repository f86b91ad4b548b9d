package graphsdk

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	kiotaauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"graphgate/internal/demo"
	"graphgate/internal/server/servertest"
)

// newClient builds a GraphServiceClient the way an app would, changing
// only what pointing at another cloud requires: the HTTP transport trusts
// graphgate's CA, the auth provider may send tokens to localhost, and the
// base URL is graphgate's.
func newClient(t *testing.T, e *servertest.Env, cred azcore.TokenCredential) *msgraphsdk.GraphServiceClient {
	t.Helper()
	auth, err := kiotaauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred,
		[]string{"https://graph.microsoft.com/.default"}, []string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	opts := msgraphsdk.GetDefaultClientOptions()
	mw := msgraphcore.GetDefaultMiddlewaresWithOptions(&opts)
	hc := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(explaining{t, e.Client.Transport}, mw...), Timeout: 30 * time.Second}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(e.Base + "/v1.0")
	return msgraphsdk.NewGraphServiceClient(adapter)
}

// explaining logs graphgate's x-graphgate-decision header of every failed
// request, so a failing test says why the engine denied a call.
type explaining struct {
	t    *testing.T
	next http.RoundTripper
}

func (x explaining) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := x.next.RoundTrip(r)
	if err == nil && resp.StatusCode >= 400 {
		x.t.Logf("%s %s → %d; decision: %s", r.Method, r.URL, resp.StatusCode, resp.Header.Get("x-graphgate-decision"))
	}
	return resp, err
}

func clientOptions(e *servertest.Env) azcore.ClientOptions {
	return azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.Base + "/"}, Transport: e.Client}
}

// delegated signs a demo user in through the Home Assistant demo app (a
// public client) with the password grant, after recording consent.
func delegated(t *testing.T, e *servertest.Env, userKey string, scopes ...string) *msgraphsdk.GraphServiceClient {
	t.Helper()
	u, app := e.User(userKey), e.App("homeassistant")
	e.Consent(app.ClientID, u.ID, scopes...)
	cred, err := azidentity.NewUsernamePasswordCredential(demo.TenantID, app.ClientID, u.UserPrincipalName, u.Password,
		&azidentity.UsernamePasswordCredentialOptions{ClientOptions: clientOptions(e), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, e, cred)
}

// odataError asserts err is the SDK's ODataError with the given status and code.
func odataError(t *testing.T, err error, status int, code string) *odataerrors.ODataError {
	t.Helper()
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		t.Fatalf("want an ODataError %d %s, got %T %v", status, code, err, err)
	}
	if oe.ResponseStatusCode != status {
		t.Errorf("status %d, want %d", oe.ResponseStatusCode, status)
	}
	main := oe.GetErrorEscaped()
	if main == nil || deref(main.GetCode()) != code {
		t.Fatalf("error code %v, want %s", main, code)
	}
	if main.GetInnerError() == nil || main.GetInnerError().GetRequestId() == nil || main.GetInnerError().GetDate() == nil {
		t.Errorf("innerError lacks request-id or date: %+v", main.GetInnerError())
	}
	return oe
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func TestSDKDelegatedWorkloads(t *testing.T) {
	e := servertest.Start(t)
	ctx := context.Background()
	scopes := []string{"User.Read", "User.ReadBasic.All", "Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite", "Tasks.ReadWrite", "Presence.Read.All", "Files.ReadWrite"}
	adele := delegated(t, e, "adele", scopes...)
	megan := delegated(t, e, "megan", scopes...)
	adeleUser, meganUser := e.User("adele"), e.User("megan")

	t.Run("me", func(t *testing.T) {
		me, err := adele.Me().Get(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if deref(me.GetId()) != adeleUser.ID || deref(me.GetUserPrincipalName()) != adeleUser.UserPrincipalName || deref(me.GetDisplayName()) != adeleUser.DisplayName {
			t.Fatalf("me = %s %s %s", deref(me.GetId()), deref(me.GetUserPrincipalName()), deref(me.GetDisplayName()))
		}
		sel, err := adele.Me().Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"displayName", "mail"}}})
		if err != nil {
			t.Fatal(err)
		}
		if sel.GetId() != nil || deref(sel.GetDisplayName()) == "" {
			t.Errorf("$select=displayName,mail returned id %v displayName %v", sel.GetId(), sel.GetDisplayName())
		}
	})

	t.Run("users with startswith filter and paging", func(t *testing.T) {
		res, err := adele.Users().Get(ctx, &msgraphsdkUsersConfig{QueryParameters: &users.UsersRequestBuilderGetQueryParameters{
			Filter: ptr("startswith(displayName,'Meg')"), Select: []string{"id", "displayName"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.GetValue()) != 1 || deref(res.GetValue()[0].GetId()) != meganUser.ID {
			t.Fatalf("startswith(displayName,'Meg') gave %d users", len(res.GetValue()))
		}
		// Page two at a time through every user with the SDK's page iterator.
		page, err := adele.Users().Get(ctx, &msgraphsdkUsersConfig{QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Top: ptr(int32(2))}})
		if err != nil {
			t.Fatal(err)
		}
		if page.GetOdataNextLink() == nil {
			t.Fatal("no @odata.nextLink with $top=2")
		}
		it, err := msgraphcore.NewPageIterator[models.Userable](page, adele.GetAdapter(), models.CreateUserCollectionResponseFromDiscriminatorValue)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		if err := it.Iterate(ctx, func(u models.Userable) bool { seen[deref(u.GetId())] = true; return true }); err != nil {
			t.Fatal(err)
		}
		for _, u := range e.Demo.Users {
			if u.TenantID == demo.TenantID && !seen[u.ID] {
				t.Errorf("paging missed %s", u.UserPrincipalName)
			}
		}
	})

	t.Run("messages and sendMail", func(t *testing.T) {
		subject := "SDK test " + time.Now().Format(time.RFC3339Nano)
		body := users.NewItemSendMailPostRequestBody()
		msg := models.NewMessage()
		msg.SetSubject(ptr(subject))
		b := models.NewItemBody()
		ct := models.TEXT_BODYTYPE
		b.SetContentType(&ct)
		b.SetContent(ptr("Sent with msgraph-sdk-go."))
		msg.SetBody(b)
		to := models.NewRecipient()
		addr := models.NewEmailAddress()
		addr.SetAddress(ptr(meganUser.UserPrincipalName))
		to.SetEmailAddress(addr)
		msg.SetToRecipients([]models.Recipientable{to})
		body.SetMessage(msg)
		if err := adele.Me().SendMail().Post(ctx, body, nil); err != nil {
			t.Fatal(err)
		}
		filter := "subject eq '" + subject + "'"
		inbox, err := megan.Me().MailFolders().ByMailFolderId("inbox").Messages().Get(ctx, &users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemMailFoldersItemMessagesRequestBuilderGetQueryParameters{Filter: &filter, Select: []string{"subject", "from", "isRead"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(inbox.GetValue()) != 1 {
			t.Fatalf("megan's inbox has %d messages with the subject, want 1", len(inbox.GetValue()))
		}
		got := inbox.GetValue()[0]
		if from := got.GetFrom(); from == nil || !strings.EqualFold(deref(from.GetEmailAddress().GetAddress()), adeleUser.UserPrincipalName) {
			t.Errorf("from = %v", from)
		}
		if deref(got.GetIsRead()) {
			t.Error("a delivered message should be unread")
		}
		sent, err := adele.Me().MailFolders().ByMailFolderId("sentitems").Messages().Get(ctx, &users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemMailFoldersItemMessagesRequestBuilderGetQueryParameters{Filter: &filter}})
		if err != nil {
			t.Fatal(err)
		}
		if len(sent.GetValue()) != 1 {
			t.Fatalf("adele's Sent Items has %d copies, want 1", len(sent.GetValue()))
		}
		// Mark read through PATCH, then read it back.
		upd := models.NewMessage()
		upd.SetIsRead(ptr(true))
		if _, err := megan.Me().Messages().ByMessageId(deref(got.GetId())).Patch(ctx, upd, nil); err != nil {
			t.Fatal(err)
		}
		again, err := megan.Me().Messages().ByMessageId(deref(got.GetId())).Get(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !deref(again.GetIsRead()) {
			t.Error("PATCH isRead=true did not stick")
		}
		unread, err := adele.Me().Messages().Get(ctx, &users.ItemMessagesRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemMessagesRequestBuilderGetQueryParameters{Filter: ptr("isRead eq false"), Top: ptr(int32(5))}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range unread.GetValue() {
			if deref(m.GetIsRead()) {
				t.Errorf("isRead eq false returned a read message %q", deref(m.GetSubject()))
			}
		}
	})

	t.Run("events and calendarView", func(t *testing.T) {
		start := time.Now().UTC().Add(3 * time.Hour).Truncate(time.Hour)
		ev := models.NewEvent()
		ev.SetSubject(ptr("SDK planning"))
		st, en := models.NewDateTimeTimeZone(), models.NewDateTimeTimeZone()
		st.SetDateTime(ptr(start.Format("2006-01-02T15:04:05")))
		st.SetTimeZone(ptr("UTC"))
		en.SetDateTime(ptr(start.Add(time.Hour).Format("2006-01-02T15:04:05")))
		en.SetTimeZone(ptr("UTC"))
		ev.SetStart(st)
		ev.SetEnd(en)
		created, err := adele.Me().Events().Post(ctx, ev, nil)
		if err != nil {
			t.Fatal(err)
		}
		if created.GetId() == nil || deref(created.GetSubject()) != "SDK planning" {
			t.Fatalf("created event %v", created.GetId())
		}
		view, err := adele.Me().CalendarView().Get(ctx, &users.ItemCalendarViewRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemCalendarViewRequestBuilderGetQueryParameters{
				StartDateTime: ptr(time.Now().UTC().Format(time.RFC3339)),
				EndDateTime:   ptr(time.Now().UTC().Add(7 * 24 * time.Hour).Format(time.RFC3339)),
				Select:        []string{"subject", "start", "end", "type"}, Top: ptr(int32(50))}})
		if err != nil {
			t.Fatal(err)
		}
		var found, occurrence bool
		for _, v := range view.GetValue() {
			if deref(v.GetId()) == deref(created.GetId()) {
				found = true
			}
			if deref(v.GetSubject()) == "Team sync" && v.GetTypeEscaped() != nil && *v.GetTypeEscaped() == models.OCCURRENCE_EVENTTYPE {
				occurrence = true
			}
		}
		if !found {
			t.Error("calendarView does not show the created event")
		}
		if !occurrence {
			t.Error("calendarView does not expand the weekly Team sync series into occurrences")
		}
		if err := adele.Me().Events().ByEventId(deref(created.GetId())).Delete(ctx, nil); err != nil {
			t.Fatal(err)
		}
		_, err = adele.Me().Events().ByEventId(deref(created.GetId())).Get(ctx, nil)
		odataError(t, err, 404, "ErrorItemNotFound")
	})

	t.Run("To Do", func(t *testing.T) {
		lists, err := adele.Me().Todo().Lists().Get(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(lists.GetValue()) == 0 {
			t.Fatal("adele has no To Do lists")
		}
		listID := deref(lists.GetValue()[0].GetId())
		task := models.NewTodoTask()
		task.SetTitle(ptr("Written by the SDK"))
		made, err := adele.Me().Todo().Lists().ByTodoTaskListId(listID).Tasks().Post(ctx, task, nil)
		if err != nil {
			t.Fatal(err)
		}
		done := models.NewTodoTask()
		status := models.COMPLETED_TASKSTATUS
		done.SetStatus(&status)
		if _, err := adele.Me().Todo().Lists().ByTodoTaskListId(listID).Tasks().ByTodoTaskId(deref(made.GetId())).Patch(ctx, done, nil); err != nil {
			t.Fatal(err)
		}
		open, err := adele.Me().Todo().Lists().ByTodoTaskListId(listID).Tasks().Get(ctx, &users.ItemTodoListsItemTasksRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemTodoListsItemTasksRequestBuilderGetQueryParameters{Filter: ptr("status ne 'completed'")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(open.GetValue()) == 0 {
			t.Fatal("no open tasks, the seed has two")
		}
		for _, tk := range open.GetValue() {
			if deref(tk.GetId()) == deref(made.GetId()) || (tk.GetStatus() != nil && *tk.GetStatus() == models.COMPLETED_TASKSTATUS) {
				t.Errorf("status ne 'completed' returned completed task %q", deref(tk.GetTitle()))
			}
		}
	})

	t.Run("presence", func(t *testing.T) {
		p, err := adele.Me().Presence().Get(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if deref(p.GetId()) != adeleUser.ID || deref(p.GetAvailability()) == "" {
			t.Fatalf("presence %v %v", p.GetId(), p.GetAvailability())
		}
		other, err := adele.Users().ByUserId(meganUser.ID).Presence().Get(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if deref(other.GetId()) != meganUser.ID {
			t.Errorf("megan's presence id %v", other.GetId())
		}
	})

	t.Run("drive upload and download through the downloadUrl redirect", func(t *testing.T) {
		drive, err := adele.Me().Drive().Get(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		content := []byte("written by msgraph-sdk-go\n")
		item, err := adele.Drives().ByDriveId(deref(drive.GetId())).Items().ByDriveItemId("root:/sdk/note.txt:").Content().Put(ctx, content, nil)
		if err != nil {
			t.Fatal(err)
		}
		if deref(item.GetName()) != "note.txt" || deref(item.GetSize()) != int64(len(content)) {
			t.Fatalf("uploaded item %v size %v", item.GetName(), item.GetSize())
		}
		// GET …/content answers 302 to the pre-authenticated downloadUrl;
		// the SDK's redirect handler follows it.
		got, err := adele.Drives().ByDriveId(deref(drive.GetId())).Items().ByDriveItemId(deref(item.GetId())).Content().Get(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(content) {
			t.Fatalf("downloaded %q, want %q", got, content)
		}
	})

	t.Run("403 surfaces as ODataError", func(t *testing.T) {
		// Lynne shares nothing with Adele and Adele holds no .Shared scope.
		_, err := adele.Users().ByUserId(e.User("lynne").ID).Messages().Get(ctx, nil)
		oe := odataError(t, err, 403, "ErrorAccessDenied")
		if msg := deref(oe.GetErrorEscaped().GetMessage()); msg != "Access is denied. Check credentials and try again." {
			t.Errorf("message %q", msg)
		}
		// A scope the user did not consent to: contacts need Contacts.Read.
		_, err = adele.Me().Contacts().Get(ctx, nil)
		odataError(t, err, 403, "ErrorAccessDenied")
	})
}

func TestSDKApplicationPermissions(t *testing.T) {
	e := servertest.Start(t)
	ctx := context.Background()
	d := e.App("daemon")
	cred, err := azidentity.NewClientSecretCredential(demo.TenantID, d.ClientID, d.Secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(e), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, e, cred)
	res, err := c.Users().Get(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.GetValue()) == 0 {
		t.Fatal("no users for an app with User.Read.All")
	}
	_, err = c.Me().Get(ctx, nil)
	oe := odataError(t, err, 400, "BadRequest")
	if msg := deref(oe.GetErrorEscaped().GetMessage()); !strings.Contains(msg, "/me request is only valid with delegated authentication flow") {
		t.Errorf("app-only /me message %q", msg)
	}
}

// Aliases keep the long generated type names readable above.
type msgraphsdkUsersConfig = users.UsersRequestBuilderGetRequestConfiguration
