-- Mail queries that read an index instead of every message's document
-- (issue 16): the $filter equalities Graph clients use on messages, the
-- $orderby on subject, and $count with a filter. Each expression is spelled
-- exactly as the odata package compiles it for SQLite (strings through
-- lower(), booleans as json_extract's 0/1): SQLite matches expression
-- trees, so another spelling would not use the index. Partial indexes on
-- kind 'message': other kinds do not pay for them.

-- isRead eq … newest first, in a folder and across a mailbox: the equality
-- is a key column before the order, so a page reads only the matching
-- entries, in order. The trailing owner_id and kind make the index cover
-- the whole WHERE of the Graph server's queries (the folder's owner is
-- checked too), so that $count and the entries $skip passes over are read
-- from the index alone, never from the table (SQLite defers the table row
-- until a column only it holds is needed).
CREATE INDEX items_messages_by_folder_read ON items (tenant_id, parent_id, json_extract(doc, '$.isRead'), json_extract(doc, '$.receivedDateTime') DESC, id, owner_id, kind)
    WHERE kind = 'message';
CREATE INDEX items_messages_by_mailbox_read ON items (tenant_id, owner_id, json_extract(doc, '$.isRead'), json_extract(doc, '$.receivedDateTime') DESC, id, kind)
    WHERE kind = 'message';

-- subject eq '…' and $orderby=subject, in a folder and across a mailbox
-- (covering the WHERE likewise).
CREATE INDEX items_messages_by_folder_subject ON items (tenant_id, parent_id, lower(json_extract(doc, '$.subject')), id, owner_id, kind)
    WHERE kind = 'message';
CREATE INDEX items_messages_by_mailbox_subject ON items (tenant_id, owner_id, lower(json_extract(doc, '$.subject')), id, kind)
    WHERE kind = 'message';

-- from/emailAddress/address eq '…' and conversationId eq '…': selective
-- across the tenant, so one index per property serves any scope (the
-- owner and folder are checked on the rows found).
CREATE INDEX items_messages_by_sender ON items (tenant_id, lower(json_extract(doc, '$.from.emailAddress.address')))
    WHERE kind = 'message';
CREATE INDEX items_messages_by_conversation ON items (tenant_id, lower(json_extract(doc, '$.conversationId')))
    WHERE kind = 'message';

-- Planner statistics. Without them (no ANALYZE has run) SQLite prefers an
-- index that yields the ORDER BY over one that narrows an equality, so a
-- subject eq '…' newest first would read a whole folder in date order to
-- find a few messages. SQLite documents writing sqlite_stat1 by hand for
-- this: these rows describe the shape of a large tenant (a million items;
-- per tenant and kind tens of thousands; a folder or mailbox thousands; a
-- subject, sender or conversation a few), so the planner prefers the
-- narrowing index whatever the current data. The generic scope indexes
-- (items_by_owner, items_by_parent) are rated less selective than the
-- per-kind ones, which their partial WHERE kind = … narrows but the
-- planner does not credit. They are estimates, not
-- measurements: an ANALYZE a user runs replaces them with real figures.
-- ANALYZE sqlite_schema creates the table (empty) and makes the connection
-- reload statistics.
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1 WHERE tbl = 'items';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('items', 'sqlite_autoindex_items_1', '1000000 100000 20000 1'),
    ('items', 'items_by_owner', '1000000 100000 20000 10000 1'),
    ('items', 'items_by_parent', '1000000 100000 20000 2000 1'),
    ('items', 'items_messages_by_folder', '1000000 100000 1000 2 1'),
    ('items', 'items_messages_by_mailbox', '1000000 100000 5000 2 1'),
    ('items', 'items_events_by_start', '1000000 100000 1000 2 1'),
    ('items', 'items_events_by_end', '1000000 100000 1000 2 1'),
    ('items', 'items_events_by_span', '1000000 100000 1000 300 2 1 1'),
    ('items', 'items_exceptions_by_span', '1000000 100000 1000 300 2 1 1'),
    ('items', 'items_series_by_end', '1000 100 50 10 2 1'),
    ('items', 'items_messages_by_folder_read', '1000000 100000 1000 500 2 1 1 1'),
    ('items', 'items_messages_by_mailbox_read', '1000000 100000 5000 2500 2 1 1'),
    ('items', 'items_messages_by_folder_subject', '1000000 100000 1000 3 1 1 1'),
    ('items', 'items_messages_by_mailbox_subject', '1000000 100000 5000 3 1 1'),
    ('items', 'items_messages_by_sender', '1000000 100000 20'),
    ('items', 'items_messages_by_conversation', '1000000 100000 3');
ANALYZE sqlite_schema;
