-- 0001: the foundation of an lw database.
-- One labeling job per database file: its settings, its label set, the images
-- it labels, one row per command invocation (run), the files that could not be
-- imported, and the append-only audit trail.
-- Conventions: snake_case singular tables, `id INTEGER PRIMARY KEY`, foreign keys
-- `<table>_id`, timestamps ISO-8601 UTC text ('2026-11-27T10:00:00.123Z'),
-- enumerations as TEXT with CHECK, derived counts as views.

-- The job's settings. Exactly one row (id = 1), written by `lw init`.
CREATE TABLE job (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    name                TEXT    NOT NULL CHECK (name <> ''),
    workers_per_image   INTEGER NOT NULL DEFAULT 3 CHECK (workers_per_image >= 1),
    target_accuracy     REAL    NOT NULL DEFAULT 0.95 CHECK (target_accuracy > 0 AND target_accuracy < 1),
    created_at          TEXT    NOT NULL
);

-- The label set. class_index is the label's position (0, 1, ...), the class
-- index written in Ground Truth manifests.
CREATE TABLE label (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    class_index INTEGER NOT NULL UNIQUE CHECK (class_index >= 0)
);

-- One row per state-changing command invocation.
CREATE TABLE run (
    id          INTEGER PRIMARY KEY,
    command     TEXT    NOT NULL,               -- 'import', 'init', ...
    arguments   TEXT    NOT NULL,               -- JSON array of the command line after `lw`
    actor       TEXT    NOT NULL,               -- --actor, default $USER
    pid         INTEGER NOT NULL,               -- to tell a crashed run from a live one
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    status      TEXT    NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
    counts      TEXT                            -- JSON object of what the run did
);

-- One row per distinct image content.
CREATE TABLE image (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT    NOT NULL UNIQUE CHECK (length(sha256) = 64),
    source      TEXT    NOT NULL,               -- path or source-ref as given (absolute for folder imports)
    path        TEXT    NOT NULL,               -- absolute local file lw reads
    bytes       INTEGER NOT NULL CHECK (bytes > 0),
    width       INTEGER NOT NULL CHECK (width > 0),
    height      INTEGER NOT NULL CHECK (height > 0),
    format      TEXT    NOT NULL CHECK (format IN ('jpeg', 'png')),
    manifest_fields TEXT,                       -- the input manifest line (JSON object), if imported from one
    random_rank REAL    NOT NULL CHECK (random_rank >= 0 AND random_rank < 1),  -- from sha256: a stable random order
    imported_at TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);
CREATE INDEX image_by_source ON image(source);
CREATE INDEX image_by_run ON image(run_id);

-- Files that could not be imported, one row per source (the latest reason).
-- A later successful import of the same source removes its row.
CREATE TABLE import_error (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL UNIQUE,
    reason      TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

-- The audit trail: one row per state change, written in the same transaction
-- as the change. Append-only: the triggers below reject UPDATE and DELETE.
CREATE TABLE audit_event (
    id          INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    run_id      INTEGER REFERENCES run(id),
    action      TEXT    NOT NULL,               -- 'job.init', 'image.import', 'import_error.record', ...
    entity      TEXT    NOT NULL,               -- the table changed
    entity_id   INTEGER,                        -- its row id
    before      TEXT,                           -- JSON of the row before (NULL on insert)
    after       TEXT                            -- JSON of the row after (NULL on delete)
);
CREATE INDEX audit_event_by_entity ON audit_event(entity, entity_id);
CREATE INDEX audit_event_by_run ON audit_event(run_id);

CREATE TRIGGER audit_event_is_append_only_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE is not allowed');
END;
CREATE TRIGGER audit_event_is_append_only_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: DELETE is not allowed');
END;

-- Each image's labeling state. Until the workforce and learning migrations add
-- labels, every image is unlabeled.
CREATE VIEW image_status AS
SELECT i.id AS image_id, i.source, 'unlabeled' AS status, NULL AS label
FROM image AS i;

-- Ground Truth's progress counters, one row.
CREATE VIEW job_progress AS
SELECT
    (SELECT count(*) FROM image) + (SELECT count(*) FROM import_error)                AS total,
    (SELECT count(*) FROM image_status WHERE status = 'human_labeled')               AS human_labeled,
    (SELECT count(*) FROM image_status WHERE status = 'machine_labeled')             AS machine_labeled,
    (SELECT count(*) FROM image_status WHERE status = 'unlabeled')                   AS unlabeled,
    (SELECT count(*) FROM import_error)                                              AS failed;

-- Images per final label, every label listed (zero included), in class order.
CREATE VIEW label_count AS
SELECT l.name AS label, l.class_index, count(s.image_id) AS images
FROM label AS l
LEFT JOIN image_status AS s ON s.label = l.name
GROUP BY l.id
ORDER BY l.class_index;
