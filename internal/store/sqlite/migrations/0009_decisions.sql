-- The decision log: one row per authorization decision of the Graph
-- pipeline, appended in batches by the server's log writer and pruned by
-- age and count (store.DecisionLog). seq orders the log and never goes
-- back (AUTOINCREMENT: a pruned seq is not reused), so a follower reading
-- "after seq N" misses nothing. detail is the full explanation as JSON.
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
    detail            TEXT    NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX decisions_by_time ON decisions (at);
CREATE INDEX decisions_by_request ON decisions (request_id);
