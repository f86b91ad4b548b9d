-- The decision log aggregates allowed decisions that repeat within one of
-- the writer's batches into one row (store.Decision.Repeats): request_count
-- is how many requests the row stands for, repeats the further requests'
-- times and ids as a JSON array ('' for a row of one request). Rows written
-- before stand for one request each.
ALTER TABLE decisions ADD COLUMN request_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE decisions ADD COLUMN repeats TEXT NOT NULL DEFAULT '';
