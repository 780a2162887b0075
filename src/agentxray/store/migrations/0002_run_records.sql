-- Every `agentxray run` on the record: how it was started and ended, its events, its findings and
-- its report. A run row is written first with complete = 0 and set to 1 only when the run has
-- ended and everything about it is stored, so a run that was killed stays marked incomplete.
ALTER TABLE runs ADD COLUMN command  TEXT    NOT NULL DEFAULT '[]';  -- JSON list: the agent's argv
ALTER TABLE runs ADD COLUMN policy   TEXT    NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN persona  TEXT    NOT NULL DEFAULT '{}';  -- JSON object of strings
ALTER TABLE runs ADD COLUMN complete INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN report   TEXT;                           -- the report JSON document
UPDATE runs SET complete = 1 WHERE duration_s IS NOT NULL;

CREATE TABLE IF NOT EXISTS run_events (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    time    REAL    NOT NULL,
    kind    TEXT    NOT NULL,
    data    TEXT    NOT NULL,  -- JSON object: the event's other fields that are set
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE IF NOT EXISTS run_findings (
    run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    ordinal   INTEGER NOT NULL,
    id        TEXT    NOT NULL,
    rule      TEXT    NOT NULL,
    category  TEXT    NOT NULL,
    severity  TEXT    NOT NULL,
    data      TEXT    NOT NULL,  -- JSON object: the whole finding
    PRIMARY KEY (run_id, ordinal)
);
CREATE INDEX IF NOT EXISTS run_findings_category ON run_findings (category);
