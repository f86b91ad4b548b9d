package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"graphgate/internal/store"
)

// Tenants.

// putDomains replaces a tenant's domains.
func putDomains(ctx context.Context, tx *sql.Tx, t store.Tenant) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM tenant_domains WHERE tenant_id = ?`, t.ID); err != nil {
		return err
	}
	for i, d := range t.Domains {
		_, err := tx.ExecContext(ctx, `INSERT INTO tenant_domains (domain_key, domain, tenant_id, position) VALUES (?, ?, ?, ?)`,
			key(d), d, t.ID, i)
		if err != nil {
			return conflict(err, "domain %s", d)
		}
	}
	return nil
}

func getTenant(ctx context.Context, tx *sql.Tx, id string) (store.Tenant, error) {
	row := tx.QueryRowContext(ctx, `SELECT id, display_name, kind, created_at FROM tenants WHERE id = ?`, id)
	t, err := scanTenant(row)
	if err != nil {
		return t, notFound(err, "tenant %s", id)
	}
	t.Domains, err = tenantDomains(ctx, tx, id)
	return t, err
}

func scanTenant(sc scanner) (store.Tenant, error) {
	var t store.Tenant
	err := sc.Scan(&t.ID, &t.DisplayName, (*string)(&t.Kind), ts(&t.CreatedAt))
	return t, err
}

func tenantDomains(ctx context.Context, tx *sql.Tx, tenantID string) ([]string, error) {
	return queryAll(ctx, tx, func(sc scanner) (d string, err error) { return d, sc.Scan(&d) },
		`SELECT domain FROM tenant_domains WHERE tenant_id = ? ORDER BY position`, tenantID)
}

// Users.

var userColumns = []string{
	"tenant_id", "id", "upn", "upn_key", "display_name", "given_name", "surname", "mail",
	"job_title", "department", "office_location", "mobile_phone", "business_phones",
	"preferred_language", "usage_location", "kind", "account_enabled", "password_hash",
	"roles", "manager_id", "created_at", "version",
}

var (
	insertUser = insertSQL("users", userColumns)
)

func userArgs(u store.User) []any {
	return []any{
		u.TenantID, u.ID, u.UserPrincipalName, key(u.UserPrincipalName), u.DisplayName, u.GivenName, u.Surname, u.Mail,
		u.JobTitle, u.Department, u.OfficeLocation, u.MobilePhone, list(u.BusinessPhones),
		u.PreferredLanguage, u.UsageLocation, string(u.Kind), u.AccountEnabled, u.PasswordHash,
		list(u.Roles), u.ManagerID, millis(u.CreatedAt), u.Version,
	}
}

// selectUser lists userColumns without upn_key.
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
		if c, ok := s.users.Get(k); ok && c.stamp == stamp {
			s.userHits.Add(1)
			return cloneUser(c.user), nil
		}
	}
	u, err := s.Store.GetUser(ctx, tenantID, id)
	if err == nil && fresh {
		s.users.Add(k, cachedUser{stamp: stamp, user: cloneUser(u)})
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

var groupColumns = []string{
	"tenant_id", "id", "display_name", "description", "mail_nickname", "mail", "group_types",
	"mail_enabled", "security_enabled", "visibility", "created_at", "version",
}

var (
	insertGroup = insertSQL("groups", groupColumns)
)

func groupArgs(g store.Group) []any {
	return []any{
		g.TenantID, g.ID, g.DisplayName, g.Description, g.MailNickname, g.Mail, list(g.GroupTypes),
		g.MailEnabled, g.SecurityEnabled, string(g.Visibility), millis(g.CreatedAt), g.Version,
	}
}

const selectGroup = `SELECT tenant_id, id, display_name, description, mail_nickname, mail, group_types,
	mail_enabled, security_enabled, visibility, created_at, version FROM groups `

func scanGroup(sc scanner) (store.Group, error) {
	var g store.Group
	err := sc.Scan(&g.TenantID, &g.ID, &g.DisplayName, &g.Description, &g.MailNickname, &g.Mail, strs(&g.GroupTypes),
		&g.MailEnabled, &g.SecurityEnabled, (*string)(&g.Visibility), ts(&g.CreatedAt), &g.Version)
	return g, err
}

// Memberships (store/sqlstore); CreateGroup adds its initial ones here.
