package model

// KindPhoto is the item kind of profile photos.
const KindPhoto = "profilePhoto"

// Photo is a profile photo of a user or group.
type Photo struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"` // base64
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Hash        string `json:"hash"`
}
