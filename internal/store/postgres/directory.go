package postgres

import (
	"graphgate/internal/store"
)

// Tenants, users and groups are store/sqlstore's. What stays here: the
// user and group columns the directory queries (dirquery.go) scan.

// userFields lists the users table's columns but upn_key, in scanUser's order.
const userFields = `tenant_id, id, upn, display_name, given_name, surname, mail,
	job_title, department, office_location, mobile_phone, business_phones,
	preferred_language, usage_location, kind, account_enabled, password_hash,
	roles, manager_id, created_at, version`

func scanUser(sc scanner) (store.User, error) {
	var u store.User
	err := sc.Scan(&u.TenantID, &u.ID, &u.UserPrincipalName, &u.DisplayName, &u.GivenName, &u.Surname, &u.Mail,
		&u.JobTitle, &u.Department, &u.OfficeLocation, &u.MobilePhone, strs(&u.BusinessPhones),
		&u.PreferredLanguage, &u.UsageLocation, (*string)(&u.Kind), &u.AccountEnabled, &u.PasswordHash,
		strs(&u.Roles), &u.ManagerID, ts(&u.CreatedAt), &u.Version)
	return u, err
}

// Groups.

const groupFields = `tenant_id, id, display_name, description, mail_nickname, mail, group_types,
	mail_enabled, security_enabled, visibility, created_at, version`

func scanGroup(sc scanner) (store.Group, error) {
	var g store.Group
	err := sc.Scan(&g.TenantID, &g.ID, &g.DisplayName, &g.Description, &g.MailNickname, &g.Mail, strs(&g.GroupTypes),
		&g.MailEnabled, &g.SecurityEnabled, (*string)(&g.Visibility), ts(&g.CreatedAt), &g.Version)
	return g, err
}
