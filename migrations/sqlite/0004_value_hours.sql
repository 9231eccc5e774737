-- An issue's events per hour and facet value (`env`, `version`, `host`, `resource`; absent and empty
-- values add no row). The issue page's breakdowns over a range read the range's whole hours here and
-- only its partial hours at the edges from the events, so a busy issue's day is a few hundred rows
-- rather than every event in it.
CREATE TABLE issue_value_hours (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    bucket   INTEGER NOT NULL,
    facet    TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (issue_id, bucket, facet, value)
) WITHOUT ROWID;
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
