-- Error Tracking Explorer: counts over time ranges, per-issue facet values, triage history, regressions.

-- Triage. `resolved_version` is the issue's last version when it was resolved and `resolved_at` when
-- (Unix ms); an event of a newer version reopens the issue and sets `regressed` (1) until the next status
-- change. Issues resolved before this migration count as resolved in their last version at their last event.
ALTER TABLE issues ADD COLUMN regressed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE issues ADD COLUMN resolved_version TEXT;
ALTER TABLE issues ADD COLUMN resolved_at INTEGER;
UPDATE issues SET resolved_version = last_version, resolved_at = last_seen WHERE status = 'resolved';

-- Count in a range over all issues (sort by count in range): scans buckets by time, not by issue.
CREATE INDEX issue_buckets_bucket ON issue_buckets (bucket, issue_id, count);

-- Per-issue event counts per 5 minutes, for ranges shorter than a day. Only the last two days are kept
-- (older events are never written here and older rows are pruned); longer or older ranges use the hourly
-- `issue_buckets`.
CREATE TABLE issue_buckets_5m (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    bucket   INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (issue_id, bucket)
) WITHOUT ROWID;
CREATE INDEX issue_buckets_5m_bucket ON issue_buckets_5m (bucket, issue_id, count);
INSERT INTO issue_buckets_5m (issue_id, bucket, count)
    SELECT issue_id, time / 300000 * 300000, COUNT(*) FROM events
    WHERE time >= unixepoch() * 1000 - 172800000
    GROUP BY issue_id, time / 300000 * 300000;

-- Every value an issue's events carried per facet (`env`, `version`, `host`, `resource`), with how many
-- events and when first and last: the search facets, the facet counts and the issue page's breakdowns.
-- Events without a value add no row.
CREATE TABLE issue_values (
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    facet      TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (issue_id, facet, value)
) WITHOUT ROWID;
CREATE INDEX issue_values_value ON issue_values (facet, value, issue_id);
INSERT INTO issue_values (issue_id, facet, value, count, first_seen, last_seen)
    SELECT issue_id, 'env', env, COUNT(*), MIN(time), MAX(time) FROM events
    WHERE env IS NOT NULL GROUP BY issue_id, env;
INSERT INTO issue_values (issue_id, facet, value, count, first_seen, last_seen)
    SELECT issue_id, 'version', version, COUNT(*), MIN(time), MAX(time) FROM events
    WHERE version IS NOT NULL GROUP BY issue_id, version;
INSERT INTO issue_values (issue_id, facet, value, count, first_seen, last_seen)
    SELECT issue_id, 'host', host, COUNT(*), MIN(time), MAX(time) FROM events
    WHERE host IS NOT NULL GROUP BY issue_id, host;
INSERT INTO issue_values (issue_id, facet, value, count, first_seen, last_seen)
    SELECT issue_id, 'resource', resource, COUNT(*), MIN(time), MAX(time) FROM events
    GROUP BY issue_id, resource;

-- An issue's events in a range by version, env, host and resource (the issue page's breakdowns) read only
-- this index, never the event rows; it still serves the newest-first event pages.
CREATE INDEX events_issue_time_values ON events (issue_id, time DESC, id DESC, env, version, host, resource);
DROP INDEX events_issue_time;

-- Triage history: status changes (`actor` as sent, `anonymous` by default) and regressions (`actor` NULL,
-- `version` the version that reopened the issue). For a change to `resolved`, `version` is the version the
-- issue was resolved in.
CREATE TABLE issue_activity (
    id          INTEGER PRIMARY KEY,
    issue_id    INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor       TEXT,
    kind        TEXT    NOT NULL,
    from_status TEXT    NOT NULL,
    to_status   TEXT    NOT NULL,
    version     TEXT
);
CREATE INDEX issue_activity_issue ON issue_activity (issue_id, at, id);
