-- Static reports kept by scan, diff and history: one row per package version, platform and analyzer.
-- `analyzer` is a digest of agentxray's version and its analysis code, so a new analyzer scans anew.
CREATE TABLE IF NOT EXISTS reports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created    REAL    NOT NULL,
    package    TEXT    NOT NULL,             -- ecosystem:name, e.g. npm:@scope/agent
    version    TEXT    NOT NULL,
    platform   TEXT    NOT NULL DEFAULT '',
    analyzer   TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
    error      TEXT    NOT NULL DEFAULT '',
    published  TEXT,                         -- the registry's publication time, ISO 8601
    seconds    REAL,                         -- how long the scan took
    document   TEXT,                         -- the agentxray.report/1 JSON document (status ok)
    UNIQUE (package, version, platform, analyzer)
);
CREATE INDEX IF NOT EXISTS reports_package ON reports (package, analyzer);
