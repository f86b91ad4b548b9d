package sqlite

import (
	"context"
	"database/sql"

	"graphgate/internal/store"
)

// Signing keys.

func (s *Store) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	var ks []store.SigningKey
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		ks, err = queryAll(ctx, tx, func(sc scanner) (k store.SigningKey, err error) {
			return k, sc.Scan(&k.Generation, &k.KID, &k.PrivateKey, &k.CertDER,
				ts(&k.ActivateAt), ts(&k.RetireAt), ts(&k.CreatedAt))
		}, `SELECT generation, kid, private_key, cert_der, activate_at, retire_at, created_at
			FROM signing_keys ORDER BY generation`)
		return err
	})
	return ks, err
}

// AddSigningKey inserts k unless its generation exists. A different
// generation with the same key id is ErrConflict.
func (s *Store) AddSigningKey(ctx context.Context, k store.SigningKey) (bool, error) {
	var added bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO signing_keys
			(generation, kid, private_key, cert_der, activate_at, retire_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (generation) DO NOTHING`,
			k.Generation, k.KID, blob(k.PrivateKey), blob(k.CertDER), millis(k.ActivateAt), millis(k.RetireAt), millis(k.CreatedAt))
		if err != nil {
			return conflict(err, "signing key %s", k.KID)
		}
		n, err := res.RowsAffected()
		added = n == 1
		return err
	})
	return added, err
}

// Settings.

// SettingOrCreate inserts value unless name exists, then reads what is
// stored, under the write lock: the first writer wins in every process.
func (s *Store) SettingOrCreate(ctx context.Context, name string, value []byte) ([]byte, error) {
	var v []byte
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
			name, blob(value)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	})
	return v, err
}
