package transfer

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"graphgate/internal/store"
)

// The file format: JSON Lines, UTF-8. The first line is the header; every
// other line is one record, a JSON object whose "kind" says what it is.
// Field names are the format's own (camelCase), independent of Go's, so
// that renaming a store field cannot silently change the format. Times are
// RFC 3339 in UTC and omitted when unset; byte strings (hashes, DER,
// private keys, setting values) are standard base64; an item's document is
// its JSON, with object keys sorted and no insignificant space (PostgreSQL
// normalises documents, so this is what makes exports of one tenant from
// either backend byte-identical).
//
// Records come in a fixed order, each kind sorted by its key: tenant,
// users, groups, administrative units, memberships, apps, service
// principals, delegated grants, app role assignments, settings, signing
// keys, items.

// Format and Version identify the format; a reader refuses other versions.
const (
	Format  = "graphgate-tenant"
	Version = 1
)

// Record kinds, in file order.
const (
	KindHeader             = "header"
	KindTenant             = "tenant"
	KindUser               = "user"
	KindGroup              = "group"
	KindAdministrativeUnit = "administrativeUnit"
	KindMembership         = "membership"
	KindApp                = "app"
	KindServicePrincipal   = "servicePrincipal"
	KindDelegatedGrant     = "delegatedGrant"
	KindAppRoleAssignment  = "appRoleAssignment"
	KindSetting            = "setting"
	KindSigningKey         = "signingKey"
	KindItem               = "item"
)

var recordKinds = []string{KindTenant, KindUser, KindGroup, KindAdministrativeUnit, KindMembership, KindApp,
	KindServicePrincipal, KindDelegatedGrant, KindAppRoleAssignment, KindSetting, KindSigningKey, KindItem}

// Header is the first line of a file.
type Header struct {
	Kind    string `json:"kind"`
	Format  string `json:"format"`
	Version int    `json:"version"`
	// TenantID and Domain name the tenant (the domain is informative).
	TenantID string `json:"tenantId"`
	Domain   string `json:"domain,omitzero"`
	// SigningKeys says whether the file holds the store's signing keys
	// (private keys: keep such a file as secret as the database).
	SigningKeys bool `json:"signingKeys"`
	// Counts are the number of records of each kind, checked on import so
	// that a truncated file is refused.
	Counts map[string]int `json:"counts"`
}

type tenantRec struct {
	Kind        string    `json:"kind"`
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	TenantKind  string    `json:"tenantKind"`
	Domains     []string  `json:"domains"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
}

type userRec struct {
	Kind              string    `json:"kind"`
	TenantID          string    `json:"tenantId"`
	ID                string    `json:"id"`
	UserPrincipalName string    `json:"userPrincipalName"`
	DisplayName       string    `json:"displayName,omitzero"`
	GivenName         string    `json:"givenName,omitzero"`
	Surname           string    `json:"surname,omitzero"`
	Mail              string    `json:"mail,omitzero"`
	JobTitle          string    `json:"jobTitle,omitzero"`
	Department        string    `json:"department,omitzero"`
	OfficeLocation    string    `json:"officeLocation,omitzero"`
	MobilePhone       string    `json:"mobilePhone,omitzero"`
	BusinessPhones    []string  `json:"businessPhones,omitempty"`
	PreferredLanguage string    `json:"preferredLanguage,omitzero"`
	UsageLocation     string    `json:"usageLocation,omitzero"`
	UserKind          string    `json:"userKind"`
	AccountEnabled    bool      `json:"accountEnabled"`
	PasswordHash      string    `json:"passwordHash,omitzero"`
	Roles             []string  `json:"roles,omitempty"`
	ManagerID         string    `json:"managerId,omitzero"`
	CreatedAt         time.Time `json:"createdAt,omitzero"`
	Version           int64     `json:"version"`
}

type groupRec struct {
	Kind            string    `json:"kind"`
	TenantID        string    `json:"tenantId"`
	ID              string    `json:"id"`
	DisplayName     string    `json:"displayName"`
	Description     string    `json:"description,omitzero"`
	MailNickname    string    `json:"mailNickname,omitzero"`
	Mail            string    `json:"mail,omitzero"`
	GroupTypes      []string  `json:"groupTypes,omitempty"`
	MailEnabled     bool      `json:"mailEnabled"`
	SecurityEnabled bool      `json:"securityEnabled"`
	Visibility      string    `json:"visibility,omitzero"`
	CreatedAt       time.Time `json:"createdAt,omitzero"`
	Version         int64     `json:"version"`
}

type auRec struct {
	Kind        string `json:"kind"`
	TenantID    string `json:"tenantId"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Description string `json:"description,omitzero"`
	Visibility  string `json:"visibility,omitzero"`
}

type membershipRec struct {
	Kind          string `json:"kind"`
	TenantID      string `json:"tenantId"`
	ContainerID   string `json:"containerId"`
	ContainerKind string `json:"containerKind"`
	MemberID      string `json:"memberId"`
	Role          string `json:"role"`
}

type redirectRec struct {
	URI  string `json:"uri"`
	Kind string `json:"type"`
}

type secretRec struct {
	ID          string    `json:"keyId"`
	DisplayName string    `json:"displayName,omitzero"`
	Hint        string    `json:"hint,omitzero"`
	Hash        []byte    `json:"hash"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
}

type certRec struct {
	ID          string    `json:"keyId"`
	DisplayName string    `json:"displayName,omitzero"`
	DER         []byte    `json:"der"`
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`
}

type appRec struct {
	Kind           string        `json:"kind"`
	TenantID       string        `json:"tenantId"`
	AppID          string        `json:"appId"`
	ObjectID       string        `json:"objectId"`
	DisplayName    string        `json:"displayName"`
	SignInAudience string        `json:"signInAudience"`
	PublicClient   bool          `json:"publicClient"`
	RedirectURIs   []redirectRec `json:"redirectUris,omitempty"`
	Secrets        []secretRec   `json:"secrets,omitempty"`
	Certificates   []certRec     `json:"certificates,omitempty"`
	RequiredScopes []string      `json:"requiredScopes,omitempty"`
	RequiredRoles  []string      `json:"requiredRoles,omitempty"`
	CreatedAt      time.Time     `json:"createdAt,omitzero"`
	Version        int64         `json:"version"`
}

type spRec struct {
	Kind        string    `json:"kind"`
	TenantID    string    `json:"tenantId"`
	ID          string    `json:"id"`
	AppID       string    `json:"appId"`
	DisplayName string    `json:"displayName"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
}

type grantRec struct {
	Kind        string    `json:"kind"`
	TenantID    string    `json:"tenantId"`
	ID          string    `json:"id"`
	ClientID    string    `json:"clientId"`
	ConsentType string    `json:"consentType"`
	PrincipalID string    `json:"principalId,omitzero"`
	Scopes      []string  `json:"scopes"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt,omitzero"`
}

type assignmentRec struct {
	Kind       string    `json:"kind"`
	TenantID   string    `json:"tenantId"`
	ID         string    `json:"id"`
	ClientID   string    `json:"clientId"`
	Permission string    `json:"permission"`
	CreatedAt  time.Time `json:"createdAt,omitzero"`
}

type settingRec struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Value []byte `json:"value"`
}

type keyRec struct {
	Kind       string    `json:"kind"`
	Generation int64     `json:"generation"`
	KID        string    `json:"kid"`
	PrivateKey []byte    `json:"privateKey"`
	CertDER    []byte    `json:"certificate"`
	ActivateAt time.Time `json:"activateAt,omitzero"`
	RetireAt   time.Time `json:"retireAt,omitzero"`
	CreatedAt  time.Time `json:"createdAt,omitzero"`
}

type itemRec struct {
	Kind       string          `json:"kind"`
	TenantID   string          `json:"tenantId"`
	ItemKind   string          `json:"itemKind"`
	ID         string          `json:"id"`
	OwnerID    string          `json:"ownerId,omitzero"`
	ParentID   string          `json:"parentId,omitzero"`
	Version    int64           `json:"version"`
	CreatedAt  time.Time       `json:"createdAt,omitzero"`
	ModifiedAt time.Time       `json:"modifiedAt,omitzero"`
	Doc        json.RawMessage `json:"doc"`
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// canonicalJSON re-encodes a JSON document with sorted object keys, no
// insignificant space and no HTML escaping; numbers keep their spelling.
func canonicalJSON(doc []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return json.RawMessage("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// sortData puts every list in file order, so that one tenant's files do not
// depend on the backend's ordering.
func sortData(d *store.TenantData) {
	slices.SortFunc(d.Users, func(a, b store.User) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Groups, func(a, b store.Group) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.AdministrativeUnits, func(a, b store.AdministrativeUnit) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(d.Memberships, func(a, b store.Membership) int {
		return cmp.Or(strings.Compare(a.ContainerID, b.ContainerID), strings.Compare(string(a.Role), string(b.Role)),
			strings.Compare(a.MemberID, b.MemberID))
	})
	slices.SortFunc(d.Apps, func(a, b store.App) int { return strings.Compare(a.AppID, b.AppID) })
	slices.SortFunc(d.ServicePrincipals, func(a, b store.ServicePrincipal) int {
		return cmp.Or(strings.Compare(a.AppID, b.AppID), strings.Compare(a.ID, b.ID))
	})
	slices.SortFunc(d.DelegatedGrants, func(a, b store.DelegatedGrant) int {
		return cmp.Or(strings.Compare(a.ClientID, b.ClientID), strings.Compare(string(a.ConsentType), string(b.ConsentType)),
			strings.Compare(a.PrincipalID, b.PrincipalID), strings.Compare(a.ID, b.ID))
	})
	slices.SortFunc(d.AppRoleAssignments, func(a, b store.AppRoleAssignment) int {
		return cmp.Or(strings.Compare(a.ClientID, b.ClientID), strings.Compare(a.Permission, b.Permission))
	})
	slices.SortFunc(d.Settings, func(a, b store.Setting) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(d.SigningKeys, func(a, b store.SigningKey) int { return cmp.Compare(a.Generation, b.Generation) })
	slices.SortFunc(d.Items, func(a, b store.Item) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.ID, b.ID))
	})
}

// Counts returns the number of records of each kind d makes.
func Counts(d *store.TenantData) map[string]int {
	c := map[string]int{
		KindTenant: 1, KindUser: len(d.Users), KindGroup: len(d.Groups), KindAdministrativeUnit: len(d.AdministrativeUnits),
		KindMembership: len(d.Memberships), KindApp: len(d.Apps), KindServicePrincipal: len(d.ServicePrincipals),
		KindDelegatedGrant: len(d.DelegatedGrants), KindAppRoleAssignment: len(d.AppRoleAssignments),
		KindSetting: len(d.Settings), KindSigningKey: len(d.SigningKeys), KindItem: len(d.Items),
	}
	return c
}

// Write writes d as a file (sorting d's lists first). progress, if not nil,
// is called now and then with the number of records written.
func Write(w io.Writer, d *store.TenantData, progress func(written, total int)) error {
	sortData(d)
	counts := Counts(d)
	total := 0
	for _, n := range counts {
		total += n
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	written := 0
	put := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		written++
		if progress != nil && written%5000 == 0 {
			progress(written, total)
		}
		return nil
	}
	domain := ""
	if len(d.Tenant.Domains) > 0 {
		domain = d.Tenant.Domains[0]
	}
	if err := enc.Encode(Header{Kind: KindHeader, Format: Format, Version: Version, TenantID: d.Tenant.ID, Domain: domain,
		SigningKeys: len(d.SigningKeys) > 0, Counts: counts}); err != nil {
		return err
	}
	t := d.Tenant
	if err := put(tenantRec{KindTenant, t.ID, t.DisplayName, string(t.Kind), t.Domains, utc(t.CreatedAt)}); err != nil {
		return err
	}
	for _, u := range d.Users {
		if err := put(userRec{KindUser, u.TenantID, u.ID, u.UserPrincipalName, u.DisplayName, u.GivenName, u.Surname, u.Mail,
			u.JobTitle, u.Department, u.OfficeLocation, u.MobilePhone, u.BusinessPhones, u.PreferredLanguage, u.UsageLocation,
			string(u.Kind), u.AccountEnabled, u.PasswordHash, u.Roles, u.ManagerID, utc(u.CreatedAt), u.Version}); err != nil {
			return err
		}
	}
	for _, g := range d.Groups {
		if err := put(groupRec{KindGroup, g.TenantID, g.ID, g.DisplayName, g.Description, g.MailNickname, g.Mail, g.GroupTypes,
			g.MailEnabled, g.SecurityEnabled, string(g.Visibility), utc(g.CreatedAt), g.Version}); err != nil {
			return err
		}
	}
	for _, a := range d.AdministrativeUnits {
		if err := put(auRec{KindAdministrativeUnit, a.TenantID, a.ID, a.DisplayName, a.Description, a.Visibility}); err != nil {
			return err
		}
	}
	for _, m := range d.Memberships {
		if err := put(membershipRec{KindMembership, m.TenantID, m.ContainerID, string(m.ContainerKind), m.MemberID, string(m.Role)}); err != nil {
			return err
		}
	}
	for _, a := range d.Apps {
		r := appRec{Kind: KindApp, TenantID: a.TenantID, AppID: a.AppID, ObjectID: a.ObjectID, DisplayName: a.DisplayName,
			SignInAudience: string(a.SignInAudience), PublicClient: a.PublicClient, RequiredScopes: a.RequiredScopes,
			RequiredRoles: a.RequiredRoles, CreatedAt: utc(a.CreatedAt), Version: a.Version}
		for _, u := range a.RedirectURIs {
			r.RedirectURIs = append(r.RedirectURIs, redirectRec{u.URI, string(u.Kind)})
		}
		for _, s := range a.Secrets {
			r.Secrets = append(r.Secrets, secretRec{s.ID, s.DisplayName, s.Hint, s.Hash, utc(s.ExpiresAt), utc(s.CreatedAt)})
		}
		for _, c := range a.Certificates {
			r.Certificates = append(r.Certificates, certRec{c.ID, c.DisplayName, c.DER, utc(c.ExpiresAt)})
		}
		if err := put(r); err != nil {
			return err
		}
	}
	for _, p := range d.ServicePrincipals {
		if err := put(spRec{KindServicePrincipal, p.TenantID, p.ID, p.AppID, p.DisplayName, utc(p.CreatedAt)}); err != nil {
			return err
		}
	}
	for _, g := range d.DelegatedGrants {
		scopes := g.Scopes
		if scopes == nil {
			scopes = []string{}
		}
		if err := put(grantRec{KindDelegatedGrant, g.TenantID, g.ID, g.ClientID, string(g.ConsentType), g.PrincipalID, scopes,
			utc(g.CreatedAt), utc(g.UpdatedAt)}); err != nil {
			return err
		}
	}
	for _, a := range d.AppRoleAssignments {
		if err := put(assignmentRec{KindAppRoleAssignment, a.TenantID, a.ID, a.ClientID, a.Permission, utc(a.CreatedAt)}); err != nil {
			return err
		}
	}
	for _, s := range d.Settings {
		v := s.Value
		if v == nil {
			v = []byte{}
		}
		if err := put(settingRec{KindSetting, s.Name, v}); err != nil {
			return err
		}
	}
	for _, k := range d.SigningKeys {
		if err := put(keyRec{KindSigningKey, k.Generation, k.KID, k.PrivateKey, k.CertDER, utc(k.ActivateAt), utc(k.RetireAt), utc(k.CreatedAt)}); err != nil {
			return err
		}
	}
	for _, it := range d.Items {
		doc, err := canonicalJSON(it.Doc)
		if err != nil {
			return fmt.Errorf("%s %s: document: %w", it.Kind, it.ID, err)
		}
		if err := put(itemRec{KindItem, it.TenantID, it.Kind, it.ID, it.OwnerID, it.ParentID, it.Version,
			utc(it.CreatedAt), utc(it.ModifiedAt), doc}); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Read reads a file into tenant data, checking the header, that every
// record belongs to the header's tenant, and the counts. progress, if not
// nil, is called now and then with the number of records read.
func Read(r io.Reader, progress func(read, total int)) (Header, store.TenantData, error) {
	var h Header
	var d store.TenantData
	br := bufio.NewReaderSize(r, 256<<10)
	line := 0
	next := func() ([]byte, error) {
		for {
			b, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(b)) > 0 {
				line++
				return b, nil
			}
			if err != nil {
				return nil, err
			}
			line++
		}
	}
	b, err := next()
	if errors.Is(err, io.EOF) {
		return h, d, bad("the file is empty")
	}
	if err != nil {
		return h, d, err
	}
	if err := json.Unmarshal(b, &h); err != nil || h.Kind != KindHeader || h.Format != Format {
		return h, d, bad("line 1: the first line must be a %q header", Format)
	}
	if h.Version != Version {
		return h, d, bad("line 1: format version %d; this graphgate reads version %d", h.Version, Version)
	}
	total := 0
	for _, n := range h.Counts {
		total += n
	}
	counts := map[string]int{}
	order := 0
	for {
		b, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return h, d, err
		}
		var k struct {
			Kind     string `json:"kind"`
			TenantID string `json:"tenantId"`
		}
		if err := json.Unmarshal(b, &k); err != nil {
			return h, d, bad("line %d: %w", line, err)
		}
		pos := slices.Index(recordKinds, k.Kind)
		if pos < 0 {
			return h, d, bad("line %d: unknown record kind %q", line, k.Kind)
		}
		if pos < order {
			return h, d, bad("line %d: a %s record after %s records", line, k.Kind, recordKinds[order])
		}
		order = pos
		if k.TenantID != "" && k.TenantID != h.TenantID {
			return h, d, bad("line %d: a %s of tenant %s in the file of tenant %s", line, k.Kind, k.TenantID, h.TenantID)
		}
		if err := decodeRecord(k.Kind, b, &d); err != nil {
			return h, d, bad("line %d: %s: %w", line, k.Kind, err)
		}
		counts[k.Kind]++
		if progress != nil && line%5000 == 0 {
			progress(line-1, total)
		}
	}
	if counts[KindTenant] != 1 {
		return h, d, bad("the file has %d tenant records, want 1", counts[KindTenant])
	}
	if d.Tenant.ID != h.TenantID {
		return h, d, bad("the tenant record is %s, the header names %s", d.Tenant.ID, h.TenantID)
	}
	for _, kind := range recordKinds {
		if counts[kind] != h.Counts[kind] {
			return h, d, bad("the file has %d %s records, its header says %d (a truncated or edited file?)", counts[kind], kind, h.Counts[kind])
		}
	}
	return h, d, nil
}

// ErrBadFile is wrapped by every error about a file's content (as opposed
// to reading it).
var ErrBadFile = errors.New("not a valid graphgate export")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %w", ErrBadFile, fmt.Errorf(format, a...))
}

func decodeRecord(kind string, b []byte, d *store.TenantData) error {
	dec := func(v any) error {
		dc := json.NewDecoder(bytes.NewReader(b))
		dc.DisallowUnknownFields()
		return dc.Decode(v)
	}
	switch kind {
	case KindTenant:
		var r tenantRec
		if err := dec(&r); err != nil {
			return err
		}
		d.Tenant = store.Tenant{ID: r.ID, DisplayName: r.DisplayName, Kind: store.TenantKind(r.TenantKind), Domains: r.Domains, CreatedAt: r.CreatedAt}
	case KindUser:
		var r userRec
		if err := dec(&r); err != nil {
			return err
		}
		d.Users = append(d.Users, store.User{ID: r.ID, TenantID: r.TenantID, UserPrincipalName: r.UserPrincipalName, DisplayName: r.DisplayName,
			GivenName: r.GivenName, Surname: r.Surname, Mail: r.Mail, JobTitle: r.JobTitle, Department: r.Department,
			OfficeLocation: r.OfficeLocation, MobilePhone: r.MobilePhone, BusinessPhones: r.BusinessPhones,
			PreferredLanguage: r.PreferredLanguage, UsageLocation: r.UsageLocation, Kind: store.UserKind(r.UserKind),
			AccountEnabled: r.AccountEnabled, PasswordHash: r.PasswordHash, Roles: r.Roles, ManagerID: r.ManagerID,
			CreatedAt: r.CreatedAt, Version: r.Version})
	case KindGroup:
		var r groupRec
		if err := dec(&r); err != nil {
			return err
		}
		d.Groups = append(d.Groups, store.Group{ID: r.ID, TenantID: r.TenantID, DisplayName: r.DisplayName, Description: r.Description,
			MailNickname: r.MailNickname, Mail: r.Mail, GroupTypes: r.GroupTypes, MailEnabled: r.MailEnabled,
			SecurityEnabled: r.SecurityEnabled, Visibility: store.GroupVisibility(r.Visibility), CreatedAt: r.CreatedAt, Version: r.Version})
	case KindAdministrativeUnit:
		var r auRec
		if err := dec(&r); err != nil {
			return err
		}
		d.AdministrativeUnits = append(d.AdministrativeUnits, store.AdministrativeUnit{ID: r.ID, TenantID: r.TenantID,
			DisplayName: r.DisplayName, Description: r.Description, Visibility: r.Visibility})
	case KindMembership:
		var r membershipRec
		if err := dec(&r); err != nil {
			return err
		}
		d.Memberships = append(d.Memberships, store.Membership{TenantID: r.TenantID, ContainerID: r.ContainerID,
			ContainerKind: store.ContainerKind(r.ContainerKind), MemberID: r.MemberID, Role: store.MemberRole(r.Role)})
	case KindApp:
		var r appRec
		if err := dec(&r); err != nil {
			return err
		}
		a := store.App{AppID: r.AppID, ObjectID: r.ObjectID, TenantID: r.TenantID, DisplayName: r.DisplayName,
			SignInAudience: store.SignInAudience(r.SignInAudience), PublicClient: r.PublicClient, RequiredScopes: r.RequiredScopes,
			RequiredRoles: r.RequiredRoles, CreatedAt: r.CreatedAt, Version: r.Version}
		for _, u := range r.RedirectURIs {
			a.RedirectURIs = append(a.RedirectURIs, store.RedirectURI{URI: u.URI, Kind: store.RedirectKind(u.Kind)})
		}
		for _, s := range r.Secrets {
			a.Secrets = append(a.Secrets, store.ClientSecret{ID: s.ID, DisplayName: s.DisplayName, Hint: s.Hint, Hash: s.Hash,
				ExpiresAt: s.ExpiresAt, CreatedAt: s.CreatedAt})
		}
		for _, c := range r.Certificates {
			a.Certificates = append(a.Certificates, store.Certificate{ID: c.ID, DisplayName: c.DisplayName, DER: c.DER, ExpiresAt: c.ExpiresAt})
		}
		d.Apps = append(d.Apps, a)
	case KindServicePrincipal:
		var r spRec
		if err := dec(&r); err != nil {
			return err
		}
		d.ServicePrincipals = append(d.ServicePrincipals, store.ServicePrincipal{ID: r.ID, TenantID: r.TenantID, AppID: r.AppID,
			DisplayName: r.DisplayName, CreatedAt: r.CreatedAt})
	case KindDelegatedGrant:
		var r grantRec
		if err := dec(&r); err != nil {
			return err
		}
		d.DelegatedGrants = append(d.DelegatedGrants, store.DelegatedGrant{ID: r.ID, TenantID: r.TenantID, ClientID: r.ClientID,
			ConsentType: store.ConsentType(r.ConsentType), PrincipalID: r.PrincipalID, Scopes: r.Scopes, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt})
	case KindAppRoleAssignment:
		var r assignmentRec
		if err := dec(&r); err != nil {
			return err
		}
		d.AppRoleAssignments = append(d.AppRoleAssignments, store.AppRoleAssignment{ID: r.ID, TenantID: r.TenantID, ClientID: r.ClientID,
			Permission: r.Permission, CreatedAt: r.CreatedAt})
	case KindSetting:
		var r settingRec
		if err := dec(&r); err != nil {
			return err
		}
		d.Settings = append(d.Settings, store.Setting{Name: r.Name, Value: r.Value})
	case KindSigningKey:
		var r keyRec
		if err := dec(&r); err != nil {
			return err
		}
		d.SigningKeys = append(d.SigningKeys, store.SigningKey{Generation: r.Generation, KID: r.KID, PrivateKey: r.PrivateKey,
			CertDER: r.CertDER, ActivateAt: r.ActivateAt, RetireAt: r.RetireAt, CreatedAt: r.CreatedAt})
	case KindItem:
		var r itemRec
		if err := dec(&r); err != nil {
			return err
		}
		if !json.Valid(r.Doc) {
			return errors.New("the document is not JSON")
		}
		d.Items = append(d.Items, store.Item{TenantID: r.TenantID, Kind: r.ItemKind, ID: r.ID, OwnerID: r.OwnerID, ParentID: r.ParentID,
			Doc: r.Doc, Version: r.Version, CreatedAt: r.CreatedAt, ModifiedAt: r.ModifiedAt})
	}
	return nil
}
