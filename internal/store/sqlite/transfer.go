package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// Whole tenants in and out (store.Transfer): one read transaction (one
// snapshot) for an export, one write transaction for an import.

// tenantTables are the tables with a tenant_id column that ImportTenant's
// replace empties for the tenant, children before what they refer to
// (tenant_domains and the apps' lists go with their parents through ON
// DELETE CASCADE).
var tenantTables = []string{
	"memberships", "users", "groups", "administrative_units",
	"delegated_grants", "app_role_assignments", "service_principals", "apps",
	"items", "auth_codes", "refresh_tokens", "device_codes", "lockouts", "tenants",
}

func (s *Store) ExportTenant(ctx context.Context, tenantID string) (store.TenantData, error) {
	var d store.TenantData
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		d = store.TenantData{}
		if d.Tenant, err = getTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		if d.Users, err = queryAll(ctx, tx, scanUser, selectUser+`WHERE tenant_id = ? ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.Groups, err = queryAll(ctx, tx, scanGroup, selectGroup+`WHERE tenant_id = ? ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.AdministrativeUnits, err = queryAll(ctx, tx, sqlstore.ScanAU, sqlstore.SelectAU+`WHERE tenant_id = ? ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.Memberships, err = queryAll(ctx, tx, sqlstore.ScanMembership, sqlstore.SelectMembership+`WHERE tenant_id = ?
			ORDER BY container_id, role, member_id`, tenantID); err != nil {
			return err
		}
		if d.Apps, err = queryAll(ctx, tx, scanApp, selectApp+`WHERE tenant_id = ? ORDER BY app_id`, tenantID); err != nil {
			return err
		}
		for i := range d.Apps {
			if err := getAppLists(ctx, tx, &d.Apps[i]); err != nil {
				return err
			}
		}
		if d.ServicePrincipals, err = queryAll(ctx, tx, sqlstore.ScanSP, sqlstore.SelectSP+`WHERE tenant_id = ? ORDER BY app_id`, tenantID); err != nil {
			return err
		}
		if d.DelegatedGrants, err = queryAll(ctx, tx, sqlstore.ScanGrant, sqlstore.SelectGrant+`WHERE tenant_id = ?
			ORDER BY client_id, consent_type, principal_id`, tenantID); err != nil {
			return err
		}
		if d.AppRoleAssignments, err = queryAll(ctx, tx, sqlstore.ScanAssignment, sqlstore.SelectAssignment+`WHERE tenant_id = ?
			ORDER BY client_id, permission`, tenantID); err != nil {
			return err
		}
		if d.Items, err = queryAll(ctx, tx, sqlstore.ScanItem, sqlstore.SelectItem+`WHERE tenant_id = ? ORDER BY kind, id`, tenantID); err != nil {
			return err
		}
		if d.Settings, err = queryAll(ctx, tx, sqlstore.ScanSetting, sqlstore.SelectSetting+`ORDER BY name`); err != nil {
			return err
		}
		d.SigningKeys, err = queryAll(ctx, tx, sqlstore.ScanSigningKey, sqlstore.SelectSigningKey+`ORDER BY generation`)
		return err
	})
	return d, err
}

func (s *Store) ImportTenant(ctx context.Context, d store.TenantData, replace bool) error {
	id := d.Tenant.ID
	if id == "" {
		return fmt.Errorf("sqlite: importing a tenant without an id")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tenants WHERE id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 && !replace {
			return fmt.Errorf("%w: tenant %s", store.ErrConflict, id)
		}
		if replace {
			for _, table := range tenantTables {
				col := "tenant_id"
				if table == "tenants" {
					col = "id"
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+col+` = ?`, id); err != nil {
					return fmt.Errorf("emptying %s: %w", table, err)
				}
			}
		}
		t := d.Tenant
		if _, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, display_name, kind, created_at) VALUES (?, ?, ?, ?)`,
			t.ID, t.DisplayName, string(t.Kind), millis(t.CreatedAt)); err != nil {
			return conflict(err, "tenant %s", t.ID)
		}
		if err := putDomains(ctx, tx, t); err != nil {
			return err
		}
		for _, u := range d.Users {
			if _, err := tx.ExecContext(ctx, insertUser, userArgs(u)...); err != nil {
				return conflict(err, "user %s (%s)", u.ID, u.UserPrincipalName)
			}
		}
		for _, g := range d.Groups {
			if _, err := tx.ExecContext(ctx, insertGroup, groupArgs(g)...); err != nil {
				return conflict(err, "group %s", g.ID)
			}
		}
		for _, au := range d.AdministrativeUnits {
			if _, err := tx.ExecContext(ctx, `INSERT INTO administrative_units (tenant_id, id, display_name, description, visibility)
				VALUES (?, ?, ?, ?, ?)`, au.TenantID, au.ID, au.DisplayName, au.Description, au.Visibility); err != nil {
				return conflict(err, "administrative unit %s", au.ID)
			}
		}
		for _, m := range d.Memberships {
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (tenant_id, container_id, role, member_id, container_kind)
				VALUES (?, ?, ?, ?, ?)`, m.TenantID, m.ContainerID, string(m.Role), m.MemberID, string(m.ContainerKind)); err != nil {
				return conflict(err, "%s %s of %s", m.Role, m.MemberID, m.ContainerID)
			}
		}
		for _, a := range d.Apps {
			if _, err := tx.ExecContext(ctx, insertApp, appArgs(a)...); err != nil {
				return conflict(err, "app %s", a.AppID)
			}
			if err := putAppLists(ctx, tx, a); err != nil {
				return err
			}
		}
		for _, p := range d.ServicePrincipals {
			if _, err := tx.ExecContext(ctx, `INSERT INTO service_principals (id, tenant_id, app_id, display_name, created_at)
				VALUES (?, ?, ?, ?, ?)`, p.ID, p.TenantID, p.AppID, p.DisplayName, millis(p.CreatedAt)); err != nil {
				return conflict(err, "service principal %s", p.ID)
			}
		}
		for _, g := range d.DelegatedGrants {
			if _, err := tx.ExecContext(ctx, `INSERT INTO delegated_grants
				(id, tenant_id, client_id, consent_type, principal_id, scopes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				g.ID, g.TenantID, g.ClientID, string(g.ConsentType), g.PrincipalID, list(g.Scopes), millis(g.CreatedAt), millis(g.UpdatedAt)); err != nil {
				return conflict(err, "delegated grant %s", g.ID)
			}
		}
		for _, a := range d.AppRoleAssignments {
			if _, err := tx.ExecContext(ctx, `INSERT INTO app_role_assignments (id, tenant_id, client_id, permission, created_at)
				VALUES (?, ?, ?, ?, ?)`, a.ID, a.TenantID, a.ClientID, a.Permission, millis(a.CreatedAt)); err != nil {
				return conflict(err, "app role assignment %s", a.ID)
			}
		}
		for _, it := range d.Items {
			args, err := s.ItemArgs(it, s.now())
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlstore.InsertItem, args...); err != nil {
				return conflict(err, "%s %s in tenant %s", it.Kind, it.ID, it.TenantID)
			}
		}
		for _, st := range d.Settings {
			if _, err := tx.ExecContext(ctx, sqlstore.PutSettingSQL, st.Name, blob(st.Value)); err != nil {
				return err
			}
		}
		for _, k := range d.SigningKeys {
			if err := importSigningKey(ctx, tx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// importSigningKey adds k unless its generation holds the same key id.
func importSigningKey(ctx context.Context, tx *sql.Tx, k store.SigningKey) error {
	var kid string
	err := tx.QueryRowContext(ctx, `SELECT kid FROM signing_keys WHERE generation = ?`, k.Generation).Scan(&kid)
	switch {
	case err == nil && kid == k.KID:
		return nil
	case err == nil:
		return fmt.Errorf("%w: signing key generation %d holds key %s, not %s", store.ErrConflict, k.Generation, kid, k.KID)
	case err != sql.ErrNoRows:
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO signing_keys
		(generation, kid, private_key, cert_der, activate_at, retire_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.Generation, k.KID, blob(k.PrivateKey), blob(k.CertDER), millis(k.ActivateAt), millis(k.RetireAt), millis(k.CreatedAt))
	return conflict(err, "signing key %s", k.KID)
}
