package model

import (
	"strings"
	"time"
)

// Item kinds of contacts.
const (
	KindContactFolder = "contactFolder"
	KindContact       = "contact"
)

// DefaultContactsFolder names the default Contacts folder; its id is
// stable per user, like the well-known mail folders'.
const DefaultContactsFolder = "contacts"

// PhysicalAddress is Graph's physicalAddress (an empty object when unset).
type PhysicalAddress struct {
	Street          string `json:"street,omitempty"`
	City            string `json:"city,omitempty"`
	State           string `json:"state,omitempty"`
	CountryOrRegion string `json:"countryOrRegion,omitempty"`
	PostalCode      string `json:"postalCode,omitempty"`
}

// ContactEmail is an entry of a contact's emailAddresses.
type ContactEmail struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Contact is a contact's stored document (Graph's contact). Optional
// strings are null when unset, as Exchange returns them.
type Contact struct {
	ID                   string          `json:"id"`
	CreatedDateTime      string          `json:"createdDateTime"`
	LastModifiedDateTime string          `json:"lastModifiedDateTime"`
	ChangeKey            string          `json:"changeKey"`
	Categories           []string        `json:"categories"`
	ParentFolderID       string          `json:"parentFolderId"`
	Birthday             *string         `json:"birthday"`
	FileAs               string          `json:"fileAs"`
	DisplayName          string          `json:"displayName"`
	GivenName            *string         `json:"givenName"`
	Initials             *string         `json:"initials"`
	MiddleName           *string         `json:"middleName"`
	NickName             *string         `json:"nickName"`
	Surname              *string         `json:"surname"`
	Title                *string         `json:"title"`
	YomiGivenName        *string         `json:"yomiGivenName"`
	YomiSurname          *string         `json:"yomiSurname"`
	YomiCompanyName      *string         `json:"yomiCompanyName"`
	Generation           *string         `json:"generation"`
	ImAddresses          []string        `json:"imAddresses"`
	JobTitle             *string         `json:"jobTitle"`
	CompanyName          *string         `json:"companyName"`
	Department           *string         `json:"department"`
	OfficeLocation       *string         `json:"officeLocation"`
	Profession           *string         `json:"profession"`
	BusinessHomePage     *string         `json:"businessHomePage"`
	AssistantName        *string         `json:"assistantName"`
	Manager              *string         `json:"manager"`
	HomePhones           []string        `json:"homePhones"`
	MobilePhone          *string         `json:"mobilePhone"`
	BusinessPhones       []string        `json:"businessPhones"`
	SpouseName           *string         `json:"spouseName"`
	PersonalNotes        string          `json:"personalNotes"`
	Children             []string        `json:"children"`
	EmailAddresses       []ContactEmail  `json:"emailAddresses"`
	HomeAddress          PhysicalAddress `json:"homeAddress"`
	BusinessAddress      PhysicalAddress `json:"businessAddress"`
	OtherAddress         PhysicalAddress `json:"otherAddress"`
}

// Normalize gives absent collections their empty form.
func (d *Contact) Normalize() {
	for _, p := range []*[]string{&d.Categories, &d.ImAddresses, &d.HomePhones, &d.BusinessPhones, &d.Children} {
		if *p == nil {
			*p = []string{}
		}
	}
	if d.EmailAddresses == nil {
		d.EmailAddresses = []ContactEmail{}
	}
}

// ComputeDisplayName fills displayName from the name parts, as Outlook does
// for a contact created without one.
func (d *Contact) ComputeDisplayName() {
	if strings.TrimSpace(d.DisplayName) != "" {
		return
	}
	var parts []string
	for _, p := range []*string{d.GivenName, d.MiddleName, d.Surname} {
		if p != nil && strings.TrimSpace(*p) != "" {
			parts = append(parts, strings.TrimSpace(*p))
		}
	}
	switch {
	case len(parts) > 0:
		d.DisplayName = strings.Join(parts, " ")
	case d.CompanyName != nil && *d.CompanyName != "":
		d.DisplayName = *d.CompanyName
	case len(d.EmailAddresses) > 0:
		d.DisplayName = d.EmailAddresses[0].Address
	}
}

// ContactFolder is a contact folder's stored document.
type ContactFolder struct {
	ID             string `json:"id"`
	DisplayName    string `json:"displayName"`
	ParentFolderID string `json:"parentFolderId"`
}

// NewContact is an empty contact.
func NewContact(id, folder, now string) Contact {
	d := Contact{ID: id, ParentFolderID: folder, CreatedDateTime: now, LastModifiedDateTime: now}
	d.Normalize()
	return d
}

// ContactsFolder creates a user's default Contacts folder and returns its id.
func (s *Seeder) ContactsFolder(userID string) string {
	id := FolderID(userID, DefaultContactsFolder)
	root := FolderID(userID, MsgFolderRoot)
	s.add(KindContactFolder, id, userID, root, ContactFolder{ID: id, DisplayName: "Contacts", ParentFolderID: root})
	return id
}

// ContactFolder adds a folder to a user's default Contacts folder (which
// ContactsFolder must have created) and returns its id.
func (s *Seeder) ContactFolder(userID, name string) string {
	parent := FolderID(userID, DefaultContactsFolder)
	id := s.itemID("AAMkAGCf")
	s.add(KindContactFolder, id, userID, parent, ContactFolder{ID: id, DisplayName: name, ParentFolderID: parent})
	return id
}

// SeedContact describes a contact.
type SeedContact struct {
	Folder                         string // folder id; "" for the default Contacts folder
	GivenName, Surname, Company    string
	JobTitle, Email, MobilePhone   string
	BusinessPhone, City, Notes     string
	Categories                     []string
	DisplayName, EmailDisplayName  string
	Birthday                       *time.Time
	HomeCity, BusinessStreet, Dept string
}

// Contact adds a contact to a user's contacts and returns its id.
func (s *Seeder) Contact(userID string, sc SeedContact) string {
	folder := sc.Folder
	if folder == "" {
		folder = FolderID(userID, DefaultContactsFolder)
	}
	id := s.itemID("AAMkAGCt")
	d := NewContact(id, folder, StoredTime(s.now))
	opt := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	d.GivenName, d.Surname, d.CompanyName, d.JobTitle, d.MobilePhone, d.Department = opt(sc.GivenName), opt(sc.Surname), opt(sc.Company), opt(sc.JobTitle), opt(sc.MobilePhone), opt(sc.Dept)
	d.DisplayName, d.PersonalNotes = sc.DisplayName, sc.Notes
	if sc.Email != "" {
		name := sc.EmailDisplayName
		if name == "" {
			name = sc.Email
		}
		d.EmailAddresses = []ContactEmail{{Name: name, Address: sc.Email}}
	}
	if sc.BusinessPhone != "" {
		d.BusinessPhones = []string{sc.BusinessPhone}
	}
	if sc.Categories != nil {
		d.Categories = sc.Categories
	}
	d.BusinessAddress = PhysicalAddress{City: sc.City, Street: sc.BusinessStreet}
	d.HomeAddress = PhysicalAddress{City: sc.HomeCity}
	if sc.Birthday != nil {
		b := GraphTime(*sc.Birthday)
		d.Birthday = &b
	}
	d.ComputeDisplayName()
	s.add(KindContact, id, userID, folder, d)
	return id
}
