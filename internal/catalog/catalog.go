package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"graphgate/internal/permname"
)

// Scheme is how a permission is used: delegated for a work or school
// account, delegated for a personal Microsoft account, or application
// (app-only, no signed-in user).
type Scheme uint8

// The three schemes of Microsoft's data.
const (
	DelegatedWork Scheme = iota
	DelegatedPersonal
	Application
	NumSchemes
)

var schemeNames = [NumSchemes]string{"DelegatedWork", "DelegatedPersonal", "Application"}

// String returns Microsoft's name of the scheme.
func (s Scheme) String() string {
	if s < NumSchemes {
		return schemeNames[s]
	}
	return fmt.Sprintf("Scheme(%d)", s)
}

// Delegated reports whether s is one of the delegated schemes.
func (s Scheme) Delegated() bool { return s == DelegatedWork || s == DelegatedPersonal }

// Schemes lists the schemes in their canonical order.
func Schemes() []Scheme { return []Scheme{DelegatedWork, DelegatedPersonal, Application} }

// ParseScheme accepts Microsoft's names and the short forms people type:
// work, personal, app/application, delegated (= DelegatedWork).
func ParseScheme(s string) (Scheme, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "delegatedwork", "work", "delegated", "delegated-work":
		return DelegatedWork, nil
	case "delegatedpersonal", "personal", "delegated-personal", "msa":
		return DelegatedPersonal, nil
	case "application", "app", "app-only", "apponly":
		return Application, nil
	}
	return 0, fmt.Errorf("unknown scheme %q (want DelegatedWork, DelegatedPersonal or Application; work, personal or app for short)", s)
}

// Kind says what family a permission belongs to.
type Kind uint8

const (
	// Graph is an ordinary Microsoft Graph OAuth2 permission.
	Graph Kind = iota
	// OpenID is one of openid, profile, email, offline_access: sign-in and
	// refresh-token scopes that grant no Graph access by themselves.
	OpenID
	// RSC is a resource-specific consent permission (Teams, chats), granted
	// per team or chat rather than tenant-wide.
	RSC
)

func (k Kind) String() string {
	switch k {
	case OpenID:
		return "openid"
	case RSC:
		return "rsc"
	}
	return "graph"
}

// SchemeInfo describes a permission in one scheme.
type SchemeInfo struct {
	ID                   string `json:"id,omitempty"`
	AdminDisplayName     string `json:"adminDisplayName,omitempty"`
	AdminDescription     string `json:"adminDescription,omitempty"`
	UserDisplayName      string `json:"userDisplayName,omitempty"`
	UserDescription      string `json:"userDescription,omitempty"`
	RequiresAdminConsent bool   `json:"requiresAdminConsent"`
	// PrivilegeLevel runs from 1 (least) to 5 (most); 0 means unknown.
	PrivilegeLevel int  `json:"privilegeLevel,omitempty"`
	Hidden         bool `json:"hidden,omitempty"`
	Disabled       bool `json:"disabled,omitempty"`
}

// DisplayName is the string a consent screen shows: the user-facing one when
// there is one, else the administrator's.
func (s *SchemeInfo) DisplayName() string {
	if s.UserDisplayName != "" {
		return s.UserDisplayName
	}
	return s.AdminDisplayName
}

// Permission is one catalog entry.
type Permission struct {
	// Index is the permission's dense position in the catalog, the bit it
	// occupies in a Set.
	Index int
	Name  string
	Parts permname.Name
	Kind  Kind
	// AuthorizationType as in Microsoft's data: oAuth2 or RSC ("" when the
	// permission appears only in the provisioning or descriptions files).
	AuthorizationType string
	// Sources lists the files the permission appears in: permissions,
	// provisioning, descriptions, and "overlay" for what the overlay added.
	Sources []string
	// Schemes describes the permission per scheme (nil where it does not
	// exist). The descriptions are shared and must not be changed.
	Schemes [NumSchemes]*SchemeInfo

	Preview    bool
	Deprecated bool
	// GrantsNothing marks permissions that exist and can be consented to but
	// allow no call (Notes.ReadWrite.CreatedByApp).
	GrantsNothing bool
	// Aliases are other names the seed reference uses for this permission.
	Aliases []string
	// Decisions are the overlay entries that concern this permission.
	Decisions []*Decision
}

// In reports whether the permission exists in scheme s (and is enabled).
func (p *Permission) In(s Scheme) bool {
	return s < NumSchemes && p.Schemes[s] != nil && !p.Schemes[s].Disabled
}

// Delegated reports whether the permission exists as a delegated permission.
func (p *Permission) Delegated() bool { return p.In(DelegatedWork) || p.In(DelegatedPersonal) }

// ValidForPersonal reports whether a personal Microsoft account can be
// granted the permission.
func (p *Permission) ValidForPersonal() bool { return p.In(DelegatedPersonal) }

// RequiresAdminConsent reports whether only an administrator may consent to
// the permission in scheme s. Application permissions always do.
func (p *Permission) RequiresAdminConsent(s Scheme) bool {
	if s == Application {
		return true
	}
	if si := p.Schemes[s]; si != nil {
		return si.RequiresAdminConsent
	}
	if si := p.Schemes[DelegatedWork]; si != nil {
		return si.RequiresAdminConsent
	}
	return true
}

// Hidden reports whether the permission is hidden in every scheme it has:
// Microsoft provisions it but does not offer it in the portal.
func (p *Permission) Hidden() bool {
	any := false
	for _, s := range p.Schemes {
		if s == nil {
			continue
		}
		any = true
		if !s.Hidden {
			return false
		}
	}
	return any
}

// PrivilegeLevel is the level in scheme s, or the highest known level over
// all schemes when s has none.
func (p *Permission) PrivilegeLevel(s Scheme) int {
	if si := p.Schemes[s]; si != nil && si.PrivilegeLevel > 0 {
		return si.PrivilegeLevel
	}
	max := 0
	for _, si := range p.Schemes {
		if si != nil && si.PrivilegeLevel > max {
			max = si.PrivilegeLevel
		}
	}
	return max
}

// Catalog is the loaded, immutable permission catalog.
type Catalog struct {
	perms     []*Permission
	byName    map[string]*Permission // lower-cased name → permission
	byExact   map[string]*Permission // name as Microsoft spells it → permission
	aliases   map[string]*Permission // lower-cased alias → permission
	decisions []*Decision
	sha256    map[string]string
}

// MaxPermissions bounds the catalog so that a Set is a fixed-size value.
const MaxPermissions = 2048

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the catalog built from the generated data and the
// overlay (overlay.yaml, which gendata writes as Go too, overlay_gen.go, so
// that no process decodes YAML to build it). It panics if they are inconsistent, which the package's
// tests rule out.
func Default() *Catalog {
	defaultOnce.Do(func() {
		defaultCat, defaultErr = load(generatedPermissions[:], generatedSHA256, generatedOverlay())
	})
	if defaultErr != nil {
		panic("catalog: generated data: " + defaultErr.Error())
	}
	return defaultCat
}

// genPermission is one record of the generated catalog (permissions_gen.go,
// written by internal/gendata): static data the compiler lays out, so that
// loading the catalog decodes nothing.
type genPermission struct {
	name, authorizationType string
	sources                 []string
	schemes                 [NumSchemes]*SchemeInfo
	// preview is set when a scheme's display name says "(preview)"
	// (gendata decides it, so that loading reads no display name).
	preview bool
}

// Load builds a catalog from the generated data and an overlay document
// (overlay.yaml's form).
func Load(overlay []byte) (*Catalog, error) {
	decisions, err := decodeOverlay(overlay)
	if err != nil {
		return nil, err
	}
	return load(generatedPermissions[:], generatedSHA256, decisions)
}

// load links the generated records into a catalog. The scheme descriptions
// are the generated ones, shared by every catalog loaded in the process and
// never changed: the overlay replaces one it changes with a copy.
func load(gen []genPermission, sha map[string]string, overlay []*Decision) (*Catalog, error) {
	c := &Catalog{byName: make(map[string]*Permission, len(gen)), byExact: make(map[string]*Permission, len(gen)),
		aliases: map[string]*Permission{}, sha256: sha, perms: make([]*Permission, 0, len(gen))}
	permSlab := make([]Permission, len(gen))
	for i := range gen {
		g := &gen[i]
		parts, err := permname.Parse(g.name)
		if err != nil {
			return nil, err
		}
		p := &permSlab[i]
		*p = Permission{Name: g.name, Parts: parts, AuthorizationType: g.authorizationType, Sources: g.sources}
		if strings.EqualFold(g.authorizationType, "RSC") {
			p.Kind = RSC
		}
		p.Schemes = g.schemes
		p.Preview = g.preview
		if err := c.add(p); err != nil {
			return nil, err
		}
	}
	if err := c.applyOverlay(overlay); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Catalog) add(p *Permission) error {
	key := strings.ToLower(p.Name)
	if _, dup := c.byName[key]; dup {
		return fmt.Errorf("permission %s listed twice", p.Name)
	}
	if len(c.perms) == MaxPermissions {
		return fmt.Errorf("more than %d permissions: raise catalog.MaxPermissions", MaxPermissions)
	}
	p.Index = len(c.perms)
	c.perms = append(c.perms, p)
	c.byName[key] = p
	c.byExact[p.Name] = p
	return nil
}

// Len is the number of permissions.
func (c *Catalog) Len() int { return len(c.perms) }

// All returns the permissions sorted by name. The slice must not be modified.
func (c *Catalog) All() []*Permission { return c.perms }

// ByIndex returns the permission with the given Index.
func (c *Catalog) ByIndex(i int) *Permission { return c.perms[i] }

// SourceHashes returns the SHA-256 of the Microsoft files the data came from.
func (c *Catalog) SourceHashes() map[string]string { return c.sha256 }

// Lookup finds a permission by its exact name, ignoring case, as a token
// service must: aliases are not accepted.
func (c *Catalog) Lookup(name string) (*Permission, bool) {
	if p, ok := c.byExact[name]; ok {
		// Spelled as Microsoft does (as tokens carry them): no lower-cased
		// copy on every request.
		return p, ok
	}
	p, ok := c.byName[strings.ToLower(name)]
	return p, ok
}

// ErrUnknown is wrapped by Resolve's error for names that are not permissions.
var ErrUnknown = errors.New("unknown permission")

// UnknownError is Resolve's error: the name and the closest real names.
type UnknownError struct {
	Name        string
	Suggestions []string
}

func (e *UnknownError) Error() string {
	if len(e.Suggestions) == 0 {
		return fmt.Sprintf("unknown permission %q", e.Name)
	}
	return fmt.Sprintf("unknown permission %q; did you mean %s?", e.Name, strings.Join(e.Suggestions, ", "))
}

func (e *UnknownError) Unwrap() error { return ErrUnknown }

// Resolve finds a permission by name or by an alias of the seed reference
// (DeviceManagementServiceConfiguration.Read.All), for people and reports.
// A miss returns an *UnknownError with "did you mean" suggestions.
func (c *Catalog) Resolve(name string) (*Permission, error) {
	name = strings.TrimSpace(name)
	if p, ok := c.Lookup(name); ok {
		return p, nil
	}
	if p, ok := c.aliases[strings.ToLower(name)]; ok {
		return p, nil
	}
	return nil, &UnknownError{Name: name, Suggestions: c.Suggest(name, 3)}
}

// Suggest returns up to n permission names closest to name: same-resource
// names and small edit distances first.
func (c *Catalog) Suggest(name string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	lname := strings.ToLower(name)
	parts, _ := permname.Parse(name)
	var best []scored
	for _, p := range c.perms {
		if p.Hidden() {
			continue
		}
		ln := strings.ToLower(p.Name)
		d := editDistance(lname, ln)
		if parts.Resource != "" && strings.EqualFold(parts.Resource, p.Parts.Resource) {
			d -= 2
		}
		if strings.HasPrefix(ln, lname) {
			d -= 2
		}
		limit := len(lname)/3 + 2
		if d > limit {
			continue
		}
		best = append(best, scored{p.Name, d})
	}
	sort.Slice(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return best[i].name < best[j].name
	})
	var out []string
	for i := 0; i < len(best) && i < n; i++ {
		out = append(out, best[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance. Permission names are short
// (< 80 bytes), so the two-row dynamic programme is cheap; no library is
// needed for fifteen lines.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
