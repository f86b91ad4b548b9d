-- App registrations with their reply addresses and credentials, service
-- principals, and consent (delegated grants and app role assignments).

CREATE TABLE apps (
    app_id           text COLLATE "C" NOT NULL PRIMARY KEY,
    object_id        text COLLATE "C" NOT NULL,
    tenant_id        text COLLATE "C" NOT NULL,
    display_name     text             NOT NULL,
    sign_in_audience text             NOT NULL,
    public_client    boolean          NOT NULL,
    required_scopes  jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(required_scopes) = 'array'),
    required_roles   jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(required_roles) = 'array'),
    created_at       timestamptz,
    version          bigint           NOT NULL
);
CREATE INDEX apps_by_tenant ON apps (tenant_id, app_id);

-- An app's lists keep their order through position. They are replaced
-- wholesale by an update and deleted with the app.
CREATE TABLE app_redirect_uris (
    app_id   text COLLATE "C" NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    position integer          NOT NULL,
    uri      text             NOT NULL,
    kind     text             NOT NULL,
    PRIMARY KEY (app_id, position)
);

CREATE TABLE app_secrets (
    app_id       text COLLATE "C" NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    position     integer          NOT NULL,
    key_id       text             NOT NULL,
    display_name text             NOT NULL,
    hint         text             NOT NULL,
    hash         bytea            NOT NULL,
    expires_at   timestamptz,
    created_at   timestamptz,
    PRIMARY KEY (app_id, position)
);

CREATE TABLE app_certificates (
    app_id       text COLLATE "C" NOT NULL REFERENCES apps (app_id) ON DELETE CASCADE,
    position     integer          NOT NULL,
    key_id       text             NOT NULL,
    display_name text             NOT NULL,
    der          bytea            NOT NULL,
    expires_at   timestamptz,
    PRIMARY KEY (app_id, position)
);

-- One service principal per (tenant, app); the unique constraint is what
-- makes EnsureServicePrincipal race-free (INSERT … ON CONFLICT DO NOTHING).
CREATE TABLE service_principals (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id    text COLLATE "C" NOT NULL,
    app_id       text COLLATE "C" NOT NULL,
    display_name text             NOT NULL,
    created_at   timestamptz,
    CONSTRAINT service_principals_by_app UNIQUE (tenant_id, app_id)
);

-- oAuth2PermissionGrants. principal_id is '' for AllPrincipals grants, so
-- the unique key is (tenant, client, consent type, principal).
CREATE TABLE delegated_grants (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id    text COLLATE "C" NOT NULL,
    client_id    text COLLATE "C" NOT NULL,
    consent_type text COLLATE "C" NOT NULL,
    principal_id text COLLATE "C" NOT NULL,
    scopes       jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(scopes) = 'array'),
    created_at   timestamptz,
    updated_at   timestamptz,
    CONSTRAINT delegated_grants_by_key UNIQUE (tenant_id, client_id, consent_type, principal_id)
);

CREATE TABLE app_role_assignments (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  text COLLATE "C" NOT NULL,
    client_id  text COLLATE "C" NOT NULL,
    permission text COLLATE "C" NOT NULL,
    created_at timestamptz,
    CONSTRAINT app_role_assignments_by_key UNIQUE (tenant_id, client_id, permission)
);
