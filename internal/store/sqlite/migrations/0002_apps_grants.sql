-- App registrations with their reply addresses and credentials, service
-- principals, and consent (delegated grants and app role assignments).

CREATE TABLE apps (
    app_id           TEXT    NOT NULL PRIMARY KEY,
    object_id        TEXT    NOT NULL,
    tenant_id        TEXT    NOT NULL,
    display_name     TEXT    NOT NULL,
    sign_in_audience TEXT    NOT NULL,
    public_client    INTEGER NOT NULL,
    required_scopes  TEXT    NOT NULL DEFAULT '[]',
    required_roles   TEXT    NOT NULL DEFAULT '[]',
    created_at       INTEGER,
    version          INTEGER NOT NULL
) STRICT;
CREATE INDEX apps_by_tenant ON apps (tenant_id, app_id);

-- An app's lists keep their order through position.
CREATE TABLE app_redirect_uris (
    app_id   TEXT    NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    uri      TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    PRIMARY KEY (app_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE app_secrets (
    app_id       TEXT    NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    key_id       TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    hint         TEXT    NOT NULL,
    hash         BLOB    NOT NULL,
    expires_at   INTEGER,
    created_at   INTEGER,
    PRIMARY KEY (app_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE app_certificates (
    app_id       TEXT    NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    key_id       TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    der          BLOB    NOT NULL,
    expires_at   INTEGER,
    PRIMARY KEY (app_id, position)
) STRICT, WITHOUT ROWID;

-- One service principal per (tenant, app); the unique index is what makes
-- EnsureServicePrincipal race-free.
CREATE TABLE service_principals (
    id           TEXT NOT NULL PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    app_id       TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at   INTEGER
) STRICT;
CREATE UNIQUE INDEX service_principals_by_app ON service_principals (tenant_id, app_id);

-- oAuth2PermissionGrants. principal_id is '' for AllPrincipals grants, so
-- the unique key is (tenant, client, consent type, principal).
CREATE TABLE delegated_grants (
    id           TEXT NOT NULL PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    consent_type TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    scopes       TEXT NOT NULL DEFAULT '[]',
    created_at   INTEGER,
    updated_at   INTEGER
) STRICT;
CREATE UNIQUE INDEX delegated_grants_by_key ON delegated_grants (tenant_id, client_id, consent_type, principal_id);

CREATE TABLE app_role_assignments (
    id         TEXT NOT NULL PRIMARY KEY,
    tenant_id  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    permission TEXT NOT NULL,
    created_at INTEGER
) STRICT;
CREATE UNIQUE INDEX app_role_assignments_by_key ON app_role_assignments (tenant_id, client_id, permission);
