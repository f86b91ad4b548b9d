package model

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"graphgate/internal/store"
)

// EncodeDoc marshals a document (a value of this package's types or a
// workload's) as the store keeps it. It panics on a value that cannot be
// encoded: the types are this code base's own, so that is a programming
// error.
func EncodeDoc(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("model: encoding a document: %v", err))
	}
	return b
}

// DecodeDoc reads an item's document into a typed value, with
// encoding/json's rules.
func DecodeDoc[T any](it store.Item) (T, error) {
	var v T
	err := json.Unmarshal(it.Doc, &v)
	return v, err
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
