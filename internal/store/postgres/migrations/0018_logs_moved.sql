-- Nothing to do on PostgreSQL. SQLite's 0018 drops the tenant file's
-- decisions and signins tables, whose rows its logs.db now holds (see
-- internal/store/sqlite/logs.go); PostgreSQL keeps the logs in its one
-- database. The version is kept so that a change made on both stores has the
-- same number on both.
SELECT 1;
