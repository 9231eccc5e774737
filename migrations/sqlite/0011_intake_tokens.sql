-- Intake tokens (`spi_…`): what tracers send (`DD-API-KEY`, or `Authorization: Bearer` over OTLP) when
-- `--intake-require-token` asks for one. Like API tokens, only the SHA-256 of the whole token is stored;
-- `prefix` is the start lists show. They belong to no user: revoking one is the only way to end it.
CREATE TABLE intake_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    token_hash   BLOB    NOT NULL UNIQUE,
    -- The admin who made it; NULL when made by the CLI.
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
