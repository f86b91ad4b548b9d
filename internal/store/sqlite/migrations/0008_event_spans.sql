-- Calendar views read only what a page needs (store.Overlap).
--
-- An event overlaps a window when it starts before the window's end and
-- ends after its start. An index on the start alone answers the first half
-- but not the second: every event since the calendar began starts before
-- the window. So events and event exceptions are indexed by their duration
-- class too (span_class): the number of characters of their duration in
-- approximate minutes (months of 31 days, seconds dropped; at most 8). An
-- event of class c lasts under 10^c minutes, so one that overlaps the
-- window starts at most 10^c minutes before it: the store reads each class
-- from there, in start order, and stops at the page. The end is in the key
-- so that the overlap test needs no table row.
--
-- span_class is a virtual generated column (computed when read, stored
-- only in the indexes), so that queries name it rather than repeat its
-- expression in every branch: a statement SQLite parses on every query.
ALTER TABLE items ADD COLUMN span_class INTEGER GENERATED ALWAYS AS (
    min(length((((CAST(substr(json_extract(doc, '$.end.utc'), 1, 4) AS INTEGER) * 12 + CAST(substr(json_extract(doc, '$.end.utc'), 6, 2) AS INTEGER)) * 31 + CAST(substr(json_extract(doc, '$.end.utc'), 9, 2) AS INTEGER)) * 1440 + CAST(substr(json_extract(doc, '$.end.utc'), 12, 2) AS INTEGER) * 60 + CAST(substr(json_extract(doc, '$.end.utc'), 15, 2) AS INTEGER))
        - (((CAST(substr(json_extract(doc, '$.start.utc'), 1, 4) AS INTEGER) * 12 + CAST(substr(json_extract(doc, '$.start.utc'), 6, 2) AS INTEGER)) * 31 + CAST(substr(json_extract(doc, '$.start.utc'), 9, 2) AS INTEGER)) * 1440 + CAST(substr(json_extract(doc, '$.start.utc'), 12, 2) AS INTEGER) * 60 + CAST(substr(json_extract(doc, '$.start.utc'), 15, 2) AS INTEGER))), 8)
) VIRTUAL;

CREATE INDEX items_events_by_span ON items (tenant_id, parent_id, span_class, json_extract(doc, '$.start.utc'), id, json_extract(doc, '$.end.utc'))
    WHERE kind = 'event';
CREATE INDEX items_exceptions_by_span ON items (tenant_id, parent_id, span_class, json_extract(doc, '$.start.utc'), id, json_extract(doc, '$.end.utc'))
    WHERE kind = 'eventException';

-- A calendar's recurring series that have not ended before a window: the
-- series masters by the end of their last occurrence (none: never ending).
-- The Graph server writes the same predicate and expression.
CREATE INDEX items_series_by_end ON items (tenant_id, kind, parent_id, ifnull(json_extract(doc, '$._seriesEnd'), '9999-12-31'), id)
    WHERE json_extract(doc, '$.type') = 'seriesMaster';
