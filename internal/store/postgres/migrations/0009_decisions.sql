-- The decision log: one row per authorization decision of the Graph
-- pipeline, appended in batches by each replica's log writer and pruned by
-- age and count (store.DecisionLog). seq orders the log (an identity:
-- increasing in the order rows are inserted; across replicas a row may
-- commit after one with a higher seq). detail is the full explanation.
CREATE TABLE decisions (
    seq               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                timestamptz NOT NULL,
    request_id        text        NOT NULL,
    client_request_id text        NOT NULL,
    tenant_id         text        NOT NULL,
    app_id            text        NOT NULL,
    app_name          text        NOT NULL,
    user_id           text        NOT NULL,
    user_upn          text        NOT NULL,
    scheme            text        NOT NULL,
    method            text        NOT NULL,
    route             text        NOT NULL,
    path              text        NOT NULL,
    allowed           boolean     NOT NULL,
    status            integer     NOT NULL,
    reason            text        NOT NULL,
    check_name        text        NOT NULL,
    held              jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(held) = 'array'),
    granted           text        NOT NULL,
    candidates        jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(candidates) = 'array'),
    detail            jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object')
);
CREATE INDEX decisions_by_time ON decisions (at);
CREATE INDEX decisions_by_request ON decisions (request_id);
