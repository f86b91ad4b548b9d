-- Families of refresh tokens revoked because an authorization code was
-- replayed. A token of such a family stored after the revocation (the
-- code's first redeemer mints its token after redeeming, and a replay can
-- come in between) is stored revoked. Rows expire an hour after the
-- revocation: later, no token of the family can still be on its way.

CREATE TABLE revoked_families (
    family_id  TEXT    NOT NULL PRIMARY KEY,
    revoked_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX revoked_families_by_expiry ON revoked_families (expires_at);
