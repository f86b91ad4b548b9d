-- Calendar views read only what a page needs (store.Overlap).
--
-- An event overlaps a window when it starts before the window's end and
-- ends after its start. An index on the start alone answers the first half
-- but not the second: every event since the calendar began starts before
-- the window. So events and event exceptions are indexed by their duration
-- class too (graphgate_span_class): the number of characters of their
-- duration in approximate minutes (months of 31 days, seconds dropped; at
-- most 8), computed from the fixed-width stored text with integer
-- arithmetic, as the SQLite backend computes it. An event of class c lasts
-- under 10^c minutes, so one that overlaps the window starts at most 10^c
-- minutes before it: the store reads each class from there, in start
-- order, and stops at the page. (The end is tested on the heap row: a key
-- column for it would make this index the planner's choice, on a tie, for
-- queries on the end alone, which items_event_end serves.) Text that is
-- not a stored date-time has no class (NULL), so that the function never
-- fails a write.
CREATE FUNCTION graphgate_span_class(doc jsonb) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (SELECT CASE WHEN s ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}' AND e ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}'
        THEN least(length(((((substr(e, 1, 4)::bigint * 12 + substr(e, 6, 2)::bigint) * 31 + substr(e, 9, 2)::bigint) * 1440
                + substr(e, 12, 2)::bigint * 60 + substr(e, 15, 2)::bigint)
            - (((substr(s, 1, 4)::bigint * 12 + substr(s, 6, 2)::bigint) * 31 + substr(s, 9, 2)::bigint) * 1440
                + substr(s, 12, 2)::bigint * 60 + substr(s, 15, 2)::bigint))::text), 8)
        END
        FROM (SELECT doc #>> '{start,utc}' AS s, doc #>> '{end,utc}' AS e) AS t);

CREATE INDEX items_event_span ON items (tenant_id, parent_id, graphgate_span_class(doc),
    ((doc #>> '{start,utc}') COLLATE "C"), id) WHERE kind = 'event';
CREATE INDEX items_exception_span ON items (tenant_id, parent_id, graphgate_span_class(doc),
    ((doc #>> '{start,utc}') COLLATE "C"), id) WHERE kind = 'eventException';

-- A calendar's recurring series that have not ended before a window: the
-- series masters by the end of their last occurrence (none: never ending).
-- The Graph server writes the same predicate and expression; the predicate
-- is a literal (not the kind, which queries bind), so that generic plans
-- can use the index too.
CREATE INDEX items_series_by_end ON items (tenant_id, kind, parent_id,
    (coalesce(doc #>> '{_seriesEnd}', '9999-12-31') COLLATE "C"), id) WHERE (doc #>> '{type}') = 'seriesMaster';
