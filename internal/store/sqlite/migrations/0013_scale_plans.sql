-- startswith on the directory's names and addresses (issue 16; people
-- pickers: startswith(displayName,'a'), givenName, surname, mail,
-- userPrincipalName). odata compiles startswith(p) to
-- lower(col) LIKE lower(p)||'%' and, for an ASCII prefix, to the range
-- lower(col) >= p AND lower(col) < p' (odata.prefixRange): SQLite's LIKE
-- optimisation never applies to an expression such as lower(col) (it needs
-- a column with NOCASE collation, or case_sensitive_like), but a range on
-- lower(col) reads these expression indexes (SQLite matches the
-- expression as written). The LIKE checks the rows found.
CREATE INDEX users_by_display_name_prefix ON users (tenant_id, lower(display_name));
CREATE INDEX users_by_given_name_prefix ON users (tenant_id, lower(given_name));
CREATE INDEX users_by_surname_prefix ON users (tenant_id, lower(surname));
CREATE INDEX users_by_mail_prefix ON users (tenant_id, lower(mail));
CREATE INDEX users_by_upn_prefix ON users (tenant_id, lower(upn));
CREATE INDEX groups_by_display_name_prefix ON groups (tenant_id, lower(display_name));
