package sqlite

import (
	"context"
	"database/sql"

	"graphgate/internal/store"
)

// App registrations are store/sqlstore's; what is left here is what
// ExportTenant and ImportTenant (transfer.go) still read and write. App registrations: the apps row plus three child tables (redirect URIs,
// secrets, certificates) that an update replaces wholesale.

var appColumns = []string{
	"app_id", "object_id", "tenant_id", "display_name", "sign_in_audience", "public_client",
	"required_scopes", "required_roles", "created_at", "version",
}

var (
	insertApp = insertSQL("apps", appColumns)
	updateApp = updateSQL("apps", appColumns, "app_id = ?")
)

func appArgs(a store.App) []any {
	return []any{
		a.AppID, a.ObjectID, a.TenantID, a.DisplayName, string(a.SignInAudience), a.PublicClient,
		list(a.RequiredScopes), list(a.RequiredRoles), millis(a.CreatedAt), a.Version,
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

// putAppLists replaces the app's redirect URIs, secrets and certificates.
func putAppLists(ctx context.Context, tx *sql.Tx, a store.App) error {
	for _, table := range []string{"app_redirect_uris", "app_secrets", "app_certificates"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE app_id = ?`, a.AppID); err != nil {
			return err
		}
	}
	for i, r := range a.RedirectURIs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO app_redirect_uris (app_id, position, uri, kind) VALUES (?, ?, ?, ?)`,
			a.AppID, i, r.URI, string(r.Kind)); err != nil {
			return err
		}
	}
	for i, c := range a.Secrets {
		if _, err := tx.ExecContext(ctx, `INSERT INTO app_secrets
			(app_id, position, key_id, display_name, hint, hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			a.AppID, i, c.ID, c.DisplayName, c.Hint, blob(c.Hash), millis(c.ExpiresAt), millis(c.CreatedAt)); err != nil {
			return err
		}
	}
	for i, c := range a.Certificates {
		if _, err := tx.ExecContext(ctx, `INSERT INTO app_certificates
			(app_id, position, key_id, display_name, der, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			a.AppID, i, c.ID, c.DisplayName, blob(c.DER), millis(c.ExpiresAt)); err != nil {
			return err
		}
	}
	return nil
}

// getAppLists fills in the app's redirect URIs, secrets and certificates.
func getAppLists(ctx context.Context, tx *sql.Tx, a *store.App) (err error) {
	a.RedirectURIs, err = queryAll(ctx, tx, func(sc scanner) (r store.RedirectURI, err error) {
		return r, sc.Scan(&r.URI, (*string)(&r.Kind))
	}, `SELECT uri, kind FROM app_redirect_uris WHERE app_id = ? ORDER BY position`, a.AppID)
	if err != nil {
		return err
	}
	a.Secrets, err = queryAll(ctx, tx, func(sc scanner) (c store.ClientSecret, err error) {
		return c, sc.Scan(&c.ID, &c.DisplayName, &c.Hint, &c.Hash, ts(&c.ExpiresAt), ts(&c.CreatedAt))
	}, `SELECT key_id, display_name, hint, hash, expires_at, created_at FROM app_secrets WHERE app_id = ? ORDER BY position`, a.AppID)
	if err != nil {
		return err
	}
	a.Certificates, err = queryAll(ctx, tx, func(sc scanner) (c store.Certificate, err error) {
		return c, sc.Scan(&c.ID, &c.DisplayName, &c.DER, ts(&c.ExpiresAt))
	}, `SELECT key_id, display_name, der, expires_at FROM app_certificates WHERE app_id = ? ORDER BY position`, a.AppID)
	return err
}

func getApp(ctx context.Context, tx *sql.Tx, appID string) (store.App, error) {
	a, err := scanApp(tx.QueryRowContext(ctx, selectApp+`WHERE app_id = ?`, appID))
	if err != nil {
		return a, notFound(err, "app %s", appID)
	}
	return a, getAppLists(ctx, tx, &a)
}
