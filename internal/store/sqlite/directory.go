package sqlite

import (
	"context"
	"slices"

	"graphgate/internal/store"
)

// Tenants, users and groups are store/sqlstore's. What stays here: the
// user cache in front of the shared GetUser (see Store.users), and the
// user and group columns the directory queries (dirquery.go) scan.

// selectUser lists the users table's columns but upn_key.
const selectUser = `SELECT tenant_id, id, upn, display_name, given_name, surname, mail,
	job_title, department, office_location, mobile_phone, business_phones,
	preferred_language, usage_location, kind, account_enabled, password_hash,
	roles, manager_id, created_at, version FROM users `

func scanUser(sc scanner) (store.User, error) {
	var u store.User
	err := sc.Scan(&u.TenantID, &u.ID, &u.UserPrincipalName, &u.DisplayName, &u.GivenName, &u.Surname, &u.Mail,
		&u.JobTitle, &u.Department, &u.OfficeLocation, &u.MobilePhone, strs(&u.BusinessPhones),
		&u.PreferredLanguage, &u.UsageLocation, (*string)(&u.Kind), &u.AccountEnabled, &u.PasswordHash,
		strs(&u.Roles), &u.ManagerID, ts(&u.CreatedAt), &u.Version)
	return u, err
}

// GetUser answers from the user cache while nothing has been committed
// since the cached copy was read (see Store.users), and otherwise reads
// through the shared SQL (store/sqlstore); the stamp is taken before the
// read, so a commit racing the read invalidates its result.
func (s *Store) GetUser(ctx context.Context, tenantID, id string) (store.User, error) {
	stamp, fresh := s.watch.stamp()
	k := userKey{tenantID, id}
	if fresh {
		if c, ok := s.users.GetIfPresent(k); ok && c.stamp == stamp {
			s.userHits.Add(1)
			return cloneUser(c.user), nil
		}
	}
	u, err := s.Store.GetUser(ctx, tenantID, id)
	if err == nil && fresh {
		s.users.Set(k, cachedUser{stamp: stamp, user: cloneUser(u)})
	}
	return u, err
}

// cloneUser copies the slices too: callers may change what they get.
func cloneUser(u store.User) store.User {
	u.BusinessPhones = slices.Clone(u.BusinessPhones)
	u.Roles = slices.Clone(u.Roles)
	return u
}

// Groups.

const selectGroup = `SELECT tenant_id, id, display_name, description, mail_nickname, mail, group_types,
	mail_enabled, security_enabled, visibility, created_at, version FROM groups `

func scanGroup(sc scanner) (store.Group, error) {
	var g store.Group
	err := sc.Scan(&g.TenantID, &g.ID, &g.DisplayName, &g.Description, &g.MailNickname, &g.Mail, strs(&g.GroupTypes),
		&g.MailEnabled, &g.SecurityEnabled, (*string)(&g.Visibility), ts(&g.CreatedAt), &g.Version)
	return g, err
}
