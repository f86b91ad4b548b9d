package graph

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"graphgate/internal/store"
)

// What the teams workload (internal/graph/teams: chats and presence) uses
// of the pipeline beyond workload.go's API, and the chat fact the pipeline
// resolves itself: whether the caller is a member of the chat a /chats/{id}
// path names (target.go), which the engine's chat relation needs before
// any handler runs.

// chatMember reports whether a user is a member of a chat (false for a
// chat that does not exist, which the handler then answers 404 for).
func (s *Server) chatMember(c *Call, chatID, userID string) (bool, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindChat, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return false, NewErrorf(http.StatusNotFound, "NotFound", "Resource not found.")
	}
	if err != nil {
		return false, AsError(err)
	}
	var doc struct {
		Members []struct {
			UserID string `json:"userId"`
		} `json:"members"`
	}
	if err := json.Unmarshal(it.Doc, &doc); err != nil {
		return false, AsError(err)
	}
	for _, m := range doc.Members {
		if strings.EqualFold(m.UserID, userID) {
			return true, nil
		}
	}
	return false, nil
}
