package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
)

// Tenants.

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

// Memberships (store/sqlstore); CreateGroup adds its initial ones here.

// limitArg turns a list method's limit (0 for all) into a LIMIT argument
// (NULL, which PostgreSQL reads as no limit).
func limitArg(limit int) any {
	if limit <= 0 {
		return nil
	}
	return limit
}
