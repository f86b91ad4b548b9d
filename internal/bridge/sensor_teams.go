package bridge

import (
	"context"
	"net/url"
	"sort"
	"sync"
	"time"

	"graphgate/internal/bridge/graphclient"
	"graphgate/internal/bridge/mqttha"
	"graphgate/internal/planner"
)

// Status (presence) and chat sensors.

type graphPresence struct {
	ID           string `json:"id"`
	Availability string `json:"availability"`
	Activity     string `json:"activity"`
}

// statusSensor is the signed-in user's presence (GET /me/presence), or
// another user's (GET /users/{email}, then /users/{id}/presence).
func (a *account) statusSensor(s StatusSensor, every time.Duration) *sensor {
	f := planner.FeatureStatusSensor
	if s.Email != "" {
		f = planner.FeatureOtherStatus
	}
	name := firstNonEmpty(s.Name, s.Email, "Status")
	obj := "status_" + mqttha.Slug(firstNonEmpty(s.Name, s.Email, "status"))
	var mu sync.Mutex
	userID := ""
	return newSensor(f, obj, every, func(ctx context.Context) ([]entity, error) {
		path := "/me/presence"
		if s.Email != "" {
			mu.Lock()
			id := userID
			mu.Unlock()
			if id == "" {
				var u struct {
					ID string `json:"id"`
				}
				if err := a.gc.Get(ctx, "/users/"+url.PathEscape(s.Email), graphclient.Query{}.Add("$select", "id,displayName,mail"), &u); err != nil {
					return nil, err
				}
				id = u.ID
				mu.Lock()
				userID = id
				mu.Unlock()
			}
			path = "/users/" + url.PathEscape(id) + "/presence"
		}
		var p graphPresence
		if err := a.gc.Get(ctx, path, nil, &p); err != nil {
			return nil, err
		}
		attrs := map[string]any{"availability": p.Availability, "activity": p.Activity}
		if s.Email != "" {
			attrs["email"] = s.Email
		}
		return []entity{{component: "sensor", object: obj, name: name, icon: "mdi:microsoft-teams",
			state: lowerFirst(p.Availability), attrs: attrs}}, nil
	})
}

type graphChat struct {
	ID                  string `json:"id"`
	Topic               string `json:"topic"`
	ChatType            string `json:"chatType"`
	CreatedDateTime     string `json:"createdDateTime"`
	LastUpdatedDateTime string `json:"lastUpdatedDateTime"`
}

type graphChatMessage struct {
	ID              string   `json:"id"`
	MessageType     string   `json:"messageType"`
	CreatedDateTime string   `json:"createdDateTime"`
	Importance      string   `json:"importance"`
	Subject         string   `json:"subject"`
	Summary         string   `json:"summary"`
	Body            itemBody `json:"body"`
	From            struct {
		User struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
		} `json:"user"`
	} `json:"from"`
}

// chatSensor shows the latest chat message: GET /me/chats?$top=20, the
// latest chat's GET /chats/{id}/messages?$top=10 and /chats/{id}/members.
// The state is the message's time, as the integration.
func (a *account) chatSensor(s ChatSensor, every time.Duration) *sensor {
	obj := "chat_" + mqttha.Slug(firstNonEmpty(s.Name, "chat"))
	name := firstNonEmpty(s.Name, "Chat")
	return newSensor(planner.FeatureChat, obj, every, func(ctx context.Context) ([]entity, error) {
		chats, err := graphclient.List[graphChat](ctx, a.gc, "/me/chats", graphclient.Query{}.Add("$top", "20"), 20)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(chats, func(i, j int) bool {
			return firstNonEmpty(chats[i].LastUpdatedDateTime, chats[i].CreatedDateTime) > firstNonEmpty(chats[j].LastUpdatedDateTime, chats[j].CreatedDateTime)
		})
		data := []map[string]any{}
		for _, c := range chats {
			data = append(data, map[string]any{"chat_id": c.ID, "topic": c.Topic, "chat_type": c.ChatType, "last_updated": c.LastUpdatedDateTime})
		}
		attrs := map[string]any{"data": data, "from_display_name": "", "content": "", "chat_id": "", "importance": "", "subject": "", "summary": ""}
		state := ""
		if len(chats) > 0 {
			latest := chats[0]
			msgs, err := graphclient.List[graphChatMessage](ctx, a.gc, "/chats/"+url.PathEscape(latest.ID)+"/messages", graphclient.Query{}.Add("$top", "10"), 10)
			if err != nil {
				return nil, err
			}
			sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].CreatedDateTime > msgs[j].CreatedDateTime })
			for _, m := range msgs {
				if m.MessageType != "" && m.MessageType != "message" {
					continue
				}
				state = m.CreatedDateTime
				content := m.Body.Content
				if m.Body.ContentType == "html" {
					content = plainText(content)
				}
				attrs["from_display_name"] = m.From.User.DisplayName
				attrs["content"] = content
				attrs["chat_id"] = latest.ID
				attrs["importance"] = m.Importance
				attrs["subject"] = m.Subject
				attrs["summary"] = m.Summary
				break
			}
			members, err := graphclient.List[struct {
				DisplayName string `json:"displayName"`
				Email       string `json:"email"`
			}](ctx, a.gc, "/chats/"+url.PathEscape(latest.ID)+"/members", nil, 50)
			if err != nil {
				return nil, err
			}
			attrs["members"] = members
		}
		return []entity{{component: "sensor", object: obj, name: name, icon: "mdi:microsoft-teams", state: state, attrs: attrs}}, nil
	})
}
