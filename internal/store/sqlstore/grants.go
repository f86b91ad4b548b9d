package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"graphgate/internal/store"
)

// Delegated grants (oAuth2PermissionGrants).

// SelectGrant and ScanGrant read delegated grants (the backends' transfer
// reads them too).
const SelectGrant = `SELECT id, tenant_id, client_id, consent_type, principal_id, scopes, created_at, updated_at
	FROM delegated_grants `

func ScanGrant(sc scanner) (store.DelegatedGrant, error) {
	var g store.DelegatedGrant
	err := sc.Scan(&g.ID, &g.TenantID, &g.ClientID, (*string)(&g.ConsentType), &g.PrincipalID,
		strs(&g.Scopes), ts(&g.CreatedAt), ts(&g.UpdatedAt))
	return g, err
}

func (s *Store) DelegatedGrants(ctx context.Context, tenantID, clientID, userID string) ([]store.DelegatedGrant, error) {
	var gs []store.DelegatedGrant
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		// AllPrincipals sorts before Principal, so the tenant-wide grant
		// comes first.
		gs, err = queryAll(ctx, tx, ScanGrant, SelectGrant+`WHERE tenant_id = ? AND client_id = ?
			AND (consent_type = ? OR (consent_type = ? AND principal_id = ? AND principal_id <> ''))
			ORDER BY consent_type`,
			tenantID, clientID, string(store.ConsentAllPrincipals), string(store.ConsentPrincipal), userID)
		return err
	})
	return gs, err
}

func (s *Store) ListDelegatedGrants(ctx context.Context, tenantID string) ([]store.DelegatedGrant, error) {
	var gs []store.DelegatedGrant
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		gs, err = queryAll(ctx, tx, ScanGrant, SelectGrant+`WHERE tenant_id = ? ORDER BY client_id, consent_type, principal_id`, tenantID)
		return err
	})
	return gs, err
}

// UpsertDelegatedGrant runs f on the grant with key's (tenant, client,
// consent type, principal), locked, or on a zero grant with those fields,
// and stores its result. The key fields and an existing grant's id cannot
// be changed by f; a new grant without an id gets one, and zero
// CreatedAt/UpdatedAt become the current time.
//
// On PostgreSQL a missing row cannot be locked, so two callers may both
// decide to insert the same key: the second insert waits for the first
// transaction and then violates delegated_grants_by_key. That attempt is
// rolled back and run again (ErrRetry), and then finds and locks the row,
// so concurrent merges lose nothing. (SQLite's writers are serialized: the
// race cannot happen there.)
func (s *Store) UpsertDelegatedGrant(ctx context.Context, k store.DelegatedGrant, f func(store.DelegatedGrant) (store.DelegatedGrant, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		old, err := ScanGrant(tx.QueryRow(ctx, SelectGrant+`WHERE tenant_id = ? AND client_id = ? AND consent_type = ? AND principal_id = ?`+
			s.f.ForUpdate, k.TenantID, k.ClientID, string(k.ConsentType), k.PrincipalID))
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if !exists {
			old = store.DelegatedGrant{TenantID: k.TenantID, ClientID: k.ClientID, ConsentType: k.ConsentType, PrincipalID: k.PrincipalID}
		}
		g, err := f(old)
		if err != nil {
			return err
		}
		g.TenantID, g.ClientID, g.ConsentType, g.PrincipalID = k.TenantID, k.ClientID, k.ConsentType, k.PrincipalID
		now := s.now()
		if g.CreatedAt.IsZero() {
			g.CreatedAt = now
		}
		if g.UpdatedAt.IsZero() {
			g.UpdatedAt = now
		}
		if exists {
			_, err = tx.Exec(ctx, `UPDATE delegated_grants SET scopes = ?, created_at = ?, updated_at = ? WHERE id = ?`,
				list(g.Scopes), s.f.Time(g.CreatedAt), s.f.Time(g.UpdatedAt), old.ID)
			return err
		}
		if g.ID == "" {
			g.ID = uuid.NewString()
		}
		_, err = tx.Exec(ctx, `INSERT INTO delegated_grants
			(id, tenant_id, client_id, consent_type, principal_id, scopes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ID, g.TenantID, g.ClientID, string(g.ConsentType), g.PrincipalID, list(g.Scopes), s.f.Time(g.CreatedAt), s.f.Time(g.UpdatedAt))
		if err != nil && s.f.IsUnique(err) && s.f.Constraint != nil && s.f.Constraint(err) == "delegated_grants_by_key" {
			return ErrRetry
		}
		return s.db.conflict(err, "delegated grant %s", g.ID)
	})
}

func (s *Store) DeleteDelegatedGrant(ctx context.Context, tenantID, id string) error {
	res, err := s.db.ExecOne(ctx, `DELETE FROM delegated_grants WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return mustAffect(res, err, "delegated grant %s in tenant %s", id, tenantID)
}

// App role assignments.

// SelectAssignment and ScanAssignment read app role assignments (the
// backends' transfer reads them too).
const SelectAssignment = `SELECT id, tenant_id, client_id, permission, created_at FROM app_role_assignments `

func ScanAssignment(sc scanner) (store.AppRoleAssignment, error) {
	var a store.AppRoleAssignment
	err := sc.Scan(&a.ID, &a.TenantID, &a.ClientID, &a.Permission, ts(&a.CreatedAt))
	return a, err
}

func (s *Store) AppRoleAssignments(ctx context.Context, tenantID, clientID string) ([]store.AppRoleAssignment, error) {
	var as []store.AppRoleAssignment
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		as, err = queryAll(ctx, tx, ScanAssignment, SelectAssignment+`WHERE tenant_id = ? AND client_id = ? ORDER BY permission`,
			tenantID, clientID)
		return err
	})
	return as, err
}

// AddAppRoleAssignment inserts a unless (tenant, client, permission) is
// assigned already (on PostgreSQL ON CONFLICT DO NOTHING waits for a
// concurrent inserter of the same key, then does nothing). A missing id is
// generated, a zero CreatedAt becomes now; an id used by another
// assignment is ErrConflict.
func (s *Store) AddAppRoleAssignment(ctx context.Context, a store.AppRoleAssignment) error {
	if a.ID == "" {
		a.ID = uuid.NewString()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now()
	}
	_, err := s.db.ExecOne(ctx, `INSERT INTO app_role_assignments (id, tenant_id, client_id, permission, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, client_id, permission) DO NOTHING`,
		a.ID, a.TenantID, a.ClientID, a.Permission, s.f.Time(a.CreatedAt))
	return s.db.conflict(err, "app role assignment %s", a.ID)
}

func (s *Store) RemoveAppRoleAssignment(ctx context.Context, tenantID, clientID, permission string) error {
	res, err := s.db.ExecOne(ctx, `DELETE FROM app_role_assignments WHERE tenant_id = ? AND client_id = ? AND permission = ?`,
		tenantID, clientID, permission)
	return mustAffect(res, err, "app role assignment %s of %s in tenant %s", permission, clientID, tenantID)
}
