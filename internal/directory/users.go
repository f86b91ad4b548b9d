package directory

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"graphgate/internal/password"
	"graphgate/internal/roles"
	"graphgate/internal/store"
)

// NewUser is a user to create. User carries the tenant, the user principal
// name, the kind and the profile; the service sets the rest (an ID unless
// one is given, CreatedAt, Version, PasswordHash).
type NewUser struct {
	store.User
	// Password is the user's password in clear, checked against Entra's
	// password policy and stored hashed. A shared mailbox has none.
	Password string
}

// CreateUser creates a user and returns it as stored.
//
// In an organisation the user principal name must end in a verified domain
// (ErrDomainNotVerified). A guest (Kind guest) is given by their own
// address, kim@fabrikam.com, which must not be in the tenant's domains: the
// user principal name becomes kim_fabrikam.com#EXT#@<default domain> and
// the address the guest's mail; a name that has #EXT# already is taken as
// it is. In the personal-accounts tenant every user is a personal account,
// with any address. A shared mailbox has no password and cannot sign in;
// everyone else needs a password that meets CheckPassword. Directory roles
// (template ids or names) are for members and guests of an organisation. A
// user principal name that is taken is ErrExists.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (store.User, error) {
	u := nu.User
	if u.Kind == "" {
		u.Kind = store.UserMember
	}
	switch u.Kind {
	case store.UserMember, store.UserGuest, store.UserPersonal, store.UserSharedMailbox:
	default:
		return u, invalid("kind", "a user is a member, guest, sharedMailbox or personal account, not %q", u.Kind)
	}
	t, err := s.tenant(ctx, u.TenantID)
	if err != nil {
		return u, err
	}
	if t.Kind == store.TenantPersonal {
		u.Kind = store.UserPersonal
	} else if u.Kind == store.UserPersonal {
		return u, invalid("kind", "personal Microsoft accounts live in the personal-accounts tenant, not in %s", t.DisplayName)
	}
	if u.Kind == store.UserGuest {
		if u.UserPrincipalName, u.Mail, err = guestNames(t, u.UserPrincipalName, u.Mail); err != nil {
			return u, err
		}
	}
	if t.Kind == store.TenantWork {
		at := strings.LastIndexByte(u.UserPrincipalName, '@')
		if at < 0 || !verifiedDomain(t, u.UserPrincipalName[at+1:]) {
			return u, ErrDomainNotVerified
		}
	}
	if len(u.Roles) > 0 {
		if u.Kind != store.UserMember && u.Kind != store.UserGuest {
			return u, invalid("roles", "directory roles are for people who sign in to the organisation, not for a shared mailbox or a personal account")
		}
		if u.Roles, err = roleIDs(u.Roles); err != nil {
			return u, err
		}
	}
	u.PasswordHash = ""
	if u.Kind == store.UserSharedMailbox {
		if nu.Password != "" {
			return u, invalid("password", "a shared mailbox has no password (no one signs in to it)")
		}
		u.AccountEnabled = false
	} else {
		if err := CheckPassword(nu.Password); err != nil {
			return u, err
		}
		if u.PasswordHash, err = password.Hash(nu.Password, s.pw); err != nil {
			return u, err
		}
	}
	if u.ID == "" {
		u.ID = s.newID()
	}
	u.CreatedAt, u.Version = s.now(), 1
	if err := s.st.CreateUser(ctx, u); err != nil {
		return u, classify(err)
	}
	return u, nil
}

// ProvisionUser creates a member of an organisation that has no password
// (it cannot sign in with one), as bulk provisioning creates them: the
// scale generator's 100,000 users, where hashing a password each would
// take longer than the rest of the tenant. The rules of CreateUser that
// do not concern the password hold: a member of an organisation, a user
// principal name in a verified domain (ErrDomainNotVerified), no
// directory roles; a name that is taken is ErrExists. The id and creation
// time are u's when set.
func (s *Service) ProvisionUser(ctx context.Context, u store.User) error {
	if u.Kind == "" {
		u.Kind = store.UserMember
	}
	if u.Kind != store.UserMember {
		return invalid("kind", "provisioned users are members, not %q", u.Kind)
	}
	if len(u.Roles) > 0 {
		return invalid("roles", "provisioned users hold no directory roles; assign them with graphgate user roles")
	}
	t, err := s.tenant(ctx, u.TenantID)
	if err != nil {
		return err
	}
	if t.Kind != store.TenantWork {
		return invalid("tenantId", "provisioned users belong to an organisation, not to %s", t.DisplayName)
	}
	at := strings.LastIndexByte(u.UserPrincipalName, '@')
	if at < 0 || !verifiedDomain(t, u.UserPrincipalName[at+1:]) {
		return ErrDomainNotVerified
	}
	u.PasswordHash = ""
	if u.ID == "" {
		u.ID = s.newID()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now()
	}
	u.Version = 1
	return classify(s.st.CreateUser(ctx, u))
}

// guestNames derives a guest's user principal name and mail from the
// guest's own address: kim@fabrikam.com becomes
// kim_fabrikam.com#EXT#@<the tenant's default domain>. A name with #EXT#
// is kept, and its mail derived from it when mail is empty.
func guestNames(t store.Tenant, upn, mail string) (string, string, error) {
	if t.Kind != store.TenantWork {
		return upn, mail, invalid("kind", "guests are invited to an organisation, not to %s", t.DisplayName)
	}
	if i := strings.Index(strings.ToUpper(upn), "#EXT#@"); i >= 0 {
		if mail == "" {
			mail = upn
			if local := upn[:i]; strings.LastIndex(local, "_") > 0 {
				j := strings.LastIndex(local, "_")
				mail = local[:j] + "@" + local[j+1:]
			}
		}
		return upn, mail, nil
	}
	at := strings.LastIndexByte(upn, '@')
	if at <= 0 {
		return upn, mail, invalid("userPrincipalName", "%q is not an address (want name@domain)", upn)
	}
	local, domain := upn[:at], upn[at+1:]
	for _, d := range t.Domains {
		if strings.EqualFold(d, domain) {
			return upn, mail, invalid("userPrincipalName",
				"%s is in the tenant's own domain %s: give the guest's external address (e.g. kim@fabrikam.com)", upn, d)
		}
	}
	if mail == "" {
		mail = upn
	}
	return local + "_" + domain + "#EXT#@" + t.Domains[0], mail, nil
}

// roleIDs turns role names or template ids into template ids.
func roleIDs(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		r, err := roles.Parse(n)
		if err != nil {
			return nil, &ValidationError{Field: "roles", Reason: fmt.Sprintf("unknown directory role %q", n), Values: []string{n}}
		}
		out = append(out, r.TemplateID())
	}
	return out, nil
}

// Entra's characters for the local part of a user principal name.
var upnLocalRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9'._!#^~-]{1,64}$`) })

var domainLabelRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`) })

// CheckDomain validates a DNS domain name and returns it in lower case.
func CheckDomain(d string) (string, error) {
	d = strings.ToLower(strings.TrimSpace(d))
	labels := strings.Split(d, ".")
	bad := invalid("domain", "%q is not a domain name (want e.g. fabrikam.onmicrosoft.com)", d)
	if len(d) > 253 || len(labels) < 2 {
		return "", bad
	}
	for _, l := range labels {
		if !domainLabelRe().MatchString(l) {
			return "", bad
		}
	}
	return d, nil
}

// CheckUPN validates the form of a user principal name, local@domain, with
// the characters Entra allows before the @ (letters, digits and ' . - _ !
// # ^ ~, at most 64, no leading, trailing or double dot), and returns it
// with the domain in lower case, and the domain. CreateUser does not apply
// it: POST /users has always taken any name whose domain is verified.
func CheckUPN(upn string) (clean, domain string, err error) {
	upn = strings.TrimSpace(upn)
	i := strings.LastIndex(upn, "@")
	if i <= 0 {
		return "", "", invalid("userPrincipalName", "%q is not a user principal name (want name@domain)", upn)
	}
	local, d := upn[:i], upn[i+1:]
	if !upnLocalRe().MatchString(local) || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", "", invalid("userPrincipalName",
			"%q is not a valid user principal name: the part before @ takes letters, digits and ' . - _ ! # ^ ~ (at most 64)", upn)
	}
	if d, err = CheckDomain(d); err != nil {
		return "", "", invalid("userPrincipalName", "%q is not a valid user principal name: %q is not a domain", upn, upn[i+1:])
	}
	return local + "@" + d, d, nil
}

// CheckPassword applies Entra's password policy for cloud accounts: 8 to
// 256 characters, with three of lower case letters, upper case letters,
// digits and symbols. Its error is a *ValidationError of the field
// password.
func CheckPassword(pw string) error {
	if n := len([]rune(pw)); n < 8 || n > 256 {
		return invalid("password", "the password must have 8 to 256 characters")
	}
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = 1
		case r >= 'A' && r <= 'Z':
			upper = 1
		case r >= '0' && r <= '9':
			digit = 1
		default:
			other = 1
		}
	}
	if lower+upper+digit+other < 3 {
		return invalid("password", "the password must contain three of: lower case letters, upper case letters, digits, symbols")
	}
	return nil
}

// UserChanges are the profile properties UpdateUser sets; nil leaves a
// property as it is.
type UserChanges struct {
	DisplayName, GivenName, Surname, JobTitle, Department, OfficeLocation *string
	MobilePhone, PreferredLanguage, UsageLocation, Mail                   *string
	BusinessPhones                                                        *[]string
	AccountEnabled                                                        *bool
	// UserType, when set, changes the user between member and guest with
	// SetUserType's rules, in the same update as the profile (Apply leaves
	// it out: a new user's kind is NewUser's).
	UserType *store.UserKind
}

// Apply sets the changed properties on u.
func (c UserChanges) Apply(u *store.User) {
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&u.DisplayName, c.DisplayName}, {&u.GivenName, c.GivenName}, {&u.Surname, c.Surname}, {&u.JobTitle, c.JobTitle},
		{&u.Department, c.Department}, {&u.OfficeLocation, c.OfficeLocation}, {&u.MobilePhone, c.MobilePhone},
		{&u.PreferredLanguage, c.PreferredLanguage}, {&u.UsageLocation, c.UsageLocation}, {&u.Mail, c.Mail}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if c.BusinessPhones != nil {
		u.BusinessPhones = *c.BusinessPhones
	}
	if c.AccountEnabled != nil {
		u.AccountEnabled = *c.AccountEnabled
	}
}

// UpdateUser changes a user's profile (whether the account is enabled,
// and with c.UserType its kind) in one update and returns the user as
// stored. A refused type (SetUserType's errors) changes nothing.
func (s *Service) UpdateUser(ctx context.Context, tenantID, id string, c UserChanges) (store.User, error) {
	if c.UserType != nil {
		if err := checkUserType(*c.UserType); err != nil {
			return store.User{}, err
		}
	}
	var out store.User
	err := s.st.UpdateUser(ctx, tenantID, id, func(u store.User) (store.User, error) {
		if c.UserType != nil {
			if _, err := setKind(&u, *c.UserType); err != nil {
				return u, err
			}
		}
		c.Apply(&u)
		out = u
		out.Version++
		return u, nil
	})
	return out, classify(err)
}

// SetPassword sets a user's password (checked against CheckPassword) and,
// as a password reset does in Entra, revokes the user's refresh tokens; it
// returns how many it revoked. A shared mailbox cannot have a password.
func (s *Service) SetPassword(ctx context.Context, tenantID, id, pw string) (int, error) {
	u, err := s.st.GetUser(ctx, tenantID, id)
	if err != nil {
		return 0, classify(err)
	}
	if u.Kind == store.UserSharedMailbox {
		return 0, invalid("password", "%s is a shared mailbox: no one signs in to it", u.UserPrincipalName)
	}
	if err := CheckPassword(pw); err != nil {
		return 0, err
	}
	hash, err := password.Hash(pw, s.pw)
	if err != nil {
		return 0, err
	}
	if err := s.st.UpdateUser(ctx, tenantID, id, func(x store.User) (store.User, error) {
		x.PasswordHash = hash
		return x, nil
	}); err != nil {
		return 0, classify(err)
	}
	return s.st.RevokeUserTokens(ctx, tenantID, id, "", s.now())
}

// RoleChange is what SetRoles did.
type RoleChange struct {
	// User is the user as stored afterwards.
	User store.User
	// AlreadyHad are the roles to add the user had, by display name.
	AlreadyHad []string
}

// SetRoles adds and removes a user's directory roles in one update.
// Removing a role the user does not have is a *RoleNotHeldError and
// changes nothing; adding one they have is reported in AlreadyHad. Roles
// are for members and guests of an organisation.
func (s *Service) SetRoles(ctx context.Context, tenantID, id string, add, remove []roles.Role) (RoleChange, error) {
	for _, a := range add {
		for _, r := range remove {
			if a == r {
				return RoleChange{}, invalid("roles", "%s is both added and removed", a)
			}
		}
	}
	var out RoleChange
	err := s.st.UpdateUser(ctx, tenantID, id, func(x store.User) (store.User, error) {
		if len(add) > 0 && x.Kind != store.UserMember && x.Kind != store.UserGuest {
			return x, invalid("roles", "%s is a %s: directory roles are for people who sign in to the organisation", x.UserPrincipalName, x.Kind)
		}
		for _, r := range remove {
			if !hasFold(x.Roles, r.TemplateID()) {
				return x, &RoleNotHeldError{Role: r.String(), Held: RoleNames(x.Roles)}
			}
		}
		var keep []string
		for _, id := range x.Roles {
			drop := false
			for _, r := range remove {
				drop = drop || strings.EqualFold(id, r.TemplateID())
			}
			if !drop {
				keep = append(keep, id)
			}
		}
		out.AlreadyHad = nil
		for _, r := range add {
			if hasFold(keep, r.TemplateID()) {
				out.AlreadyHad = append(out.AlreadyHad, r.String())
				continue
			}
			keep = append(keep, r.TemplateID())
		}
		x.Roles = keep
		return x, nil
	})
	if err != nil {
		return out, classify(err)
	}
	out.User, err = s.st.GetUser(ctx, tenantID, id)
	return out, classify(err)
}

// RoleNames gives display names for role template ids (an unknown id is
// kept as it is).
func RoleNames(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if r, err := roles.Parse(id); err == nil {
			out = append(out, r.String())
		} else {
			out = append(out, id)
		}
	}
	return out
}

// DeleteUserOptions say what goes with a deleted user besides the user
// object and their memberships.
type DeleteUserOptions struct {
	// RevokeTokens revokes the user's refresh tokens.
	RevokeTokens bool
	// RemoveConsent deletes the user's own (Principal) consent grants. It
	// reads every grant of the tenant: the admin command uses it; Graph's
	// DELETE /users/{id} does not (Entra keeps a deleted user's grants
	// until the object is purged, and a request must not walk the tenant).
	RemoveConsent bool
}

// UserDeletion is what DeleteUser removed besides the user.
type UserDeletion struct {
	TokensRevoked int
	GrantsDeleted int
}

// DeleteUser deletes a user and their memberships, and with o their
// refresh tokens and own consent grants (those first, so that a failure
// leaves the user to delete again). A user that does not exist is
// ErrNotFound.
func (s *Service) DeleteUser(ctx context.Context, tenantID, id string, o DeleteUserOptions) (UserDeletion, error) {
	var d UserDeletion
	if o.RevokeTokens {
		n, err := s.st.RevokeUserTokens(ctx, tenantID, id, "", s.now())
		if err != nil {
			return d, err
		}
		d.TokensRevoked = n
	}
	if o.RemoveConsent {
		gs, err := s.st.ListDelegatedGrants(ctx, tenantID)
		if err != nil {
			return d, err
		}
		for _, g := range gs {
			if g.ConsentType == store.ConsentPrincipal && g.PrincipalID == id {
				if err := s.st.DeleteDelegatedGrant(ctx, tenantID, g.ID); err != nil && !isNotFound(err) {
					return d, err
				}
				d.GrantsDeleted++
			}
		}
	}
	return d, classify(s.st.DeleteUser(ctx, tenantID, id))
}

// hasFold reports whether names holds n, ignoring case.
func hasFold(names []string, n string) bool {
	for _, x := range names {
		if strings.EqualFold(x, n) {
			return true
		}
	}
	return false
}

// UserTypeChange is what SetUserType did.
type UserTypeChange struct {
	// User is the user as stored afterwards.
	User store.User
	// Changed is false when the user already was of the kind asked for
	// (nothing was written).
	Changed bool
}

// SetUserType changes a user of an organisation between member and guest
// (Graph's userType Member and Guest) and returns the user as stored.
//
// Entra keeps everything else: the user principal name (a guest's
// kim_fabrikam.com#EXT#@… stays as it is after the change to Member, and a
// member's stays in the tenant's domain after the change to Guest —
// renaming is a separate PATCH of userPrincipalName, and the beta action
// convertExternalToInternalMemberUser is the one that renames), the mail,
// the password, the directory roles (guests may hold roles) and the
// memberships. What the kind decides is read where it matters: a guest
// has the restricted directory view (package authz: no listing of users
// and groups, no public groups' content) and does not administer the
// console. Existing tokens are not revoked: they carry the kind they
// were issued with until they expire, as Entra's do; tokens issued after
// the change carry the new one.
//
// kind must be store.UserMember or store.UserGuest (*ValidationError of
// the field userType otherwise); a shared mailbox or a personal account
// cannot change kind (*ValidationError of the field userType); a user that
// does not exist is ErrNotFound. Setting the kind the user has already
// changes nothing and reports Changed false.
func (s *Service) SetUserType(ctx context.Context, tenantID, id string, kind store.UserKind) (UserTypeChange, error) {
	if err := checkUserType(kind); err != nil {
		return UserTypeChange{}, err
	}
	var out UserTypeChange
	err := s.st.UpdateUser(ctx, tenantID, id, func(u store.User) (store.User, error) {
		out = UserTypeChange{User: u}
		changed, err := setKind(&u, kind)
		if err != nil {
			return u, err
		}
		if !changed {
			return u, errUnchanged
		}
		out = UserTypeChange{User: u, Changed: true}
		out.User.Version++ // the store's increment
		return u, nil
	})
	if errors.Is(err, errUnchanged) {
		return out, nil
	}
	if err != nil {
		return UserTypeChange{}, classify(err)
	}
	return out, nil
}

// checkUserType refuses a kind other than member and guest.
func checkUserType(kind store.UserKind) error {
	if kind != store.UserMember && kind != store.UserGuest {
		return invalid("userType", "a user's type is Member or Guest, not %q", kind)
	}
	return nil
}

// setKind sets a member's or guest's kind and reports whether it changed.
func setKind(u *store.User, kind store.UserKind) (bool, error) {
	switch u.Kind {
	case store.UserMember, store.UserGuest:
	default:
		return false, invalid("userType", "%s is a %s account: only members and guests of an organisation change type", u.UserPrincipalName, u.Kind)
	}
	changed := u.Kind != kind
	u.Kind = kind
	return changed, nil
}

// errUnchanged ends an update closure that has nothing to write.
var errUnchanged = errors.New("directory: unchanged")
