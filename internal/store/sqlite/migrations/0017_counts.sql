-- Counts at scale (issue 16). Per-folder message counters: the number of
-- messages in a folder, and how many of them are unread or read, as Exchange keeps them
-- for mailFolder's totalItemCount and unreadItemCount. A count whose query
-- is exactly "the messages of folder F" or "… with isRead eq false / true"
-- reads its folder's row (store/sqlstore, counts.go) instead of counting
-- the folder's index entries, which grows with the folder (100,000 unread
-- messages of a 200,000-message inbox at scale 1).
--
-- The triggers keep the counters in the item's own transaction on every
-- write path (create, PATCH isRead, move, delete, import, generate,
-- snapshot restore). A row exists only while its folder holds a message:
-- no row is a count of 0.
--
-- isRead is classified as the queries compare it: JSON false is unread,
-- JSON true is read, absent or null is neither; odd counts the messages
-- whose isRead is any other JSON value (a number or a string, which the
-- engines' comparisons treat differently). A folder with odd > 0 is
-- counted by its rows, never from the counters, so the counters' answer is
-- the query's on both engines.
CREATE TABLE message_counts (
    tenant_id TEXT    NOT NULL,
    owner_id  TEXT    NOT NULL,
    parent_id TEXT    NOT NULL,
    total     INTEGER NOT NULL,
    unread    INTEGER NOT NULL,
    read      INTEGER NOT NULL,
    odd       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, owner_id, parent_id)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER message_counts_insert AFTER INSERT ON items WHEN new.kind = 'message' BEGIN
    INSERT INTO message_counts (tenant_id, owner_id, parent_id, total, unread, read, odd)
        VALUES (new.tenant_id, new.owner_id, new.parent_id, 1,
            json_type(new.doc, '$.isRead') IS 'false', json_type(new.doc, '$.isRead') IS 'true',
            coalesce(json_type(new.doc, '$.isRead') NOT IN ('true', 'false', 'null'), 0))
        ON CONFLICT (tenant_id, owner_id, parent_id) DO UPDATE SET total = total + 1,
            unread = unread + excluded.unread, read = read + excluded.read, odd = odd + excluded.odd;
END;

CREATE TRIGGER message_counts_delete AFTER DELETE ON items WHEN old.kind = 'message' BEGIN
    UPDATE message_counts SET total = total - 1,
            unread = unread - (json_type(old.doc, '$.isRead') IS 'false'),
            read = read - (json_type(old.doc, '$.isRead') IS 'true'),
            odd = odd - coalesce(json_type(old.doc, '$.isRead') NOT IN ('true', 'false', 'null'), 0)
        WHERE tenant_id = old.tenant_id AND owner_id = old.owner_id AND parent_id = old.parent_id;
    DELETE FROM message_counts
        WHERE tenant_id = old.tenant_id AND owner_id = old.owner_id AND parent_id = old.parent_id AND total <= 0;
END;

-- An update counts only when it changes what is counted: the folder (a
-- move), the mailbox, or isRead's class. The old row's counts go, then the
-- new row's come (kind and tenant are keys the store never changes; they
-- are handled all the same).
CREATE TRIGGER message_counts_update AFTER UPDATE ON items
    WHEN (old.kind = 'message' OR new.kind = 'message') AND NOT (old.kind = new.kind AND old.tenant_id = new.tenant_id
        AND old.owner_id = new.owner_id AND old.parent_id = new.parent_id
        AND json_type(old.doc, '$.isRead') IS json_type(new.doc, '$.isRead')) BEGIN
    UPDATE message_counts SET total = total - 1,
            unread = unread - (json_type(old.doc, '$.isRead') IS 'false'),
            read = read - (json_type(old.doc, '$.isRead') IS 'true'),
            odd = odd - coalesce(json_type(old.doc, '$.isRead') NOT IN ('true', 'false', 'null'), 0)
        WHERE old.kind = 'message' AND tenant_id = old.tenant_id AND owner_id = old.owner_id AND parent_id = old.parent_id;
    DELETE FROM message_counts
        WHERE tenant_id = old.tenant_id AND owner_id = old.owner_id AND parent_id = old.parent_id AND total <= 0;
    INSERT INTO message_counts (tenant_id, owner_id, parent_id, total, unread, read, odd)
        SELECT new.tenant_id, new.owner_id, new.parent_id, 1,
            json_type(new.doc, '$.isRead') IS 'false', json_type(new.doc, '$.isRead') IS 'true',
            coalesce(json_type(new.doc, '$.isRead') NOT IN ('true', 'false', 'null'), 0)
        WHERE new.kind = 'message'
        ON CONFLICT (tenant_id, owner_id, parent_id) DO UPDATE SET total = total + 1,
            unread = unread + excluded.unread, read = read + excluded.read, odd = odd + excluded.odd;
END;

-- The messages stored before this migration (one GROUP BY).
INSERT INTO message_counts (tenant_id, owner_id, parent_id, total, unread, read, odd)
    SELECT tenant_id, owner_id, parent_id, count(*),
        sum(json_type(doc, '$.isRead') IS 'false'), sum(json_type(doc, '$.isRead') IS 'true'),
        sum(coalesce(json_type(doc, '$.isRead') NOT IN ('true', 'false', 'null'), 0))
    FROM items WHERE kind = 'message' GROUP BY tenant_id, owner_id, parent_id;
