package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"graphgate/internal/store"
)

// Signing keys.

const selectSigningKey = `SELECT generation, kid, private_key, cert_der, activate_at, retire_at, created_at FROM signing_keys `

func scanSigningKey(sc scanner) (store.SigningKey, error) {
	var k store.SigningKey
	err := sc.Scan(&k.Generation, &k.KID, &k.PrivateKey, &k.CertDER, ts(&k.ActivateAt), ts(&k.RetireAt), ts(&k.CreatedAt))
	return k, err
}

func (s *Store) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	return queryAll(ctx, s.pool, scanSigningKey, selectSigningKey+`ORDER BY generation`)
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

const selectSetting = `SELECT name, value FROM settings `

func scanSetting(sc scanner) (store.Setting, error) {
	var st store.Setting
	err := sc.Scan(&st.Name, &st.Value)
	return st, err
}

func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	return v, notFound(err, "setting %s", name)
}

func (s *Store) ListSettings(ctx context.Context) ([]store.Setting, error) {
	return queryAll(ctx, s.pool, scanSetting, selectSetting+`ORDER BY name`)
}

// putSettingSQL creates or overwrites a setting ($1 name, $2 value).
const putSettingSQL = `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value`

func (s *Store) PutSetting(ctx context.Context, name string, value []byte) error {
	_, err := s.pool.Exec(ctx, putSettingSQL, name, blob(value))
	return err
}
