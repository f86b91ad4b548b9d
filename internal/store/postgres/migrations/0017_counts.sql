-- Counts at scale (issue 16). Per-folder message counters: the number of
-- messages in a folder, and how many of them are unread or read, as Exchange keeps them
-- for mailFolder's totalItemCount and unreadItemCount. A count whose query
-- is exactly "the messages of folder F" or "… with isRead eq false / true"
-- reads its folder's row (store/sqlstore, counts.go) instead of counting
-- the folder's index entries, which grows with the folder (the unread
-- $count of a 200,000-message inbox read 100,000 index entries, 25 ms at
-- scale 1).
--
-- Statement-level triggers keep the counters in the item's own
-- transaction on every write path (create, PATCH isRead, move, delete,
-- import, generate, snapshot restore): one aggregate over the statement's
-- transition table, so that a statement writing many rows (a restore's
-- INSERT … SELECT, a tenant's deletion) updates each folder's row once,
-- not once per message (a row updated many times in one transaction
-- leaves a version per update for every later update to step over). A row
-- exists only while its folder holds a message: no row is a count of 0.
--
-- isRead is classified as the queries compare it: JSON false is unread,
-- JSON true is read, absent or null is neither; odd counts the messages
-- whose isRead is any other JSON value (a number or a string, which the
-- engines' comparisons treat differently, or fail on). A folder with
-- odd > 0 is counted by its rows, never from the counters.
CREATE TABLE message_counts (
    tenant_id text COLLATE "C" NOT NULL,
    owner_id  text COLLATE "C" NOT NULL,
    parent_id text COLLATE "C" NOT NULL,
    total     bigint NOT NULL,
    unread    bigint NOT NULL,
    read      bigint NOT NULL,
    odd       bigint NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, parent_id)
);

-- The counters' deltas of a statement: new_rows count +1, old_rows -1 (a
-- moved or re-read message is both), summed per folder; folders whose
-- deltas are all zero (a PATCH of a message's subject) are not written,
-- so such an update never waits for its folder's row. Rows are written in
-- key order, so two statements lock the rows they share in the same order.
CREATE FUNCTION graphgate_message_counts() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO message_counts AS c (tenant_id, owner_id, parent_id, total, unread, read, odd)
            SELECT tenant_id, owner_id, parent_id, count(*),
                count(*) FILTER (WHERE doc -> 'isRead' = 'false'), count(*) FILTER (WHERE doc -> 'isRead' = 'true'),
                count(*) FILTER (WHERE jsonb_typeof(doc -> 'isRead') NOT IN ('boolean', 'null'))
            FROM new_rows WHERE kind = 'message'
            GROUP BY tenant_id, owner_id, parent_id ORDER BY tenant_id, owner_id, parent_id
            ON CONFLICT (tenant_id, owner_id, parent_id) DO UPDATE SET total = c.total + excluded.total,
                unread = c.unread + excluded.unread, read = c.read + excluded.read, odd = c.odd + excluded.odd;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        WITH d AS (
            SELECT tenant_id, owner_id, parent_id, count(*) AS total,
                count(*) FILTER (WHERE doc -> 'isRead' = 'false') AS unread, count(*) FILTER (WHERE doc -> 'isRead' = 'true') AS read,
                count(*) FILTER (WHERE jsonb_typeof(doc -> 'isRead') NOT IN ('boolean', 'null')) AS odd
            FROM old_rows WHERE kind = 'message'
            GROUP BY tenant_id, owner_id, parent_id ORDER BY tenant_id, owner_id, parent_id
        )
        UPDATE message_counts c SET total = c.total - d.total, unread = c.unread - d.unread, read = c.read - d.read, odd = c.odd - d.odd
            FROM d WHERE c.tenant_id = d.tenant_id AND c.owner_id = d.owner_id AND c.parent_id = d.parent_id;
    ELSE
        INSERT INTO message_counts AS c (tenant_id, owner_id, parent_id, total, unread, read, odd)
            SELECT tenant_id, owner_id, parent_id, sum(n), sum(n * unread), sum(n * read), sum(n * odd)
            FROM (
                SELECT tenant_id, owner_id, parent_id, 1 AS n,
                    (doc -> 'isRead' IS NOT DISTINCT FROM 'false')::int AS unread, (doc -> 'isRead' IS NOT DISTINCT FROM 'true')::int AS read,
                    coalesce(jsonb_typeof(doc -> 'isRead') NOT IN ('boolean', 'null'), false)::int AS odd
                FROM new_rows WHERE kind = 'message'
                UNION ALL
                SELECT tenant_id, owner_id, parent_id, -1,
                    (doc -> 'isRead' IS NOT DISTINCT FROM 'false')::int, (doc -> 'isRead' IS NOT DISTINCT FROM 'true')::int,
                    coalesce(jsonb_typeof(doc -> 'isRead') NOT IN ('boolean', 'null'), false)::int
                FROM old_rows WHERE kind = 'message'
            ) r
            GROUP BY tenant_id, owner_id, parent_id
            HAVING sum(n) <> 0 OR sum(n * unread) <> 0 OR sum(n * read) <> 0 OR sum(n * odd) <> 0
            ORDER BY tenant_id, owner_id, parent_id
            ON CONFLICT (tenant_id, owner_id, parent_id) DO UPDATE SET total = c.total + excluded.total,
                unread = c.unread + excluded.unread, read = c.read + excluded.read, odd = c.odd + excluded.odd;
    END IF;
    DELETE FROM message_counts c USING (SELECT DISTINCT tenant_id, owner_id, parent_id FROM old_rows WHERE kind = 'message') o
        WHERE c.tenant_id = o.tenant_id AND c.owner_id = o.owner_id AND c.parent_id = o.parent_id AND c.total <= 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER message_counts_insert AFTER INSERT ON items
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION graphgate_message_counts();
CREATE TRIGGER message_counts_update AFTER UPDATE ON items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION graphgate_message_counts();
CREATE TRIGGER message_counts_delete AFTER DELETE ON items
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION graphgate_message_counts();

-- The messages stored before this migration (one GROUP BY).
INSERT INTO message_counts (tenant_id, owner_id, parent_id, total, unread, read, odd)
    SELECT tenant_id, owner_id, parent_id, count(*),
        count(*) FILTER (WHERE doc -> 'isRead' = 'false'), count(*) FILTER (WHERE doc -> 'isRead' = 'true'),
        count(*) FILTER (WHERE jsonb_typeof(doc -> 'isRead') NOT IN ('boolean', 'null'))
    FROM items WHERE kind = 'message' GROUP BY tenant_id, owner_id, parent_id;

-- startswith's $count over the directory (users startswith(displayName,'a')
-- with $count, a people picker's): the prefix indexes of migration 0013
-- hold lower(col), and the LIKE that checks the range's rows reads the same
-- expression, but PostgreSQL plans an index-only scan only when the index
-- holds every column a query names, and lower(col) names col: the count
-- was a bitmap heap scan visiting each match's page (scale 1: 13,748 users
-- starting with "a", 3,670 pages, 14 ms on a quiet machine). With col
-- INCLUDEd the count reads the index alone (149 pages, 2.3 ms; the LIKE is
-- evaluated on the index's lower(col), no heap fetch on vacuumed pages).
DROP INDEX users_display_name_prefix, users_given_name_prefix, users_surname_prefix, users_mail_prefix, users_upn_prefix,
    groups_display_name_prefix;
CREATE INDEX users_display_name_prefix ON users (tenant_id, (lower(display_name)) COLLATE "C") INCLUDE (display_name);
CREATE INDEX users_given_name_prefix ON users (tenant_id, (lower(given_name)) COLLATE "C") INCLUDE (given_name);
CREATE INDEX users_surname_prefix ON users (tenant_id, (lower(surname)) COLLATE "C") INCLUDE (surname);
CREATE INDEX users_mail_prefix ON users (tenant_id, (lower(mail)) COLLATE "C") INCLUDE (mail);
CREATE INDEX users_upn_prefix ON users (tenant_id, (lower(upn)) COLLATE "C") INCLUDE (upn);
CREATE INDEX groups_display_name_prefix ON groups (tenant_id, (lower(display_name)) COLLATE "C") INCLUDE (display_name);
-- A new expression index has no statistics until ANALYZE: without them the
-- planner estimated 3 users for 13,748 and listed the page through the
-- prefix index and a sort of every match (134 ms) instead of users_pkey's
-- order (1.7 ms). This server's autovacuum may be off.
ANALYZE users, groups;
