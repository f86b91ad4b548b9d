package tokens

import (
	"context"
	"encoding/json"
)

// jwkEntry is one key in graphgate's JWKS, with the members, and in the
// order, Microsoft's discovery/v2.0/keys publishes.
type jwkEntry struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	Kid    string   `json:"kid"`
	X5t    string   `json:"x5t"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X5c    []string `json:"x5c"`
	Issuer string   `json:"issuer,omitempty"`
}

type jwksDocument struct {
	Keys []jwkEntry `json:"keys"`
}

// JWKS returns the JSON Web Key Set document listing every published key
// (the active one, one awaiting activation, and ones still verifying live
// tokens), each with "issuer" set to issuer, as Microsoft's per-tenant keys
// endpoint does (for example "https://{host}/{tenant id}/v2.0"). The bytes are
// cached until the published set changes; callers must not modify them.
func (k *Keyring) JWKS(ctx context.Context, issuer string) ([]byte, error) {
	set, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	ck := jwksCacheKey{from: set.firstPublished(k.now()), issuer: issuer}
	if doc, ok := set.jwks.Get(ck); ok {
		return doc, nil
	}
	doc := jwksDocument{Keys: make([]jwkEntry, 0, len(set.keys)-ck.from)}
	for _, key := range set.keys[ck.from:] {
		e := key.jwk
		e.Issuer = issuer
		doc.Keys = append(doc.Keys, e)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	set.jwks.Add(ck, b)
	return b, nil
}
