-- The sign-in writer groups service principal sign-ins that repeat within
-- one of its batches into one row (store.SignIn.Repeats), as Entra ID
-- groups service principal sign-ins: request_count is how many sign-ins
-- the row stands for, repeats the further sign-ins' times, ids and request
-- ids as a JSON array ('' for a row of one sign-in; text, so that an id is
-- found by LIKE as written). Rows written before stand for one sign-in each.
ALTER TABLE signins ADD COLUMN request_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE signins ADD COLUMN repeats TEXT NOT NULL DEFAULT '';
