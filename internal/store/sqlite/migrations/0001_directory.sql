-- Directory: tenants and their domains, users, groups, administrative units
-- and memberships.
--
-- Conventions for every migration:
--   * tables are STRICT; times are INTEGER milliseconds since the Unix epoch
--     (UTC), NULL for the zero time.Time; booleans are INTEGER 0/1;
--   * lists of plain strings are TEXT holding a JSON array ('[]' when empty);
--   * *_key columns hold a value lower-cased by the Go code (strings.ToLower,
--     Unicode-aware), for case-insensitive unique lookups.

CREATE TABLE tenants (
    id           TEXT    NOT NULL PRIMARY KEY,
    display_name TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    created_at   INTEGER
) STRICT;

-- A tenant's verified domains, in order (position 0 is the default domain).
-- A domain belongs to one tenant only.
CREATE TABLE tenant_domains (
    domain_key TEXT    NOT NULL PRIMARY KEY,
    domain     TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX tenant_domains_by_tenant ON tenant_domains (tenant_id, position);

CREATE TABLE users (
    tenant_id          TEXT    NOT NULL,
    id                 TEXT    NOT NULL,
    upn                TEXT    NOT NULL,
    upn_key            TEXT    NOT NULL,
    display_name       TEXT    NOT NULL,
    given_name         TEXT    NOT NULL,
    surname            TEXT    NOT NULL,
    mail               TEXT    NOT NULL,
    job_title          TEXT    NOT NULL,
    department         TEXT    NOT NULL,
    office_location    TEXT    NOT NULL,
    mobile_phone       TEXT    NOT NULL,
    business_phones    TEXT    NOT NULL DEFAULT '[]',
    preferred_language TEXT    NOT NULL,
    usage_location     TEXT    NOT NULL,
    kind               TEXT    NOT NULL,
    account_enabled    INTEGER NOT NULL,
    password_hash      TEXT    NOT NULL,
    roles              TEXT    NOT NULL DEFAULT '[]',
    manager_id         TEXT    NOT NULL,
    created_at         INTEGER,
    version            INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
-- User principal names are unique across the store, case-insensitively.
CREATE UNIQUE INDEX users_by_upn ON users (upn_key);

CREATE TABLE groups (
    tenant_id        TEXT    NOT NULL,
    id               TEXT    NOT NULL,
    display_name     TEXT    NOT NULL,
    description      TEXT    NOT NULL,
    mail_nickname    TEXT    NOT NULL,
    mail             TEXT    NOT NULL,
    group_types      TEXT    NOT NULL DEFAULT '[]',
    mail_enabled     INTEGER NOT NULL,
    security_enabled INTEGER NOT NULL,
    visibility       TEXT    NOT NULL,
    created_at       INTEGER,
    version          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE administrative_units (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    display_name TEXT NOT NULL,
    description  TEXT NOT NULL,
    visibility   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

-- Direct memberships and ownerships of groups and administrative units.
-- The primary key serves Members (container → members); the second index
-- serves MemberOf (member → containers).
CREATE TABLE memberships (
    tenant_id      TEXT NOT NULL,
    container_id   TEXT NOT NULL,
    role           TEXT NOT NULL,
    member_id      TEXT NOT NULL,
    container_kind TEXT NOT NULL,
    PRIMARY KEY (tenant_id, container_id, role, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_by_member ON memberships (tenant_id, member_id, role, container_id);
