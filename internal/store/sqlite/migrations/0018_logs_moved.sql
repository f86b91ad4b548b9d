-- The decision and sign-in logs live in logs.db (internal/store/sqlite/logs.go),
-- which moves an older folder's rows there before the tenant file's
-- migrations run; their tables here are empty and go. PostgreSQL keeps the
-- logs in its one database (no 0018 there).
DROP TABLE decisions;
DROP TABLE signins;
