package postgres

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
)

// Delegated grants (oAuth2PermissionGrants).

const selectGrant = `SELECT id, tenant_id, client_id, consent_type, principal_id, scopes, created_at, updated_at
	FROM delegated_grants `

func scanGrant(sc scanner) (store.DelegatedGrant, error) {
	var g store.DelegatedGrant
	err := sc.Scan(&g.ID, &g.TenantID, &g.ClientID, (*string)(&g.ConsentType), &g.PrincipalID,
		strs(&g.Scopes), ts(&g.CreatedAt), ts(&g.UpdatedAt))
	return g, err
}

func (s *Store) DelegatedGrants(ctx context.Context, tenantID, clientID, userID string) ([]store.DelegatedGrant, error) {
	// AllPrincipals sorts before Principal, so the tenant-wide grant comes
	// first.
	return queryAll(ctx, s.pool, scanGrant, selectGrant+`WHERE tenant_id = $1 AND client_id = $2
		AND (consent_type = $3 OR (consent_type = $4 AND principal_id = $5 AND principal_id <> ''))
		ORDER BY consent_type`,
		tenantID, clientID, string(store.ConsentAllPrincipals), string(store.ConsentPrincipal), userID)
}

func (s *Store) ListDelegatedGrants(ctx context.Context, tenantID string) ([]store.DelegatedGrant, error) {
	return queryAll(ctx, s.pool, scanGrant, selectGrant+`WHERE tenant_id = $1 ORDER BY client_id, consent_type, principal_id`, tenantID)
}

// UpsertDelegatedGrant runs f on the grant with key's (tenant, client,
// consent type, principal), locked FOR UPDATE, or on a zero grant with
// those fields, and stores its result. The key fields and an existing
// grant's id cannot be changed by f; a new grant without an id gets one, and
// zero CreatedAt/UpdatedAt become the current time.
//
// A missing row cannot be locked, so two callers may both decide to insert
// the same key: the second insert waits for the first transaction and then
// violates delegated_grants_by_key. That attempt is rolled back and run
// again (errRetry), and then finds and locks the row, so concurrent merges
// lose nothing.
func (s *Store) UpsertDelegatedGrant(ctx context.Context, k store.DelegatedGrant, f func(store.DelegatedGrant) (store.DelegatedGrant, error)) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		old, err := scanGrant(tx.QueryRow(ctx, selectGrant+`WHERE tenant_id = $1 AND client_id = $2 AND consent_type = $3 AND principal_id = $4
			FOR UPDATE`, k.TenantID, k.ClientID, string(k.ConsentType), k.PrincipalID))
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
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
			_, err = tx.Exec(ctx, `UPDATE delegated_grants SET scopes = $1, created_at = $2, updated_at = $3 WHERE id = $4`,
				list(g.Scopes), tstz(g.CreatedAt), tstz(g.UpdatedAt), old.ID)
			return err
		}
		if g.ID == "" {
			g.ID = uuid.NewString()
		}
		_, err = tx.Exec(ctx, `INSERT INTO delegated_grants
			(id, tenant_id, client_id, consent_type, principal_id, scopes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			g.ID, g.TenantID, g.ClientID, string(g.ConsentType), g.PrincipalID, list(g.Scopes), tstz(g.CreatedAt), tstz(g.UpdatedAt))
		if isUniqueViolation(err) && constraint(err) == "delegated_grants_by_key" {
			return errRetry
		}
		return conflict(err, "delegated grant %s", g.ID)
	})
}

func (s *Store) DeleteDelegatedGrant(ctx context.Context, tenantID, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM delegated_grants WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return mustAffect(tag, err, "delegated grant %s in tenant %s", id, tenantID)
}

// App role assignments.

const selectAssignment = `SELECT id, tenant_id, client_id, permission, created_at FROM app_role_assignments `

func scanAssignment(sc scanner) (store.AppRoleAssignment, error) {
	var a store.AppRoleAssignment
	err := sc.Scan(&a.ID, &a.TenantID, &a.ClientID, &a.Permission, ts(&a.CreatedAt))
	return a, err
}

func (s *Store) AppRoleAssignments(ctx context.Context, tenantID, clientID string) ([]store.AppRoleAssignment, error) {
	return queryAll(ctx, s.pool, scanAssignment, selectAssignment+`WHERE tenant_id = $1 AND client_id = $2 ORDER BY permission`,
		tenantID, clientID)
}

// AddAppRoleAssignment inserts a unless (tenant, client, permission) is
// assigned already (ON CONFLICT DO NOTHING waits for a concurrent inserter
// of the same key, then does nothing). A missing id is generated, a zero
// CreatedAt becomes now; an id used by another assignment is ErrConflict.
func (s *Store) AddAppRoleAssignment(ctx context.Context, a store.AppRoleAssignment) error {
	if a.ID == "" {
		a.ID = uuid.NewString()
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now()
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO app_role_assignments (id, tenant_id, client_id, permission, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, client_id, permission) DO NOTHING`,
		a.ID, a.TenantID, a.ClientID, a.Permission, tstz(a.CreatedAt))
	return conflict(err, "app role assignment %s", a.ID)
}

func (s *Store) RemoveAppRoleAssignment(ctx context.Context, tenantID, clientID, permission string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM app_role_assignments WHERE tenant_id = $1 AND client_id = $2 AND permission = $3`,
		tenantID, clientID, permission)
	return mustAffect(tag, err, "app role assignment %s of %s in tenant %s", permission, clientID, tenantID)
}
