package exchange

import (
	"strings"

	"graphgate/internal/graph"
)

// The body types exchange's handlers read by the schema.
var (
	eventBody         = graph.EntityBody("event", graph.ExchangeReader)
	calendarBody      = graph.EntityBody("calendar", graph.ExchangeReader)
	contactBody       = graph.EntityBody("contact", graph.ExchangeReader)
	messageBody       = graph.EntityBody("message", graph.ExchangeReader)
	mailFolderBody    = graph.EntityBody("mailFolder", graph.ExchangeReader)
	contactFolderBody = graph.EntityBody("contactFolder", graph.ExchangeReader)
	mailboxBody       = graph.EntityBody("mailboxSettings", graph.ExchangeReader)
	todoListBody      = graph.EntityBody("todoTaskList", graph.TodoReader)
	todoTaskBody      = graph.EntityBody("todoTask", graph.TodoReader)

	sendMailBody = graph.ActionBody("sendMail", "user", graph.ExchangeReader)
	moveBody     = graph.ActionBody("move", "message", graph.ExchangeReader)
	copyBody     = graph.ActionBody("copy", "message", graph.ExchangeReader)
	cancelBody   = graph.ActionBody("cancel", "event", graph.ExchangeReader)
	// respondBodies are the bodies of an invitation's responses, by the
	// path's last segment (lower-cased): see respondBody.
	respondBodies = map[string]graph.BodyType{
		"accept":            graph.ActionBody("accept", "event", graph.ExchangeReader),
		"decline":           graph.ActionBody("decline", "event", graph.ExchangeReader),
		"tentativelyaccept": graph.ActionBody("tentativelyAccept", "event", graph.ExchangeReader),
	}
)

// respondBody is the body type of POST …/accept, …/decline or
// …/tentativelyAccept, by the request path.
func respondBody(urlPath string) graph.BodyType {
	last := strings.ToLower(urlPath[strings.LastIndexByte(urlPath, '/')+1:])
	if bt, ok := respondBodies[last]; ok {
		return bt
	}
	return respondBodies["accept"]
}
