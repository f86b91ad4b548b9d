package roles

import (
	"fmt"
	"math/bits"
	"strings"
)

// Role is a built-in directory role.
type Role uint8

// The roles the permissions reference and graphgate's rules mention.
const (
	GlobalAdministrator Role = iota
	PrivilegedRoleAdministrator
	UserAdministrator
	GroupsAdministrator
	ExchangeAdministrator
	SecurityAdministrator
	SecurityReader
	SecurityOperator
	GlobalReader
	HelpdeskAdministrator
	DirectoryReaders
	ApplicationAdministrator
	CloudApplicationAdministrator
	numRoles
)

type info struct {
	name       string
	templateID string
	short      []string
}

var table = [numRoles]info{
	GlobalAdministrator:         {"Global Administrator", "62e90394-69f5-4237-9190-012177145e10", []string{"global-admin", "ga", "company-administrator"}},
	PrivilegedRoleAdministrator: {"Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814", []string{"privileged-role-admin"}},
	UserAdministrator:           {"User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1", []string{"user-admin"}},
	GroupsAdministrator:         {"Groups Administrator", "fdd7a751-b60b-444a-984c-02652fe8fa1c", []string{"groups-admin"}},
	ExchangeAdministrator:       {"Exchange Administrator", "29232cdf-9323-42fd-ade2-1d097af3e4de", []string{"exchange-admin"}},
	SecurityAdministrator:       {"Security Administrator", "194ae4cb-b126-40b2-bd5b-6091b380977d", []string{"security-admin"}},
	SecurityReader:              {"Security Reader", "5d6b6bb7-de71-4623-b4af-96380a352509", []string{"security-reader"}},
	SecurityOperator:            {"Security Operator", "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", []string{"security-operator"}},
	GlobalReader:                {"Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451", []string{"global-reader"}},
	HelpdeskAdministrator:       {"Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8", []string{"helpdesk-admin"}},
	DirectoryReaders:            {"Directory Readers", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b", []string{"directory-readers"}},
	ApplicationAdministrator:    {"Application Administrator", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", []string{"app-admin", "application-admin"}},
	CloudApplicationAdministrator: {"Cloud Application Administrator", "158c047a-c907-4556-b7ef-446551a6b5f7",
		[]string{"cloud-app-admin", "cloud-application-admin"}},
}

// All lists every role.
func All() []Role {
	out := make([]Role, numRoles)
	for i := range out {
		out[i] = Role(i)
	}
	return out
}

// String is the role's display name, e.g. "Global Administrator".
func (r Role) String() string {
	if r < numRoles {
		return table[r].name
	}
	return fmt.Sprintf("Role(%d)", r)
}

// TemplateID is the role's built-in template id, as in a token's wids claim.
func (r Role) TemplateID() string { return table[r].templateID }

// Parse reads a role by display name ("Global Administrator"), kebab-case
// short form ("global-admin"), name without spaces, or template id.
func Parse(s string) (Role, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for i, in := range table {
		if k == strings.ToLower(in.name) || k == strings.ReplaceAll(strings.ToLower(in.name), " ", "") ||
			k == strings.ReplaceAll(strings.ToLower(in.name), " ", "-") || k == in.templateID {
			return Role(i), nil
		}
		for _, sh := range in.short {
			if k == sh {
				return Role(i), nil
			}
		}
	}
	names := make([]string, 0, numRoles)
	for _, in := range table {
		names = append(names, strings.ReplaceAll(strings.ToLower(in.name), " ", "-"))
	}
	return 0, fmt.Errorf("unknown directory role %q (known: %s)", s, strings.Join(names, ", "))
}

// Set is a set of roles.
type Set uint32

// Of builds a set.
func Of(rs ...Role) Set {
	var s Set
	for _, r := range rs {
		s |= 1 << r
	}
	return s
}

// Has reports whether r is in the set.
func (s Set) Has(r Role) bool { return s&(1<<r) != 0 }

// Add returns the set with r.
func (s Set) Add(r Role) Set { return s | 1<<r }

// Intersects reports whether the sets share a role.
func (s Set) Intersects(o Set) bool { return s&o != 0 }

// Empty reports whether the set has no role.
func (s Set) Empty() bool { return s == 0 }

// Roles lists the set's roles in a stable order.
func (s Set) Roles() []Role {
	out := make([]Role, 0, bits.OnesCount32(uint32(s)))
	for r := Role(0); r < numRoles; r++ {
		if s.Has(r) {
			out = append(out, r)
		}
	}
	return out
}

// String lists the role names, comma-separated.
func (s Set) String() string {
	var names []string
	for _, r := range s.Roles() {
		names = append(names, r.String())
	}
	return strings.Join(names, ", ")
}

// ParseList reads a comma-separated list of roles.
func ParseList(s string) (Set, error) {
	var set Set
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		r, err := Parse(f)
		if err != nil {
			return 0, err
		}
		set = set.Add(r)
	}
	return set, nil
}
