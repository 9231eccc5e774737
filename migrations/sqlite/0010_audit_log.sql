-- Who did what: sign-ins, account, token, repository and rule changes. Kept (no pruning yet). The
-- actor is copied as it was (email, token name), and user ids are not foreign keys, so the log
-- outlives what it names. `detail` is a small JSON object of names and ids, never a secret.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor_kind    TEXT    NOT NULL,
    actor_user_id INTEGER,
    actor_email   TEXT,
    actor_token   TEXT,
    action        TEXT    NOT NULL,
    detail        TEXT    NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);
-- The page pages newest first by id, filtered by user, action or both.
CREATE INDEX audit_log_user ON audit_log (actor_user_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
