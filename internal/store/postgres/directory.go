package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// Tenants.

func (s *Store) CreateTenant(ctx context.Context, t store.Tenant) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO tenants (id, display_name, kind, created_at) VALUES ($1, $2, $3, $4)`,
			t.ID, t.DisplayName, string(t.Kind), tstz(t.CreatedAt))
		if err != nil {
			return conflict(err, "tenant %s", t.ID)
		}
		return putDomains(ctx, tx, t)
	})
}

// putDomains replaces a tenant's domains. A domain of another tenant
// violates tenant_domains' primary key: ErrConflict, and the caller's
// transaction rolls back.
func putDomains(ctx context.Context, tx pgx.Tx, t store.Tenant) error {
	if _, err := tx.Exec(ctx, `DELETE FROM tenant_domains WHERE tenant_id = $1`, t.ID); err != nil {
		return err
	}
	if len(t.Domains) == 0 {
		return nil
	}
	keys := make([]string, len(t.Domains))
	for i, d := range t.Domains {
		keys[i] = key(d)
	}
	_, err := tx.Exec(ctx, `INSERT INTO tenant_domains (domain_key, domain, tenant_id, position)
		SELECT k, d, $3, n - 1 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x (k, d, n)`,
		keys, t.Domains, t.ID)
	return conflict(err, "domain of tenant %s", t.ID)
}

const selectTenant = `SELECT id, display_name, kind, created_at,
	coalesce((SELECT array_agg(domain ORDER BY position) FROM tenant_domains d WHERE d.tenant_id = t.id), '{}')
	FROM tenants t `

func scanTenant(sc scanner) (store.Tenant, error) {
	var t store.Tenant
	err := sc.Scan(&t.ID, &t.DisplayName, (*string)(&t.Kind), ts(&t.CreatedAt), &t.Domains)
	if len(t.Domains) == 0 {
		t.Domains = nil
	}
	return t, err
}

func getTenant(ctx context.Context, q querier, id string, lock bool) (store.Tenant, error) {
	sql := selectTenant + `WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE OF t`
	}
	t, err := scanTenant(q.QueryRow(ctx, sql, id))
	return t, notFound(err, "tenant %s", id)
}

func (s *Store) GetTenant(ctx context.Context, id string) (store.Tenant, error) {
	return getTenant(ctx, s.pool, id, false)
}

func (s *Store) TenantByDomain(ctx context.Context, domain string) (store.Tenant, error) {
	t, err := scanTenant(s.pool.QueryRow(ctx, selectTenant+
		`WHERE id = (SELECT tenant_id FROM tenant_domains WHERE domain_key = $1)`, key(domain)))
	return t, notFound(err, "tenant with domain %s", domain)
}

func (s *Store) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	return queryAll(ctx, s.pool, scanTenant, selectTenant+`ORDER BY id`)
}

func (s *Store) UpdateTenant(ctx context.Context, id string, f func(store.Tenant) (store.Tenant, error)) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		old, err := getTenant(ctx, tx, id, true)
		if err != nil {
			return err
		}
		t, err := f(old)
		if err != nil {
			return err
		}
		t.ID = old.ID
		if _, err := tx.Exec(ctx, `UPDATE tenants SET display_name = $1, kind = $2, created_at = $3 WHERE id = $4`,
			t.DisplayName, string(t.Kind), tstz(t.CreatedAt), t.ID); err != nil {
			return err
		}
		return putDomains(ctx, tx, t)
	})
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
	updateUser = updateSQL("users", userColumns, "tenant_id", "id")
)

func userArgs(u store.User) []any {
	return []any{
		u.TenantID, u.ID, u.UserPrincipalName, key(u.UserPrincipalName), u.DisplayName, u.GivenName, u.Surname, u.Mail,
		u.JobTitle, u.Department, u.OfficeLocation, u.MobilePhone, list(u.BusinessPhones),
		u.PreferredLanguage, u.UsageLocation, string(u.Kind), u.AccountEnabled, u.PasswordHash,
		list(u.Roles), u.ManagerID, tstz(u.CreatedAt), u.Version,
	}
}

// userFields lists userColumns without upn_key, in scanUser's order.
const userFields = `tenant_id, id, upn, display_name, given_name, surname, mail,
	job_title, department, office_location, mobile_phone, business_phones,
	preferred_language, usage_location, kind, account_enabled, password_hash,
	roles, manager_id, created_at, version`

const selectUser = `SELECT ` + userFields + ` FROM users `

func scanUser(sc scanner) (store.User, error) {
	var u store.User
	err := sc.Scan(&u.TenantID, &u.ID, &u.UserPrincipalName, &u.DisplayName, &u.GivenName, &u.Surname, &u.Mail,
		&u.JobTitle, &u.Department, &u.OfficeLocation, &u.MobilePhone, strs(&u.BusinessPhones),
		&u.PreferredLanguage, &u.UsageLocation, (*string)(&u.Kind), &u.AccountEnabled, &u.PasswordHash,
		strs(&u.Roles), &u.ManagerID, ts(&u.CreatedAt), &u.Version)
	return u, err
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.pool.Exec(ctx, insertUser, userArgs(u)...)
	return conflict(err, "user %s (%s)", u.ID, u.UserPrincipalName)
}

func (s *Store) GetUser(ctx context.Context, tenantID, id string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, selectUser+`WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	return u, notFound(err, "user %s in tenant %s", id, tenantID)
}

func (s *Store) UserByUPN(ctx context.Context, upn string) (store.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, selectUser+`WHERE upn_key = $1`, key(upn)))
	return u, notFound(err, "user %s", upn)
}

func (s *Store) ListUsers(ctx context.Context, tenantID, after string, limit int) ([]store.User, error) {
	return queryAll(ctx, s.pool, scanUser, selectUser+`WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		tenantID, after, limitArg(limit))
}

func (s *Store) UpdateUser(ctx context.Context, tenantID, id string, f func(store.User) (store.User, error)) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		old, err := scanUser(tx.QueryRow(ctx, selectUser+`WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, id))
		if err != nil {
			return notFound(err, "user %s in tenant %s", id, tenantID)
		}
		u, err := f(old)
		if err != nil {
			return err
		}
		u.TenantID, u.ID, u.Version = old.TenantID, old.ID, old.Version+1
		_, err = tx.Exec(ctx, updateUser, append(userArgs(u), tenantID, id)...)
		return conflict(err, "user principal name %s", u.UserPrincipalName)
	})
}

func (s *Store) DeleteUser(ctx context.Context, tenantID, id string) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err := mustAffect(tag, err, "user %s in tenant %s", id, tenantID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM memberships WHERE tenant_id = $1 AND member_id = $2`, tenantID, id)
		return err
	})
}

// Groups.

var groupColumns = []string{
	"tenant_id", "id", "display_name", "description", "mail_nickname", "mail", "group_types",
	"mail_enabled", "security_enabled", "visibility", "created_at", "version",
}

var (
	insertGroup = insertSQL("groups", groupColumns)
	updateGroup = updateSQL("groups", groupColumns, "tenant_id", "id")
)

func groupArgs(g store.Group) []any {
	return []any{
		g.TenantID, g.ID, g.DisplayName, g.Description, g.MailNickname, g.Mail, list(g.GroupTypes),
		g.MailEnabled, g.SecurityEnabled, string(g.Visibility), tstz(g.CreatedAt), g.Version,
	}
}

const groupFields = `tenant_id, id, display_name, description, mail_nickname, mail, group_types,
	mail_enabled, security_enabled, visibility, created_at, version`

const selectGroup = `SELECT ` + groupFields + ` FROM groups `

func scanGroup(sc scanner) (store.Group, error) {
	var g store.Group
	err := sc.Scan(&g.TenantID, &g.ID, &g.DisplayName, &g.Description, &g.MailNickname, &g.Mail, strs(&g.GroupTypes),
		&g.MailEnabled, &g.SecurityEnabled, (*string)(&g.Visibility), ts(&g.CreatedAt), &g.Version)
	return g, err
}

func (s *Store) CreateGroup(ctx context.Context, g store.Group, initial ...store.Membership) error {
	if len(initial) == 0 {
		_, err := s.pool.Exec(ctx, insertGroup, groupArgs(g)...)
		return conflict(err, "group %s", g.ID)
	}
	return s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertGroup, groupArgs(g)...); err != nil {
			return conflict(err, "group %s", g.ID)
		}
		for _, m := range initial {
			m.TenantID, m.ContainerID, m.ContainerKind = g.TenantID, g.ID, store.ContainerGroup
			if err := addMember(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) GetGroup(ctx context.Context, tenantID, id string) (store.Group, error) {
	g, err := scanGroup(s.pool.QueryRow(ctx, selectGroup+`WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	return g, notFound(err, "group %s in tenant %s", id, tenantID)
}

func (s *Store) ListGroups(ctx context.Context, tenantID, after string, limit int) ([]store.Group, error) {
	return queryAll(ctx, s.pool, scanGroup, selectGroup+`WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		tenantID, after, limitArg(limit))
}

func (s *Store) UpdateGroup(ctx context.Context, tenantID, id string, f func(store.Group) (store.Group, error)) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		old, err := scanGroup(tx.QueryRow(ctx, selectGroup+`WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, id))
		if err != nil {
			return notFound(err, "group %s in tenant %s", id, tenantID)
		}
		g, err := f(old)
		if err != nil {
			return err
		}
		g.TenantID, g.ID, g.Version = old.TenantID, old.ID, old.Version+1
		_, err = tx.Exec(ctx, updateGroup, append(groupArgs(g), tenantID, id)...)
		return err
	})
}

// DeleteGroup removes the group and the memberships it is in or holds.
func (s *Store) DeleteGroup(ctx context.Context, tenantID, id string) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM groups WHERE tenant_id = $1 AND id = $2`, tenantID, id)
		if err := mustAffect(tag, err, "group %s in tenant %s", id, tenantID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM memberships WHERE tenant_id = $1 AND (member_id = $2 OR container_id = $2)`,
			tenantID, id)
		return err
	})
}

// Memberships (store/sqlstore); CreateGroup adds its initial ones here.

func addMember(ctx context.Context, q querier, m store.Membership) error {
	_, err := q.Exec(ctx, flavor.Rebind(sqlstore.InsertMembership), m.TenantID, m.ContainerID, string(m.Role), m.MemberID, string(m.ContainerKind))
	return conflict(err, "%s %s of %s", m.Role, m.MemberID, m.ContainerID)
}

// limitArg turns a list method's limit (0 for all) into a LIMIT argument
// (NULL, which PostgreSQL reads as no limit).
func limitArg(limit int) any {
	if limit <= 0 {
		return nil
	}
	return limit
}
