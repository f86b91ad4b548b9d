package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
)

// Signing keys.

func (s *Store) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	return queryAll(ctx, s.pool, func(sc scanner) (k store.SigningKey, err error) {
		return k, sc.Scan(&k.Generation, &k.KID, &k.PrivateKey, &k.CertDER,
			ts(&k.ActivateAt), ts(&k.RetireAt), ts(&k.CreatedAt))
	}, `SELECT generation, kid, private_key, cert_der, activate_at, retire_at, created_at
		FROM signing_keys ORDER BY generation`)
}

// AddSigningKey inserts k unless its generation exists: ON CONFLICT DO
// NOTHING waits for a concurrent inserter of the same generation and then
// inserts nothing, so of racing replicas exactly one reports true. A
// different generation with the same key id is ErrConflict.
func (s *Store) AddSigningKey(ctx context.Context, k store.SigningKey) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO signing_keys
		(generation, kid, private_key, cert_der, activate_at, retire_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (generation) DO NOTHING`,
		k.Generation, k.KID, blob(k.PrivateKey), blob(k.CertDER), tstz(k.ActivateAt), tstz(k.RetireAt), tstz(k.CreatedAt))
	if err != nil {
		return false, conflict(err, "signing key %s", k.KID)
	}
	return tag.RowsAffected() == 1, nil
}

// Settings.

// SettingOrCreate inserts value unless name exists, then reads what is
// stored, in one transaction at READ COMMITTED: a concurrent first writer's
// insert makes this one wait and then do nothing, and the SELECT (a new
// statement) sees the committed value. The first writer wins everywhere.
func (s *Store) SettingOrCreate(ctx context.Context, name string, value []byte) ([]byte, error) {
	var v []byte
	err := s.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
			name, blob(value)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	})
	return v, err
}
