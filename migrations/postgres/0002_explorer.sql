-- Error Tracking Explorer, PostgreSQL. Same tables as migrations/sqlite/0002_explorer.sql (see the
-- comments there).

ALTER TABLE issues ADD COLUMN regressed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE issues ADD COLUMN resolved_version TEXT;
ALTER TABLE issues ADD COLUMN resolved_at BIGINT;
UPDATE issues SET resolved_version = last_version, resolved_at = last_seen WHERE status = 'resolved';

-- Every batch rewrites the count rows it touches. No index holds `count`, so those updates stay HOT (no new
-- index entries), pages keep room for them, and dead row versions are vacuumed early (see `issues`).
CREATE INDEX issue_buckets_bucket ON issue_buckets (bucket, issue_id);
ALTER TABLE issue_buckets SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000);

CREATE TABLE issue_buckets_5m (
    issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    bucket   BIGINT NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (issue_id, bucket)
) WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
CREATE INDEX issue_buckets_5m_bucket ON issue_buckets_5m (bucket, issue_id);
INSERT INTO issue_buckets_5m (issue_id, bucket, count)
    SELECT issue_id, time / 300000 * 300000, COUNT(*) FROM events
    WHERE time >= (EXTRACT(EPOCH FROM now()) * 1000)::bigint - 172800000
    GROUP BY issue_id, time / 300000 * 300000;

CREATE TABLE issue_values (
    issue_id   BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    facet      TEXT   NOT NULL,
    value      TEXT   NOT NULL,
    count      BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    PRIMARY KEY (issue_id, facet, value)
) WITH (fillfactor = 80);
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
ALTER TABLE issue_values SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

CREATE INDEX events_issue_time_values ON events (issue_id, time DESC, id DESC)
    INCLUDE (env, version, host, resource);
DROP INDEX events_issue_time;

CREATE TABLE issue_activity (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id    BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    actor       TEXT,
    kind        TEXT   NOT NULL,
    from_status TEXT   NOT NULL,
    to_status   TEXT   NOT NULL,
    version     TEXT
);
CREATE INDEX issue_activity_issue ON issue_activity (issue_id, at, id);
