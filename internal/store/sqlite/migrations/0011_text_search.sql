-- A text index for $search on messages (store.ItemQuery.Text): an FTS5
-- table with the trigram tokenizer, so that it finds any substring of
-- three characters or more, case-insensitively — what the Graph server's
-- $search matches (lower(…) LIKE '%term%' on the subject, the body and the
-- sender's address and name). It only narrows the candidates: the query's
-- own condition still decides, so results are those of a full scan.
--
-- The index is contentless (the text is in items already) and keyed by
-- items_text_keys.n, an INTEGER PRIMARY KEY that VACUUM keeps (the rowid of
-- items, which has none, may change). Triggers keep both in step with
-- items in the same transaction as the item's own change.

CREATE TABLE items_text_keys (
    n         INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    id        TEXT NOT NULL,
    UNIQUE (tenant_id, kind, id)
) STRICT;

CREATE VIRTUAL TABLE items_text USING fts5(text, content = '', contentless_delete = 1, tokenize = 'trigram');

CREATE TRIGGER items_text_insert AFTER INSERT ON items WHEN new.kind = 'message' BEGIN
    INSERT INTO items_text_keys (tenant_id, kind, id) VALUES (new.tenant_id, new.kind, new.id);
    INSERT INTO items_text (rowid, text) VALUES (
        (SELECT n FROM items_text_keys WHERE tenant_id = new.tenant_id AND kind = new.kind AND id = new.id),
        coalesce(json_extract(new.doc, '$.subject'), '') || char(10) || coalesce(json_extract(new.doc, '$.body.content'), '') || char(10) ||
        coalesce(json_extract(new.doc, '$.from.emailAddress.address'), '') || char(10) || coalesce(json_extract(new.doc, '$.from.emailAddress.name'), ''));
END;

CREATE TRIGGER items_text_update AFTER UPDATE OF doc ON items WHEN new.kind = 'message' BEGIN
    DELETE FROM items_text WHERE rowid = (SELECT n FROM items_text_keys WHERE tenant_id = new.tenant_id AND kind = new.kind AND id = new.id);
    INSERT INTO items_text (rowid, text) VALUES (
        (SELECT n FROM items_text_keys WHERE tenant_id = new.tenant_id AND kind = new.kind AND id = new.id),
        coalesce(json_extract(new.doc, '$.subject'), '') || char(10) || coalesce(json_extract(new.doc, '$.body.content'), '') || char(10) ||
        coalesce(json_extract(new.doc, '$.from.emailAddress.address'), '') || char(10) || coalesce(json_extract(new.doc, '$.from.emailAddress.name'), ''));
END;

CREATE TRIGGER items_text_delete AFTER DELETE ON items WHEN old.kind = 'message' BEGIN
    DELETE FROM items_text WHERE rowid = (SELECT n FROM items_text_keys WHERE tenant_id = old.tenant_id AND kind = old.kind AND id = old.id);
    DELETE FROM items_text_keys WHERE tenant_id = old.tenant_id AND kind = old.kind AND id = old.id;
END;

-- The messages stored before this migration.
INSERT INTO items_text_keys (tenant_id, kind, id) SELECT tenant_id, kind, id FROM items WHERE kind = 'message';
INSERT INTO items_text (rowid, text)
    SELECT k.n, coalesce(json_extract(i.doc, '$.subject'), '') || char(10) || coalesce(json_extract(i.doc, '$.body.content'), '') || char(10) ||
        coalesce(json_extract(i.doc, '$.from.emailAddress.address'), '') || char(10) || coalesce(json_extract(i.doc, '$.from.emailAddress.name'), '')
    FROM items_text_keys AS k JOIN items AS i ON i.tenant_id = k.tenant_id AND i.kind = k.kind AND i.id = k.id;
