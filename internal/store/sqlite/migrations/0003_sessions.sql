-- Single-use and rotating credentials, each keyed by the SHA-256 of its
-- value. The expires_at indexes serve DeleteExpired.

CREATE TABLE auth_codes (
    hash                  BLOB    NOT NULL PRIMARY KEY,
    tenant_id             TEXT    NOT NULL,
    client_id             TEXT    NOT NULL,
    user_id               TEXT    NOT NULL,
    redirect_uri          TEXT    NOT NULL,
    scopes                TEXT    NOT NULL DEFAULT '[]',
    requested             TEXT    NOT NULL DEFAULT '[]',
    nonce                 TEXT    NOT NULL,
    code_challenge        TEXT    NOT NULL,
    code_challenge_method TEXT    NOT NULL,
    auth_time             INTEGER,
    expires_at            INTEGER,
    redeemed_at           INTEGER,
    family_id             TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX auth_codes_by_expiry ON auth_codes (expires_at);

CREATE TABLE refresh_tokens (
    hash       BLOB    NOT NULL PRIMARY KEY,
    family_id  TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    scopes     TEXT    NOT NULL DEFAULT '[]',
    auth_time  INTEGER,
    created_at INTEGER,
    expires_at INTEGER,
    used_at    INTEGER,
    revoked_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (tenant_id, user_id, client_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

CREATE TABLE device_codes (
    hash         BLOB    NOT NULL PRIMARY KEY,
    user_code    TEXT    NOT NULL,
    tenant_seg   TEXT    NOT NULL,
    tenant_id    TEXT    NOT NULL,
    client_id    TEXT    NOT NULL,
    scopes       TEXT    NOT NULL DEFAULT '[]',
    requested    TEXT    NOT NULL DEFAULT '[]',
    status       TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    expires_at   INTEGER,
    last_poll_at INTEGER,
    interval_s   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX device_codes_by_user_code ON device_codes (user_code);
CREATE INDEX device_codes_by_expiry ON device_codes (expires_at);
