-- Suggested owners of an issue: the linked repository's CODEOWNERS (read through the source cache, at
-- the commit of the issue's latest event) matched against its culprit frame's repository path.
-- Computed when the issue page is opened, stored here so `owner:` searches find the issue.
CREATE TABLE issue_owner_sources (
    issue_id        BIGINT PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    -- The event, commit (or branch) and paths the owners were computed from.
    event_id        BIGINT  NOT NULL,
    git_ref         TEXT,
    codeowners_path TEXT,
    frame_path      TEXT,
    rule_line       BIGINT,
    -- The deciding line on GitHub.
    rule_url        TEXT,
    computed_at     BIGINT  NOT NULL,
    -- Recomputed after this (Unix ms): a branch may move, a failure may pass. NULL: at a commit, for good.
    expires_at      BIGINT
);

CREATE TABLE issue_owners (
    issue_id BIGINT  NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    owner    TEXT    NOT NULL,
    -- The order CODEOWNERS lists them in.
    position BIGINT  NOT NULL,
    PRIMARY KEY (issue_id, owner)
);
CREATE INDEX issue_owners_owner ON issue_owners (owner, issue_id);
