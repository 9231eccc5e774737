-- Stackprint schema, SQLite. Times are Unix milliseconds, hour buckets are the hour's first millisecond.
-- Span ids (u64) are stored bit-cast to INTEGER (i64); trace ids as 32 lowercase hex digits.

-- One row per (service, fingerprint): the unit users triage.
CREATE TABLE issues (
    id               INTEGER PRIMARY KEY,
    service          TEXT    NOT NULL,
    fingerprint      TEXT    NOT NULL,
    grouping_version TEXT    NOT NULL,
    -- The fingerprint's component tree (JSON) so the issue page can explain the grouping.
    fingerprint_tree TEXT    NOT NULL,
    -- Type, message, culprit and env of the first event.
    error_type       TEXT    NOT NULL,
    message          TEXT    NOT NULL,
    culprit          TEXT,
    env              TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'for_review',
    count            INTEGER NOT NULL,
    first_seen       INTEGER NOT NULL,
    last_seen        INTEGER NOT NULL,
    first_version    TEXT,
    last_version     TEXT,
    UNIQUE (service, fingerprint)
);
CREATE INDEX issues_last_seen ON issues (last_seen DESC, id DESC);
CREATE INDEX issues_first_seen ON issues (first_seen DESC, id DESC);
CREATE INDEX issues_count ON issues (count DESC, id DESC);
CREATE INDEX issues_service_last_seen ON issues (service, last_seen DESC);
CREATE INDEX issues_status_last_seen ON issues (status, last_seen DESC);

-- Every env an issue was seen in, for the env filter ('' when events had none).
CREATE TABLE issue_envs (
    env      TEXT    NOT NULL,
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    PRIMARY KEY (env, issue_id)
) WITHOUT ROWID;

-- Per-issue event counts per hour.
CREATE TABLE issue_buckets (
    issue_id INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    bucket   INTEGER NOT NULL,
    count    INTEGER NOT NULL,
    PRIMARY KEY (issue_id, bucket)
) WITHOUT ROWID;

-- Large texts many events repeat (stacks, host and container tags), stored once. `hash` is FNV-1a 64 of
-- the body; it is not unique: lookups compare the body too.
CREATE TABLE texts (
    id   INTEGER PRIMARY KEY,
    hash INTEGER NOT NULL,
    body TEXT    NOT NULL
);
CREATE INDEX texts_hash ON texts (hash);

CREATE TABLE events (
    id                INTEGER PRIMARY KEY,
    issue_id          INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    time              INTEGER NOT NULL,
    trace_id          TEXT    NOT NULL,
    span_id           INTEGER NOT NULL,
    error_span_id     INTEGER NOT NULL,
    service           TEXT    NOT NULL,
    env               TEXT,
    version           TEXT,
    host              TEXT,
    container_id      TEXT,
    resource          TEXT    NOT NULL,
    operation         TEXT    NOT NULL,
    error_type        TEXT    NOT NULL,
    message           TEXT    NOT NULL,
    -- Tracer language as sent (`python`, `nodejs`); picks the stack parser on read.
    language          TEXT,
    stack_id          INTEGER NOT NULL REFERENCES texts (id),
    -- JSON objects. `error.type`/`error.message`/`error.stack` tags equal to the columns are left out.
    span_tags         TEXT    NOT NULL,
    host_tags_id      INTEGER REFERENCES texts (id),
    container_tags_id INTEGER REFERENCES texts (id),
    metrics           TEXT    NOT NULL
);
CREATE INDEX events_issue_time ON events (issue_id, time DESC, id DESC);

-- Whole traces of error events: a format byte, then deflate-compressed JSON of the spans.
CREATE TABLE traces (
    trace_id TEXT PRIMARY KEY,
    spans    BLOB NOT NULL
);

-- Entry-span hits and errors per service entry point and hour.
CREATE TABLE hits (
    service  TEXT    NOT NULL,
    env      TEXT    NOT NULL,
    resource TEXT    NOT NULL,
    bucket   INTEGER NOT NULL,
    hits     INTEGER NOT NULL,
    errors   INTEGER NOT NULL,
    PRIMARY KEY (service, env, resource, bucket)
) WITHOUT ROWID;

-- Errored entry spans that did not become events, by reason.
CREATE TABLE skipped (
    service TEXT    NOT NULL,
    reason  TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (service, reason)
) WITHOUT ROWID;

-- Named counters (`spans`: spans received).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
