-- Reserved: version 12 is the sign-in log's migration (0012_signins.sql),
-- made on another branch at the same time as 0013. This placeholder keeps
-- the versions contiguous until both are merged; delete it then (a
-- database migrated with it records version 12 as applied and would skip
-- 0012_signins.sql: only throw-away development databases are).
SELECT 1;
