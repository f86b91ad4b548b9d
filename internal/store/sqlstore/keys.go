package sqlstore

import (
	"context"

	"graphgate/internal/store"
)

// Signing keys.

// SelectSigningKey and ScanSigningKey read signing keys (the backends'
// transfer reads them too).
const SelectSigningKey = `SELECT generation, kid, private_key, cert_der, activate_at, retire_at, created_at FROM signing_keys `

func ScanSigningKey(sc scanner) (store.SigningKey, error) {
	var k store.SigningKey
	err := sc.Scan(&k.Generation, &k.KID, &k.PrivateKey, &k.CertDER, ts(&k.ActivateAt), ts(&k.RetireAt), ts(&k.CreatedAt))
	return k, err
}

func (s *Store) SigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	var ks []store.SigningKey
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		ks, err = queryAll(ctx, tx, ScanSigningKey, SelectSigningKey+`ORDER BY generation`)
		return err
	})
	return ks, err
}

// AddSigningKey inserts k unless its generation exists: ON CONFLICT DO
// NOTHING (on PostgreSQL it waits for a concurrent inserter of the same
// generation, then inserts nothing), so of racing replicas exactly one
// reports true. A different generation with the same key id is
// ErrConflict.
func (s *Store) AddSigningKey(ctx context.Context, k store.SigningKey) (bool, error) {
	n, err := affected(s.db.ExecOne(ctx, `INSERT INTO signing_keys
		(generation, kid, private_key, cert_der, activate_at, retire_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (generation) DO NOTHING`,
		k.Generation, k.KID, blob(k.PrivateKey), blob(k.CertDER), s.f.Time(k.ActivateAt), s.f.Time(k.RetireAt), s.f.Time(k.CreatedAt)))
	if err != nil {
		return false, s.db.conflict(err, "signing key %s", k.KID)
	}
	return n == 1, nil
}

// Settings.

// SettingOrCreate inserts value unless name exists, then reads what is
// stored, in one write transaction (on PostgreSQL at READ COMMITTED: a
// concurrent first writer's insert makes this one wait and then do
// nothing, and the SELECT, a new statement, sees the committed value). The
// first writer wins everywhere.
func (s *Store) SettingOrCreate(ctx context.Context, name string, value []byte) ([]byte, error) {
	var v []byte
	err := s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
			name, blob(value)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	})
	return v, err
}

// SelectSetting and ScanSetting read settings (the backends' transfer
// reads them too).
const SelectSetting = `SELECT name, value FROM settings `

func ScanSetting(sc scanner) (store.Setting, error) {
	var st store.Setting
	err := sc.Scan(&st.Name, &st.Value)
	return st, err
}

func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.db.ReadRow(ctx, func(r Row) error {
		return notFound(r.Scan(&v), "setting %s", name)
	}, `SELECT value FROM settings WHERE name = ?`, name)
	return v, err
}

func (s *Store) ListSettings(ctx context.Context) ([]store.Setting, error) {
	var l []store.Setting
	err := s.db.Read(ctx, func(tx *Tx) (err error) {
		l, err = queryAll(ctx, tx, ScanSetting, SelectSetting+`ORDER BY name`)
		return err
	})
	return l, err
}

// PutSettingSQL creates or overwrites a setting (name, value).
const PutSettingSQL = `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`

func (s *Store) PutSetting(ctx context.Context, name string, value []byte) error {
	_, err := s.db.ExecOne(ctx, PutSettingSQL, name, blob(value))
	return err
}
