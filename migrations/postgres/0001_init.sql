-- Stackprint schema, PostgreSQL. Same tables as migrations/sqlite (see the comments there).
-- Times are Unix milliseconds; span ids (u64) are stored bit-cast to BIGINT; trace ids as 32 hex digits.
-- JSON is stored as TEXT: it is never queried inside, and TEXT keeps it compact and byte-exact.

CREATE TABLE issues (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service          TEXT   NOT NULL,
    fingerprint      TEXT   NOT NULL,
    grouping_version TEXT   NOT NULL,
    fingerprint_tree TEXT   NOT NULL,
    error_type       TEXT   NOT NULL,
    message          TEXT   NOT NULL,
    culprit          TEXT,
    env              TEXT   NOT NULL,
    status           TEXT   NOT NULL DEFAULT 'for_review',
    count            BIGINT NOT NULL,
    first_seen       BIGINT NOT NULL,
    last_seen        BIGINT NOT NULL,
    first_version    TEXT,
    last_version     TEXT,
    UNIQUE (service, fingerprint)
);
CREATE INDEX issues_last_seen ON issues (last_seen DESC, id DESC);
CREATE INDEX issues_first_seen ON issues (first_seen DESC, id DESC);
CREATE INDEX issues_count ON issues (count DESC, id DESC);
CREATE INDEX issues_service_last_seen ON issues (service, last_seen DESC);
CREATE INDEX issues_status_last_seen ON issues (status, last_seen DESC);
-- Every batch rewrites the issue rows it touches; left to the default thresholds, dead row versions
-- pile up to many times the live ones under steady ingest and slow the issue list down.
ALTER TABLE issues SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

CREATE TABLE issue_envs (
    env      TEXT   NOT NULL,
    issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    PRIMARY KEY (env, issue_id)
);

CREATE TABLE issue_buckets (
    issue_id BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    bucket   BIGINT NOT NULL,
    count    BIGINT NOT NULL,
    PRIMARY KEY (issue_id, bucket)
);

CREATE TABLE texts (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash BIGINT NOT NULL,
    body TEXT   NOT NULL
);
CREATE INDEX texts_hash ON texts (hash);

CREATE TABLE events (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id          BIGINT NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    time              BIGINT NOT NULL,
    trace_id          TEXT   NOT NULL,
    span_id           BIGINT NOT NULL,
    error_span_id     BIGINT NOT NULL,
    service           TEXT   NOT NULL,
    env               TEXT,
    version           TEXT,
    host              TEXT,
    container_id      TEXT,
    resource          TEXT   NOT NULL,
    operation         TEXT   NOT NULL,
    error_type        TEXT   NOT NULL,
    message           TEXT   NOT NULL,
    language          TEXT,
    stack_id          BIGINT NOT NULL REFERENCES texts (id),
    span_tags         TEXT   NOT NULL,
    host_tags_id      BIGINT REFERENCES texts (id),
    container_tags_id BIGINT REFERENCES texts (id),
    metrics           TEXT   NOT NULL
);
CREATE INDEX events_issue_time ON events (issue_id, time DESC, id DESC);

CREATE TABLE traces (
    trace_id TEXT  PRIMARY KEY,
    spans    BYTEA NOT NULL
);
-- Already deflate-compressed: TOAST need not try again.
ALTER TABLE traces ALTER COLUMN spans SET STORAGE EXTERNAL;

CREATE TABLE hits (
    service  TEXT   NOT NULL,
    env      TEXT   NOT NULL,
    resource TEXT   NOT NULL,
    bucket   BIGINT NOT NULL,
    hits     BIGINT NOT NULL,
    errors   BIGINT NOT NULL,
    PRIMARY KEY (service, env, resource, bucket)
);

CREATE TABLE skipped (
    service TEXT   NOT NULL,
    reason  TEXT   NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (service, reason)
);

CREATE TABLE counters (
    name  TEXT   PRIMARY KEY,
    value BIGINT NOT NULL
);
ALTER TABLE counters SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
