-- The decision log's request-id index goes: readers look a request up by
-- request_id OR client_request_id (store.DecisionQuery.RequestID), which
-- PostgreSQL cannot answer from an index on one of the two (a BitmapOr
-- needs both), so it read the log in seq order with or without it. The
-- index only cost every append a B-tree insert at a random place (request
-- ids are random GUIDs) (bench/README.md, "The decision log's cost").
DROP INDEX decisions_by_request;
