-- A directory page by key (issue 16 item 2; store/sqlstore's listing): a
-- page of users?$filter=startswith(displayName,'a')&$top=100 sorts the
-- matches' ids and then reads the page's 100 rows by users_pkey. With id
-- INCLUDEd beside the column (migration 0017) the ids come from an
-- index-only scan of the prefix range, as the count does, instead of a
-- visit of each match's heap page (13,748 users start with "a" at scale
-- 1). SQLite's 0019 adds id to its prefix indexes for the same reason.
DROP INDEX users_display_name_prefix, users_given_name_prefix, users_surname_prefix, users_mail_prefix, users_upn_prefix,
    groups_display_name_prefix;
CREATE INDEX users_display_name_prefix ON users (tenant_id, (lower(display_name)) COLLATE "C") INCLUDE (display_name, id);
CREATE INDEX users_given_name_prefix ON users (tenant_id, (lower(given_name)) COLLATE "C") INCLUDE (given_name, id);
CREATE INDEX users_surname_prefix ON users (tenant_id, (lower(surname)) COLLATE "C") INCLUDE (surname, id);
CREATE INDEX users_mail_prefix ON users (tenant_id, (lower(mail)) COLLATE "C") INCLUDE (mail, id);
CREATE INDEX users_upn_prefix ON users (tenant_id, (lower(upn)) COLLATE "C") INCLUDE (upn, id);
CREATE INDEX groups_display_name_prefix ON groups (tenant_id, (lower(display_name)) COLLATE "C") INCLUDE (display_name, id);
-- A new expression index has no statistics until ANALYZE (migration 0017).
ANALYZE users, groups;
