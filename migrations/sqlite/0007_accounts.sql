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
