package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

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
		t := reflect.TypeOf(contactDoc{})
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
func mergeContact(cur contactDoc, body []byte) (contactDoc, error) {
	body, err := graphModel().NormalizeBody(body, contactBody.typ(), contactBody.opts)
	if err != nil {
		return cur, err
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(body, &patch); err != nil {
		return cur, ErrBadRequest("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.").WithCause(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(EncodeDoc(cur), &doc); err != nil {
		return cur, AsError(err)
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
				return cur, ErrBadRequest("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", string(v))
			}
			t, err := parseBirthday(s)
			if err != nil {
				return cur, ErrBadRequest("Cannot convert the literal '%s' to the expected type 'Edm.DateTimeOffset'.", s)
			}
			v, _ = json.Marshal(graphTime(t))
		}
		doc[name] = v
	}
	dec := json.NewDecoder(bytes.NewReader(EncodeDoc(doc)))
	dec.DisallowUnknownFields()
	var out contactDoc
	if err := dec.Decode(&out); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return cur, ErrBadRequest("Invalid value for property '%s': a value of type %s was expected.", te.Field, te.Type.String())
		}
		return cur, ErrBadRequest("Unable to read JSON request payload.").WithCause(err)
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
	contactSelectable       = selectableAs("contact", contactDoc{})
	contactFolderSelectable = selectableAs("contactFolder", contactFolderDoc{})
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

var _ = declare(WorkloadExchange, slices.Concat(
	Twins(Endpoint{Method: "GET", Template: "/contacts", Handler: (*Server).listContacts}),
	Twins(Endpoint{Method: "POST", Template: "/contacts", Handler: (*Server).createContact}),
	Twins(Endpoint{Method: "GET", Template: "/contacts/{id}", Handler: (*Server).getContact}),
	Twins(Endpoint{Method: "PATCH", Template: "/contacts/{id}", Handler: (*Server).updateContact}),
	Twins(Endpoint{Method: "DELETE", Template: "/contacts/{id}", Handler: (*Server).deleteContact}),
	Twins(Endpoint{Method: "GET", Template: "/contactFolders", Handler: (*Server).listContactFolders}),
	Twins(Endpoint{Method: "POST", Template: "/contactFolders", Handler: (*Server).createContactFolder}),
	Twins(Endpoint{Method: "GET", Template: "/contactFolders/{id}", Handler: (*Server).getContactFolder}),
	Twins(Endpoint{Method: "PATCH", Template: "/contactFolders/{id}", Handler: (*Server).updateContactFolder}),
	Twins(Endpoint{Method: "DELETE", Template: "/contactFolders/{id}", Handler: (*Server).deleteContactFolder}),
	Twins(Endpoint{Method: "GET", Template: "/contactFolders/{id}/childFolders", Handler: (*Server).listContactChildFolders}),
	Twins(Endpoint{Method: "POST", Template: "/contactFolders/{id}/childFolders", Handler: (*Server).createContactChildFolder}),
	Twins(Endpoint{Method: "GET", Template: "/contactFolders/{id}/contacts", Handler: (*Server).listContacts}),
	Twins(Endpoint{Method: "POST", Template: "/contactFolders/{id}/contacts", Handler: (*Server).createContact}),
	Twins(Endpoint{Method: "GET", Template: "/contactFolders/{id}/contacts/{id}", Handler: (*Server).getContact}),
	Twins(Endpoint{Method: "PATCH", Template: "/contactFolders/{id}/contacts/{id}", Handler: (*Server).updateContact}),
	Twins(Endpoint{Method: "DELETE", Template: "/contactFolders/{id}/contacts/{id}", Handler: (*Server).deleteContact}),
)...)

// contactsOwner returns the owner of the request's contacts, creating the
// default Contacts folder on first use.
func (s *Server) contactsOwner(c *Call) (string, error) {
	return s.ownerWithDefault(c, KindContactFolder, func(owner string) (string, any, string) {
		root := folderID(owner, msgFolderRoot)
		id := folderID(owner, defaultContactsFolder)
		return id, contactFolderDoc{ID: id, DisplayName: "Contacts", ParentFolderID: root}, root
	})
}

// ownerWithDefault returns the request's user, the owner of its data, and
// creates the user's default container of kind on first use (def gives its
// id, document and parent). Of two requests creating it at once, one
// stores it and both go on.
func (s *Server) ownerWithDefault(c *Call, kind string, def func(owner string) (id string, doc any, parent string)) (string, error) {
	if c.TargetUser == nil {
		return "", ErrMailboxNotFound(c.Param(0))
	}
	owner := c.TargetUser.ID
	id, doc, parent := def(owner)
	if _, err := s.store.GetItem(c.ctx, c.TenantID, kind, id); errors.Is(err, store.ErrNotFound) {
		now := s.now()
		it := store.Item{TenantID: c.TenantID, Kind: kind, ID: id, OwnerID: owner, ParentID: parent, CreatedAt: now, ModifiedAt: now, Version: 1,
			Doc: EncodeDoc(doc)}
		if err := s.store.CreateItems(c.ctx, it); err != nil && !errors.Is(err, store.ErrConflict) {
			return "", AsError(err)
		}
	} else if err != nil {
		return "", AsError(err)
	}
	return owner, nil
}

// resolveContactFolder reads a contact folder of the owner by id (or the
// default folder's name, "contacts").
func (s *Server) resolveContactFolder(c *Call, owner, id string) (store.Item, error) {
	if strings.EqualFold(id, defaultContactsFolder) {
		id = folderID(owner, defaultContactsFolder)
	}
	return s.getOwned(c, KindContactFolder, id, owner)
}

func usersBase(c *Call, owner string) string {
	return c.BaseURL() + "/$metadata#users('" + owner + "')"
}

func (s *Server) contactMapping() odata.Mapping {
	return jsonMapping("microsoft.graph.contact", contactProps)
}

// contacts lists the contacts of one folder.
func (s *Server) contacts(c *Call, owner, folder, contextURL string) error {
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	if q.q.Search != nil {
		return ErrBadRequest("The query parameter '$search' is not supported on contacts.")
	}
	return s.writeCollection(c, collection{q: q, base: store.ItemQuery{TenantID: c.TenantID, Kind: KindContact, OwnerID: owner, ParentID: folder},
		mapping: s.contactMapping(), defOrder: byDoc("displayName", store.TypeString, false),
		context: contextURL, known: contactSelectable()})
}

// contactScope is where a contacts request points: the mailbox owner and,
// on …/contactFolders/{id}/contacts paths, the folder ("" on …/contacts,
// where a contact of any folder is found and new ones go to the default
// folder); id is the contact's id when the path names one. One handler
// serves both paths.
func (s *Server) contactScope(c *Call) (owner, folder, id string, err error) {
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

func (s *Server) listContacts(c *Call) error {
	owner, folder, _, err := s.contactScope(c)
	if err != nil {
		return err
	}
	if folder == "" {
		return s.contacts(c, owner, folderID(owner, defaultContactsFolder), usersBase(c, owner)+"/contacts")
	}
	return s.contacts(c, owner, folder, usersBase(c, owner)+"/contactFolders('"+folder+"')/contacts")
}

func (s *Server) contactEntity(c *Call, owner string) string {
	return usersBase(c, owner) + "/contacts/$entity"
}

func (s *Server) writeContact(c *Call, status int, it store.Item, owner string) error {
	q, err := c.ParseQuery(odata.Exchange, 1, 0)
	if err != nil {
		return err
	}
	if err := checkSelect(q.q.Select, contactSelectable(), "microsoft.graph.contact", odata.Exchange); err != nil {
		return err
	}
	return c.writeItem(status, it, s.contactEntity(c, owner), nil, nil)
}

// folderContact reads a contact, checking it is in the folder when one is given.
func (s *Server) folderContact(c *Call, owner, folder, id string) (store.Item, error) {
	it, err := s.getOwned(c, KindContact, id, owner)
	if err != nil {
		return store.Item{}, err
	}
	if folder != "" && it.ParentID != folder {
		return store.Item{}, ErrItemNotFound()
	}
	return it, nil
}

func (s *Server) getContact(c *Call) error {
	owner, folder, id, err := s.contactScope(c)
	if err != nil {
		return err
	}
	it, err := s.folderContact(c, owner, folder, id)
	if err != nil {
		return err
	}
	return s.writeContact(c, http.StatusOK, it, owner)
}

func (s *Server) createContact(c *Call) error {
	owner, folder, _, err := s.contactScope(c)
	if err != nil {
		return err
	}
	if folder == "" {
		folder = folderID(owner, defaultContactsFolder)
	}
	return s.createContactIn(c, owner, folder)
}

func (s *Server) createContactIn(c *Call, owner, folder string) error {
	body, err := c.Body()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return ErrBadRequest("Empty Payload. JSON content expected.")
	}
	now := s.now()
	id := newItemID("AAMkAGCt")
	d, err := mergeContact(newContactDoc(id, folder, storedTime(now)), body)
	if err != nil {
		return err
	}
	d.ID, d.ParentFolderID, d.CreatedDateTime, d.LastModifiedDateTime = id, folder, storedTime(now), storedTime(now)
	d.ComputeDisplayName()
	it := store.Item{TenantID: c.TenantID, Kind: KindContact, ID: id, OwnerID: owner, ParentID: folder, Doc: EncodeDoc(d), CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := s.store.CreateItems(c.ctx, it); err != nil {
		return AsError(err)
	}
	return s.writeContact(c, http.StatusCreated, it, owner)
}

func (s *Server) updateContact(c *Call) error {
	owner, folder, id, err := s.contactScope(c)
	if err != nil {
		return err
	}
	return s.updateContactIn(c, owner, folder, id)
}

func (s *Server) updateContactIn(c *Call, owner, folder, id string) error {
	body, err := c.Body()
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return ErrBadRequest("Empty Payload. JSON content expected.")
	}
	cur, err := s.folderContact(c, owner, folder, id)
	if err != nil {
		return err
	}
	ifVersion, err := versionOfETag(c.r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	var perr error
	it, err := s.store.UpdateItem(c.ctx, c.TenantID, KindContact, cur.ID, ifVersion, func(it store.Item) (store.Item, error) {
		d, err := DecodeDoc[contactDoc](it)
		if err != nil {
			return it, err
		}
		d, perr = mergeContact(d, body)
		if perr != nil {
			return it, perr
		}
		d.ComputeDisplayName()
		d.LastModifiedDateTime = storedTime(s.now())
		it.Doc = EncodeDoc(d)
		return it, nil
	})
	switch {
	case perr != nil:
		return perr
	case errors.Is(err, store.ErrPrecondition):
		return ErrPreconditionFailed()
	case err != nil:
		return AsError(err)
	}
	return s.writeContact(c, http.StatusOK, it, owner)
}

func (s *Server) deleteContact(c *Call) error {
	owner, folder, id, err := s.contactScope(c)
	if err != nil {
		return err
	}
	return s.deleteContactIn(c, owner, folder, id)
}

func (s *Server) deleteContactIn(c *Call, owner, folder, id string) error {
	it, err := s.folderContact(c, owner, folder, id)
	if err != nil {
		return err
	}
	if _, err := s.store.DeleteItems(c.ctx, c.TenantID, KindContact, it.ID); err != nil {
		return AsError(err)
	}
	return c.NoContent()
}

// Contact folders.

func (s *Server) contactFolders(c *Call, owner, parent, contextURL string) error {
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	return s.writeCollection(c, collection{q: q, base: store.ItemQuery{TenantID: c.TenantID, Kind: KindContactFolder, OwnerID: owner, ParentID: parent},
		mapping:  jsonMapping("microsoft.graph.contactFolder", contactFolderProps),
		defOrder: byDoc("displayName", store.TypeString, false), context: contextURL, known: contactFolderSelectable()})
}

// listContactFolders lists the folders in the default Contacts folder.
func (s *Server) listContactFolders(c *Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	return s.contactFolders(c, owner, folderID(owner, defaultContactsFolder), usersBase(c, owner)+"/contactFolders")
}

func (s *Server) listContactChildFolders(c *Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	f, err := s.resolveContactFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	return s.contactFolders(c, owner, f.ID, usersBase(c, owner)+"/contactFolders('"+f.ID+"')/childFolders")
}

func (s *Server) contactFolderEntity(c *Call, owner string) string {
	return usersBase(c, owner) + "/contactFolders/$entity"
}

func (s *Server) getContactFolder(c *Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	f, err := s.resolveContactFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	return c.writeItem(http.StatusOK, f, s.contactFolderEntity(c, owner), nil, nil)
}

type contactFolderInput struct {
	DisplayName    *string `json:"displayName"`
	ParentFolderID *string `json:"parentFolderId"`
}

func (s *Server) createContactFolder(c *Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	var in contactFolderInput
	if err := c.ReadBody(&in, contactFolderBody); err != nil {
		return err
	}
	parent := folderID(owner, defaultContactsFolder)
	if in.ParentFolderID != nil && *in.ParentFolderID != "" {
		p, err := s.resolveContactFolder(c, owner, *in.ParentFolderID)
		if err != nil {
			return err
		}
		parent = p.ID
	}
	return s.createContactFolderIn(c, owner, parent, in)
}

func (s *Server) createContactChildFolder(c *Call) error {
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
func (s *Server) contactFolderNamed(c *Call, owner, parent, name string) (bool, error) {
	items, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindContactFolder, OwnerID: owner, ParentID: parent,
		Filter: docEqFold("displayName", name), Limit: 1})
	if err != nil {
		return false, AsError(err)
	}
	return len(items) > 0, nil
}

func errFolderExists() *Error {
	return NewErrorf(http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists.")
}

func (s *Server) createContactFolderIn(c *Call, owner, parent string, in contactFolderInput) error {
	if in.DisplayName == nil || strings.TrimSpace(*in.DisplayName) == "" {
		return ErrBadRequest("The displayName property is required.")
	}
	exists, err := s.contactFolderNamed(c, owner, parent, *in.DisplayName)
	if err != nil {
		return err
	}
	if exists {
		return errFolderExists()
	}
	now := s.now()
	id := newItemID("AAMkAGCf")
	it := store.Item{TenantID: c.TenantID, Kind: KindContactFolder, ID: id, OwnerID: owner, ParentID: parent, CreatedAt: now, ModifiedAt: now, Version: 1,
		Doc: EncodeDoc(contactFolderDoc{ID: id, DisplayName: *in.DisplayName, ParentFolderID: parent})}
	if err := s.store.CreateItems(c.ctx, it); err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusCreated, it, s.contactFolderEntity(c, owner), nil, nil)
}

func (s *Server) updateContactFolder(c *Call) error {
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
		if f.ID == folderID(owner, defaultContactsFolder) {
			return NewErrorf(http.StatusBadRequest, "ErrorCannotMoveDistinguishedFolder", "Distinguished folders cannot be moved.")
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
			return NewErrorf(http.StatusBadRequest, "ErrorMoveCopyFailed", "The folder cannot be moved into itself or one of its subfolders.")
		}
		newParent = p.ID
	}
	if in.DisplayName != nil {
		if strings.TrimSpace(*in.DisplayName) == "" {
			return ErrBadRequest("The displayName property cannot be empty.")
		}
		if f.ID == folderID(owner, defaultContactsFolder) {
			return NewErrorf(http.StatusBadRequest, "ErrorCannotRenameDistinguishedFolder", "Distinguished folders cannot be renamed.")
		}
	}
	cur, err := DecodeDoc[contactFolderDoc](f)
	if err != nil {
		return AsError(err)
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
	it, err := s.store.UpdateItem(c.ctx, c.TenantID, KindContactFolder, f.ID, 0, func(it store.Item) (store.Item, error) {
		d, err := DecodeDoc[contactFolderDoc](it)
		if err != nil {
			return it, err
		}
		if in.DisplayName != nil {
			d.DisplayName = *in.DisplayName
		}
		d.ParentFolderID = newParent
		it.ParentID = newParent
		it.Doc = EncodeDoc(d)
		return it, nil
	})
	if err != nil {
		return AsError(err)
	}
	return c.writeItem(http.StatusOK, it, s.contactFolderEntity(c, owner), nil, nil)
}

// contactFolderWithin reports whether folder is root or one of its descendants.
func (s *Server) contactFolderWithin(c *Call, owner, folder, root string) (bool, error) {
	for i := 0; i < 64 && folder != ""; i++ {
		if folder == root {
			return true, nil
		}
		it, err := s.store.GetItem(c.ctx, c.TenantID, KindContactFolder, folder)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, AsError(err)
		}
		folder = it.ParentID
	}
	return false, nil
}

// deleteContactFolder removes a folder with its subfolders and contacts.
func (s *Server) deleteContactFolder(c *Call) error {
	owner, err := s.contactsOwner(c)
	if err != nil {
		return err
	}
	f, err := s.resolveContactFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	if f.ID == folderID(owner, defaultContactsFolder) {
		return NewErrorf(http.StatusBadRequest, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.")
	}
	folders := []string{f.ID}
	for i := 0; i < len(folders) && i < 10000; i++ {
		subs, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindContactFolder, OwnerID: owner, ParentID: folders[i]})
		if err != nil {
			return AsError(err)
		}
		for _, sf := range subs {
			folders = append(folders, sf.ID)
		}
	}
	contacts, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindContact, OwnerID: owner, ParentIDs: folders})
	if err != nil {
		return AsError(err)
	}
	ids := make([]string, len(contacts))
	for i, ct := range contacts {
		ids[i] = ct.ID
	}
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.ctx, c.TenantID, KindContact, ids...); err != nil {
			return err
		}
		_, err := tx.DeleteItems(c.ctx, c.TenantID, KindContactFolder, folders...)
		return err
	})
	if err != nil {
		return AsError(err)
	}
	return c.NoContent()
}

// Seeding.
