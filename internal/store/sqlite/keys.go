package sqlite

import (
	"context"
	"database/sql"

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
	var ks []store.SigningKey
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		ks, err = queryAll(ctx, tx, scanSigningKey, selectSigningKey+`ORDER BY generation`)
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

const selectSetting = `SELECT name, value FROM settings `

func scanSetting(sc scanner) (store.Setting, error) {
	var st store.Setting
	err := sc.Scan(&st.Name, &st.Value)
	return st, err
}

func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.read(ctx, func(tx *sql.Tx) error {
		return notFound(tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v), "setting %s", name)
	})
	return v, err
}

func (s *Store) ListSettings(ctx context.Context) ([]store.Setting, error) {
	var l []store.Setting
	err := s.read(ctx, func(tx *sql.Tx) (err error) {
		l, err = queryAll(ctx, tx, scanSetting, selectSetting+`ORDER BY name`)
		return err
	})
	return l, err
}

func (s *Store) PutSetting(ctx context.Context, name string, value []byte) error {
	return s.write(ctx, func(tx *sql.Tx) error { return putSetting(ctx, tx, name, value) })
}

func putSetting(ctx context.Context, tx *sql.Tx, name string, value []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, blob(value))
	return err
}
