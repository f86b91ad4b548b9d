-- A text index for $search on messages (store.ItemQuery.Text): a trigram
-- GIN index (pg_trgm) on the lower-cased text $search reads — subject,
-- body, sender's address and name — so that lower(text) LIKE '%term%'
-- finds the few messages holding a rare term without reading the others.
-- Trigrams rather than a tsvector: the Graph server's $search matches
-- substrings (lower(…) LIKE '%term%'), which a word index cannot narrow
-- without missing matches. The index only narrows the candidates: the
-- query's own condition still decides. Being an index, it changes in the
-- item's own transaction.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: a
-- role that may create objects in the database installs it. It goes into
-- the schema public, not the store's schema, so that dropping a store's
-- schema does not drop it from under another's; if it is installed
-- already (in any schema), that installation is used.

CREATE FUNCTION graphgate_message_text(doc jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(coalesce(doc #>> '{subject}', '') || E'\n' || coalesce(doc #>> '{body,content}', '') || E'\n' ||
        coalesce(doc #>> '{from,emailAddress,address}', '') || E'\n' || coalesce(doc #>> '{from,emailAddress,name}', ''));

DO $$
DECLARE
    trgm name;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
        EXCEPTION WHEN unique_violation OR duplicate_object THEN
            NULL; -- another store's migration installed it at the same time
        END;
    END IF;
    SELECT n.nspname INTO trgm FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX items_message_text ON items USING gin (graphgate_message_text(doc) %I.gin_trgm_ops) WHERE kind = %L',
        trgm, 'message');
END
$$;
