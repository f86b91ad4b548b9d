package graph

import (
	"encoding/json"
	"errors"
	"strings"

	"graphgate/internal/store"
)

// KindChat is a chat; its document lists its members.
const KindChat = "chat"

// chatMember reports whether a user is a member of a chat (false for a
// chat that does not exist, which the handler then answers 404 for).
func (s *Server) chatMember(c *Call, chatID, userID string) (bool, error) {
	it, err := s.store.GetItem(c.ctx, c.TenantID, KindChat, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, asError(err)
	}
	var doc struct {
		Members []struct {
			UserID string `json:"userId"`
		} `json:"members"`
	}
	if err := json.Unmarshal(it.Doc, &doc); err != nil {
		return false, asError(err)
	}
	for _, m := range doc.Members {
		if strings.EqualFold(m.UserID, userID) {
			return true, nil
		}
	}
	return false, nil
}
