-- The sign-in log: one row per sign-in the identity platform handled
-- (the sign-in pages and the token endpoint), successes and failures,
-- appended in batches by each replica's sign-in writer and pruned by age
-- and count (store.SignInLog). seq orders the log (an identity); id is the
-- signIn's GUID. error_code is the AADSTS number, 0 on success. Readers
-- ask for one tenant's newest rows first, filtered by user or app: the
-- indexes serve those.
CREATE TABLE signins (
    seq               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                text        NOT NULL UNIQUE,
    at                timestamptz NOT NULL,
    tenant_id         text        NOT NULL,
    request_id        text        NOT NULL,
    user_id           text        NOT NULL,
    user_upn          text        NOT NULL,
    user_name         text        NOT NULL,
    app_id            text        NOT NULL,
    app_name          text        NOT NULL,
    resource_id       text        NOT NULL,
    resource_name     text        NOT NULL,
    client_app        text        NOT NULL,
    grant_type        text        NOT NULL,
    ip_address        text        NOT NULL,
    interactive       boolean     NOT NULL,
    service_principal boolean     NOT NULL,
    error_code        integer     NOT NULL,
    failure_reason    text        NOT NULL
);
CREATE INDEX signins_by_tenant ON signins (tenant_id, seq);
CREATE INDEX signins_by_user ON signins (tenant_id, user_id, seq);
CREATE INDEX signins_by_app ON signins (tenant_id, app_id, seq);
CREATE INDEX signins_by_time ON signins (at);
