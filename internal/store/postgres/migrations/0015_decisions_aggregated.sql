-- The decision log aggregates allowed decisions that repeat within one of
-- the writer's batches into one row (store.Decision.Repeats): request_count
-- is how many requests the row stands for, repeats the further requests'
-- times and ids as a JSON array ('' for a row of one request; text, so that
-- a request id is found by LIKE as written). Rows written before stand for
-- one request each.
ALTER TABLE decisions ADD COLUMN request_count integer NOT NULL DEFAULT 1;
ALTER TABLE decisions ADD COLUMN repeats text NOT NULL DEFAULT '';
