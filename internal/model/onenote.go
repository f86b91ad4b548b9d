package model

import (
	"strings"
)

// Item kinds of OneNote.
const (
	KindNotebook = "notebook"
	KindSection  = "onenoteSection"
	KindPage     = "onenotePage"
)

// OnenoteLink is a OneNote link.
type OnenoteLink struct {
	Href string `json:"href"`
}

// OnenoteLinks are a OneNote object's client and web links.
type OnenoteLinks struct {
	OneNoteClientURL OnenoteLink `json:"oneNoteClientUrl"`
	OneNoteWebURL    OnenoteLink `json:"oneNoteWebUrl"`
}

// OnenoteParent is a OneNote object's parent notebook, section group or section.
type OnenoteParent struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Self        string `json:"self"`
}

// Notebook is Graph's notebook; self and the URLs are computed.
type Notebook struct {
	ID                   string       `json:"id"`
	DisplayName          string       `json:"displayName"`
	CreatedDateTime      string       `json:"createdDateTime"`
	LastModifiedDateTime string       `json:"lastModifiedDateTime"`
	IsDefault            bool         `json:"isDefault"`
	IsShared             bool         `json:"isShared"`
	UserRole             string       `json:"userRole"`
	CreatedBy            IdentitySet  `json:"createdBy"`
	LastModifiedBy       IdentitySet  `json:"lastModifiedBy"`
	Links                OnenoteLinks `json:"links"`
}

// Section is Graph's onenoteSection.
type Section struct {
	ID                   string        `json:"id"`
	DisplayName          string        `json:"displayName"`
	CreatedDateTime      string        `json:"createdDateTime"`
	LastModifiedDateTime string        `json:"lastModifiedDateTime"`
	IsDefault            bool          `json:"isDefault"`
	CreatedBy            IdentitySet   `json:"createdBy"`
	LastModifiedBy       IdentitySet   `json:"lastModifiedBy"`
	Links                OnenoteLinks  `json:"links"`
	ParentNotebook       OnenoteParent `json:"parentNotebook"`
	// ParentSectionGroup is null for a section directly in its notebook.
	ParentSectionGroup *OnenoteParent `json:"parentSectionGroup"`
}

// Page is Graph's onenotePage; its HTML body is internal.
type Page struct {
	ID                   string        `json:"id"`
	Title                string        `json:"title"`
	CreatedDateTime      string        `json:"createdDateTime"`
	LastModifiedDateTime string        `json:"lastModifiedDateTime"`
	CreatedByAppID       string        `json:"createdByAppId"`
	Level                int           `json:"level"`
	Order                int           `json:"order"`
	Links                OnenoteLinks  `json:"links"`
	ParentSection        OnenoteParent `json:"parentSection"`
	Body                 string        `json:"_body"`
}

// KindSectionGroup is a section group of a notebook.
const KindSectionGroup = "sectionGroup"

// SectionGroup is Graph's sectionGroup; self and the URLs are computed.
type SectionGroup struct {
	ID                   string         `json:"id"`
	DisplayName          string         `json:"displayName"`
	CreatedDateTime      string         `json:"createdDateTime"`
	LastModifiedDateTime string         `json:"lastModifiedDateTime"`
	CreatedBy            IdentitySet    `json:"createdBy"`
	LastModifiedBy       IdentitySet    `json:"lastModifiedBy"`
	ParentNotebook       OnenoteParent  `json:"parentNotebook"`
	ParentSectionGroup   *OnenoteParent `json:"parentSectionGroup"`
}

// NoteLinks are the links of a OneNote object (kind: notebooks, sections,
// pages).
func NoteLinks(kind, id, name string) OnenoteLinks {
	web := "https://www.onenote.com/" + kind + "/" + id
	return OnenoteLinks{OneNoteClientURL: OnenoteLink{Href: "onenote:" + web}, OneNoteWebURL: OnenoteLink{Href: web}}
}

// Notebook adds a notebook of a user or group and returns its id.
func (s *Seeder) Notebook(ownerID, ownerName, name string, isDefault, group bool) string {
	id := s.onenoteID()
	ts := StoredTime(s.now)
	by := IdentitySet{User: &DriveIdentity{ID: ownerID, DisplayName: ownerName}}
	s.add(KindNotebook, id, ownerID, "", Notebook{ID: id, DisplayName: name, CreatedDateTime: ts, LastModifiedDateTime: ts, IsDefault: isDefault,
		IsShared: group, UserRole: "Owner", CreatedBy: by, LastModifiedBy: by, Links: NoteLinks("notebooks", id, name)})
	return id
}

// NotebookSection adds a section to a seeded notebook and returns its id.
func (s *Seeder) NotebookSection(ownerID, notebookID, name string, isDefault bool) string {
	nbName := ""
	var by IdentitySet
	if it := s.seededItem(KindNotebook, notebookID); it != nil {
		nd, _ := DecodeDoc[Notebook](*it)
		nbName, by = nd.DisplayName, nd.CreatedBy
	}
	id := s.onenoteID()
	ts := StoredTime(s.now)
	s.add(KindSection, id, ownerID, notebookID, Section{ID: id, DisplayName: name, CreatedDateTime: ts, LastModifiedDateTime: ts, IsDefault: isDefault,
		CreatedBy: by, LastModifiedBy: by, Links: NoteLinks("sections", id, name), ParentNotebook: OnenoteParent{ID: notebookID, DisplayName: nbName}})
	return id
}

// NotebookPage adds a page (its title and HTML body) to a seeded section and
// returns its id.
func (s *Seeder) NotebookPage(ownerID, sectionID, title, bodyHTML string) string {
	secName := ""
	if it := s.seededItem(KindSection, sectionID); it != nil {
		sd, _ := DecodeDoc[Section](*it)
		secName = sd.DisplayName
	}
	id := s.onenoteID() + "!1-" + strings.TrimPrefix(sectionID, "1-")
	ts := StoredTime(s.now)
	s.add(KindPage, id, ownerID, sectionID, Page{ID: id, Title: title, CreatedDateTime: ts, LastModifiedDateTime: ts, CreatedByAppID: "WLID-graphgate",
		Links: NoteLinks("pages", id, title), ParentSection: OnenoteParent{ID: sectionID, DisplayName: secName}, Body: bodyHTML})
	return id
}
