package model

import (
	"encoding/json"
)

// ScoredEmailAddress is a person's address with its relevance.
type ScoredEmailAddress struct {
	Address             string  `json:"address"`
	RelevanceScore      float64 `json:"relevanceScore"`
	SelectionLikelihood string  `json:"selectionLikelihood"`
}

// PersonPhone is a person's phone.
type PersonPhone struct {
	Type   string `json:"type"`
	Number string `json:"number"`
}

// PersonType is a person's class and subclass.
type PersonType struct {
	Class    string `json:"class"`
	Subclass string `json:"subclass"`
}

// Person is Graph's person.
type Person struct {
	ID                   string               `json:"id"`
	DisplayName          string               `json:"displayName"`
	GivenName            *string              `json:"givenName"`
	Surname              *string              `json:"surname"`
	Birthday             string               `json:"birthday"`
	PersonNotes          string               `json:"personNotes"`
	IsFavorite           bool                 `json:"isFavorite"`
	JobTitle             *string              `json:"jobTitle"`
	CompanyName          *string              `json:"companyName"`
	YomiCompany          string               `json:"yomiCompany"`
	Department           *string              `json:"department"`
	OfficeLocation       *string              `json:"officeLocation"`
	Profession           string               `json:"profession"`
	UserPrincipalName    string               `json:"userPrincipalName"`
	ImAddress            *string              `json:"imAddress"`
	ScoredEmailAddresses []ScoredEmailAddress `json:"scoredEmailAddresses"`
	Phones               []PersonPhone        `json:"phones"`
	PostalAddresses      []json.RawMessage    `json:"postalAddresses"`
	Websites             []json.RawMessage    `json:"websites"`
	PersonType           PersonType           `json:"personType"`
}
