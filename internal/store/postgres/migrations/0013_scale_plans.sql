-- Plans that hold at scale (issue 16, bench/scale at 100,000 messages).
--
-- 1. What the planner did not know. owner_id and parent_id are not
-- independent (a folder has one owner), but the planner multiplies their
-- selectivities: on the generated tenant it estimated 1,340 rows for
-- Adele's inbox of 20,000, so a listing of its 10,000 unread messages
-- read the folder through items_by_owner_parent and sorted it instead of
-- reading items_message_folder_read in order. Extended statistics tell it
-- that the parent decides the owner (functional dependency) and give it
-- the frequent pairs (MCV list).
CREATE STATISTICS items_owner_parent (dependencies, mcv) ON owner_id, parent_id FROM items;

-- 2. $count of the unread messages of a folder or a mailbox (isRead eq
-- false, Outlook's unread badge and clients' unread views), and their
-- pages newest first. PostgreSQL answers from an index alone (index-only
-- scan) only when it holds every column the WHERE names, and it does not
-- see the jsonb doc's isRead inside an expression column: a partial index
-- whose predicate is the condition removes it from the WHERE instead. The
-- query's "(doc #>> '{isRead}')::boolean = false" is planned as
-- "NOT (doc #>> '{isRead}')::boolean", which this predicate implies, when
-- the planner sees the value (a custom plan: the store plans listings per
-- execution, runQuery). isRead eq true keeps items_message_folder_read.
-- Keys: every equality of the Graph server's scope first, then the order
-- the listing compiles to (receivedDateTime DESC NULLS LAST, id), so a
-- keyset page ("after this (receivedDateTime, id)") starts inside the
-- index too.
CREATE INDEX items_message_folder_unread ON items (tenant_id, owner_id, parent_id,
    ((doc #>> '{receivedDateTime}') COLLATE "C") DESC NULLS LAST, id)
    WHERE kind = 'message' AND NOT (doc #>> '{isRead}')::boolean;
CREATE INDEX items_message_mailbox_unread ON items (tenant_id, owner_id,
    ((doc #>> '{receivedDateTime}') COLLATE "C") DESC NULLS LAST, id)
    WHERE kind = 'message' AND NOT (doc #>> '{isRead}')::boolean;

-- 3. startswith on the directory's names and addresses (people pickers:
-- startswith(displayName,'a'), givenName, surname, mail,
-- userPrincipalName). odata compiles startswith(p) to
-- lower(col) LIKE lower(p)||'%' and, for an ASCII prefix, to the range
-- lower(col) >= p AND lower(col) < p' COLLATE "C" (odata.prefixRange),
-- which these indexes serve in byte order; the LIKE checks the rows found.
CREATE INDEX users_display_name_prefix ON users (tenant_id, (lower(display_name)) COLLATE "C");
CREATE INDEX users_given_name_prefix ON users (tenant_id, (lower(given_name)) COLLATE "C");
CREATE INDEX users_surname_prefix ON users (tenant_id, (lower(surname)) COLLATE "C");
CREATE INDEX users_mail_prefix ON users (tenant_id, (lower(mail)) COLLATE "C");
CREATE INDEX users_upn_prefix ON users (tenant_id, (lower(upn)) COLLATE "C");
CREATE INDEX groups_display_name_prefix ON groups (tenant_id, (lower(display_name)) COLLATE "C");

-- Statistics for the new statistics object and the expression indexes
-- (an existing store's data would otherwise wait for autovacuum).
ANALYZE items, users, groups;
