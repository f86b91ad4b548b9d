package model

import (
	"crypto/sha256"
	"encoding/base64"
)

// Item kinds of To Do.
const (
	KindTodoList = "todoTaskList"
	KindTodoTask = "todoTask"
)

// TodoList is a To Do list's stored document.
type TodoList struct {
	ODataETag         string `json:"-"`
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	IsOwner           bool   `json:"isOwner"`
	IsShared          bool   `json:"isShared"`
	WellknownListName string `json:"wellknownListName"`
}

// TodoTask is a To Do task's stored document.
type TodoTask struct {
	ID                       string            `json:"id"`
	Title                    string            `json:"title"`
	Status                   string            `json:"status"`
	Importance               string            `json:"importance"`
	IsReminderOn             bool              `json:"isReminderOn"`
	CreatedDateTime          string            `json:"createdDateTime"`
	LastModifiedDateTime     string            `json:"lastModifiedDateTime"`
	BodyLastModifiedDateTime string            `json:"bodyLastModifiedDateTime"`
	HasAttachments           bool              `json:"hasAttachments"`
	Categories               []string          `json:"categories"`
	Body                     ItemBody          `json:"body"`
	CompletedDateTime        *DateTimeTimeZone `json:"completedDateTime,omitempty"`
	DueDateTime              *DateTimeTimeZone `json:"dueDateTime,omitempty"`
	ReminderDateTime         *DateTimeTimeZone `json:"reminderDateTime,omitempty"`
	StartDateTime            *DateTimeTimeZone `json:"startDateTime,omitempty"`
}

// TodoListID is the stable id of a user's default To Do list (Seeder.TodoList).
func TodoListID(userID string) string {
	h := sha256.Sum256([]byte(userID + "/todo/defaultList"))
	return "AAMkADefault" + base64.RawURLEncoding.EncodeToString(h[:24])
}
