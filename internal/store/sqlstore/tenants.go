package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"graphgate/internal/store"
)

// Tenants, with their domains in tenant_domains (in order, by position).
// A tenant and its domains are read with one statement, a LEFT JOIN
// ordered by tenant and position, the same SQL on both engines (the
// PostgreSQL backend aggregated the domains into an array before).

const selectTenant = `SELECT t.id, t.display_name, t.kind, t.created_at, d.domain
	FROM tenants t LEFT JOIN tenant_domains d ON d.tenant_id = t.id `

// scanTenants folds selectTenant's rows, a tenant's rows together, into
// tenants.
func scanTenants(rows Rows) ([]store.Tenant, error) {
	var out []store.Tenant
	for rows.Next() {
		var t store.Tenant
		var domain sql.NullString
		if err := rows.Scan(&t.ID, &t.DisplayName, (*string)(&t.Kind), ts(&t.CreatedAt), &domain); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != t.ID {
			out = append(out, t)
		}
		if domain.Valid {
			last := &out[len(out)-1]
			last.Domains = append(last.Domains, domain.String)
		}
	}
	return out, rows.Err()
}

// oneTenant is the tenant of rows, or ErrNotFound naming what.
func oneTenant(rows Rows, format string, args ...any) (store.Tenant, error) {
	all, err := scanTenants(rows)
	if err != nil {
		return store.Tenant{}, err
	}
	if len(all) == 0 {
		return store.Tenant{}, fmt.Errorf("%w: %s", store.ErrNotFound, fmt.Sprintf(format, args...))
	}
	return all[0], nil
}

func (s *Store) CreateTenant(ctx context.Context, t store.Tenant) error {
	return s.db.Write(ctx, func(tx *Tx) error { return s.insertTenant(ctx, tx, t) })
}

// insertTenant inserts the tenant and its domains (ImportTenant's too).
func (s *Store) insertTenant(ctx context.Context, tx *Tx, t store.Tenant) error {
	if _, err := tx.Exec(ctx, `INSERT INTO tenants (id, display_name, kind, created_at) VALUES (?, ?, ?, ?)`,
		t.ID, t.DisplayName, string(t.Kind), s.f.Time(t.CreatedAt)); err != nil {
		return s.db.conflict(err, "tenant %s", t.ID)
	}
	return s.insertDomains(ctx, tx, t)
}

var domainColumns = []string{"domain_key", "domain", "tenant_id", "position"}

// insertDomains adds the tenant's domains. A domain of another tenant
// violates tenant_domains' primary key: ErrConflict, and the caller's
// transaction rolls back.
func (s *Store) insertDomains(ctx context.Context, tx *Tx, t store.Tenant) error {
	rows := make([][]any, len(t.Domains))
	for i, d := range t.Domains {
		rows[i] = []any{Key(d), d, t.ID, i}
	}
	return s.db.conflict(insertRows(ctx, tx, "tenant_domains", domainColumns, rows), "domain of tenant %s", t.ID)
}

func (s *Store) GetTenant(ctx context.Context, id string) (t store.Tenant, err error) {
	err = s.db.ReadRows(ctx, func(rows Rows) (err error) {
		t, err = oneTenant(rows, "tenant %s", id)
		return err
	}, selectTenant+`WHERE t.id = ? ORDER BY d.position`, id)
	return t, err
}

func (s *Store) TenantByDomain(ctx context.Context, domain string) (t store.Tenant, err error) {
	err = s.db.ReadRows(ctx, func(rows Rows) (err error) {
		t, err = oneTenant(rows, "tenant with domain %s", domain)
		return err
	}, selectTenant+`WHERE t.id = (SELECT tenant_id FROM tenant_domains WHERE domain_key = ?) ORDER BY d.position`, Key(domain))
	return t, err
}

func (s *Store) ListTenants(ctx context.Context) (all []store.Tenant, err error) {
	err = s.db.ReadRows(ctx, func(rows Rows) (err error) {
		all, err = scanTenants(rows)
		return err
	}, selectTenant+`ORDER BY t.id, d.position`)
	return all, err
}

// getTenant reads the tenant in tx; lock (a write transaction's
// read-modify-write) locks its row (not its domains').
func (s *Store) getTenant(ctx context.Context, tx *Tx, id string, lock bool) (store.Tenant, error) {
	q := selectTenant + `WHERE t.id = ? ORDER BY d.position`
	if lock && s.f.ForUpdate != "" {
		q += s.f.ForUpdate + ` OF t`
	}
	rows, err := tx.Query(ctx, q, id)
	if err != nil {
		return store.Tenant{}, err
	}
	defer rows.Close()
	return oneTenant(rows, "tenant %s", id)
}

func (s *Store) UpdateTenant(ctx context.Context, id string, f func(store.Tenant) (store.Tenant, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		old, err := s.getTenant(ctx, tx, id, true)
		if err != nil {
			return err
		}
		t, err := f(old)
		if err != nil {
			return err
		}
		t.ID = old.ID
		if _, err := tx.Exec(ctx, `UPDATE tenants SET display_name = ?, kind = ?, created_at = ? WHERE id = ?`,
			t.DisplayName, string(t.Kind), s.f.Time(t.CreatedAt), t.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM tenant_domains WHERE tenant_id = ?`, t.ID); err != nil {
			return err
		}
		return s.insertDomains(ctx, tx, t)
	})
}
