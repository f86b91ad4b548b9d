package sqlstore

import (
	"context"

	"graphgate/internal/store"
)

// App registrations: the apps row plus three child tables (redirect URIs,
// secrets, certificates) that an update replaces wholesale. A list is
// written with multi-row INSERTs (insertRows) and read with one query for
// any number of apps, ordered by app and position: GetApp and ListApps
// both cost four statements whatever the number of apps.

var appColumns = []string{
	"app_id", "object_id", "tenant_id", "display_name", "sign_in_audience", "public_client",
	"required_scopes", "required_roles", "created_at", "version",
}

var (
	insertApp = insertSQL("apps", appColumns)
	updateApp = updateSQL("apps", appColumns, "app_id")
)

func (s *Store) appArgs(a store.App) []any {
	return []any{
		a.AppID, a.ObjectID, a.TenantID, a.DisplayName, string(a.SignInAudience), a.PublicClient,
		list(a.RequiredScopes), list(a.RequiredRoles), s.f.Time(a.CreatedAt), a.Version,
	}
}

const selectApp = `SELECT app_id, object_id, tenant_id, display_name, sign_in_audience, public_client,
	required_scopes, required_roles, created_at, version FROM apps `

func scanApp(sc scanner) (store.App, error) {
	var a store.App
	err := sc.Scan(&a.AppID, &a.ObjectID, &a.TenantID, &a.DisplayName, (*string)(&a.SignInAudience), &a.PublicClient,
		strs(&a.RequiredScopes), strs(&a.RequiredRoles), ts(&a.CreatedAt), &a.Version)
	return a, err
}

func (s *Store) CreateApp(ctx context.Context, a store.App) error {
	return s.db.Write(ctx, func(tx *Tx) error { return s.insertApp(ctx, tx, a) })
}

// insertApp inserts the app and its lists (ImportTenant's too).
func (s *Store) insertApp(ctx context.Context, tx *Tx, a store.App) error {
	if _, err := tx.Exec(ctx, insertApp, s.appArgs(a)...); err != nil {
		return s.db.conflict(err, "app %s", a.AppID)
	}
	return s.insertAppLists(ctx, tx, a)
}

// Columns of the apps' lists, position (the list's order) second.
var (
	redirectColumns    = []string{"app_id", "position", "uri", "kind"}
	secretColumns      = []string{"app_id", "position", "key_id", "display_name", "hint", "hash", "expires_at", "created_at"}
	certificateColumns = []string{"app_id", "position", "key_id", "display_name", "der", "expires_at"}
)

// putAppLists replaces the app's redirect URIs, secrets and certificates.
func (s *Store) putAppLists(ctx context.Context, tx *Tx, a store.App) error {
	for _, q := range []string{
		`DELETE FROM app_redirect_uris WHERE app_id = ?`,
		`DELETE FROM app_secrets WHERE app_id = ?`,
		`DELETE FROM app_certificates WHERE app_id = ?`,
	} {
		if _, err := tx.Exec(ctx, q, a.AppID); err != nil {
			return err
		}
	}
	return s.insertAppLists(ctx, tx, a)
}

func (s *Store) insertAppLists(ctx context.Context, tx *Tx, a store.App) error {
	rows := make([][]any, len(a.RedirectURIs))
	for i, r := range a.RedirectURIs {
		rows[i] = []any{a.AppID, i, r.URI, string(r.Kind)}
	}
	if err := insertRows(ctx, tx, "app_redirect_uris", redirectColumns, rows); err != nil {
		return err
	}
	rows = make([][]any, len(a.Secrets))
	for i, c := range a.Secrets {
		rows[i] = []any{a.AppID, i, c.ID, c.DisplayName, c.Hint, blob(c.Hash), s.f.Time(c.ExpiresAt), s.f.Time(c.CreatedAt)}
	}
	if err := insertRows(ctx, tx, "app_secrets", secretColumns, rows); err != nil {
		return err
	}
	rows = make([][]any, len(a.Certificates))
	for i, c := range a.Certificates {
		rows[i] = []any{a.AppID, i, c.ID, c.DisplayName, blob(c.DER), s.f.Time(c.ExpiresAt)}
	}
	return insertRows(ctx, tx, "app_certificates", certificateColumns, rows)
}

// The lists of one app (oneApp) or of a tenant's apps (tenantApps): the
// condition on a list's app_id, with one argument.
const (
	oneApp     = `WHERE app_id = ? ORDER BY app_id, position`
	tenantApps = `WHERE app_id IN (SELECT app_id FROM apps WHERE tenant_id = ?) ORDER BY app_id, position`
)

// getAppLists fills in the redirect URIs, secrets and certificates of
// apps, which are what the condition where (oneApp, tenantApps) with arg
// selects, with one query per list.
func getAppLists(ctx context.Context, tx *Tx, apps []store.App, where string, arg any) error {
	if len(apps) == 0 {
		return nil
	}
	index := make(map[string]*store.App, len(apps))
	for i := range apps {
		index[apps[i].AppID] = &apps[i]
	}
	each := func(query string, scan func(sc scanner, a func(appID string) *store.App) error) error {
		rows, err := tx.Query(ctx, query+where, arg)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows, func(appID string) *store.App { return index[appID] }); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	var appID string
	if err := each(`SELECT app_id, uri, kind FROM app_redirect_uris `, func(sc scanner, app func(string) *store.App) error {
		var r store.RedirectURI
		if err := sc.Scan(&appID, &r.URI, (*string)(&r.Kind)); err != nil {
			return err
		}
		if a := app(appID); a != nil {
			a.RedirectURIs = append(a.RedirectURIs, r)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT app_id, key_id, display_name, hint, hash, expires_at, created_at FROM app_secrets `, func(sc scanner, app func(string) *store.App) error {
		var c store.ClientSecret
		if err := sc.Scan(&appID, &c.ID, &c.DisplayName, &c.Hint, &c.Hash, ts(&c.ExpiresAt), ts(&c.CreatedAt)); err != nil {
			return err
		}
		if a := app(appID); a != nil {
			a.Secrets = append(a.Secrets, c)
		}
		return nil
	}); err != nil {
		return err
	}
	return each(`SELECT app_id, key_id, display_name, der, expires_at FROM app_certificates `, func(sc scanner, app func(string) *store.App) error {
		var c store.Certificate
		if err := sc.Scan(&appID, &c.ID, &c.DisplayName, &c.DER, ts(&c.ExpiresAt)); err != nil {
			return err
		}
		if a := app(appID); a != nil {
			a.Certificates = append(a.Certificates, c)
		}
		return nil
	})
}

// getApp reads the app with its lists; lock (a write transaction's
// read-modify-write) locks its row.
func (s *Store) getApp(ctx context.Context, tx *Tx, appID string, lock bool) (store.App, error) {
	q := selectApp + `WHERE app_id = ?`
	if lock {
		q += s.f.ForUpdate
	}
	a, err := scanApp(tx.QueryRow(ctx, q, appID))
	if err != nil {
		return a, notFound(err, "app %s", appID)
	}
	apps := []store.App{a}
	err = getAppLists(ctx, tx, apps, oneApp, appID)
	return apps[0], err
}

func (s *Store) GetApp(ctx context.Context, appID string) (store.App, error) {
	var a store.App
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		a, err = s.getApp(ctx, tx, appID, false)
		return err
	})
	return a, err
}

func (s *Store) ListApps(ctx context.Context, tenantID string) ([]store.App, error) {
	var as []store.App
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		as, err = tenantAppsOf(ctx, tx, tenantID)
		return err
	})
	return as, err
}

// tenantAppsOf reads a tenant's apps, by id, with their lists.
func tenantAppsOf(ctx context.Context, tx *Tx, tenantID string) ([]store.App, error) {
	as, err := queryAll(ctx, tx, scanApp, selectApp+`WHERE tenant_id = ? ORDER BY app_id`, tenantID)
	if err != nil {
		return nil, err
	}
	return as, getAppLists(ctx, tx, as, tenantApps, tenantID)
}

func (s *Store) UpdateApp(ctx context.Context, appID string, f func(store.App) (store.App, error)) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		old, err := s.getApp(ctx, tx, appID, true)
		if err != nil {
			return err
		}
		a, err := f(old)
		if err != nil {
			return err
		}
		a.AppID, a.Version = old.AppID, old.Version+1
		if _, err := tx.Exec(ctx, updateApp, append(s.appArgs(a), appID)...); err != nil {
			return err
		}
		return s.putAppLists(ctx, tx, a)
	})
}

// DeleteApp removes the registration with its lists (by cascade); service
// principals and grants, which name the app by client id, are kept.
func (s *Store) DeleteApp(ctx context.Context, appID string) error {
	res, err := s.db.ExecOne(ctx, `DELETE FROM apps WHERE app_id = ?`, appID)
	return mustAffect(res, err, "app %s", appID)
}
