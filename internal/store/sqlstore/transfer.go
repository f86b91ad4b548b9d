package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"graphgate/internal/store"
)

// Whole tenants in and out (store.Transfer): one read transaction (one
// snapshot) for an export, one write transaction for an import, whose rows
// go in multi-row INSERTs (insertRows: a round trip per rowsPerInsert
// rows of a kind, where PostgreSQL's backend sent one pgx batch before).

// TenantTables are the tables with a tenant_id column that ImportTenant's
// replace empties for the tenant, children before what they refer to
// (tenant_domains and the apps' lists go with their parents through ON
// DELETE CASCADE).
var TenantTables = []string{
	"memberships", "users", "groups", "administrative_units",
	"delegated_grants", "app_role_assignments", "service_principals", "apps",
	"items", "auth_codes", "refresh_tokens", "device_codes", "lockouts", "tenants",
}

// Items as a tenant's export carries them (the item queries are the
// backends').
const exportItemSQL = `SELECT tenant_id, kind, id, owner_id, parent_id, doc, version, created_at, modified_at FROM items `

var importItemColumns = []string{"tenant_id", "kind", "id", "owner_id", "parent_id", "doc", "version", "created_at", "modified_at"}

func scanExportItem(sc scanner) (store.Item, error) {
	var it store.Item
	err := sc.Scan(&it.TenantID, &it.Kind, &it.ID, &it.OwnerID, &it.ParentID, (*[]byte)(&it.Doc), &it.Version,
		ts(&it.CreatedAt), ts(&it.ModifiedAt))
	return it, err
}

func (s *Store) ExportTenant(ctx context.Context, tenantID string) (store.TenantData, error) {
	var d store.TenantData
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		d = store.TenantData{}
		if d.Tenant, err = s.getTenant(ctx, tx, tenantID, false); err != nil {
			return err
		}
		if d.Users, err = queryAll(ctx, tx, ScanUser, SelectUser+`WHERE tenant_id = ? ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.Groups, err = queryAll(ctx, tx, ScanGroup, SelectGroup+`WHERE tenant_id = ? ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.AdministrativeUnits, err = queryAll(ctx, tx, ScanAU, SelectAU+`WHERE tenant_id = ? ORDER BY id`, tenantID); err != nil {
			return err
		}
		if d.Memberships, err = queryAll(ctx, tx, ScanMembership, SelectMembership+`WHERE tenant_id = ?
			ORDER BY container_id, role, member_id`, tenantID); err != nil {
			return err
		}
		if d.Apps, err = tenantAppsOf(ctx, tx, tenantID); err != nil {
			return err
		}
		if d.ServicePrincipals, err = queryAll(ctx, tx, ScanSP, SelectSP+`WHERE tenant_id = ? ORDER BY app_id`, tenantID); err != nil {
			return err
		}
		if d.DelegatedGrants, err = queryAll(ctx, tx, ScanGrant, SelectGrant+`WHERE tenant_id = ?
			ORDER BY client_id, consent_type, principal_id`, tenantID); err != nil {
			return err
		}
		if d.AppRoleAssignments, err = queryAll(ctx, tx, ScanAssignment, SelectAssignment+`WHERE tenant_id = ?
			ORDER BY client_id, permission`, tenantID); err != nil {
			return err
		}
		if d.Items, err = queryAll(ctx, tx, scanExportItem, exportItemSQL+`WHERE tenant_id = ? ORDER BY kind, id`, tenantID); err != nil {
			return err
		}
		if d.Settings, err = queryAll(ctx, tx, ScanSetting, SelectSetting+`ORDER BY name`); err != nil {
			return err
		}
		d.SigningKeys, err = queryAll(ctx, tx, ScanSigningKey, SelectSigningKey+`ORDER BY generation`)
		return err
	})
	return d, err
}

// importRows inserts rows into table (insertRows), a unique violation
// becoming ErrConflict naming the objects of the failing statement.
func (s *Store) importRows(ctx context.Context, tx *Tx, table string, cols []string, rows [][]any, what []string) error {
	for start := 0; start < len(rows); start += rowsPerInsert {
		end := min(start+rowsPerInsert, len(rows))
		if err := insertRows(ctx, tx, table, cols, rows[start:end]); err != nil {
			return s.db.conflict(err, "%s", strings.Join(what[start:end], " or "))
		}
	}
	return nil
}

func (s *Store) ImportTenant(ctx context.Context, d store.TenantData, replace bool) error {
	id := d.Tenant.ID
	if id == "" {
		return fmt.Errorf("%s: importing a tenant without an id", s.f.Name)
	}
	// Items are checked, and stamped where the export left no time, before
	// the transaction.
	stamp := s.now()
	items := make([][]any, len(d.Items))
	itemNames := make([]string, len(d.Items))
	for i, it := range d.Items {
		if it.TenantID == "" || it.Kind == "" || it.ID == "" {
			return fmt.Errorf("%s: item %q of kind %q in tenant %q: tenant, kind and id are required", s.f.Name, it.ID, it.Kind, it.TenantID)
		}
		doc := json.RawMessage(it.Doc)
		if len(doc) == 0 {
			doc = json.RawMessage("{}")
		}
		if !json.Valid(doc) {
			return fmt.Errorf("%s: %s %s: document is not valid JSON", s.f.Name, it.Kind, it.ID)
		}
		v, created, modified := it.Version, it.CreatedAt, it.ModifiedAt
		if v == 0 {
			v = 1
		}
		if created.IsZero() {
			created = stamp
		}
		if modified.IsZero() {
			modified = created
		}
		items[i] = []any{it.TenantID, it.Kind, it.ID, it.OwnerID, it.ParentID, doc, v, s.f.Time(created), s.f.Time(modified)}
		itemNames[i] = fmt.Sprintf("%s %s in tenant %s", it.Kind, it.ID, it.TenantID)
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM tenants WHERE id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 && !replace {
			return fmt.Errorf("%w: tenant %s", store.ErrConflict, id)
		}
		if replace {
			for _, table := range TenantTables {
				col := "tenant_id"
				if table == "tenants" {
					col = "id"
				}
				if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+col+` = ?`, id); err != nil {
					return fmt.Errorf("emptying %s: %w", table, err)
				}
			}
		}
		if err := s.insertTenant(ctx, tx, d.Tenant); err != nil {
			return err
		}
		var rows [][]any
		var what []string
		add := func(name string, args ...any) {
			rows, what = append(rows, args), append(what, name)
		}
		flush := func(table string, cols []string) error {
			err := s.importRows(ctx, tx, table, cols, rows, what)
			rows, what = nil, nil
			return err
		}
		for _, u := range d.Users {
			add(fmt.Sprintf("user %s (%s)", u.ID, u.UserPrincipalName), s.userArgs(u)...)
		}
		if err := flush("users", userColumns); err != nil {
			return err
		}
		for _, g := range d.Groups {
			add("group "+g.ID, s.groupArgs(g)...)
		}
		if err := flush("groups", groupColumns); err != nil {
			return err
		}
		for _, au := range d.AdministrativeUnits {
			add("administrative unit "+au.ID, au.TenantID, au.ID, au.DisplayName, au.Description, au.Visibility)
		}
		if err := flush("administrative_units", []string{"tenant_id", "id", "display_name", "description", "visibility"}); err != nil {
			return err
		}
		for _, m := range d.Memberships {
			add(fmt.Sprintf("%s %s of %s", m.Role, m.MemberID, m.ContainerID),
				m.TenantID, m.ContainerID, string(m.Role), m.MemberID, string(m.ContainerKind))
		}
		if err := flush("memberships", []string{"tenant_id", "container_id", "role", "member_id", "container_kind"}); err != nil {
			return err
		}
		for _, a := range d.Apps {
			if err := s.insertApp(ctx, tx, a); err != nil {
				return err
			}
		}
		for _, p := range d.ServicePrincipals {
			add("service principal "+p.ID, p.ID, p.TenantID, p.AppID, p.DisplayName, s.f.Time(p.CreatedAt))
		}
		if err := flush("service_principals", []string{"id", "tenant_id", "app_id", "display_name", "created_at"}); err != nil {
			return err
		}
		for _, g := range d.DelegatedGrants {
			add("delegated grant "+g.ID, g.ID, g.TenantID, g.ClientID, string(g.ConsentType), g.PrincipalID, list(g.Scopes),
				s.f.Time(g.CreatedAt), s.f.Time(g.UpdatedAt))
		}
		if err := flush("delegated_grants", []string{"id", "tenant_id", "client_id", "consent_type", "principal_id", "scopes", "created_at", "updated_at"}); err != nil {
			return err
		}
		for _, a := range d.AppRoleAssignments {
			add("app role assignment "+a.ID, a.ID, a.TenantID, a.ClientID, a.Permission, s.f.Time(a.CreatedAt))
		}
		if err := flush("app_role_assignments", []string{"id", "tenant_id", "client_id", "permission", "created_at"}); err != nil {
			return err
		}
		if err := s.importRows(ctx, tx, "items", importItemColumns, items, itemNames); err != nil {
			return err
		}
		for _, st := range d.Settings {
			if _, err := tx.Exec(ctx, PutSettingSQL, st.Name, blob(st.Value)); err != nil {
				return err
			}
		}
		for _, k := range d.SigningKeys {
			if err := s.importSigningKey(ctx, tx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// importSigningKey adds k unless its generation holds the same key id.
func (s *Store) importSigningKey(ctx context.Context, tx *Tx, k store.SigningKey) error {
	var kid string
	err := tx.QueryRow(ctx, `SELECT kid FROM signing_keys WHERE generation = ?`, k.Generation).Scan(&kid)
	switch {
	case err == nil && kid == k.KID:
		return nil
	case err == nil:
		return fmt.Errorf("%w: signing key generation %d holds key %s, not %s", store.ErrConflict, k.Generation, kid, k.KID)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO signing_keys
		(generation, kid, private_key, cert_der, activate_at, retire_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.Generation, k.KID, blob(k.PrivateKey), blob(k.CertDER), s.f.Time(k.ActivateAt), s.f.Time(k.RetireAt), s.f.Time(k.CreatedAt))
	return s.db.conflict(err, "signing key %s", k.KID)
}
