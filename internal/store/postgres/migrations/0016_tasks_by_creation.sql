-- To Do lists answer in creation order (Graph's default for todoTasks:
-- the store's created_at, then id) and clients filter them, most often
-- status ne 'completed'. Without an index holding that order a page of a
-- long list read every task of the list and sorted them (a 10,000-task
-- list: 11 ms on PostgreSQL at scale 1); with it a page reads the list in
-- order and stops after the page (issue 16).
CREATE INDEX items_tasks_by_creation ON items (tenant_id, parent_id, created_at, id) WHERE kind = 'todoTask';
