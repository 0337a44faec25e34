-- leakhound audit datastore, schema version 1.
-- Repositories are named by their identity (a normalised clone URL or a local path), not by a
-- row id, so that datastores written by different shards merge without renumbering.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS repositories (
    identity      TEXT PRIMARY KEY,
    url           TEXT,
    location      TEXT,
    web_url       TEXT,
    fork          INTEGER NOT NULL DEFAULT 0,
    archived      INTEGER NOT NULL DEFAULT 0,
    -- The commits the refs pointed at when last scanned (JSON list): equal tips mean nothing
    -- changed; otherwise the next audit walks only the commits they do not reach.
    tips          TEXT,
    ruleset       TEXT,
    commits       INTEGER NOT NULL DEFAULT 0,
    blobs         INTEGER NOT NULL DEFAULT 0,
    blobs_scanned INTEGER NOT NULL DEFAULT 0,
    last_scanned  TEXT,
    last_attempt  TEXT,
    error         TEXT,
    coverage      TEXT
);

-- Every blob read with a ruleset: a re-audit with the same ruleset does not read it again.
CREATE TABLE IF NOT EXISTS blobs (
    oid      BLOB NOT NULL,
    ruleset  TEXT NOT NULL,
    findings INTEGER NOT NULL,
    PRIMARY KEY (oid, ruleset)
) WITHOUT ROWID;

-- What a blob held, so that a skipped blob can still be attributed to new commits and paths.
CREATE TABLE IF NOT EXISTS blob_findings (
    oid     BLOB NOT NULL,
    ruleset TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    record  TEXT NOT NULL,
    PRIMARY KEY (oid, ruleset, seq)
) WITHOUT ROWID;

-- One row per credential. `secret` is NULL unless the audit ran with --store-secrets.
CREATE TABLE IF NOT EXISTS findings (
    fingerprint TEXT PRIMARY KEY,
    rule_id     TEXT NOT NULL,
    rule_name   TEXT NOT NULL,
    provider    TEXT NOT NULL,
    severity    TEXT NOT NULL,
    confidence  TEXT NOT NULL,
    redacted    TEXT NOT NULL,
    secret      TEXT,
    companions  TEXT NOT NULL,
    entropy     REAL NOT NULL,
    snippet     TEXT NOT NULL,
    encoding    TEXT,
    attributes  TEXT NOT NULL
);

-- Every (repository, commit, path) place that introduced a credential. `commit_id` is empty for
-- a blob that no ref reaches.
CREATE TABLE IF NOT EXISTS occurrences (
    repository      TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    commit_id       TEXT NOT NULL,
    path            TEXT NOT NULL,
    line            INTEGER NOT NULL,
    col             INTEGER NOT NULL,
    blob            TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    author_email    TEXT NOT NULL,
    date            TEXT NOT NULL,
    summary         TEXT NOT NULL,
    present_at_head INTEGER NOT NULL,
    PRIMARY KEY (repository, fingerprint, commit_id, path)
);
CREATE INDEX IF NOT EXISTS occurrences_by_fingerprint ON occurrences (fingerprint);

-- Every answer an issuer gave, with its time; reports use the latest.
CREATE TABLE IF NOT EXISTS validations (
    fingerprint TEXT NOT NULL,
    checked_at  TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    identity    TEXT NOT NULL,
    PRIMARY KEY (fingerprint, checked_at, status)
);

-- The latest decision of a person about a credential.
CREATE TABLE IF NOT EXISTS triage (
    fingerprint TEXT PRIMARY KEY,
    status      TEXT NOT NULL,
    note        TEXT,
    updated_at  TEXT NOT NULL
);
