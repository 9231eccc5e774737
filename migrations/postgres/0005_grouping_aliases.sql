-- Grouping upgrades without splitting issues; see migrations/sqlite/0005_grouping_aliases.sql.
CREATE TABLE issue_aliases (
    service          TEXT   NOT NULL,
    fingerprint      TEXT   NOT NULL,
    issue_id         BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    grouping_version TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (service, fingerprint)
);
CREATE INDEX issue_aliases_issue ON issue_aliases (issue_id);

CREATE TABLE grouping_versions (
    version    TEXT   PRIMARY KEY,
    started_at BIGINT NOT NULL
);
