-- Source code in stack traces, SQLite. Times are Unix milliseconds.

-- Linked repositories. The credentials sit in their own columns, read only to call GitHub and never
-- selected into what pages and the API show. `api_base` is '' for the configured default (github.com).
CREATE TABLE source_repositories (
    id              INTEGER PRIMARY KEY,
    owner           TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    api_base        TEXT    NOT NULL DEFAULT '',
    auth_kind       TEXT    NOT NULL,
    token           TEXT,
    app_id          INTEGER,
    installation_id INTEGER,
    private_key     TEXT,
    created_at      INTEGER NOT NULL,
    last_error      TEXT
);
CREATE UNIQUE INDEX source_repositories_name ON source_repositories (lower(owner), lower(name), api_base);

-- Services a repository serves besides those whose spans name it.
CREATE TABLE source_repository_services (
    repository_id INTEGER NOT NULL REFERENCES source_repositories (id) ON DELETE CASCADE,
    service       TEXT    NOT NULL,
    PRIMARY KEY (repository_id, service)
) WITHOUT ROWID;
CREATE INDEX source_repository_services_service ON source_repository_services (service);

-- Manual path mappings (stack root -> source root); `service` NULL applies to every service.
CREATE TABLE source_code_mappings (
    id            INTEGER PRIMARY KEY,
    repository_id INTEGER NOT NULL REFERENCES source_repositories (id) ON DELETE CASCADE,
    service       TEXT,
    stack_root    TEXT    NOT NULL,
    source_root   TEXT    NOT NULL
);
CREATE INDEX source_code_mappings_repository ON source_code_mappings (repository_id);

-- (service, repository URL) pairs named by error events' span tags, recorded at ingest. The URL is the
-- canonical web address, never the tag's text (which may hold credentials).
CREATE TABLE source_seen (
    service    TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    first_seen INTEGER NOT NULL,
    PRIMARY KEY (url, service)
) WITHOUT ROWID;

-- Cached GitHub reads, keyed by repository (`api_base|owner/name`, lowercase) and git ref. Reads at a commit
-- sha never expire (`expires_at` NULL); reads of a branch expire after a few minutes.
-- `status`: 'ok' (content holds the text), 'missing' (404), 'not_text' (binary or too large).
CREATE TABLE source_files (
    repo_key   TEXT    NOT NULL,
    git_ref    TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    status     TEXT    NOT NULL,
    content    TEXT,
    expires_at INTEGER,
    PRIMARY KEY (repo_key, git_ref, path)
) WITHOUT ROWID;

-- Repository trees (every file path at a ref), deflate-compressed newline-separated paths.
CREATE TABLE source_trees (
    repo_key   TEXT    NOT NULL,
    git_ref    TEXT    NOT NULL,
    paths      BLOB    NOT NULL,
    truncated  INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (repo_key, git_ref)
) WITHOUT ROWID;

-- Default branches, with a short expiry.
CREATE TABLE source_default_branches (
    repo_key   TEXT    PRIMARY KEY,
    branch     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Rate-limit backoff per API base and credential identity (`repository:ID` or `anonymous`), shared by
-- every instance: no GitHub call for that scope before `until_ms`.
CREATE TABLE source_backoff (
    scope    TEXT    PRIMARY KEY,
    until_ms INTEGER NOT NULL
) WITHOUT ROWID;
