-- Assignment and comments, SQLite.

-- Who works on an issue. Users are disabled, never deleted, so an assignment outlives a disabled
-- account; SET NULL only guards against a user row removed by hand.
ALTER TABLE issues ADD COLUMN assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX issues_assignee ON issues (assignee_id);

-- `assign` timeline entries: the user assigned (NULL for `unassign`).
ALTER TABLE issue_activity ADD COLUMN assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL;

-- Plain-text comments, rendered as text (links made clickable) and never as HTML. Deleting one
-- removes its row: the text is gone, not hidden.
CREATE TABLE issue_comments (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX issue_comments_issue ON issue_comments (issue_id, created_at, id);
