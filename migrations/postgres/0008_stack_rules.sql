-- Stack rules per service (in-app and fingerprint rules, see the README's grouping section), versioned:
-- every save adds a version; the highest is in force. Kept whole, so any version can be read back.
CREATE TABLE stack_rules (
    service    TEXT    NOT NULL,
    version    BIGINT  NOT NULL,
    rules      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    actor      TEXT,
    PRIMARY KEY (service, version)
);
