package sqlstore

import (
	"context"

	"graphgate/internal/store"
)

// The directory's administrative units and memberships (tenants, users
// and groups are tenants.go's, users.go's and groups.go's).

// SelectAU and ScanAU read administrative units (the backends' transfer
// reads them too).
const SelectAU = `SELECT tenant_id, id, display_name, description, visibility FROM administrative_units `

func ScanAU(sc scanner) (store.AdministrativeUnit, error) {
	var a store.AdministrativeUnit
	err := sc.Scan(&a.TenantID, &a.ID, &a.DisplayName, &a.Description, &a.Visibility)
	return a, err
}

func (s *Store) CreateAdministrativeUnit(ctx context.Context, au store.AdministrativeUnit) error {
	_, err := s.db.ExecOne(ctx, `INSERT INTO administrative_units (tenant_id, id, display_name, description, visibility)
		VALUES (?, ?, ?, ?, ?)`, au.TenantID, au.ID, au.DisplayName, au.Description, au.Visibility)
	return s.db.conflict(err, "administrative unit %s", au.ID)
}

func (s *Store) GetAdministrativeUnit(ctx context.Context, tenantID, id string) (store.AdministrativeUnit, error) {
	var a store.AdministrativeUnit
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		a, err = ScanAU(r)
		return notFound(err, "administrative unit %s in tenant %s", id, tenantID)
	}, SelectAU+`WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return a, err
}

func (s *Store) ListAdministrativeUnits(ctx context.Context, tenantID string) ([]store.AdministrativeUnit, error) {
	var as []store.AdministrativeUnit
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		as, err = queryAll(ctx, tx, ScanAU, SelectAU+`WHERE tenant_id = ? ORDER BY id`, tenantID)
		return err
	})
	return as, err
}

// Memberships.

// InsertMembership adds a membership (tenant, container, role, member,
// container kind); CreateGroup runs it too.
const InsertMembership = `INSERT INTO memberships (tenant_id, container_id, role, member_id, container_kind) VALUES (?, ?, ?, ?, ?)`

func (s *Store) AddMember(ctx context.Context, m store.Membership) error {
	_, err := s.db.ExecOne(ctx, InsertMembership, m.TenantID, m.ContainerID, string(m.Role), m.MemberID, string(m.ContainerKind))
	return s.db.conflict(err, "%s %s of %s", m.Role, m.MemberID, m.ContainerID)
}

func (s *Store) RemoveMember(ctx context.Context, m store.Membership) error {
	res, err := s.db.ExecOne(ctx, `DELETE FROM memberships
		WHERE tenant_id = ? AND container_id = ? AND role = ? AND member_id = ?`,
		m.TenantID, m.ContainerID, string(m.Role), m.MemberID)
	return mustAffect(res, err, "%s %s of %s", m.Role, m.MemberID, m.ContainerID)
}

// SelectMembership and ScanMembership read memberships (the backends'
// transfer reads them too).
const SelectMembership = `SELECT tenant_id, container_id, container_kind, member_id, role FROM memberships `

func ScanMembership(sc scanner) (store.Membership, error) {
	var m store.Membership
	err := sc.Scan(&m.TenantID, &m.ContainerID, (*string)(&m.ContainerKind), &m.MemberID, (*string)(&m.Role))
	return m, err
}

func (s *Store) Members(ctx context.Context, tenantID, containerID string, role store.MemberRole) ([]store.Membership, error) {
	return s.memberships(ctx, `WHERE tenant_id = ? AND container_id = ? AND role = ? ORDER BY member_id`,
		tenantID, containerID, string(role))
}

func (s *Store) MemberOf(ctx context.Context, tenantID, memberID string, role store.MemberRole) ([]store.Membership, error) {
	return s.memberships(ctx, `WHERE tenant_id = ? AND member_id = ? AND role = ? ORDER BY container_id`,
		tenantID, memberID, string(role))
}

func (s *Store) memberships(ctx context.Context, where string, args ...any) ([]store.Membership, error) {
	var ms []store.Membership
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		ms, err = queryAll(ctx, tx, ScanMembership, SelectMembership+where, args...)
		return err
	})
	return ms, err
}
