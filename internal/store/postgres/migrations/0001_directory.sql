-- Directory: tenants and their domains, users, groups, administrative units
-- and memberships.
--
-- Conventions for every migration:
--   * times are timestamptz (microseconds, UTC on the way out), NULL for the
--     zero time.Time; booleans are boolean;
--   * lists of plain strings are jsonb arrays ('[]' when empty), checked to
--     be arrays; lists of structures have their own tables;
--   * ids and keys are text COLLATE "C", so that ordering and paging by id
--     are byte order whatever the database's locale (as in SQLite);
--   * *_key columns hold a value lower-cased by the Go code (strings.ToLower,
--     Unicode-aware), for case-insensitive unique lookups.

CREATE TABLE tenants (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    display_name text             NOT NULL,
    kind         text             NOT NULL,
    created_at   timestamptz
);

-- A tenant's verified domains, in order (position 0 is the default domain).
-- A domain belongs to one tenant only.
CREATE TABLE tenant_domains (
    domain_key text COLLATE "C" NOT NULL PRIMARY KEY,
    domain     text             NOT NULL,
    tenant_id  text COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    position   integer          NOT NULL,
    UNIQUE (tenant_id, position)
);

-- The column names are store.DirectoryColumns.Users (plus the tenant, the
-- UPN key, the password hash, the creation time and the version): the
-- Graph server's pushed-down queries name them.
CREATE TABLE users (
    tenant_id          text COLLATE "C" NOT NULL,
    id                 text COLLATE "C" NOT NULL,
    upn                text             NOT NULL,
    upn_key            text COLLATE "C" NOT NULL,
    display_name       text             NOT NULL,
    given_name         text             NOT NULL,
    surname            text             NOT NULL,
    mail               text             NOT NULL,
    job_title          text             NOT NULL,
    department         text             NOT NULL,
    office_location    text             NOT NULL,
    mobile_phone       text             NOT NULL,
    business_phones    jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(business_phones) = 'array'),
    preferred_language text             NOT NULL,
    usage_location     text             NOT NULL,
    kind               text             NOT NULL,
    account_enabled    boolean          NOT NULL,
    password_hash      text             NOT NULL,
    roles              jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(roles) = 'array'),
    manager_id         text COLLATE "C" NOT NULL,
    created_at         timestamptz,
    version            bigint           NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- User principal names are unique across the store, case-insensitively.
CREATE UNIQUE INDEX users_by_upn ON users (upn_key);
-- Direct reports (manager_id = $1 within a tenant).
CREATE INDEX users_by_manager ON users (tenant_id, manager_id);

CREATE TABLE groups (
    tenant_id        text COLLATE "C" NOT NULL,
    id               text COLLATE "C" NOT NULL,
    display_name     text             NOT NULL,
    description      text             NOT NULL,
    mail_nickname    text             NOT NULL,
    mail             text             NOT NULL,
    group_types      jsonb            NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(group_types) = 'array'),
    mail_enabled     boolean          NOT NULL,
    security_enabled boolean          NOT NULL,
    visibility       text             NOT NULL,
    created_at       timestamptz,
    version          bigint           NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE administrative_units (
    tenant_id    text COLLATE "C" NOT NULL,
    id           text COLLATE "C" NOT NULL,
    display_name text             NOT NULL,
    description  text             NOT NULL,
    visibility   text             NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- Direct memberships and ownerships of groups and administrative units.
-- The primary key serves Members (container → members); the second index
-- serves MemberOf (member → containers) and the deletes of DeleteUser and
-- DeleteGroup.
CREATE TABLE memberships (
    tenant_id      text COLLATE "C" NOT NULL,
    container_id   text COLLATE "C" NOT NULL,
    role           text COLLATE "C" NOT NULL,
    member_id      text COLLATE "C" NOT NULL,
    container_kind text             NOT NULL,
    PRIMARY KEY (tenant_id, container_id, role, member_id)
);
CREATE INDEX memberships_by_member ON memberships (tenant_id, member_id, role, container_id);
