-- Token-signing keys and shared settings.

-- generation is the primary key, so replicas racing to add the next key
-- cannot both succeed.
CREATE TABLE signing_keys (
    generation  INTEGER NOT NULL PRIMARY KEY,
    kid         TEXT    NOT NULL,
    private_key BLOB    NOT NULL,
    cert_der    BLOB    NOT NULL,
    activate_at INTEGER,
    retire_at   INTEGER,
    created_at  INTEGER
) STRICT;
CREATE UNIQUE INDEX signing_keys_by_kid ON signing_keys (kid);

CREATE TABLE settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
