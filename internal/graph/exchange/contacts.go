package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Contacts: Outlook contacts in contact folders. Every mailbox has a
// default Contacts folder (created on first use, beside the mail folders
// under the mailbox root); /contacts addresses the contacts of that folder,
// /contactFolders the folders in it, and /contactFolders/{id}/childFolders
// and /contactFolders/{id}/contacts any folder's content. A contact is an
// item of its folder; its document is Graph's contact.

// contactWritable maps the writable properties of a contact (lower-cased)
// to their spelling; contactReadOnly are accepted in a body and ignored.
var (
	contactReadOnly = map[string]bool{"id": true, "createddatetime": true, "lastmodifieddatetime": true, "changekey": true, "parentfolderid": true}
	contactWritable = func() map[string]string {
		out := map[string]string{}
		t := reflect.TypeOf(model.Contact{})
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && !contactReadOnly[strings.ToLower(name)] {
				out[strings.ToLower(name)] = name
			}
		}
		return out
	}()
)

// mergeContact applies a POST or PATCH body to a contact: the properties
// it names replace the stored ones (null clears), others stay. The body is
// read by Graph's schema first (names, conversions, undeclared properties:
// odata.Model.NormalizeBody); properties of the schema that graphgate does
// not store (extensions, photo...) are ignored.
func mergeContact(cur model.Contact, body []byte) (model.Contact, error) {
	body, err := graph.NormalizeBody(body, contactBody)
	if err != nil {
		return cur, err
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil {
		return cur, graph.ErrBadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.").WithCause(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(model.EncodeDoc(cur), &doc); err != nil {
		return cur, graph.AsError(err)
	}
	for k, v := range patch {
		if strings.HasPrefix(k, "@") || strings.Contains(k, "@odata.") {
			continue
		}
		lk := strings.ToLower(k)
		if contactReadOnly[lk] {
			continue
		}
		name, ok := contactWritable[lk]
		if !ok {
			continue // in Graph's schema (NormalizeBody checked), not stored here
		}
		if lk == "birthday" && string(v) != "null" {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return cur, graph.ErrBadRequest("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", string(v))
			}
			t, err := parseBirthday(s)
			if err != nil {
				return cur, graph.ErrBadRequest("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", s)
			}
			v, _ = json.Marshal(model.GraphTime(t))
		}
		doc[name] = v
	}
	dec := json.NewDecoder(bytes.NewReader(model.EncodeDoc(doc)))
	dec.DisallowUnknownFields()
	var out model.Contact
	if err := dec.Decode(&out); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return cur, graph.ErrBadRequest("Invalid value for property '%s': a value of type %s was expected.", te.Field, te.Type.String())
		}
		return cur, graph.ErrBadRequest("Unable to read JSON request payload.").WithCause(err)
	}
	out.Normalize()
	return out, nil
}

func parseBirthday(s string) (time.Time, error) {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a date")
}

var (
	contactSelectable       = graph.SelectableAs("contact", model.Contact{})
	contactFolderSelectable = graph.SelectableAs("contactFolder", model.ContactFolder{})
)

// contactProps are the contact properties $filter and $orderby may use.
var contactProps = odata.JSONProps{
	"id": odata.TypeString, "displayName": odata.TypeString, "givenName": odata.TypeString, "surname": odata.TypeString,
	"middleName": odata.TypeString, "nickName": odata.TypeString, "title": odata.TypeString, "fileAs": odata.TypeString,
	"initials": odata.TypeString, "generation": odata.TypeString,
	"companyName": odata.TypeString, "jobTitle": odata.TypeString, "department": odata.TypeString, "officeLocation": odata.TypeString,
	"profession": odata.TypeString, "mobilePhone": odata.TypeString, "personalNotes": odata.TypeString, "parentFolderId": odata.TypeString,
	"businessHomePage": odata.TypeString, "assistantName": odata.TypeString, "manager": odata.TypeString, "spouseName": odata.TypeString,
	"createdDateTime": odata.TypeDateTime, "lastModifiedDateTime": odata.TypeDateTime,
	"categories": odata.JSONArrayOf(odata.TypeString), "businessPhones": odata.JSONArrayOf(odata.TypeString),
	"homePhones": odata.JSONArrayOf(odata.TypeString), "imAddresses": odata.JSONArrayOf(odata.TypeString),
	"children":             odata.JSONArrayOf(odata.TypeString),
	"emailAddresses":       odata.JSONArrayOfObjects(odata.JSONProps{"address": odata.TypeString, "name": odata.TypeString}),
	"businessAddress/city": odata.TypeString, "businessAddress/street": odata.TypeString, "businessAddress/state": odata.TypeString,
	"businessAddress/postalCode": odata.TypeString, "businessAddress/countryOrRegion": odata.TypeString,
	"homeAddress/city": odata.TypeString, "homeAddress/street": odata.TypeString, "homeAddress/state": odata.TypeString,
	"homeAddress/postalCode": odata.TypeString, "homeAddress/countryOrRegion": odata.TypeString,
	"otherAddress/city": odata.TypeString, "otherAddress/countryOrRegion": odata.TypeString,
}

var contactFolderProps = odata.JSONProps{"id": odata.TypeString, "displayName": odata.TypeString, "parentFolderId": odata.TypeString}

// The entities of the contacts endpoints. A folder's contacts and child
// folders are named by the folder's id, which the path may give by its
// well-known name ("contacts"): the handler supplies it ({folder}).
var (
	entContacts       = graph.Entity{Context: "users('{owner}')/contacts"}
	entContact        = graph.Entity{Context: "users('{owner}')/contacts/$entity"}
	entContactFolders = graph.Entity{Context: "users('{owner}')/contactFolders"}
	entContactFolder  = graph.Entity{Context: "users('{owner}')/contactFolders/$entity"}
	entFolderContacts = graph.Entity{Context: "users('{owner}')/contactFolders('{folder}')/contacts", ContextValues: []string{"folder"}}
	entChildFolders   = graph.Entity{Context: "users('{owner}')/contactFolders('{folder}')/childFolders", ContextValues: []string{"folder"}}
)

var _ = declare(graph.WorkloadExchange, slices.Concat(
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/contacts", Handler: handle(server.listContacts), Entity: entContacts}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/contacts", Handler: handle(server.createContact), Entity: entContact}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/contacts/{id}", Handler: handle(server.getContact), Entity: entContact}),
	graph.Twins(graph.Endpoint{Method: "PATCH", Template: "/contacts/{id}", Handler: handle(server.updateContact), Entity: entContact}),
	graph.Twins(graph.Endpoint{Method: "DELETE", Template: "/contacts/{id}", Handler: handle(server.deleteContact)}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/contactFolders", Handler: handle(server.listContactFolders), Entity: entContactFolders}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/contactFolders", Handler: handle(server.createContactFolder), Entity: entContactFolder}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/contactFolders/{id}", Handler: handle(server.getContactFolder), Entity: entContactFolder}),
	graph.Twins(graph.Endpoint{Method: "PATCH", Template: "/contactFolders/{id}", Handler: handle(server.updateContactFolder), Entity: entContactFolder}),
	graph.Twins(graph.Endpoint{Method: "DELETE", Template: "/contactFolders/{id}", Handler: handle(server.deleteContactFolder)}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/contactFolders/{id}/childFolders", Handler: handle(server.listContactChildFolders), Entity: entChildFolders}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/contactFolders/{id}/childFolders", Handler: handle(server.createContactChildFolder), Entity: entContactFolder}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/contactFolders/{id}/contacts", Handler: handle(server.listContacts), Entity: entFolderContacts}),
	graph.Twins(graph.Endpoint{Method: "POST", Template: "/contactFolders/{id}/contacts", Handler: handle(server.createContact), Entity: entContact}),
	graph.Twins(graph.Endpoint{Method: "GET", Template: "/contactFolders/{id}/contacts/{id}", Handler: handle(server.getContact), Entity: entContact}),
	graph.Twins(graph.Endpoint{Method: "PATCH", Template: "/contactFolders/{id}/contacts/{id}", Handler: handle(server.updateContact), Entity: entContact}),
	graph.Twins(graph.Endpoint{Method: "DELETE", Template: "/contactFolders/{id}/contacts/{id}", Handler: handle(server.deleteContact)}),
)...)

// contactsOwner returns the owner of the request's contacts, creating the
// default Contacts folder on first use.
func (s server) contactsOwner(c *graph.Call) (string, error) {
	return s.ownerWithDefault(c, model.KindContactFolder, func(owner string) (string, any, string) {
		root := model.FolderID(owner, model.MsgFolderRoot)
		id := model.FolderID(owner, model.DefaultContactsFolder)
		return id, model.ContactFolder{ID: id, DisplayName: "Contacts", ParentFolderID: root}, root
	})
}

// ownerWithDefault returns the request's user, the owner of its data, and
// creates the user's default container of kind on first use (def gives its
// id, document and parent). Of two requests creating it at once, one
// stores it and both go on.
func (s server) ownerWithDefault(c *graph.Call, kind string, def func(owner string) (id string, doc any, parent string)) (string, error) {
	if c.TargetUser == nil {
		return "", graph.ErrMailboxNotFound(c.Param(0))
	}
	owner := c.TargetUser.ID
	id, doc, parent := def(owner)
	if _, err := s.Store().GetItem(c.Context(), c.TenantID, kind, id); errors.Is(err, store.ErrNotFound) {
		now := s.Now()
		it := store.Item{TenantID: c.TenantID, Kind: kind, ID: id, OwnerID: owner, ParentID: parent, CreatedAt: now, ModifiedAt: now, Version: 1,
			Doc: model.EncodeDoc(doc)}
		if err := s.Store().CreateItems(c.Context(), it); err != nil && !errors.Is(err, store.ErrConflict) {
			return "", graph.AsError(err)
		}
	} else if err != nil {
		return "", graph.AsError(err)
	}
	return owner, nil
}

// resolveContactFolder reads a contact folder of the owner by id (or the
// default folder's name, "contacts").
func (s server) resolveContactFolder(c *graph.Call, owner, id string) (store.Item, error) {
	if strings.EqualFold(id, model.DefaultContactsFolder) {
		id = model.FolderID(owner, model.DefaultContactsFolder)
	}
	return s.GetOwned(c, model.KindContactFolder, id, owner)
}

func (s server) contactMapping() odata.Mapping {
	return graph.JSONMapping("microsoft.graph.contact", contactProps)
}

// contacts lists the contacts of one folder.
func (s server) contacts(c *graph.Call, owner, folder string) error {
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	if q.Options().Search != nil {
		return graph.ErrBadRequest("The query parameter '$search' is not supported on contacts.")
	}
	return s.WriteCollection(c, graph.Collection{Q: q, Base: store.ItemQuery{TenantID: c.TenantID, Kind: model.KindContact, OwnerID: owner, ParentID: folder},
		Mapping: s.contactMapping(), DefOrder: graph.ByDoc("displayName", store.TypeString, false),
		Context: c.ContextURL(), Known: contactSelectable()})
}

// contactScope is where a contacts request points: the mailbox owner and,
// on …/contactFolders/{id}/contacts paths, the folder ("" on …/contacts,
// where a contact of any folder is found and new ones go to the default
// folder); id is the contact's id when the path names one. One handler
// serves both paths.
func (s server) contactScope(c *graph.Call) (owner, folder, id string, err error) {
	if owner, err = s.contactsOwner(c); err != nil {
		return "", "", "", err
	}
	idParam := 1
	if slices.Contains(c.Match.Route.Segments(), "contactfolders") {
		f, err := s.resolveContactFolder(c, owner, c.Param(1))
		if err != nil {
			return "", "", "", err
		}
		folder, idParam = f.ID, 2
	}
	return owner, folder, c.Param(idParam), nil
}

func (s server) listContacts(c *graph.Call) error {
	owner, folder, _, err := s.contactScope(c)
	if err != nil {
		return err
	}
	if folder == "" {
		return s.contacts(c, owner, model.FolderID(owner, model.DefaultContactsFolder))
	}
	c.SetContextValue("folder", folder)
	return s.contacts(c, owner, folder)
}

func (s server) writeContact(c *graph.Call, status int, it store.Item) error {
	q, err := c.ParseQuery(odata.Exchange, 1, 0)
	if err != nil {
		return err
	}
	if err := graph.CheckSelect(q.Options().Select, contactSelectable(), "microsoft.graph.contact", odata.Exchange); err != nil {
		return err
	}
	return c.WriteItem(status, it, c.ContextURL(), nil, nil)
}

// folderContact reads a contact, checking it is in the folder when one is given.
func (s server) folderContact(c *graph.Call, owner, folder, id string) (store.Item, error) {
	it, err := s.GetOwned(c, model.KindContact, id, owner)
	if err != nil {
		return store.Item{}, err
	}
	if folder != "" && it.ParentID != folder {
		return store.Item{}, graph.ErrItemNotFound()
	}
	return it, nil
}

func (s server) getContact(c *graph.Call) error {
	owner, folder, id, err := s.contactScope(c)
	if err != nil {
		return err
	}
	it, err := s.folderContact(c, owner, folder, id)
	if err != nil {
		return err
	}
	return s.writeContact(c, http.StatusOK, it)
}

func (s server) createContact(c *graph.Call) error {
	owner, folder, _, err := s.contactScope(c)
	if err != nil {
		return err
	}
	if folder == "" {
		folder = model.FolderID(owner, model.DefaultContactsFolder)
	}
	return s.createContactIn(c, owner, folder)
}

func (s server) createContactIn(c *graph.Call, owner, folder string) error {
	body, err := c.Body()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return graph.ErrBadRequest("Empty Payload. JSON content expected.")
	}
	now := s.Now()
	id := graph.NewItemID("AAMkAGCt")
	d, err := mergeContact(model.NewContact(id, folder, model.StoredTime(now)), body)
	if err != nil {
		return err
	}
	d.ID, d.ParentFolderID, d.CreatedDateTime, d.LastModifiedDateTime = id, folder, model.StoredTime(now), model.StoredTime(now)
	d.ComputeDisplayName()
	it := store.Item{TenantID: c.TenantID, Kind: model.KindContact, ID: id, OwnerID: owner, ParentID: folder, Doc: model.EncodeDoc(d), CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return s.writeContact(c, http.StatusCreated, it)
}

func (s server) updateContact(c *graph.Call) error {
	owner, folder, id, err := s.contactScope(c)
	if err != nil {
		return err
	}
	return s.updateContactIn(c, owner, folder, id)
}

func (s server) updateContactIn(c *graph.Call, owner, folder, id string) error {
	body, err := c.Body()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return graph.ErrBadRequest("Empty Payload. JSON content expected.")
	}
	cur, err := s.folderContact(c, owner, folder, id)
	if err != nil {
		return err
	}
	ifVersion, err := graph.VersionOfETag(c.Request().Header.Get("If-Match"))
	if err != nil {
		return err
	}
	it, err := graph.UpdateDoc(c, s.Store(), model.KindContact, cur.ID, ifVersion, func(_ store.Item, old *model.Contact) (json.RawMessage, error) {
		d, err := mergeContact(*old, body)
		if err != nil {
			return nil, err
		}
		d.ComputeDisplayName()
		d.LastModifiedDateTime = model.StoredTime(s.Now())
		return model.EncodeDoc(d), nil
	})
	if err != nil {
		return err
	}
	return s.writeContact(c, http.StatusOK, it)
}

func (s server) deleteContact(c *graph.Call) error {
	owner, folder, id, err := s.contactScope(c)
	if err != nil {
		return err
	}
	return s.deleteContactIn(c, owner, folder, id)
}

func (s server) deleteContactIn(c *graph.Call, owner, folder, id string) error {
	it, err := s.folderContact(c, owner, folder, id)
	if err != nil {
		return err
	}
	if _, err := s.Store().DeleteItems(c.Context(), c.TenantID, model.KindContact, it.ID); err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

// Contact folders.

func (s server) contactFolders(c *graph.Call, owner, parent string) error {
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	return s.WriteCollection(c, graph.Collection{Q: q, Base: store.ItemQuery{TenantID: c.TenantID, Kind: model.KindContactFolder, OwnerID: owner, ParentID: parent},
		Mapping:  graph.JSONMapping("microsoft.graph.contactFolder", contactFolderProps),
		DefOrder: graph.ByDoc("displayName", store.TypeString, false), Context: c.ContextURL(), Known: contactFolderSelectable()})
}

// listContactFolders lists the folders in the default Contacts folder.
func (s server) listContactFolders(c *graph.Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	return s.contactFolders(c, owner, model.FolderID(owner, model.DefaultContactsFolder))
}

func (s server) listContactChildFolders(c *graph.Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	f, err := s.resolveContactFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	c.SetContextValue("folder", f.ID)
	return s.contactFolders(c, owner, f.ID)
}

func (s server) getContactFolder(c *graph.Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	f, err := s.resolveContactFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	return c.WriteItem(http.StatusOK, f, c.ContextURL(), nil, nil)
}

type contactFolderInput struct {
	DisplayName    *string `json:"displayName"`
	ParentFolderID *string `json:"parentFolderId"`
}

func (s server) createContactFolder(c *graph.Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	var in contactFolderInput
	if err := c.ReadBody(&in, contactFolderBody); err != nil {
		return err
	}
	parent := model.FolderID(owner, model.DefaultContactsFolder)
	if in.ParentFolderID != nil && *in.ParentFolderID != "" {
		p, err := s.resolveContactFolder(c, owner, *in.ParentFolderID)
		if err != nil {
			return err
		}
		parent = p.ID
	}
	return s.createContactFolderIn(c, owner, parent, in)
}

func (s server) createContactChildFolder(c *graph.Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	f, err := s.resolveContactFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	var in contactFolderInput
	if err := c.ReadBody(&in, contactFolderBody); err != nil {
		return err
	}
	return s.createContactFolderIn(c, owner, f.ID, in)
}

// contactFolderNamed finds a folder of parent by display name (ignoring case).
func (s server) contactFolderNamed(c *graph.Call, owner, parent, name string) (bool, error) {
	items, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindContactFolder, OwnerID: owner, ParentID: parent,
		Filter: graph.DocEqFold("displayName", name), Limit: 1})
	if err != nil {
		return false, graph.AsError(err)
	}
	return len(items) > 0, nil
}

func errFolderExists() *graph.Error {
	return graph.NewErrorf(http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists.")
}

func (s server) createContactFolderIn(c *graph.Call, owner, parent string, in contactFolderInput) error {
	if in.DisplayName == nil || strings.TrimSpace(*in.DisplayName) == "" {
		return graph.ErrBadRequest("The displayName property is required.")
	}
	exists, err := s.contactFolderNamed(c, owner, parent, *in.DisplayName)
	if err != nil {
		return err
	}
	if exists {
		return errFolderExists()
	}
	now := s.Now()
	id := graph.NewItemID("AAMkAGCf")
	it := store.Item{TenantID: c.TenantID, Kind: model.KindContactFolder, ID: id, OwnerID: owner, ParentID: parent, CreatedAt: now, ModifiedAt: now, Version: 1,
		Doc: model.EncodeDoc(model.ContactFolder{ID: id, DisplayName: *in.DisplayName, ParentFolderID: parent})}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return c.WriteItem(http.StatusCreated, it, c.ContextURL(), nil, nil)
}

func (s server) updateContactFolder(c *graph.Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	var in contactFolderInput
	if err := c.ReadBody(&in, contactFolderBody); err != nil {
		return err
	}
	f, err := s.resolveContactFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	newParent := f.ParentID
	if in.ParentFolderID != nil && *in.ParentFolderID != "" {
		if f.ID == model.FolderID(owner, model.DefaultContactsFolder) {
			return graph.NewErrorf(http.StatusBadRequest, "ErrorCannotMoveDistinguishedFolder", "Distinguished folders cannot be moved.")
		}
		p, err := s.resolveContactFolder(c, owner, *in.ParentFolderID)
		if err != nil {
			return err
		}
		inside, err := s.contactFolderWithin(c, owner, p.ID, f.ID)
		if err != nil {
			return err
		}
		if inside {
			return graph.NewErrorf(http.StatusBadRequest, "ErrorMoveCopyFailed", "The folder cannot be moved into itself or one of its subfolders.")
		}
		newParent = p.ID
	}
	if in.DisplayName != nil {
		if strings.TrimSpace(*in.DisplayName) == "" {
			return graph.ErrBadRequest("The displayName property cannot be empty.")
		}
		if f.ID == model.FolderID(owner, model.DefaultContactsFolder) {
			return graph.NewErrorf(http.StatusBadRequest, "ErrorCannotRenameDistinguishedFolder", "Distinguished folders cannot be renamed.")
		}
	}
	cur, err := model.DecodeDoc[model.ContactFolder](f)
	if err != nil {
		return graph.AsError(err)
	}
	if in.DisplayName != nil && !strings.EqualFold(*in.DisplayName, cur.DisplayName) || newParent != f.ParentID {
		name := cur.DisplayName
		if in.DisplayName != nil {
			name = *in.DisplayName
		}
		exists, err := s.contactFolderNamed(c, owner, newParent, name)
		if err != nil {
			return err
		}
		if exists {
			return errFolderExists()
		}
	}
	it, err := s.Store().UpdateItem(c.Context(), c.TenantID, model.KindContactFolder, f.ID, 0, func(it store.Item) (store.Item, error) {
		d, err := model.DecodeDoc[model.ContactFolder](it)
		if err != nil {
			return it, err
		}
		if in.DisplayName != nil {
			d.DisplayName = *in.DisplayName
		}
		d.ParentFolderID = newParent
		it.ParentID = newParent
		it.Doc = model.EncodeDoc(d)
		return it, nil
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.WriteItem(http.StatusOK, it, c.ContextURL(), nil, nil)
}

// contactFolderWithin reports whether folder is root or one of its descendants.
func (s server) contactFolderWithin(c *graph.Call, owner, folder, root string) (bool, error) {
	for i := 0; i < 64 && folder != ""; i++ {
		if folder == root {
			return true, nil
		}
		it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindContactFolder, folder)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, graph.AsError(err)
		}
		folder = it.ParentID
	}
	return false, nil
}

// deleteContactFolder removes a folder with its subfolders and contacts.
func (s server) deleteContactFolder(c *graph.Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	f, err := s.resolveContactFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	if f.ID == model.FolderID(owner, model.DefaultContactsFolder) {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.")
	}
	folders := []string{f.ID}
	for i := 0; i < len(folders) && i < 10000; i++ {
		subs, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindContactFolder, OwnerID: owner, ParentID: folders[i]})
		if err != nil {
			return graph.AsError(err)
		}
		for _, sf := range subs {
			folders = append(folders, sf.ID)
		}
	}
	contacts, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindContact, OwnerID: owner, ParentIDs: folders})
	if err != nil {
		return graph.AsError(err)
	}
	ids := make([]string, len(contacts))
	for i, ct := range contacts {
		ids[i] = ct.ID
	}
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindContact, ids...); err != nil {
			return err
		}
		_, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindContactFolder, folders...)
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

// Seeding.
