-- The sign-in log: one row per sign-in the identity platform handled
-- (the sign-in pages and the token endpoint), successes and failures,
-- appended in batches by the server's sign-in writer and pruned by age and
-- count (store.SignInLog). seq orders the log and is never reused
-- (AUTOINCREMENT); id is the signIn's GUID. error_code is the AADSTS
-- number, 0 on success. Readers ask for one tenant's newest rows first,
-- filtered by user or app: the indexes serve those.
CREATE TABLE signins (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT    NOT NULL UNIQUE,
    at                INTEGER NOT NULL,
    tenant_id         TEXT    NOT NULL,
    request_id        TEXT    NOT NULL,
    user_id           TEXT    NOT NULL,
    user_upn          TEXT    NOT NULL,
    user_name         TEXT    NOT NULL,
    app_id            TEXT    NOT NULL,
    app_name          TEXT    NOT NULL,
    resource_id       TEXT    NOT NULL,
    resource_name     TEXT    NOT NULL,
    client_app        TEXT    NOT NULL,
    grant_type        TEXT    NOT NULL,
    ip_address        TEXT    NOT NULL,
    interactive       INTEGER NOT NULL,
    service_principal INTEGER NOT NULL,
    error_code        INTEGER NOT NULL,
    failure_reason    TEXT    NOT NULL
) STRICT;
CREATE INDEX signins_by_tenant ON signins (tenant_id, seq);
CREATE INDEX signins_by_user ON signins (tenant_id, user_id, seq);
CREATE INDEX signins_by_app ON signins (tenant_id, app_id, seq);
CREATE INDEX signins_by_time ON signins (at);
