package sqlstore

import (
	"context"

	"github.com/google/uuid"

	"graphgate/internal/store"
)

// Service principals (apps are apps.go's).

// SelectSP and ScanSP read service principals (the backends' transfer
// reads them too).
const SelectSP = `SELECT id, tenant_id, app_id, display_name, created_at FROM service_principals `

func ScanSP(sc scanner) (store.ServicePrincipal, error) {
	var p store.ServicePrincipal
	err := sc.Scan(&p.ID, &p.TenantID, &p.AppID, &p.DisplayName, ts(&p.CreatedAt))
	return p, err
}

// EnsureServicePrincipal inserts a service principal with a new id unless
// the (tenant, app) one exists, then reads whichever is stored, in one
// write transaction: on SQLite under the write lock; on PostgreSQL a
// concurrent inserter of the same pair waits on the unique index until the
// first commits and then does nothing, and the SELECT, a new statement at
// READ COMMITTED, sees the committed row. So every caller, in any process,
// gets the same one.
func (s *Store) EnsureServicePrincipal(ctx context.Context, tenantID, appID, displayName string) (store.ServicePrincipal, error) {
	var p store.ServicePrincipal
	err := s.db.Write(ctx, func(tx *Tx) (err error) {
		if _, err := tx.Exec(ctx, `INSERT INTO service_principals (id, tenant_id, app_id, display_name, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, app_id) DO NOTHING`,
			uuid.NewString(), tenantID, appID, displayName, s.f.Time(s.now())); err != nil {
			return err
		}
		p, err = ScanSP(tx.QueryRow(ctx, SelectSP+`WHERE tenant_id = ? AND app_id = ?`, tenantID, appID))
		return err
	})
	return p, err
}

func (s *Store) GetServicePrincipal(ctx context.Context, tenantID, appID string) (store.ServicePrincipal, error) {
	var p store.ServicePrincipal
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		p, err = ScanSP(r)
		return notFound(err, "service principal of app %s in tenant %s", appID, tenantID)
	}, SelectSP+`WHERE tenant_id = ? AND app_id = ?`, tenantID, appID)
	return p, err
}

func (s *Store) ListServicePrincipals(ctx context.Context, tenantID string) ([]store.ServicePrincipal, error) {
	var ps []store.ServicePrincipal
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		ps, err = queryAll(ctx, tx, ScanSP, SelectSP+`WHERE tenant_id = ? ORDER BY app_id`, tenantID)
		return err
	})
	return ps, err
}
