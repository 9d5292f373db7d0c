-- eksemu schema v1. Times are Unix milliseconds (UTC).

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY,              -- 12-digit account ID
    created_at INTEGER NOT NULL
);

CREATE TABLE iam_users (
    id         TEXT PRIMARY KEY,              -- AIDA…
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    path       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX iam_users_name ON iam_users (account_id, name COLLATE NOCASE);

CREATE TABLE iam_roles (
    id                   TEXT PRIMARY KEY,    -- AROA…
    account_id           TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name                 TEXT NOT NULL,
    path                 TEXT NOT NULL,
    trust_policy         TEXT NOT NULL,       -- the document exactly as given
    description          TEXT NOT NULL DEFAULT '',
    max_session_duration INTEGER NOT NULL DEFAULT 3600,
    created_at           INTEGER NOT NULL
);
CREATE UNIQUE INDEX iam_roles_name ON iam_roles (account_id, name COLLATE NOCASE);

CREATE TABLE access_keys (
    id         TEXT PRIMARY KEY,              -- AKIA…
    secret     TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id    TEXT REFERENCES iam_users(id) ON DELETE CASCADE,  -- NULL: the account root
    status     TEXT NOT NULL DEFAULT 'Active',
    created_at INTEGER NOT NULL
);
CREATE INDEX access_keys_user ON access_keys (user_id);

-- Temporary credentials from AssumeRole and GetSessionToken.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,            -- ASIA…
    secret       TEXT NOT NULL,
    token        TEXT NOT NULL,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,               -- 'assumed-role' | 'session'
    role_id      TEXT,                        -- assumed-role: the role's unique ID (kept if the role is deleted)
    role_name    TEXT,
    role_arn     TEXT,
    session_name TEXT,
    user_id      TEXT,                        -- session: the IAM user (NULL for root)
    chained      INTEGER NOT NULL DEFAULT 0,  -- obtained with temporary credentials
    expires_at   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE clusters (
    id                   INTEGER PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts(id),
    region               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    arn                  TEXT NOT NULL UNIQUE,
    uid                  TEXT NOT NULL,       -- 32 hex digits (endpoint host, OIDC issuer)
    version              TEXT NOT NULL,
    platform_version     TEXT NOT NULL,
    role_arn             TEXT NOT NULL,
    status               TEXT NOT NULL,
    auth_mode            TEXT NOT NULL,       -- the mode in force from auth_mode_since on
    prev_auth_mode       TEXT NOT NULL,       -- the mode in force before auth_mode_since
    auth_mode_since      INTEGER NOT NULL,
    bootstrap_admin      INTEGER NOT NULL,
    creator_arn          TEXT NOT NULL,
    creator_principal_id TEXT NOT NULL,
    client_request_token TEXT NOT NULL DEFAULT '',
    config               TEXT NOT NULL,       -- JSON: the request's pass-through configuration
    endpoint             TEXT NOT NULL DEFAULT '',
    ca_data              TEXT NOT NULL DEFAULT '',
    port                 INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL
);
CREATE UNIQUE INDEX clusters_name ON clusters (account_id, region, name);

CREATE TABLE cluster_tags (
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (cluster_id, key)
);

CREATE TABLE cluster_updates (
    id                   TEXT PRIMARY KEY,
    cluster_id           INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    type                 TEXT NOT NULL,
    params               TEXT NOT NULL,       -- JSON [{"type":…,"value":…}]
    client_request_token TEXT NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    completes_at         INTEGER NOT NULL     -- InProgress before, Successful from then on
);
CREATE INDEX cluster_updates_cluster ON cluster_updates (cluster_id, created_at);

CREATE TABLE access_entries (
    id                   INTEGER PRIMARY KEY,
    cluster_id           INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    principal_arn        TEXT NOT NULL,
    principal_id         TEXT NOT NULL,       -- AIDA…/AROA…/account ID, bound at creation
    type                 TEXT NOT NULL,
    username             TEXT NOT NULL,
    groups               TEXT NOT NULL,       -- JSON array
    arn                  TEXT NOT NULL UNIQUE,
    client_request_token TEXT NOT NULL DEFAULT '',
    created_at           INTEGER NOT NULL,
    modified_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX access_entries_principal_arn ON access_entries (cluster_id, principal_arn);
CREATE INDEX access_entries_principal_id ON access_entries (cluster_id, principal_id);

CREATE TABLE access_entry_tags (
    entry_id INTEGER NOT NULL REFERENCES access_entries(id) ON DELETE CASCADE,
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (entry_id, key)
);

CREATE TABLE access_policy_associations (
    entry_id      INTEGER NOT NULL REFERENCES access_entries(id) ON DELETE CASCADE,
    policy_arn    TEXT NOT NULL,
    scope_type    TEXT NOT NULL,              -- 'cluster' | 'namespace'
    namespaces    TEXT NOT NULL,              -- JSON array
    associated_at INTEGER NOT NULL,
    modified_at   INTEGER NOT NULL,
    PRIMARY KEY (entry_id, policy_arn)
);
CREATE INDEX access_policy_associations_policy ON access_policy_associations (policy_arn);
