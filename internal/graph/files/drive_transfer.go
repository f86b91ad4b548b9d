package files

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/store"
)

// Transfer URLs: the pre-authenticated addresses OneDrive hands out, which
// clients call without an Authorization header — a file's downloadUrl, an
// upload session's uploadUrl, a copy's monitor URL, an anonymous sharing
// link's webUrl (drive_links.go). They live under the
// Graph mount (/v1.0/_transfer/…, /beta/_transfer/…) but are not Graph
// endpoints: the authorized Graph request that issued them made the
// permission decision, and the URL carries it (a signature, or an
// unguessable stored id).
//
// A download URL is HMAC-signed over tenant, drive, item and expiry with a
// per-tenant key kept in the store, so that any replica, before or after a
// restart, accepts the URLs another issued.

const (
	transferPrefix = "/_transfer/"
	// downloadURLLifetime is how long a download URL works (Graph's last
	// about an hour).
	downloadURLLifetime = time.Hour
)

// urlKey returns a tenant's signing key (cached in s.urlKeys). Signing
// (create) makes it on first use; of two replicas creating it at once, the
// stored one wins. Verifying never creates one: the tenant of a download
// URL comes from an unauthenticated request, which must not make the
// server write.
func (s server) urlKey(ctx context.Context, tenant string, create bool) ([]byte, error) {
	if k, ok := s.URLKeys().Load(tenant); ok {
		return k.([]byte), nil
	}
	read := func() ([]byte, error) {
		it, err := s.Store().GetItem(ctx, tenant, model.KindDriveURLKey, "download")
		if err != nil {
			return nil, err
		}
		kd, err := model.DecodeDoc[model.DriveURLKey](it)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.DecodeString(kd.Key)
	}
	k, err := read()
	if errors.Is(err, store.ErrNotFound) && create {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		now := s.Now()
		err = s.Store().CreateItems(ctx, store.Item{TenantID: tenant, Kind: model.KindDriveURLKey, ID: "download",
			Doc: model.EncodeDoc(model.DriveURLKey{Key: base64.StdEncoding.EncodeToString(b)}), CreatedAt: now, ModifiedAt: now, Version: 1})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		k, err = read()
	}
	if err != nil {
		return nil, err
	}
	s.URLKeys().Store(tenant, k)
	return k, nil
}

// downloadClaims are what a download URL grants.
type downloadClaims struct {
	Tenant  string `json:"t"`
	Drive   string `json:"d"`
	Item    string `json:"i"`
	Expires int64  `json:"e"`
}

func signDownload(key []byte, cl downloadClaims) string {
	payload := base64.RawURLEncoding.EncodeToString(model.EncodeDoc(cl))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// downloadURL is the pre-authenticated URL of an item's content.
func (s server) downloadURL(c *graph.Call, driveID, itemID string) (string, error) {
	return s.signedDownloadURL(c.Context(), c.BaseURL(), c.TenantID, driveID, itemID)
}

// signedDownloadURL signs a download URL for an item of a tenant, which a
// sharing link may make another tenant's caller (or nobody signed in) use.
func (s server) signedDownloadURL(ctx context.Context, base, tenant, driveID, itemID string) (string, error) {
	key, err := s.urlKey(ctx, tenant, true)
	if err != nil {
		return "", err
	}
	tok := signDownload(key, downloadClaims{Tenant: tenant, Drive: driveID, Item: itemID, Expires: s.Now().Add(downloadURLLifetime).Unix()})
	return base + transferPrefix + "download?tempauth=" + tok, nil
}

// withDownloads gives a resolved drive the download URLs of the request.
func (s server) withDownloads(c *graph.Call) func(*driveInfo, error) (*driveInfo, error) {
	return s.downloadsFrom(c.Context(), c.BaseURL(), c.TenantID)
}

// downloadsFrom gives a resolved drive of a tenant download URLs under base.
func (s server) downloadsFrom(ctx context.Context, base, tenant string) func(*driveInfo, error) (*driveInfo, error) {
	return func(d *driveInfo, err error) (*driveInfo, error) {
		if err != nil {
			return d, err
		}
		d.dl = func(itemID string) string {
			u, err := s.signedDownloadURL(ctx, base, tenant, d.ID, itemID)
			if err != nil {
				return ""
			}
			return u
		}
		return d, nil
	}
}

// serveDriveTransfer serves a transfer URL and reports whether the path
// was one. serve calls it before authenticating: the URLs are
// pre-authenticated (signed, or secret session ids), like Microsoft's.
func (s server) serveDriveTransfer(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(graph.PathAfterVersion(r.URL.Path), transferPrefix)
	if !ok || rest == r.URL.Path {
		return false
	}
	w.Header().Set("request-id", graph.NewRequestID())
	switch {
	case rest == "download":
		s.serveDownload(w, r)
	case strings.HasPrefix(rest, "upload/"):
		s.serveUploadSession(w, r, strings.TrimPrefix(rest, "upload/"))
	case strings.HasPrefix(rest, "monitor/"):
		s.serveCopyMonitor(w, r, strings.TrimPrefix(rest, "monitor/"))
	case strings.HasPrefix(rest, "share/"):
		s.serveShareLink(w, r, strings.TrimPrefix(rest, "share/"))
	default:
		transferError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.", "")
	}
	return true
}

// transferError writes OneDrive's error body (with its innererror code
// when there is one).
func transferError(w http.ResponseWriter, status int, code, message, inner string) {
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		// Every 401 names a way to authenticate (RFC 9110 §15.5.2): a
		// sign-in, whose token opens the item through Graph (/shares).
		w.Header().Set("WWW-Authenticate", `Bearer realm="graphgate"`)
	}
	body := map[string]any{"code": code, "message": message}
	if inner != "" {
		body["innererror"] = map[string]any{"code": inner}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": body})
}

// verifyDownload checks a download URL's token: signed by the tenant's
// key and not expired.
func (s server) verifyDownload(ctx context.Context, tok string) (downloadClaims, bool) {
	var cl downloadClaims
	payload, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return cl, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(raw, &cl) != nil || cl.Tenant == "" {
		return cl, false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return cl, false
	}
	key, err := s.urlKey(ctx, cl.Tenant, false)
	if err != nil {
		return cl, false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(payload))
	if !hmac.Equal(got, mac.Sum(nil)) || s.Now().Unix() >= cl.Expires {
		return cl, false
	}
	return cl, true
}

func (s server) serveDownload(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		transferError(w, http.StatusMethodNotAllowed, "invalidRequest", "The download URL accepts GET and HEAD only.", "")
		return
	}
	cl, ok := s.verifyDownload(r.Context(), r.URL.Query().Get("tempauth"))
	if !ok {
		transferError(w, http.StatusUnauthorized, "unauthenticated", "The download URL is not valid or has expired.", "")
		return
	}
	it, err := s.Store().GetItem(r.Context(), cl.Tenant, model.KindDriveItem, cl.Item)
	if err != nil {
		transferError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.", "")
		return
	}
	doc, err := model.DecodeDoc[model.DriveItem](it)
	if err != nil || doc.File == nil || doc.ParentReference.DriveID != cl.Drive {
		transferError(w, http.StatusNotFound, "itemNotFound", "The resource could not be found.", "")
		return
	}
	data, err := s.fileContent(r.Context(), cl.Tenant, it.ID)
	if err != nil {
		transferError(w, http.StatusInternalServerError, "generalException", "An unexpected error occurred.", "")
		return
	}
	mod, _ := model.ParseStoredTime(doc.LastModifiedDateTime)
	w.Header().Set("Content-Type", doc.File.MimeType)
	w.Header().Set("ETag", `"c:{`+doc.GUID+`},`+strconv.FormatInt(doc.ContentVersion, 10)+`"`)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": doc.Name}))
	http.ServeContent(w, r, "", mod, bytes.NewReader(data))
}

// fileContent reads a file's bytes (none for a file never written).
func (s server) fileContent(ctx context.Context, tenant, id string) ([]byte, error) {
	ct, err := s.Store().GetItem(ctx, tenant, model.KindDriveContent, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cd, err := model.DecodeDoc[model.DriveContent](ct)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(cd.Data)
}

// transferBase is the scheme, host and Graph version of a transfer
// request, for the links it answers with.
func (s server) transferBase(r *http.Request) string {
	c := s.TransferCall(r.Context(), nil, r, "", "", graph.Entity{})
	return c.BaseURL()
}

// newTransferID is an unguessable id for an upload session or a monitor.
func newTransferID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
