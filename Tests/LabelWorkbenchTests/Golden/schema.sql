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
    imported_at TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE import_error (
    id          INTEGER PRIMARY KEY,
    source      TEXT    NOT NULL UNIQUE,
    reason      TEXT    NOT NULL,
    recorded_at TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE job (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    name                TEXT    NOT NULL CHECK (name <> ''),
    workers_per_image   INTEGER NOT NULL DEFAULT 3 CHECK (workers_per_image >= 1),
    target_accuracy     REAL    NOT NULL DEFAULT 0.95 CHECK (target_accuracy > 0 AND target_accuracy < 1),
    created_at          TEXT    NOT NULL
);

CREATE TABLE label (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    class_index INTEGER NOT NULL UNIQUE CHECK (class_index >= 0)
);

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

CREATE INDEX audit_event_by_entity ON audit_event(entity, entity_id);

CREATE INDEX audit_event_by_run ON audit_event(run_id);

CREATE INDEX image_by_run ON image(run_id);

CREATE INDEX image_by_source ON image(source);

CREATE VIEW image_status AS
SELECT i.id AS image_id, i.source, 'unlabeled' AS status, NULL AS label
FROM image AS i;

CREATE VIEW job_progress AS
SELECT
    (SELECT count(*) FROM image) + (SELECT count(*) FROM import_error)                AS total,
    (SELECT count(*) FROM image_status WHERE status = 'human_labeled')               AS human_labeled,
    (SELECT count(*) FROM image_status WHERE status = 'machine_labeled')             AS machine_labeled,
    (SELECT count(*) FROM image_status WHERE status = 'unlabeled')                   AS unlabeled,
    (SELECT count(*) FROM import_error)                                              AS failed;

CREATE VIEW label_count AS
SELECT l.name AS label, l.class_index, count(s.image_id) AS images
FROM label AS l
LEFT JOIN image_status AS s ON s.label = l.name
GROUP BY l.id
ORDER BY l.class_index;

CREATE TRIGGER audit_event_is_append_only_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: DELETE is not allowed');
END;

CREATE TRIGGER audit_event_is_append_only_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE is not allowed');
END;
