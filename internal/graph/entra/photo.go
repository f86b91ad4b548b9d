package entra

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image"
	_ "image/gif" // profile photos may be GIF, JPEG or PNG
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"strings"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/store"
)

// Profile photos of users and groups: GET …/photo (the metadata), GET and
// PUT …/photo/$value (the bytes), DELETE …/photo. One photo per owner,
// kept as an item whose id is the owner's id.

// photoEndpoints: the methods of each owner's photo Microsoft's data has a
// rule for (the others are not served).
func photoEndpoints() []graph.Endpoint {
	var eps []graph.Endpoint
	for _, p := range []struct{ template, context string }{
		{"/me/photo", "users('{owner}')/photo/$entity"},
		{"/users/{id}/photo", "users('{owner}')/photo/$entity"},
		{"/groups/{id}/photo", "groups('{owner}')/photo/$entity"},
	} {
		eps = append(eps,
			graph.Endpoint{Method: "GET", Template: p.template, Handler: handle(server.getPhoto), Entity: graph.Entity{Context: p.context}, Optional: true},
			graph.Endpoint{Method: "PUT", Template: p.template, Handler: handle(server.putPhoto), Optional: true},
			graph.Endpoint{Method: "DELETE", Template: p.template, Handler: handle(server.deletePhoto), Optional: true})
	}
	return eps
}

var _ = declare(graph.WorkloadDirectory, photoEndpoints()...)

// photoOwner is the id of the user or group the path names.
func photoOwner(c *graph.Call) string {
	if c.TargetGroup != nil {
		return c.TargetGroup.ID
	}
	return c.TargetUser.ID
}

func wantsValue(c *graph.Call) bool { return strings.EqualFold(c.LastSegment(), "$value") }

func errImageNotFound() *graph.Error {
	return graph.NewErrorf(http.StatusNotFound, "ImageNotFound", "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.")
}

func (s server) loadPhoto(c *graph.Call) (model.Photo, error) {
	id := photoOwner(c)
	it, err := s.Store().GetItem(c.Context(), c.TenantID, model.KindPhoto, id)
	if errors.Is(err, store.ErrNotFound) {
		return model.Photo{}, errImageNotFound()
	}
	if err != nil {
		return model.Photo{}, graph.AsError(err)
	}
	var d model.Photo
	if err := json.Unmarshal(it.Doc, &d); err != nil {
		return model.Photo{}, graph.AsError(err)
	}
	return d, nil
}

func (s server) getPhoto(c *graph.Call) error {
	d, err := s.loadPhoto(c)
	if err != nil {
		return err
	}
	if wantsValue(c) {
		b, err := base64.StdEncoding.DecodeString(d.Content)
		if err != nil {
			return graph.AsError(err)
		}
		c.Header().Set("ETag", `"`+d.Hash+`"`)
		return c.Raw(http.StatusOK, d.ContentType, b)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"@odata.context":          c.ContextURL(),
		"@odata.mediaContentType": d.ContentType,
		"@odata.mediaEtag":        `"` + d.Hash + `"`,
		"id":                      "default",
		"height":                  d.Height,
		"width":                   d.Width,
	})
}

func (s server) putPhoto(c *graph.Call) error {
	if !wantsValue(c) {
		return graph.ErrBadRequest("Upload the photo's bytes to %s/$value.", strings.TrimSuffix(c.Request().URL.Path, "/"))
	}
	b, err := c.Body()
	if err != nil {
		return err
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return graph.ErrBadRequest("The photo is not a valid JPEG, PNG or GIF image.")
	}
	sum := sha256.Sum256(b)
	doc, _ := json.Marshal(model.Photo{ContentType: "image/" + format, Content: base64.StdEncoding.EncodeToString(b),
		Width: cfg.Width, Height: cfg.Height, Hash: hex.EncodeToString(sum[:8])})
	id := photoOwner(c)
	now := s.Now().UTC()
	err = s.Store().Batch(c.Context(), func(tx store.Items) error {
		_, err := tx.UpdateItem(c.Context(), c.TenantID, model.KindPhoto, id, 0, func(it store.Item) (store.Item, error) {
			it.Doc = doc
			return it, nil
		})
		if errors.Is(err, store.ErrNotFound) {
			return tx.CreateItems(c.Context(), store.Item{TenantID: c.TenantID, Kind: model.KindPhoto, ID: id, OwnerID: id, Doc: doc, CreatedAt: now, ModifiedAt: now})
		}
		return err
	})
	if err != nil {
		return graph.AsError(err)
	}
	return c.Raw(http.StatusOK, "text/plain", nil)
}

func (s server) deletePhoto(c *graph.Call) error {
	id := photoOwner(c)
	n, err := s.Store().DeleteItems(c.Context(), c.TenantID, model.KindPhoto, id)
	if err != nil {
		return graph.AsError(err)
	}
	if n == 0 {
		return errImageNotFound()
	}
	return c.NoContent()
}
