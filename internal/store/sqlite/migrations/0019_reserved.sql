-- Reserved: migration 0019 is assigned to other work of issue 16 (0018 the
-- logs' tables, 0019 a SQLite generation index), which may not need it.
-- This no-op keeps the numbers contiguous so that 0020 loads; replace it
-- with that work's migration when both are merged.
SELECT 1;
