-- An issue's events per hour and facet value, PostgreSQL. Same table as
-- migrations/sqlite/0004_value_hours.sql (see the comments there).
CREATE TABLE issue_value_hours (
    issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    bucket   BIGINT NOT NULL,
    facet    TEXT   NOT NULL,
    value    TEXT   NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (issue_id, bucket, facet, value)
) WITH (fillfactor = 80);
INSERT INTO issue_value_hours (issue_id, bucket, facet, value, count)
    SELECT issue_id, time / 3600000 * 3600000, 'env', env, COUNT(*) FROM events
    WHERE env <> '' GROUP BY 1, 2, 4;
INSERT INTO issue_value_hours (issue_id, bucket, facet, value, count)
    SELECT issue_id, time / 3600000 * 3600000, 'version', version, COUNT(*) FROM events
    WHERE version <> '' GROUP BY 1, 2, 4;
INSERT INTO issue_value_hours (issue_id, bucket, facet, value, count)
    SELECT issue_id, time / 3600000 * 3600000, 'host', host, COUNT(*) FROM events
    WHERE host <> '' GROUP BY 1, 2, 4;
INSERT INTO issue_value_hours (issue_id, bucket, facet, value, count)
    SELECT issue_id, time / 3600000 * 3600000, 'resource', resource, COUNT(*) FROM events
    WHERE resource <> '' GROUP BY 1, 2, 4;
ALTER TABLE issue_value_hours SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
