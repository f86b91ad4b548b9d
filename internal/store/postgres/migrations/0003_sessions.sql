-- Single-use and rotating credentials, each keyed by the SHA-256 of its
-- value. The expires_at indexes serve DeleteExpired.

CREATE TABLE auth_codes (
    hash                  bytea            NOT NULL PRIMARY KEY,
    tenant_id             text COLLATE "C" NOT NULL,
    client_id             text COLLATE "C" NOT NULL,
    user_id               text COLLATE "C" NOT NULL,
    redirect_uri          text             NOT NULL,
    scopes                jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(scopes) = 'array'),
    requested             jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(requested) = 'array'),
    nonce                 text             NOT NULL,
    code_challenge        text             NOT NULL,
    code_challenge_method text             NOT NULL,
    auth_time             timestamptz,
    expires_at            timestamptz,
    -- NULL until redeemed; RedeemAuthCode sets it only WHERE it IS NULL.
    redeemed_at           timestamptz,
    family_id             text COLLATE "C" NOT NULL
);
CREATE INDEX auth_codes_by_expiry ON auth_codes (expires_at);

CREATE TABLE refresh_tokens (
    hash       bytea            NOT NULL PRIMARY KEY,
    family_id  text COLLATE "C" NOT NULL,
    tenant_id  text COLLATE "C" NOT NULL,
    client_id  text COLLATE "C" NOT NULL,
    user_id    text COLLATE "C" NOT NULL,
    scopes     jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(scopes) = 'array'),
    auth_time  timestamptz,
    created_at timestamptz,
    expires_at timestamptz,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (tenant_id, user_id, client_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);

-- User codes are unique as given (the identity platform upper-cases what
-- people type), as in the SQLite backend.
CREATE TABLE device_codes (
    hash         bytea            NOT NULL PRIMARY KEY,
    user_code    text COLLATE "C" NOT NULL,
    tenant_seg   text             NOT NULL,
    tenant_id    text COLLATE "C" NOT NULL,
    client_id    text COLLATE "C" NOT NULL,
    scopes       jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(scopes) = 'array'),
    requested    jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(requested) = 'array'),
    status       text             NOT NULL,
    user_id      text COLLATE "C" NOT NULL,
    expires_at   timestamptz,
    last_poll_at timestamptz,
    interval_s   integer          NOT NULL,
    CONSTRAINT device_codes_by_user_code UNIQUE (user_code)
);
CREATE INDEX device_codes_by_expiry ON device_codes (expires_at);
