-- A calendar view's active series masters by their span (issue 16 item 2).
--
-- A series is active in a window when it starts before the window's end
-- and its last occurrence ends after the window's start. items_series_by_end
-- (0008) keyed the masters by their end alone, so the start was tested on
-- the table row: the document decompressed for every series ending after
-- the window, including those that start after it (scale 1, a month of a
-- calendar with 2,023 series: 1,524 rows read, 920 removed by the filter,
-- 1,577 buffers). With the start in the key too, both halves are index
-- conditions and only the active masters' rows are visited, for their keys
-- (the view lists the masters by id, so the matches' keys are sorted and
-- no document is read): 604 rows, 651 buffers; in psql at load 3-12,
-- 29-210 ms before, 1.1-1.9 ms after (3.2-9 ms when ordered by the index's
-- expressions, each computed from its row's document).
-- The predicate is a literal and the expressions are those the Graph
-- server writes, as for 0008's index, which this one replaces.
-- IF (NOT) EXISTS: a database measured with the index made by hand
-- before this migration was numbered takes it as it is.
CREATE INDEX IF NOT EXISTS items_series_span ON items (tenant_id, kind, parent_id,
    (coalesce(doc #>> '{_seriesEnd}', '9999-12-31') COLLATE "C"), ((doc #>> '{start,utc}') COLLATE "C"), id)
    WHERE (doc #>> '{type}') = 'seriesMaster';
DROP INDEX IF EXISTS items_series_by_end;
ANALYZE items;
