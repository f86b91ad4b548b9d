-- Mail queries that read an index instead of every message's document
-- (issue 16): the $filter equalities Graph clients use on messages, the
-- $orderby on subject, and $count with a filter. Each expression is spelled
-- exactly as the odata package compiles it for PostgreSQL: strings compared
-- through lower() in the database's collation (equality), sorted through
-- lower() COLLATE "C" (byte order, as SQLite sorts), booleans cast from
-- the text; the planner uses an expression index only for the same
-- expression, operator and collation. Partial indexes on kind 'message'.

-- isRead eq … newest first, in a folder and across a mailbox: the equality
-- is a key column before the order (receivedDateTime DESC NULLS LAST, id
-- ASC, as compiled), so a page reads only the matching entries, in order.
CREATE INDEX items_message_folder_read ON items (tenant_id, parent_id, ((doc #>> '{isRead}')::boolean),
    ((doc #>> '{receivedDateTime}') COLLATE "C") DESC NULLS LAST, id) WHERE kind = 'message';
CREATE INDEX items_message_mailbox_read ON items (tenant_id, owner_id, ((doc #>> '{isRead}')::boolean),
    ((doc #>> '{receivedDateTime}') COLLATE "C") DESC NULLS LAST, id) WHERE kind = 'message';

-- subject eq '…' (the database's collation) and $orderby=subject (lower()
-- COLLATE "C" ASC NULLS FIRST, id, as compiled): two collations, two
-- indexes.
CREATE INDEX items_message_subject ON items (tenant_id, owner_id, lower(doc #>> '{subject}')) WHERE kind = 'message';
CREATE INDEX items_message_subject_order ON items (tenant_id, owner_id, (lower(doc #>> '{subject}') COLLATE "C") NULLS FIRST, id)
    WHERE kind = 'message';
CREATE INDEX items_message_folder_subject_order ON items (tenant_id, parent_id, (lower(doc #>> '{subject}') COLLATE "C") NULLS FIRST, id)
    WHERE kind = 'message';

-- from/emailAddress/address eq '…' and conversationId eq '…': selective
-- across the tenant; the owner and folder are checked on the rows found.
CREATE INDEX items_message_sender ON items (tenant_id, lower(doc #>> '{from,emailAddress,address}')) WHERE kind = 'message';
CREATE INDEX items_message_conversation ON items (tenant_id, lower(doc #>> '{conversationId}')) WHERE kind = 'message';
