-- Grouping upgrades without splitting issues. An alias is a fingerprint that leads to an issue other
-- than by being that issue's own `fingerprint`: during the transition to a new grouping version, an
-- event whose new hash has no issue but whose previous-version hash has one joins that issue, and the
-- new hash is recorded here so later events find the issue without computing the old hash again.
CREATE TABLE issue_aliases (
    service          TEXT    NOT NULL,
    fingerprint      TEXT    NOT NULL,
    issue_id         INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    -- The grouping version that computed `fingerprint`.
    grouping_version TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (service, fingerprint)
) WITHOUT ROWID;
CREATE INDEX issue_aliases_issue ON issue_aliases (issue_id);

-- When this install (any instance sharing the database) first ran each grouping version: the
-- transition period after an upgrade starts there.
CREATE TABLE grouping_versions (
    version    TEXT    PRIMARY KEY,
    started_at INTEGER NOT NULL
) WITHOUT ROWID;
