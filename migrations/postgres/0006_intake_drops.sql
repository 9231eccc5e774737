-- Intake requests refused or dropped, by reason (`overload_queue`, `body_too_large`, ...) and hour
-- (the hour's first Unix millisecond). Each instance adds its counts with an upsert, so several
-- instances on one database sum up.
CREATE TABLE intake_drops (
    reason TEXT   NOT NULL,
    bucket BIGINT NOT NULL,
    count  BIGINT NOT NULL,
    PRIMARY KEY (reason, bucket)
);
