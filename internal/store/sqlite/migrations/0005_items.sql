-- Workload items (store.Items): one row per Graph object of any kind
-- (message, mailFolder, event, calendar, chat, …), its Graph representation
-- a JSON document in doc, and the columns every query needs. Queries filter
-- and sort with json_extract over doc (see items.go and doc.go).
--
-- owner_id and parent_id are '' when the item has none. doc must be
-- well-formed JSON (RFC 8259), which json_valid checks, so that json_extract
-- never meets malformed text.

CREATE TABLE items (
    tenant_id   TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    owner_id    TEXT    NOT NULL,
    parent_id   TEXT    NOT NULL,
    doc         TEXT    NOT NULL CHECK (json_valid(doc)),
    version     INTEGER NOT NULL,
    created_at  INTEGER,
    modified_at INTEGER,
    PRIMARY KEY (tenant_id, kind, id)
) STRICT;

-- Scoped listings in id order (the default order and every order's final
-- tie-breaker), read in order from the index: an owner's items (a mailbox's
-- folders, a user's task lists), and a parent's (a folder's messages, a
-- list's tasks, a chat's messages). A query naming both uses the parent's
-- index and filters on the owner.
CREATE INDEX items_by_owner ON items (tenant_id, kind, owner_id, id);
CREATE INDEX items_by_parent ON items (tenant_id, kind, parent_id, id);

-- Mail is listed newest first, in a folder or across a mailbox; the
-- expression and id in the key let SQLite read a page in order and stop
-- (no sort), for ORDER BY json_extract(doc, '$.receivedDateTime') DESC, id.
-- The expression must be spelled as the queries spell it (SQLite matches
-- expression trees, so spacing does not matter, the path does).
CREATE INDEX items_messages_by_folder ON items (tenant_id, parent_id, json_extract(doc, '$.receivedDateTime') DESC, id)
    WHERE kind = 'message';
CREATE INDEX items_messages_by_mailbox ON items (tenant_id, owner_id, json_extract(doc, '$.receivedDateTime') DESC, id)
    WHERE kind = 'message';

-- A calendar view is a range on start and end: events starting before the
-- window's end and ending after its start, in start order.
CREATE INDEX items_events_by_start ON items (tenant_id, parent_id, json_extract(doc, '$.start.utc'), id)
    WHERE kind = 'event';
CREATE INDEX items_events_by_end ON items (tenant_id, parent_id, json_extract(doc, '$.end.utc'), id)
    WHERE kind = 'event';
