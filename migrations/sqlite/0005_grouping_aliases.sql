-- Grouping upgrades without splitting issues, and merged issues. An alias is a fingerprint that leads
-- to an issue other than by being that issue's own `fingerprint`: during the transition to a new
-- grouping version, an event whose new hash has no issue but whose previous-version hash has one joins
-- that issue, and the new hash is recorded here so later events find the issue without computing the
-- old hash again. Merging an issue makes its fingerprints aliases of the issue it was merged into.
CREATE TABLE issue_aliases (
    service          TEXT    NOT NULL,
    fingerprint      TEXT    NOT NULL,
    issue_id         INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    -- The grouping version that computed `fingerprint`.
    grouping_version TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    -- Set when a merge made this alias: the merged issue whose fingerprint this is (or was an alias
    -- of), so unmerging gives it back.
    merged_from      INTEGER REFERENCES issues (id) ON DELETE CASCADE,
    PRIMARY KEY (service, fingerprint)
) WITHOUT ROWID;
CREATE INDEX issue_aliases_issue ON issue_aliases (issue_id);

-- When this install (any instance sharing the database) first ran each grouping version: the
-- transition period after an upgrade starts there.
CREATE TABLE grouping_versions (
    version    TEXT    PRIMARY KEY,
    started_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Merging issues (a user's grouping control). A merged issue keeps its row, hidden from every list,
-- with `merged_into` the issue that now holds its events; its events move there, `merged_from`
-- remembering their own issue so unmerging moves them back. NULL: the event is its issue's own.
ALTER TABLE issues ADD COLUMN merged_into INTEGER REFERENCES issues (id);
ALTER TABLE events ADD COLUMN merged_from INTEGER REFERENCES issues (id);
CREATE INDEX events_merged_from ON events (merged_from) WHERE merged_from IS NOT NULL;
CREATE INDEX issues_merged_into ON issues (merged_into) WHERE merged_into IS NOT NULL;
-- Merges and unmerges in the activity timeline: the other issue of the pair.
ALTER TABLE issue_activity ADD COLUMN other_issue_id INTEGER;
