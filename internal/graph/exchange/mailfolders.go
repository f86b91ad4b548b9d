package exchange

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/odata"
	"graphgate/internal/store"
)

var folderProps = odata.JSONProps{"displayName": odata.TypeString, "id": odata.TypeString, "parentFolderId": odata.TypeString, "isHidden": odata.TypeBool}

func (s server) folderCollection(c *graph.Call, owner, parent string) error {
	q, err := c.ParseQuery(odata.Exchange, 10, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	// Graph lists folders by display name (well-known folders are created
	// together: their creation time orders nothing).
	return s.WriteCollection(c, graph.Collection{Q: q,
		Base:     store.ItemQuery{TenantID: c.TenantID, Kind: model.KindMailFolder, OwnerID: owner, ParentID: parent},
		Mapping:  graph.JSONMapping("microsoft.graph.mailFolder", folderProps),
		DefOrder: graph.ByDoc("displayName", store.TypeString, false),
		Context:  c.ContextURL(),
		Render:   func(it store.Item) (json.RawMessage, error) { return s.renderFolder(c, it) }})
}

// renderFolder fills a folder's counts from its contents.
func (s server) renderFolder(c *graph.Call, it store.Item) (json.RawMessage, error) {
	f, err := model.DecodeDoc[model.Folder](it)
	if err != nil {
		return nil, err
	}
	count := func(kind string, filter store.Cond) (int, error) {
		_, n, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: kind, OwnerID: it.OwnerID, ParentID: it.ID, Filter: filter, Count: true, Limit: 1})
		return n, err
	}
	if f.ChildFolderCount, err = count(model.KindMailFolder, nil); err != nil {
		return nil, err
	}
	if f.TotalItemCount, err = count(model.KindMessage, nil); err != nil {
		return nil, err
	}
	unread := store.Compare{Field: store.Doc("isRead", store.TypeBool), Op: store.Eq, Value: store.Bool(false)}
	if f.UnreadItemCount, err = count(model.KindMessage, unread); err != nil {
		return nil, err
	}
	it.Doc = model.EncodeDoc(f)
	return graph.RenderItem(it)
}

func (s server) listFolders(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	return s.folderCollection(c, owner, model.FolderID(owner, model.MsgFolderRoot))
}

func (s server) listChildFolders(c *graph.Call) error {
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

func (s server) getFolder(c *graph.Call) error {
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
		return graph.AsError(err)
	}
	q, err := c.ParseQuery(odata.Exchange, 1, 0)
	if err != nil {
		return err
	}
	if b, err = graph.Project(b, q.Options().Select, nil, nil); err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, graph.WithContext(b, c.ContextURL()))
}

type folderInput struct {
	DisplayName *string `json:"displayName"`
	IsHidden    *bool   `json:"isHidden"`
}

func (s server) createFolder(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	return s.newFolder(c, owner, model.FolderID(owner, model.MsgFolderRoot))
}

func (s server) createChildFolder(c *graph.Call) error {
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

func (s server) newFolder(c *graph.Call, owner, parent string) error {
	var in folderInput
	if err := c.ReadBody(&in, mailFolderBody); err != nil {
		return err
	}
	if in.DisplayName == nil || strings.TrimSpace(*in.DisplayName) == "" {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorInvalidRequest", "The request is invalid: displayName is required.")
	}
	// Folder names are unique among siblings, case-insensitively.
	siblings, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindMailFolder, OwnerID: owner, ParentID: parent})
	if err != nil {
		return graph.AsError(err)
	}
	for _, sib := range siblings {
		if f, err := model.DecodeDoc[model.Folder](sib); err == nil && strings.EqualFold(f.DisplayName, *in.DisplayName) {
			return graph.NewErrorf(http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists.")
		}
	}
	now := s.Now()
	id := graph.NewItemID("AAMkAGFld")
	f := model.Folder{ID: id, DisplayName: *in.DisplayName, ParentFolderID: parent}
	if in.IsHidden != nil {
		f.IsHidden = *in.IsHidden
	}
	it := store.Item{TenantID: c.TenantID, Kind: model.KindMailFolder, ID: id, OwnerID: owner, ParentID: parent, Doc: model.EncodeDoc(f), CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	b, err := s.renderFolder(c, it)
	if err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusCreated, graph.WithContext(b, c.ContextURL()))
}

func (s server) updateFolder(c *graph.Call) error {
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
	out, err := s.Store().UpdateItem(c.Context(), c.TenantID, model.KindMailFolder, it.ID, 0, func(it store.Item) (store.Item, error) {
		f, err := model.DecodeDoc[model.Folder](it)
		if err != nil {
			return it, err
		}
		if in.DisplayName != nil {
			if f.WellKnownName != "" {
				return it, graph.NewErrorf(http.StatusBadRequest, "ErrorCannotRenameDistinguishedFolder", "Distinguished folders cannot be renamed.")
			}
			f.DisplayName = *in.DisplayName
		}
		if in.IsHidden != nil {
			f.IsHidden = *in.IsHidden
		}
		it.Doc = model.EncodeDoc(f)
		return it, nil
	})
	if err != nil {
		return graph.AsError(err)
	}
	b, err := s.renderFolder(c, out)
	if err != nil {
		return graph.AsError(err)
	}
	return c.JSON(http.StatusOK, graph.WithContext(b, c.ContextURL()))
}

// deleteFolder removes a folder with its subfolders and messages.
func (s server) deleteFolder(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.resolveFolder(c, owner, c.Param(1))
	if err != nil {
		return err
	}
	if f, err := model.DecodeDoc[model.Folder](it); err == nil && f.WellKnownName != "" {
		return graph.NewErrorf(http.StatusBadRequest, "ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.")
	}
	folders := []string{it.ID}
	for i := 0; i < len(folders); i++ {
		sub, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindMailFolder, OwnerID: owner, ParentID: folders[i]})
		if err != nil {
			return graph.AsError(err)
		}
		for _, f := range sub {
			folders = append(folders, f.ID)
		}
	}
	msgs, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindMessage, OwnerID: owner, ParentIDs: folders})
	if err != nil {
		return graph.AsError(err)
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if err := s.deleteMessages(c, tx, owner, ids); err != nil {
			return err
		}
		_, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindMailFolder, folders...)
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

// Attachments.

func (s server) listAttachments(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	if _, err := s.GetOwned(c, model.KindMessage, c.Param(1), owner); err != nil {
		return err
	}
	q, err := c.ParseQuery(odata.Exchange, 100, odata.ExchangeMaxTop)
	if err != nil {
		return err
	}
	return s.WriteCollection(c, graph.Collection{Q: q, Base: store.ItemQuery{TenantID: c.TenantID, Kind: model.KindAttachment, OwnerID: owner, ParentID: c.Param(1)},
		Mapping:  graph.JSONMapping("microsoft.graph.attachment", odata.JSONProps{"name": odata.TypeString, "contentType": odata.TypeString, "isInline": odata.TypeBool, "size": odata.TypeInt}),
		DefOrder: graph.ByCreation, Context: c.ContextURL()})
}

func (s server) getAttachment(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindAttachment, c.Param(2), owner)
	if err != nil || it.ParentID != c.Param(1) {
		return graph.ErrItemNotFound()
	}
	if c.Match.Stripped > 0 && strings.HasSuffix(strings.ToLower(c.Request().URL.Path), "/$value") {
		a, err := model.DecodeDoc[model.Attachment](it)
		if err != nil {
			return graph.AsError(err)
		}
		raw, _ := decodeBase64(a.ContentBytes)
		return c.Raw(http.StatusOK, a.ContentType, raw)
	}
	return c.WriteItem(http.StatusOK, it, c.ContextURL(), nil, nil)
}

func (s server) addAttachment(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	msg, err := s.GetOwned(c, model.KindMessage, c.Param(1), owner)
	if err != nil {
		return err
	}
	var a model.Attachment
	if err := c.ReadJSON(&a); err != nil {
		return err
	}
	items, err := attachmentItems(c.TenantID, owner, msg.ID, []model.Attachment{a}, model.StoredTime(s.Now()))
	if err != nil {
		return err
	}
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if err := tx.CreateItems(c.Context(), items...); err != nil {
			return err
		}
		_, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindMessage, msg.ID, 0, func(it store.Item) (store.Item, error) {
			m, err := model.DecodeDoc[model.Message](it)
			if err != nil {
				return it, err
			}
			// Inline attachments (images in the body) do not count.
			m.HasAttachments = m.HasAttachments || !a.IsInline
			it.Doc = graph.MergeDoc(it.Doc, m)
			return it, nil
		})
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	items[0].Version = 1
	return c.WriteItem(http.StatusCreated, items[0], c.ContextURL(), nil, nil)
}

func (s server) deleteAttachment(c *graph.Call) error {
	owner, err := s.mailbox(c)
	if err != nil {
		return err
	}
	it, err := s.GetOwned(c, model.KindAttachment, c.Param(2), owner)
	if err != nil || it.ParentID != c.Param(1) {
		return graph.ErrItemNotFound()
	}
	// The attachment and the message's hasAttachments change together.
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		if _, err := tx.DeleteItems(c.Context(), c.TenantID, model.KindAttachment, it.ID); err != nil {
			return err
		}
		rest, _, err := tx.QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindAttachment, OwnerID: owner, ParentID: it.ParentID})
		if err != nil {
			return err
		}
		left := make([]model.Attachment, 0, len(rest))
		for _, r := range rest {
			a, err := model.DecodeDoc[model.Attachment](r)
			if err != nil {
				return err
			}
			left = append(left, a)
		}
		has := hasFileAttachments(left)
		_, err = tx.UpdateItem(c.Context(), c.TenantID, model.KindMessage, it.ParentID, 0, func(m store.Item) (store.Item, error) {
			doc, err := model.DecodeDoc[model.Message](m)
			if err != nil {
				return m, err
			}
			doc.HasAttachments = has
			m.Doc = graph.MergeDoc(m.Doc, doc)
			return m, nil
		})
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.NoContent()
}

func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("bad base64")
	}
	return b, nil
}
