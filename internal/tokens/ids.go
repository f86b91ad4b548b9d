package tokens

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// PairwiseSubject returns the sub graphgate gives a user in tokens for one
// application: base64url (unpadded) of HMAC-SHA256(secret, appID|objectID),
// with both ids lower-cased. Like Entra's, it is stable for a user and app,
// differs between apps so they cannot correlate users by sub, and reveals
// nothing without the secret. The secret must therefore stay the same for
// the life of the data folder.
func PairwiseSubject(secret []byte, appID, objectID string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strings.ToLower(appID)))
	mac.Write([]byte{'|'})
	mac.Write([]byte(strings.ToLower(objectID)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// ClientInfo returns the token response's client_info: base64url without
// padding of {"uid":"<oid>","utid":"<tid>"}. MSAL builds its account key
// (home_account_id) from it and fails on padded or standard base64.
func ClientInfo(objectID, tenantID string) string {
	b, _ := json.Marshal(struct {
		UID  string `json:"uid"`
		UTID string `json:"utid"`
	}{objectID, tenantID}) // cannot fail for two strings
	return base64.RawURLEncoding.EncodeToString(b)
}

// opaqueIDs are the per-token random values: uti (16 bytes, 22 characters
// like Entra's), aio and rh. Clients treat aio and rh as opaque.
type opaqueIDs struct{ uti, aio, rh string }

func newOpaqueIDs() opaqueIDs {
	var b [16 + 32 + 24]byte
	rand.Read(b[:]) // never fails: crypto/rand aborts the program instead
	enc := base64.RawURLEncoding.EncodeToString
	return opaqueIDs{uti: enc(b[:16]), aio: enc(b[16:48]), rh: "0." + enc(b[48:])}
}
