-- Assignment and comments, PostgreSQL. Same as migrations/sqlite/0009_assignment_comments.sql (see
-- the comments there).

ALTER TABLE issues ADD COLUMN assignee_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX issues_assignee ON issues (assignee_id);

ALTER TABLE issue_activity ADD COLUMN assignee_id BIGINT REFERENCES users (id) ON DELETE SET NULL;

CREATE TABLE issue_comments (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id   BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author_id  BIGINT NOT NULL REFERENCES users (id),
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX issue_comments_issue ON issue_comments (issue_id, created_at, id);
