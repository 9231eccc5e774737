-- Accounts, SQLite. Times are Unix milliseconds.

-- People who sign in. `email` is stored lowercased (the sign-in key); `password_hash` is an argon2id
-- PHC string, NULL for accounts that cannot sign in with a password.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT,
    role          TEXT    NOT NULL CHECK (role IN ('viewer', 'member', 'admin')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- Browser sessions, in the database so every instance sees them. The cookie holds a random secret;
-- only its SHA-256 is stored, so a copy of the database signs nobody in. `id` names a session on
-- the profile page without revealing the secret.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    secret_hash  BLOB    NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- Absolute expiry; the idle expiry is `last_seen_at` plus the server's idle timeout.
    expires_at   INTEGER NOT NULL,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens (`sp_…`), stored as a SHA-256 of the whole token; `prefix` is the start shown in lists.
-- A token acts with its own role, never above its owner's.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    role         TEXT    NOT NULL CHECK (role IN ('viewer', 'member', 'admin')),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Invitations by link: only the SHA-256 of the link's secret is stored. A used invite is deleted in
-- the transaction that creates its user, so a link works once.
CREATE TABLE invites (
    id          INTEGER PRIMARY KEY,
    secret_hash BLOB    NOT NULL UNIQUE,
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('viewer', 'member', 'admin')),
    invited_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

-- The setup link's secrets (SHA-256), one per server start while no user exists, so any instance
-- behind one URL accepts the link any of them logged. Creating the first admin deletes them all.
CREATE TABLE setup_secrets (
    secret_hash BLOB    PRIMARY KEY,
    created_at  INTEGER NOT NULL
);

-- Failed sign-ins, one row per failure and key, so every instance throttles the same way. The key is
-- the SHA-256 of `account:<email>` or `ip:<address>`: what was typed into the email field (sometimes a
-- password) is never stored.
CREATE TABLE signin_failures (
    id       INTEGER PRIMARY KEY,
    key_hash BLOB    NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (key_hash, at);
