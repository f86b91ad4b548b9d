package sqlite

import (
	"context"
	"database/sql"
	"slices"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// Tenants.

func (s *Store) CreateTenant(ctx context.Context, t store.Tenant) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, display_name, kind, created_at) VALUES (?, ?, ?, ?)`,
			t.ID, t.DisplayName, string(t.Kind), millis(t.CreatedAt))
		if err != nil {
			return conflict(err, "tenant %s", t.ID)
		}
		return putDomains(ctx, tx, t)
	})
}

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

func (s *Store) GetTenant(ctx context.Context, id string) (store.Tenant, error) {
	var t store.Tenant
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		t, err = getTenant(ctx, tx, id)
		return err
	})
	return t, err
}

func (s *Store) TenantByDomain(ctx context.Context, domain string) (store.Tenant, error) {
	var t store.Tenant
	err := s.read(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT tenant_id FROM tenant_domains WHERE domain_key = ?`, key(domain)).Scan(&id)
		if err != nil {
			return notFound(err, "tenant with domain %s", domain)
		}
		t, err = getTenant(ctx, tx, id)
		return err
	})
	return t, err
}

func (s *Store) ListTenants(ctx context.Context) ([]store.Tenant, error) {
	var ts []store.Tenant
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		ts, err = queryAll(ctx, tx, scanTenant, `SELECT id, display_name, kind, created_at FROM tenants ORDER BY id`)
		if err != nil {
			return err
		}
		for i := range ts {
			if ts[i].Domains, err = tenantDomains(ctx, tx, ts[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return ts, err
}

func (s *Store) UpdateTenant(ctx context.Context, id string, f func(store.Tenant) (store.Tenant, error)) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := getTenant(ctx, tx, id)
		if err != nil {
			return err
		}
		t, err := f(old)
		if err != nil {
			return err
		}
		t.ID = old.ID
		if _, err := tx.ExecContext(ctx, `UPDATE tenants SET display_name = ?, kind = ?, created_at = ? WHERE id = ?`,
			t.DisplayName, string(t.Kind), millis(t.CreatedAt), t.ID); err != nil {
			return err
		}
		return putDomains(ctx, tx, t)
	})
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
	updateUser = updateSQL("users", userColumns, "tenant_id = ? AND id = ?")
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

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertUser, userArgs(u)...)
		return conflict(err, "user %s (%s)", u.ID, u.UserPrincipalName)
	})
}

// GetUser answers from the user cache while nothing has been committed
// since the cached copy was read (see Store.users); the stamp is taken
// before the read, so a commit racing the read invalidates its result.
func (s *Store) GetUser(ctx context.Context, tenantID, id string) (store.User, error) {
	stamp, fresh := s.watch.stamp()
	k := userKey{tenantID, id}
	if fresh {
		if c, ok := s.users.Get(k); ok && c.stamp == stamp {
			s.userHits.Add(1)
			return cloneUser(c.user), nil
		}
	}
	var u store.User
	err := s.readRow(ctx, selectUser+`WHERE tenant_id = ? AND id = ?`, func(r *sql.Row) (err error) {
		u, err = scanUser(r)
		return notFound(err, "user %s in tenant %s", id, tenantID)
	}, tenantID, id)
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

func getUser(ctx context.Context, tx *sql.Tx, tenantID, id string) (store.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, selectUser+`WHERE tenant_id = ? AND id = ?`, tenantID, id))
	return u, notFound(err, "user %s in tenant %s", id, tenantID)
}

func (s *Store) UserByUPN(ctx context.Context, upn string) (store.User, error) {
	var u store.User
	err := s.readRow(ctx, selectUser+`WHERE upn_key = ?`, func(r *sql.Row) (err error) {
		u, err = scanUser(r)
		return notFound(err, "user %s", upn)
	}, key(upn))
	return u, err
}

func (s *Store) ListUsers(ctx context.Context, tenantID, after string, limit int) ([]store.User, error) {
	var us []store.User
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		us, err = queryAll(ctx, tx, scanUser, selectUser+`WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`,
			tenantID, after, limitArg(limit))
		return err
	})
	return us, err
}

func (s *Store) UpdateUser(ctx context.Context, tenantID, id string, f func(store.User) (store.User, error)) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := getUser(ctx, tx, tenantID, id)
		if err != nil {
			return err
		}
		u, err := f(old)
		if err != nil {
			return err
		}
		u.TenantID, u.ID, u.Version = old.TenantID, old.ID, old.Version+1
		_, err = tx.ExecContext(ctx, updateUser, append(userArgs(u), tenantID, id)...)
		return conflict(err, "user principal name %s", u.UserPrincipalName)
	})
}

func (s *Store) DeleteUser(ctx context.Context, tenantID, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err := mustAffect(res, err, "user %s in tenant %s", id, tenantID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM memberships WHERE tenant_id = ? AND member_id = ?`, tenantID, id)
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
	updateGroup = updateSQL("groups", groupColumns, "tenant_id = ? AND id = ?")
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

func (s *Store) CreateGroup(ctx context.Context, g store.Group, initial ...store.Membership) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, insertGroup, groupArgs(g)...); err != nil {
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
	var g store.Group
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		g, err = getGroup(ctx, tx, tenantID, id)
		return err
	})
	return g, err
}

func getGroup(ctx context.Context, tx *sql.Tx, tenantID, id string) (store.Group, error) {
	g, err := scanGroup(tx.QueryRowContext(ctx, selectGroup+`WHERE tenant_id = ? AND id = ?`, tenantID, id))
	return g, notFound(err, "group %s in tenant %s", id, tenantID)
}

func (s *Store) ListGroups(ctx context.Context, tenantID, after string, limit int) ([]store.Group, error) {
	var gs []store.Group
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		gs, err = queryAll(ctx, tx, scanGroup, selectGroup+`WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`,
			tenantID, after, limitArg(limit))
		return err
	})
	return gs, err
}

func (s *Store) UpdateGroup(ctx context.Context, tenantID, id string, f func(store.Group) (store.Group, error)) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := getGroup(ctx, tx, tenantID, id)
		if err != nil {
			return err
		}
		g, err := f(old)
		if err != nil {
			return err
		}
		g.TenantID, g.ID, g.Version = old.TenantID, old.ID, old.Version+1
		_, err = tx.ExecContext(ctx, updateGroup, append(groupArgs(g), tenantID, id)...)
		return err
	})
}

// DeleteGroup removes the group and the memberships it is in or holds.
func (s *Store) DeleteGroup(ctx context.Context, tenantID, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err := mustAffect(res, err, "group %s in tenant %s", id, tenantID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM memberships WHERE tenant_id = ? AND (member_id = ? OR container_id = ?)`,
			tenantID, id, id)
		return err
	})
}

// Memberships (store/sqlstore); CreateGroup adds its initial ones here.

func addMember(ctx context.Context, tx *sql.Tx, m store.Membership) error {
	_, err := tx.ExecContext(ctx, sqlstore.InsertMembership, m.TenantID, m.ContainerID, string(m.Role), m.MemberID, string(m.ContainerKind))
	return conflict(err, "%s %s of %s", m.Role, m.MemberID, m.ContainerID)
}
