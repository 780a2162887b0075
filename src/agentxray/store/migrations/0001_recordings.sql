-- Recordings of agent runs against the mock model API: one row per run, one per exchange.
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started     REAL    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    profile     TEXT    NOT NULL DEFAULT '',
    scenario    TEXT    NOT NULL DEFAULT '',
    base_url    TEXT    NOT NULL DEFAULT '',
    exit_code   INTEGER,
    duration_s  REAL
);

CREATE TABLE IF NOT EXISTS exchanges (
    run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    started           REAL    NOT NULL,
    duration_ms       REAL    NOT NULL,
    tls               INTEGER NOT NULL,
    method            TEXT    NOT NULL,
    target            TEXT    NOT NULL,
    request_headers   TEXT    NOT NULL,  -- JSON list of [name, value], raw
    request_body      BLOB    NOT NULL,
    status            INTEGER NOT NULL,
    response_headers  TEXT    NOT NULL,
    response_body     BLOB    NOT NULL,
    dialect           TEXT,
    outcome           TEXT    NOT NULL,
    turn              INTEGER,
    system            TEXT    NOT NULL,  -- JSON list of text blocks, verbatim
    first_user        TEXT    NOT NULL,  -- JSON list of text parts, verbatim
    PRIMARY KEY (run_id, seq)
);
