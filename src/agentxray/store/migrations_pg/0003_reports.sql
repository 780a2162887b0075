-- PostgreSQL form of migrations/0003_reports.sql (the shared store for a team's sweeps).
CREATE TABLE IF NOT EXISTS reports (
    id         BIGSERIAL PRIMARY KEY,
    created    DOUBLE PRECISION NOT NULL,
    package    TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    platform   TEXT    NOT NULL DEFAULT '',
    analyzer   TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
    error      TEXT    NOT NULL DEFAULT '',
    published  TEXT,
    seconds    DOUBLE PRECISION,
    document   TEXT,
    UNIQUE (package, version, platform, analyzer)
);
CREATE INDEX IF NOT EXISTS reports_package ON reports (package, analyzer);
