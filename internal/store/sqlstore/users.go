package sqlstore

import (
	"context"

	"graphgate/internal/store"
)

// Users. (SQLite's backend keeps a read cache in front of GetUser; the
// SQL is this.)

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

func (s *Store) userArgs(u store.User) []any {
	return []any{
		u.TenantID, u.ID, u.UserPrincipalName, Key(u.UserPrincipalName), u.DisplayName, u.GivenName, u.Surname, u.Mail,
		u.JobTitle, u.Department, u.OfficeLocation, u.MobilePhone, list(u.BusinessPhones),
		u.PreferredLanguage, u.UsageLocation, string(u.Kind), u.AccountEnabled, u.PasswordHash,
		list(u.Roles), u.ManagerID, s.f.Time(u.CreatedAt), u.Version,
	}
}

// userReadColumns are the columns ScanUser reads, in its order (userColumns
// without upn_key); SelectUser and the directory queries (dirquery.go) read
// them.
const userReadColumns = `tenant_id, id, upn, display_name, given_name, surname, mail,
	job_title, department, office_location, mobile_phone, business_phones,
	preferred_language, usage_location, kind, account_enabled, password_hash,
	roles, manager_id, created_at, version`

// SelectUser and ScanUser read users.
const SelectUser = `SELECT ` + userReadColumns + ` FROM users `

func ScanUser(sc scanner) (store.User, error) {
	var u store.User
	err := sc.Scan(&u.TenantID, &u.ID, &u.UserPrincipalName, &u.DisplayName, &u.GivenName, &u.Surname, &u.Mail,
		&u.JobTitle, &u.Department, &u.OfficeLocation, &u.MobilePhone, strs(&u.BusinessPhones),
		&u.PreferredLanguage, &u.UsageLocation, (*string)(&u.Kind), &u.AccountEnabled, &u.PasswordHash,
		strs(&u.Roles), &u.ManagerID, ts(&u.CreatedAt), &u.Version)
	return u, err
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	_, err := s.db.ExecOne(ctx, insertUser, s.userArgs(u)...)
	return s.db.conflict(err, "user %s (%s)", u.ID, u.UserPrincipalName)
}

// GetUser reads one user with one prepared statement (SQLite) outside a
// transaction.
func (s *Store) GetUser(ctx context.Context, tenantID, id string) (store.User, error) {
	var u store.User
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		u, err = ScanUser(r)
		return notFound(err, "user %s in tenant %s", id, tenantID)
	}, SelectUser+`WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return u, err
}

func (s *Store) UserByUPN(ctx context.Context, upn string) (store.User, error) {
	var u store.User
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		u, err = ScanUser(r)
		return notFound(err, "user %s", upn)
	}, SelectUser+`WHERE upn_key = ?`, Key(upn))
	return u, err
}

func (s *Store) ListUsers(ctx context.Context, tenantID, after string, limit int) ([]store.User, error) {
	var us []store.User
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		us, err = queryAll(ctx, tx, ScanUser, SelectUser+`WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`,
			tenantID, after, s.f.Limit(limit))
		return err
	})
	return us, err
}

func (s *Store) UpdateUser(ctx context.Context, tenantID, id string, f func(store.User) (store.User, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		old, err := ScanUser(tx.QueryRow(ctx, SelectUser+`WHERE tenant_id = ? AND id = ?`+s.f.ForUpdate, tenantID, id))
		if err != nil {
			return notFound(err, "user %s in tenant %s", id, tenantID)
		}
		u, err := f(old)
		if err != nil {
			return err
		}
		u.TenantID, u.ID, u.Version = old.TenantID, old.ID, old.Version+1
		_, err = tx.Exec(ctx, updateUser, append(s.userArgs(u), tenantID, id)...)
		return s.db.conflict(err, "user principal name %s", u.UserPrincipalName)
	})
}

// DeleteUser removes the user and the memberships it holds.
func (s *Store) DeleteUser(ctx context.Context, tenantID, id string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM users WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err := mustAffect(res, err, "user %s in tenant %s", id, tenantID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM memberships WHERE tenant_id = ? AND member_id = ?`, tenantID, id)
		return err
	})
}
