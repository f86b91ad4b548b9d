-- The logs' own database file, logs.db (see logs.go): the decision log and
-- the sign-in log as the tenant file's migrations 0009, 0012, 0014 and 0015
-- left them, moved here so that their commits do not change the tenant
-- file's WAL stamp (which validates the user cache). Rows of a folder
-- written before are moved in by Go after this migration (logs.go).
--
-- The decision log: one row per authorization decision of the Graph
-- pipeline (allowed repeats within one writer batch aggregated into one
-- row: request_count, repeats), appended in batches and pruned by age and
-- count (store.DecisionLog). seq orders the log and never goes back
-- (AUTOINCREMENT), so a follower reading "after seq N" misses nothing.
CREATE TABLE decisions (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    at                INTEGER NOT NULL,
    request_id        TEXT    NOT NULL,
    client_request_id TEXT    NOT NULL,
    tenant_id         TEXT    NOT NULL,
    app_id            TEXT    NOT NULL,
    app_name          TEXT    NOT NULL,
    user_id           TEXT    NOT NULL,
    user_upn          TEXT    NOT NULL,
    scheme            TEXT    NOT NULL,
    method            TEXT    NOT NULL,
    route             TEXT    NOT NULL,
    path              TEXT    NOT NULL,
    allowed           INTEGER NOT NULL,
    status            INTEGER NOT NULL,
    reason            TEXT    NOT NULL,
    check_name        TEXT    NOT NULL,
    held              TEXT    NOT NULL DEFAULT '[]',
    granted           TEXT    NOT NULL,
    candidates        TEXT    NOT NULL DEFAULT '[]',
    detail            TEXT    NOT NULL DEFAULT '{}',
    request_count     INTEGER NOT NULL DEFAULT 1,
    repeats           TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX decisions_by_time ON decisions (at);

-- The sign-in log: one row per sign-in the identity platform handled,
-- successes and failures (store.SignInLog); id is the signIn's GUID,
-- error_code the AADSTS number (0 on success). Readers ask for one
-- tenant's newest rows first, filtered by user or app.
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
