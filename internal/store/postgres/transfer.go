package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
	"graphgate/internal/store/sqlstore"
)

// Whole tenants in and out (store.Transfer): one REPEATABLE READ snapshot
// for an export, one write transaction for an import, whose inserts go in
// pgx batches (one round trip per kind of object, whatever their number).

// tenantTables are the tables with a tenant_id column that ImportTenant's
// replace empties for the tenant (tenant_domains and the apps' lists go
// with their parents through ON DELETE CASCADE).
var tenantTables = []string{
	"memberships", "users", "groups", "administrative_units",
	"delegated_grants", "app_role_assignments", "service_principals", "apps",
	"items", "auth_codes", "refresh_tokens", "device_codes", "lockouts", "tenants",
}

func (s *Store) ExportTenant(ctx context.Context, tenantID string) (store.TenantData, error) {
	var d store.TenantData
	err := s.read(ctx, func(tx pgx.Tx) (err error) {
		d = store.TenantData{}
		if d.Tenant, err = getTenant(ctx, tx, tenantID, false); err != nil {
			return err
		}
		if d.Users, err = queryAll(ctx, tx, scanUser, selectUser+`WHERE tenant_id = $1 ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.Groups, err = queryAll(ctx, tx, scanGroup, selectGroup+`WHERE tenant_id = $1 ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.AdministrativeUnits, err = queryAll(ctx, tx, sqlstore.ScanAU, sqlstore.SelectAU+`WHERE tenant_id = $1 ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.Memberships, err = queryAll(ctx, tx, sqlstore.ScanMembership, sqlstore.SelectMembership+`WHERE tenant_id = $1
			ORDER BY container_id, role, member_id`, tenantID); err != nil {
			return err
		}
		if d.Apps, err = queryAll(ctx, tx, scanApp, selectApp+`WHERE tenant_id = $1 ORDER BY app_id`, tenantID); err != nil {
			return err
		}
		if err := getAppLists(ctx, tx, d.Apps); err != nil {
			return err
		}
		if d.ServicePrincipals, err = queryAll(ctx, tx, sqlstore.ScanSP, sqlstore.SelectSP+`WHERE tenant_id = $1 ORDER BY app_id`, tenantID); err != nil {
			return err
		}
		if d.DelegatedGrants, err = queryAll(ctx, tx, sqlstore.ScanGrant, sqlstore.SelectGrant+`WHERE tenant_id = $1
			ORDER BY client_id, consent_type, principal_id`, tenantID); err != nil {
			return err
		}
		if d.AppRoleAssignments, err = queryAll(ctx, tx, sqlstore.ScanAssignment, sqlstore.SelectAssignment+`WHERE tenant_id = $1
			ORDER BY client_id, permission`, tenantID); err != nil {
			return err
		}
		if d.Items, err = queryAll(ctx, tx, sqlstore.ScanItem, flavor.Rebind(sqlstore.SelectItem+`WHERE tenant_id = ? ORDER BY kind, id`), tenantID); err != nil {
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

// queued is one statement of an import batch, with what it creates (for
// the conflict error).
type queued struct {
	sql  string
	args []any
	what string
}

// runBatch sends the statements in one round trip and stops at the first
// failure (the transaction is then aborted and rolled back by the caller).
func runBatch(ctx context.Context, tx pgx.Tx, stmts []queued) error {
	if len(stmts) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, q := range stmts {
		b.Queue(q.sql, q.args...)
	}
	br := tx.SendBatch(ctx, b)
	for _, q := range stmts {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return conflict(err, "%s", q.what)
		}
	}
	return br.Close()
}

func (s *Store) ImportTenant(ctx context.Context, d store.TenantData, replace bool) error {
	id := d.Tenant.ID
	if id == "" {
		return errors.New("postgres: importing a tenant without an id")
	}
	return s.write(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tenants WHERE id = $1)`, id).Scan(&exists); err != nil {
			return err
		}
		if exists && !replace {
			return fmt.Errorf("%w: tenant %s", store.ErrConflict, id)
		}
		if replace {
			var del []queued
			for _, table := range tenantTables {
				col := "tenant_id"
				if table == "tenants" {
					col = "id"
				}
				del = append(del, queued{`DELETE FROM ` + table + ` WHERE ` + col + ` = $1`, []any{id}, "emptying " + table})
			}
			if err := runBatch(ctx, tx, del); err != nil {
				return err
			}
		}
		t := d.Tenant
		if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, display_name, kind, created_at) VALUES ($1, $2, $3, $4)`,
			t.ID, t.DisplayName, string(t.Kind), tstz(t.CreatedAt)); err != nil {
			return conflict(err, "tenant %s", t.ID)
		}
		if err := putDomains(ctx, tx, t); err != nil {
			return err
		}

		var q []queued
		for _, u := range d.Users {
			q = append(q, queued{insertUser, userArgs(u), fmt.Sprintf("user %s (%s)", u.ID, u.UserPrincipalName)})
		}
		for _, g := range d.Groups {
			q = append(q, queued{insertGroup, groupArgs(g), "group " + g.ID})
		}
		for _, au := range d.AdministrativeUnits {
			q = append(q, queued{`INSERT INTO administrative_units (tenant_id, id, display_name, description, visibility)
				VALUES ($1, $2, $3, $4, $5)`, []any{au.TenantID, au.ID, au.DisplayName, au.Description, au.Visibility},
				"administrative unit " + au.ID})
		}
		for _, m := range d.Memberships {
			q = append(q, queued{`INSERT INTO memberships (tenant_id, container_id, role, member_id, container_kind)
				VALUES ($1, $2, $3, $4, $5)`, []any{m.TenantID, m.ContainerID, string(m.Role), m.MemberID, string(m.ContainerKind)},
				fmt.Sprintf("%s %s of %s", m.Role, m.MemberID, m.ContainerID)})
		}
		for _, a := range d.Apps {
			q = append(q, queued{insertApp, appArgs(a), "app " + a.AppID})
		}
		for _, p := range d.ServicePrincipals {
			q = append(q, queued{`INSERT INTO service_principals (id, tenant_id, app_id, display_name, created_at)
				VALUES ($1, $2, $3, $4, $5)`, []any{p.ID, p.TenantID, p.AppID, p.DisplayName, tstz(p.CreatedAt)},
				"service principal " + p.ID})
		}
		for _, g := range d.DelegatedGrants {
			q = append(q, queued{`INSERT INTO delegated_grants
				(id, tenant_id, client_id, consent_type, principal_id, scopes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				[]any{g.ID, g.TenantID, g.ClientID, string(g.ConsentType), g.PrincipalID, list(g.Scopes), tstz(g.CreatedAt), tstz(g.UpdatedAt)},
				"delegated grant " + g.ID})
		}
		for _, a := range d.AppRoleAssignments {
			q = append(q, queued{`INSERT INTO app_role_assignments (id, tenant_id, client_id, permission, created_at)
				VALUES ($1, $2, $3, $4, $5)`, []any{a.ID, a.TenantID, a.ClientID, a.Permission, tstz(a.CreatedAt)},
				"app role assignment " + a.ID})
		}
		for _, it := range d.Items {
			args, err := s.ItemArgs(it, s.now())
			if err != nil {
				return err
			}
			q = append(q, queued{flavor.Rebind(sqlstore.InsertItem), args, fmt.Sprintf("%s %s in tenant %s", it.Kind, it.ID, it.TenantID)})
		}
		for _, st := range d.Settings {
			q = append(q, queued{flavor.Rebind(sqlstore.PutSettingSQL), []any{st.Name, blob(st.Value)}, "setting " + st.Name})
		}
		if err := runBatch(ctx, tx, q); err != nil {
			return err
		}
		for _, a := range d.Apps {
			if err := putAppLists(ctx, tx, a); err != nil {
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
func importSigningKey(ctx context.Context, tx pgx.Tx, k store.SigningKey) error {
	var kid string
	err := tx.QueryRow(ctx, `SELECT kid FROM signing_keys WHERE generation = $1`, k.Generation).Scan(&kid)
	switch {
	case err == nil && kid == k.KID:
		return nil
	case err == nil:
		return fmt.Errorf("%w: signing key generation %d holds key %s, not %s", store.ErrConflict, k.Generation, kid, k.KID)
	case !errors.Is(err, pgx.ErrNoRows):
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO signing_keys
		(generation, kid, private_key, cert_der, activate_at, retire_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.Generation, k.KID, blob(k.PrivateKey), blob(k.CertDER), tstz(k.ActivateAt), tstz(k.RetireAt), tstz(k.CreatedAt))
	return conflict(err, "signing key %s", k.KID)
}
