-- Grouping upgrades without splitting issues; see migrations/sqlite/0005_grouping_aliases.sql.
CREATE TABLE issue_aliases (
    service          TEXT   NOT NULL,
    fingerprint      TEXT   NOT NULL,
    issue_id         BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    grouping_version TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    merged_from      BIGINT REFERENCES issues (id) ON DELETE CASCADE,
    PRIMARY KEY (service, fingerprint)
);
CREATE INDEX issue_aliases_issue ON issue_aliases (issue_id);

CREATE TABLE grouping_versions (
    version    TEXT   PRIMARY KEY,
    started_at BIGINT NOT NULL
);

-- Merging issues; see the SQLite migration.
ALTER TABLE issues ADD COLUMN merged_into BIGINT REFERENCES issues (id);
ALTER TABLE events ADD COLUMN merged_from BIGINT REFERENCES issues (id);
CREATE INDEX events_merged_from ON events (merged_from) WHERE merged_from IS NOT NULL;
CREATE INDEX issues_merged_into ON issues (merged_into) WHERE merged_into IS NOT NULL;
ALTER TABLE issue_activity ADD COLUMN other_issue_id BIGINT;
