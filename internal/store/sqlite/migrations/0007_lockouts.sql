-- Smart-lockout state, one row per user: failed password sign-ins counted
-- by the identity platform, the lockouts they led to, and keyed hashes of
-- the latest wrong passwords (a repeated wrong password is not counted
-- twice). Rows expire when the identity platform stops caring about them;
-- DeleteExpired removes them.

CREATE TABLE lockouts (
    tenant_id     TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    failures      INTEGER NOT NULL,
    lockouts      INTEGER NOT NULL,
    locked_until  INTEGER,
    bad_passwords TEXT    NOT NULL DEFAULT '[]',
    updated_at    INTEGER,
    expires_at    INTEGER,
    PRIMARY KEY (tenant_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX lockouts_by_expiry ON lockouts (expires_at);
