-- The decision log's request-id index goes: readers look a request up by
-- request_id OR client_request_id (store.DecisionQuery.RequestID), which
-- SQLite cannot answer from an index on one of the two, so it scanned the
-- log newest first (stopping at the LIMIT) with or without it. The index
-- only cost every append a B-tree insert at a random place (request ids
-- are random GUIDs): a page written to the WAL per row under load
-- (bench/README.md, "The decision log's cost").
DROP INDEX decisions_by_request;
