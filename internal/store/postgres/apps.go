package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"graphgate/internal/store"
)

// App registrations are store/sqlstore's; what is left here is what
// ExportTenant and ImportTenant (transfer.go) still read and write. App registrations: the apps row plus three child tables (redirect URIs,
// secrets, certificates) that an update replaces wholesale. Each child list
// is written with one INSERT … SELECT FROM unnest(…) WITH ORDINALITY and
// read with one query for any number of apps, so a ListApps costs four
// statements whatever the number of apps.

var appColumns = []string{
	"app_id", "object_id", "tenant_id", "display_name", "sign_in_audience", "public_client",
	"required_scopes", "required_roles", "created_at", "version",
}

var (
	insertApp = insertSQL("apps", appColumns)
	updateApp = updateSQL("apps", appColumns, "app_id")
)

func appArgs(a store.App) []any {
	return []any{
		a.AppID, a.ObjectID, a.TenantID, a.DisplayName, string(a.SignInAudience), a.PublicClient,
		list(a.RequiredScopes), list(a.RequiredRoles), tstz(a.CreatedAt), a.Version,
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

// tstzArray encodes times for a timestamptz[] argument, zero times as NULL.
func tstzArray(n int, at func(i int) time.Time) []pgtype.Timestamptz {
	out := make([]pgtype.Timestamptz, n)
	for i := range out {
		if t := at(i); !t.IsZero() {
			out[i] = pgtype.Timestamptz{Time: t, Valid: true}
		}
	}
	return out
}

// putAppLists replaces the app's redirect URIs, secrets and certificates.
func putAppLists(ctx context.Context, tx pgx.Tx, a store.App) error {
	for _, table := range []string{"app_redirect_uris", "app_secrets", "app_certificates"} {
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE app_id = $1`, a.AppID); err != nil {
			return err
		}
	}
	if n := len(a.RedirectURIs); n > 0 {
		uris, kinds := make([]string, n), make([]string, n)
		for i, r := range a.RedirectURIs {
			uris[i], kinds[i] = r.URI, string(r.Kind)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO app_redirect_uris (app_id, position, uri, kind)
			SELECT $1, n - 1, uri, kind FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS x (uri, kind, n)`,
			a.AppID, uris, kinds); err != nil {
			return err
		}
	}
	if n := len(a.Secrets); n > 0 {
		ids, names, hints, hashes := make([]string, n), make([]string, n), make([]string, n), make([][]byte, n)
		for i, c := range a.Secrets {
			ids[i], names[i], hints[i], hashes[i] = c.ID, c.DisplayName, c.Hint, blob(c.Hash)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO app_secrets (app_id, position, key_id, display_name, hint, hash, expires_at, created_at)
			SELECT $1, n - 1, id, name, hint, hash, exp, created
			FROM unnest($2::text[], $3::text[], $4::text[], $5::bytea[], $6::timestamptz[], $7::timestamptz[])
				WITH ORDINALITY AS x (id, name, hint, hash, exp, created, n)`,
			a.AppID, ids, names, hints, hashes,
			tstzArray(n, func(i int) time.Time { return a.Secrets[i].ExpiresAt }),
			tstzArray(n, func(i int) time.Time { return a.Secrets[i].CreatedAt })); err != nil {
			return err
		}
	}
	if n := len(a.Certificates); n > 0 {
		ids, names, ders := make([]string, n), make([]string, n), make([][]byte, n)
		for i, c := range a.Certificates {
			ids[i], names[i], ders[i] = c.ID, c.DisplayName, blob(c.DER)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO app_certificates (app_id, position, key_id, display_name, der, expires_at)
			SELECT $1, n - 1, id, name, der, exp
			FROM unnest($2::text[], $3::text[], $4::bytea[], $5::timestamptz[]) WITH ORDINALITY AS x (id, name, der, exp, n)`,
			a.AppID, ids, names, ders,
			tstzArray(n, func(i int) time.Time { return a.Certificates[i].ExpiresAt })); err != nil {
			return err
		}
	}
	return nil
}

// getAppLists fills in the redirect URIs, secrets and certificates of apps,
// with one query per list.
func getAppLists(ctx context.Context, q querier, apps []store.App) error {
	if len(apps) == 0 {
		return nil
	}
	ids := make([]string, len(apps))
	index := make(map[string]*store.App, len(apps))
	for i := range apps {
		ids[i] = apps[i].AppID
		index[ids[i]] = &apps[i]
	}
	rows, err := q.Query(ctx, `SELECT app_id, uri, kind FROM app_redirect_uris WHERE app_id = ANY($1) ORDER BY app_id, position`, ids)
	if err != nil {
		return err
	}
	var appID string
	var r store.RedirectURI
	if _, err := pgx.ForEachRow(rows, []any{&appID, &r.URI, (*string)(&r.Kind)}, func() error {
		a := index[appID]
		a.RedirectURIs = append(a.RedirectURIs, r)
		return nil
	}); err != nil {
		return err
	}

	rows, err = q.Query(ctx, `SELECT app_id, key_id, display_name, hint, hash, expires_at, created_at
		FROM app_secrets WHERE app_id = ANY($1) ORDER BY app_id, position`, ids)
	if err != nil {
		return err
	}
	var c store.ClientSecret
	if _, err := pgx.ForEachRow(rows, []any{&appID, &c.ID, &c.DisplayName, &c.Hint, &c.Hash, ts(&c.ExpiresAt), ts(&c.CreatedAt)}, func() error {
		a := index[appID]
		a.Secrets = append(a.Secrets, c)
		c.Hash = nil // the next row scans into a new slice
		return nil
	}); err != nil {
		return err
	}

	rows, err = q.Query(ctx, `SELECT app_id, key_id, display_name, der, expires_at
		FROM app_certificates WHERE app_id = ANY($1) ORDER BY app_id, position`, ids)
	if err != nil {
		return err
	}
	var cert store.Certificate
	_, err = pgx.ForEachRow(rows, []any{&appID, &cert.ID, &cert.DisplayName, &cert.DER, ts(&cert.ExpiresAt)}, func() error {
		a := index[appID]
		a.Certificates = append(a.Certificates, cert)
		cert.DER = nil
		return nil
	})
	return err
}

func getApp(ctx context.Context, q querier, appID string, lock bool) (store.App, error) {
	sql := selectApp + `WHERE app_id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	a, err := scanApp(q.QueryRow(ctx, sql, appID))
	if err != nil {
		return a, notFound(err, "app %s", appID)
	}
	apps := []store.App{a}
	err = getAppLists(ctx, q, apps)
	return apps[0], err
}
