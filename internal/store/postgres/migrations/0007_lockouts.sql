-- Smart-lockout state, one row per user: failed password sign-ins counted
-- by the identity platform, the lockouts they led to, and keyed hashes of
-- the latest wrong passwords (a repeated wrong password is not counted
-- twice). Rows expire when the identity platform stops caring about them;
-- DeleteExpired removes them.

CREATE TABLE lockouts (
    tenant_id     text        NOT NULL,
    user_id       text        NOT NULL,
    failures      integer     NOT NULL,
    lockouts      integer     NOT NULL,
    locked_until  timestamptz,
    bad_passwords jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(bad_passwords) = 'array'),
    updated_at    timestamptz,
    expires_at    timestamptz,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX lockouts_by_expiry ON lockouts (expires_at);
