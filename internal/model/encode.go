package model

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"graphgate/internal/store"
)

// encodeDoc marshals a document.
func encodeDoc(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("model: encoding a document: %v", err))
	}
	return b
}

// decodeDoc reads an item's document into a typed value.
func decodeDoc[T any](it store.Item) (T, error) {
	var v T
	err := json.Unmarshal(it.Doc, &v)
	return v, err
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
