-- Token-signing keys and shared settings.

-- generation is the primary key, so replicas racing to add the next key
-- cannot both succeed.
CREATE TABLE signing_keys (
    generation  bigint           NOT NULL PRIMARY KEY,
    kid         text COLLATE "C" NOT NULL,
    private_key bytea            NOT NULL,
    cert_der    bytea            NOT NULL,
    activate_at timestamptz,
    retire_at   timestamptz,
    created_at  timestamptz,
    CONSTRAINT signing_keys_by_kid UNIQUE (kid)
);

CREATE TABLE settings (
    name  text COLLATE "C" NOT NULL PRIMARY KEY,
    value bytea            NOT NULL
);
