package sqlstore

import (
	"context"

	"graphgate/internal/store"
)

// Groups.

var groupColumns = []string{
	"tenant_id", "id", "display_name", "description", "mail_nickname", "mail", "group_types",
	"mail_enabled", "security_enabled", "visibility", "created_at", "version",
}

var (
	insertGroup = insertSQL("groups", groupColumns)
	updateGroup = updateSQL("groups", groupColumns, "tenant_id", "id")
)

func (s *Store) groupArgs(g store.Group) []any {
	return []any{
		g.TenantID, g.ID, g.DisplayName, g.Description, g.MailNickname, g.Mail, list(g.GroupTypes),
		g.MailEnabled, g.SecurityEnabled, string(g.Visibility), s.f.Time(g.CreatedAt), g.Version,
	}
}

// groupReadColumns are the columns ScanGroup reads, in its order;
// SelectGroup and the directory queries (dirquery.go) read them.
const groupReadColumns = `tenant_id, id, display_name, description, mail_nickname, mail, group_types,
	mail_enabled, security_enabled, visibility, created_at, version`

// SelectGroup and ScanGroup read groups.
const SelectGroup = `SELECT ` + groupReadColumns + ` FROM groups `

func ScanGroup(sc scanner) (store.Group, error) {
	var g store.Group
	err := sc.Scan(&g.TenantID, &g.ID, &g.DisplayName, &g.Description, &g.MailNickname, &g.Mail, strs(&g.GroupTypes),
		&g.MailEnabled, &g.SecurityEnabled, (*string)(&g.Visibility), ts(&g.CreatedAt), &g.Version)
	return g, err
}

// CreateGroup inserts the group, and its initial memberships in the same
// transaction (one statement alone when there are none).
func (s *Store) CreateGroup(ctx context.Context, g store.Group, initial ...store.Membership) error {
	if len(initial) == 0 {
		_, err := s.db.ExecOne(ctx, insertGroup, s.groupArgs(g)...)
		return s.db.conflict(err, "group %s", g.ID)
	}
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, insertGroup, s.groupArgs(g)...); err != nil {
			return s.db.conflict(err, "group %s", g.ID)
		}
		for _, m := range initial {
			m.TenantID, m.ContainerID, m.ContainerKind = g.TenantID, g.ID, store.ContainerGroup
			_, err := tx.Exec(ctx, InsertMembership, m.TenantID, m.ContainerID, string(m.Role), m.MemberID, string(m.ContainerKind))
			if err != nil {
				return s.db.conflict(err, "%s %s of %s", m.Role, m.MemberID, m.ContainerID)
			}
		}
		return nil
	})
}

func (s *Store) GetGroup(ctx context.Context, tenantID, id string) (store.Group, error) {
	var g store.Group
	err := s.db.ReadRow(ctx, func(r Row) (err error) {
		g, err = ScanGroup(r)
		return notFound(err, "group %s in tenant %s", id, tenantID)
	}, SelectGroup+`WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return g, err
}

func (s *Store) ListGroups(ctx context.Context, tenantID, after string, limit int) ([]store.Group, error) {
	var gs []store.Group
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		gs, err = queryAll(ctx, tx, ScanGroup, SelectGroup+`WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?`,
			tenantID, after, s.f.Limit(limit))
		return err
	})
	return gs, err
}

func (s *Store) UpdateGroup(ctx context.Context, tenantID, id string, f func(store.Group) (store.Group, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		old, err := ScanGroup(tx.QueryRow(ctx, SelectGroup+`WHERE tenant_id = ? AND id = ?`+s.f.ForUpdate, tenantID, id))
		if err != nil {
			return notFound(err, "group %s in tenant %s", id, tenantID)
		}
		g, err := f(old)
		if err != nil {
			return err
		}
		g.TenantID, g.ID, g.Version = old.TenantID, old.ID, old.Version+1
		_, err = tx.Exec(ctx, updateGroup, append(s.groupArgs(g), tenantID, id)...)
		return err
	})
}

// DeleteGroup removes the group and the memberships it is in or holds.
func (s *Store) DeleteGroup(ctx context.Context, tenantID, id string) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM groups WHERE tenant_id = ? AND id = ?`, tenantID, id)
		if err := mustAffect(res, err, "group %s in tenant %s", id, tenantID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM memberships WHERE tenant_id = ? AND (member_id = ? OR container_id = ?)`,
			tenantID, id, id)
		return err
	})
}
