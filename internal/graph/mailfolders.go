package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

var folderProps = odata.JSONProps{"displayName": odata.TypeString, "id": odata.TypeString, "parentFolderId": odata.TypeString, "isHidden": odata.TypeBool}

func (s *Server) folderCollection(c *Call, owner, parent string) error {
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	// Graph lists folders by display name (well-known folders are created
	// together: their creation time orders nothing).
	return s.writeCollection(c, collection{q: q,
		base:     store.ItemQuery{TenantID: c.TenantID, Kind: KindMailFolder, OwnerID: owner, ParentID: parent},
		mapping:  jsonMapping("microsoft.graph.mailFolder", folderProps),
		defOrder: byDoc("displayName", store.TypeString, false),
		context:  c.BaseURL() + "/$metadata#users('" + owner + "')/mailFolders",
		render:   func(it store.Item) (json.RawMessage, error) { return s.renderFolder(c, it) }})
}

// renderFolder fills a folder's counts from its contents.
func (s *Server) renderFolder(c *Call, it store.Item) (json.RawMessage, error) {
	f, err := DecodeDoc[folderDoc](it)
	if err != nil {
		return nil, err
	}
	count := func(kind string, filter store.Cond) (int, error) {
		_, n, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: kind, OwnerID: it.OwnerID, ParentID: it.ID, Filter: filter, Count: true, Limit: 1})
		return n, err
	}
	if f.ChildFolderCount, err = count(KindMailFolder, nil); err != nil {
		return nil, err
	}
	if f.TotalItemCount, err = count(KindMessage, nil); err != nil {
		return nil, err
	}
	unread := store.Compare{Field: store.Doc("isRead", store.TypeBool), Op: store.Eq, Value: store.Bool(false)}
	if f.UnreadItemCount, err = count(KindMessage, unread); err != nil {
		return nil, err
	}
	it.Doc = EncodeDoc(f)
	return renderItem(it)
}

func (s *Server) listFolders(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	return s.folderCollection(c, owner, folderID(owner, msgFolderRoot))
}

func (s *Server) listChildFolders(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	f, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	return s.folderCollection(c, owner, f.ID)
}

func (s *Server) getFolder(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	b, err := s.renderFolder(c, it)
	if err != nil {
		return AsError(err)
	}
	q, err := c.ParseQuery(odata.Exchange, 1, 0)
	if err != nil {
		return err
	}
	if b, err = project(b, q.q.Select, nil, nil); err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusOK, WithContext(b, c.BaseURL()+"/$metadata#users('"+owner+"')/mailFolders/$entity"))
}

type folderInput struct {
	DisplayName *string `json:"displayName"`
	IsHidden    *bool   `json:"isHidden"`
}

func (s *Server) createFolder(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	return s.newFolder(c, owner, folderID(owner, msgFolderRoot))
}

func (s *Server) createChildFolder(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	parent, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	return s.newFolder(c, owner, parent.ID)
}

func (s *Server) newFolder(c *Call, owner, parent string) error {
	var in folderInput
	if err := c.ReadBody(&in, mailFolderBody); err != nil {
		return err
	}
	if in.DisplayName == nil || strings.TrimSpace(*in.DisplayName) == "" {
		return NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "The request is invalid: displayName is required.")
	}
	// Folder names are unique among siblings, case-insensitively.
	siblings, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindMailFolder, OwnerID: owner, ParentID: parent})
	if err != nil {
		return AsError(err)
	}
	for _, sib := range siblings {
		if f, err := DecodeDoc[folderDoc](sib); err == nil && strings.EqualFold(f.DisplayName, *in.DisplayName) {
			return NewErrorf(http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists.")
		}
	}
	now := s.now()
	id := newItemID("AAMkAGFld")
	f := folderDoc{ID: id, DisplayName: *in.DisplayName, ParentFolderID: parent}
	if in.IsHidden != nil {
		f.IsHidden = *in.IsHidden
	}
	it := store.Item{TenantID: c.TenantID, Kind: KindMailFolder, ID: id, OwnerID: owner, ParentID: parent, Doc: EncodeDoc(f), CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := s.store.CreateItems(c.ctx, it); err != nil {
		return AsError(err)
	}
	b, err := s.renderFolder(c, it)
	if err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusCreated, WithContext(b, c.BaseURL()+"/$metadata#users('"+owner+"')/mailFolders/$entity"))
}

func (s *Server) updateFolder(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	var in folderInput
	if err := c.ReadBody(&in, mailFolderBody); err != nil {
		return err
	}
	it, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	out, err := s.store.UpdateItem(c.ctx, c.TenantID, KindMailFolder, it.ID, 0, func(it store.Item) (store.Item, error) {
		f, err := DecodeDoc[folderDoc](it)
		if err != nil {
			return it, err
		}
		if in.DisplayName != nil {
			if f.WellKnownName != "" {
				return it, NewErrorf(http.StatusBadRequest, "ErrorCannotRenameDistinguishedFolder", "Distinguished folders cannot be renamed.")
			}
			f.DisplayName = *in.DisplayName
		}
		if in.IsHidden != nil {
			f.IsHidden = *in.IsHidden
		}
		it.Doc = EncodeDoc(f)
		return it, nil
	})
	if err != nil {
		return AsError(err)
	}
	b, err := s.renderFolder(c, out)
	if err != nil {
		return AsError(err)
	}
	return c.JSON(http.StatusOK, WithContext(b, c.BaseURL()+"/$metadata#users('"+owner+"')/mailFolders/$entity"))
}

// deleteFolder removes a folder with its subfolders and messages.
func (s *Server) deleteFolder(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	if f, err := DecodeDoc[folderDoc](it); err == nil && f.WellKnownName != "" {
		return NewErrorf(http.StatusBadRequest, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.")
	}
	folders := []string{it.ID}
	for i := 0; i < len(folders); i++ {
		sub, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindMailFolder, OwnerID: owner, ParentID: folders[i]})
		if err != nil {
			return AsError(err)
		}
		for _, f := range sub {
			folders = append(folders, f.ID)
		}
	}
	msgs, _, err := s.store.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindMessage, OwnerID: owner, ParentIDs: folders})
	if err != nil {
		return AsError(err)
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if err := s.deleteMessages(c, tx, owner, ids); err != nil {
			return err
		}
		_, err := tx.DeleteItems(c.ctx, c.TenantID, KindMailFolder, folders...)
		return err
	})
	if err != nil {
		return AsError(err)
	}
	return c.NoContent()
}

// Attachments.

func (s *Server) listAttachments(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	if _, err := s.getOwned(c, KindMessage, c.Param(1), owner); err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Exchange, 100, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	return s.writeCollection(c, collection{q: q, base: store.ItemQuery{TenantID: c.TenantID, Kind: KindAttachment, OwnerID: owner, ParentID: c.Param(1)},
		mapping:  jsonMapping("microsoft.graph.attachment", odata.JSONProps{"name": odata.TypeString, "contentType": odata.TypeString, "isInline": odata.TypeBool, "size": odata.TypeInt}),
		defOrder: byCreation, context: c.BaseURL() + "/$metadata#users('" + owner + "')/messages('" + c.Param(1) + "')/attachments"})
}

func (s *Server) getAttachment(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.getOwned(c, KindAttachment, c.Param(2), owner)
	if err != nil || it.ParentID != c.Param(1) {
		return ErrItemNotFound()
	}
	if c.Match.Stripped > 0 && strings.HasSuffix(strings.ToLower(c.r.URL.Path), "/$value") {
		a, err := DecodeDoc[attachmentDoc](it)
		if err != nil {
			return AsError(err)
		}
		raw, _ := decodeBase64(a.ContentBytes)
		return c.Raw(http.StatusOK, a.ContentType, raw)
	}
	return c.writeItem(http.StatusOK, it, c.BaseURL()+"/$metadata#users('"+owner+"')/messages('"+c.Param(1)+"')/attachments/$entity", nil, nil)
}

func (s *Server) addAttachment(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	msg, err := s.getOwned(c, KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	var a attachmentDoc
	if err := c.ReadJSON(&a); err != nil {
		return err
	}
	items, err := attachmentItems(c.TenantID, owner, msg.ID, []attachmentDoc{a}, storedTime(s.now()))
	if err != nil {
		return err
	}
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if err := tx.CreateItems(c.ctx, items...); err != nil {
			return err
		}
		_, err := tx.UpdateItem(c.ctx, c.TenantID, KindMessage, msg.ID, 0, func(it store.Item) (store.Item, error) {
			m, err := DecodeDoc[messageDoc](it)
			if err != nil {
				return it, err
			}
			// Inline attachments (images in the body) do not count.
			m.HasAttachments = m.HasAttachments || !a.IsInline
			it.Doc = mergeDoc(it.Doc, m)
			return it, nil
		})
		return err
	})
	if err != nil {
		return AsError(err)
	}
	items[0].Version = 1
	return c.writeItem(http.StatusCreated, items[0], c.BaseURL()+"/$metadata#users('"+owner+"')/messages('"+msg.ID+"')/attachments/$entity", nil, nil)
}

func (s *Server) deleteAttachment(c *Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.getOwned(c, KindAttachment, c.Param(2), owner)
	if err != nil || it.ParentID != c.Param(1) {
		return ErrItemNotFound()
	}
	// The attachment and the message's hasAttachments change together.
	err = s.store.Batch(c.ctx, func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.ctx, c.TenantID, KindAttachment, it.ID); err != nil {
			return err
		}
		rest, _, err := tx.QueryItems(c.ctx, store.ItemQuery{TenantID: c.TenantID, Kind: KindAttachment, OwnerID: owner, ParentID: it.ParentID})
		if err != nil {
			return err
		}
		left := make([]attachmentDoc, 0, len(rest))
		for _, r := range rest {
			a, err := DecodeDoc[attachmentDoc](r)
			if err != nil {
				return err
			}
			left = append(left, a)
		}
		has := hasFileAttachments(left)
		_, err = tx.UpdateItem(c.ctx, c.TenantID, KindMessage, it.ParentID, 0, func(m store.Item) (store.Item, error) {
			doc, err := DecodeDoc[messageDoc](m)
			if err != nil {
				return m, err
			}
			doc.HasAttachments = has
			m.Doc = mergeDoc(m.Doc, doc)
			return m, nil
		})
		return err
	})
	if err != nil {
		return AsError(err)
	}
	return c.NoContent()
}

func decodeBase64(s string) ([]byte, error) {
	b, err := base64StdDecode(s)
	if err != nil {
		return nil, errors.New("bad base64")
	}
	return b, nil
}
