package exchange

import (
	"encoding/json"
	"graphgate/internal/graph"
	"graphgate/internal/model"

	"graphgate/internal/store"
)

// expandAttachments inlines a message's attachments.
func (s server) expandAttachments(c *graph.Call, owner string, msg store.Item, body json.RawMessage) (json.RawMessage, error) {
	it, ok := c.Expanding("attachments")
	if !ok {
		return body, nil
	}
	if _, err := s.AuthorizeExpansion(c, "/users/"+owner+"/messages/"+msg.ID+"/attachments"); err != nil {
		return nil, err
	}
	atts, _, err := s.Store().QueryItems(c.Context(), store.ItemQuery{TenantID: c.TenantID, Kind: model.KindAttachment, OwnerID: owner, ParentID: msg.ID, Order: graph.ByCreation})
	if err != nil {
		return nil, graph.AsError(err)
	}
	vals := make([]json.RawMessage, 0, len(atts))
	for _, a := range atts {
		b, err := graph.RenderItem(a)
		if err != nil {
			return nil, graph.AsError(err)
		}
		if b, err = graph.Project(b, graph.SelectOf(it), nil, nil); err != nil {
			return nil, graph.AsError(err)
		}
		vals = append(vals, b)
	}
	arr, _ := json.Marshal(vals)
	return graph.SpliceProp(body, "attachments", arr), nil
}

// eventNav is the event navigation of meeting messages, which Graph
// expands only through the derived type.
const eventNav = "microsoft.graph.eventMessage/event"

// expandEvent inlines the event a meeting message is about (in the
// recipient's calendar), authorized as GET of that event: reading it needs
// a calendar permission as well as the mail one. Other messages have no
// event, and get none.
func (s server) expandEvent(c *graph.Call, owner string, msg store.Item, body json.RawMessage) (json.RawMessage, error) {
	it, ok := c.Expanding(eventNav)
	if !ok {
		return body, nil
	}
	var ref struct {
		EventID string `json:"_eventId"`
	}
	if json.Unmarshal(msg.Doc, &ref) != nil || ref.EventID == "" {
		return body, nil
	}
	if _, err := s.AuthorizeExpansion(c, "/users/"+owner+"/events/"+ref.EventID); err != nil {
		return nil, err
	}
	ev, err := s.eventOrOccurrence(c, calendarOwner{id: owner}, ref.EventID)
	if err != nil {
		// The recipient deleted the event: the message stays, without it.
		return body, nil
	}
	zone, loc := preferredZone(c)
	b, err := renderEvent(ev, zone, loc)
	if err != nil {
		return nil, graph.AsError(err)
	}
	if b, err = graph.Project(b, graph.SelectOf(it), nil, nil); err != nil {
		return nil, graph.AsError(err)
	}
	return graph.SpliceProp(body, "event", b), nil
}
