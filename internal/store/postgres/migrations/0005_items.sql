-- Graph workload data (store.Items): one row per object, its Graph JSON in
-- doc, and the columns every query needs. Item queries filter and sort on
-- expressions over doc (doc->>'subject', doc #>> '{start,utc}'), which the
-- Graph server compiles from OData; the expression indexes below serve the
-- sorts and range filters the workloads use most, and must match the
-- compiled expressions exactly to be used.

CREATE TABLE items (
    tenant_id   text COLLATE "C" NOT NULL,
    kind        text COLLATE "C" NOT NULL,
    id          text COLLATE "C" NOT NULL,
    owner_id    text COLLATE "C" NOT NULL DEFAULT '',
    parent_id   text COLLATE "C" NOT NULL DEFAULT '',
    doc         jsonb            NOT NULL,
    version     bigint           NOT NULL,
    created_at  timestamptz,
    modified_at timestamptz,
    PRIMARY KEY (tenant_id, kind, id)
);
-- A user's items of a kind, in a folder (or the folder and its subfolders:
-- parent_id = ANY(…)).
CREATE INDEX items_by_owner_parent ON items (tenant_id, kind, owner_id, parent_id);

-- Messages by receivedDateTime (the default sort of mail), events by start
-- and end (calendarView's window), within one owner's items. Date-times in
-- doc are fixed-width UTC text (store.TimeLayout), so text order is time
-- order, compared bytewise. The indexed expressions are exactly what the
-- Graph server compiles for a date-time property, (doc #>> '{path}')
-- COLLATE "C" (graph.jsonExpr, odata.JSONMapping): the planner uses an
-- expression index only for the same operator and collation, so an index on
-- doc ->> 'receivedDateTime' in the database's collation would never serve
-- those queries. Partial indexes: other kinds do not pay for them.
CREATE INDEX items_message_received ON items (tenant_id, owner_id, (doc #>> '{receivedDateTime}') COLLATE "C") WHERE kind = 'message';
CREATE INDEX items_event_start ON items (tenant_id, owner_id, (doc #>> '{start,utc}') COLLATE "C") WHERE kind = 'event';
CREATE INDEX items_event_end ON items (tenant_id, owner_id, (doc #>> '{end,utc}') COLLATE "C") WHERE kind = 'event';
