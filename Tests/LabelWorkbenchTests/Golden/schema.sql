CREATE TABLE access_token (
    id            INTEGER PRIMARY KEY,
    role          TEXT    NOT NULL CHECK (role IN ('worker', 'owner')),
    worker_id     INTEGER REFERENCES worker(id),   -- set for role 'worker' only
    token_sha256  TEXT    NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    created_at    TEXT    NOT NULL,
    revoked_at    TEXT,                            -- NULL while the link works
    run_id        INTEGER NOT NULL REFERENCES run(id),
    CHECK ((role = 'worker') = (worker_id IS NOT NULL))
);

CREATE TABLE assignment (
    id          INTEGER PRIMARY KEY,
    image_id    INTEGER NOT NULL REFERENCES image(id),
    worker_id   INTEGER NOT NULL REFERENCES worker(id),
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'answered', 'skipped', 'released', 'expired')),
    reason      TEXT    NOT NULL CHECK (reason IN ('random', 'uncertain', 'overlap', 'refill')),  -- why the image was picked
    created_at  TEXT    NOT NULL,
    expires_at  TEXT,                           -- NULL: never
    closed_at   TEXT,                           -- when it stopped being open
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

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

CREATE TABLE backbone (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,               -- 'efficientnet-lite0'
    sha256      TEXT    NOT NULL UNIQUE,        -- of the checkpoint file
    input_side  INTEGER NOT NULL,               -- the network's input: the image's longer side, pixels
    checkpoint  BLOB    NOT NULL,               -- the PyTorch checkpoint file, as published
    source      TEXT    NOT NULL,               -- the file it was read from
    created_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE consensus (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    label_id    INTEGER NOT NULL REFERENCES label(id),
    confidence  REAL    NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    votes       INTEGER NOT NULL CHECK (votes >= 1),
    tie         INTEGER NOT NULL DEFAULT 0 CHECK (tie IN (0, 1)),
    method      TEXT    NOT NULL,               -- 'dawid_skene'
    posteriors  TEXT    NOT NULL,               -- JSON {"label": posterior, ...}
    updated_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
, settled_by_expert INTEGER NOT NULL DEFAULT 0 CHECK (settled_by_expert IN (0, 1)));

CREATE TABLE export_split (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    split       TEXT    NOT NULL CHECK (split IN ('train', 'val', 'test')),
    seed        INTEGER NOT NULL,
    assigned_at TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE feature_extractor (
    id          INTEGER PRIMARY KEY,
    version     TEXT    NOT NULL UNIQUE,        -- algorithm and a hash of the filters
    algorithm   TEXT    NOT NULL,
    parameters  TEXT    NOT NULL,               -- JSON: image sizes, patch size, filters per size
    filters     BLOB    NOT NULL,               -- the whole extractor, JSON
    created_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
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
    random_rank REAL    NOT NULL CHECK (random_rank >= 0 AND random_rank < 1),  -- from sha256: a stable random order
    imported_at TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
, awaiting_label INTEGER NOT NULL DEFAULT 1 CHECK (awaiting_label IN (0, 1)), uncertainty_rank REAL, perceptual_hash INTEGER, colour_signature INTEGER);

CREATE TABLE image_backbone_map (
    backbone_id INTEGER NOT NULL REFERENCES backbone(id),
    image_id    INTEGER NOT NULL REFERENCES image(id),
    height      INTEGER NOT NULL CHECK (height > 0),
    width       INTEGER NOT NULL CHECK (width > 0),
    channels    INTEGER NOT NULL CHECK (channels > 0),
    map         BLOB    NOT NULL,
    PRIMARY KEY (backbone_id, image_id)
) WITHOUT ROWID;

CREATE TABLE image_feature (
    extractor_id INTEGER NOT NULL REFERENCES feature_extractor(id),
    image_id     INTEGER NOT NULL REFERENCES image(id),
    vector       BLOB    NOT NULL,
    PRIMARY KEY (extractor_id, image_id)
) WITHOUT ROWID;

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
, max_workers_per_image INTEGER NOT NULL DEFAULT 5 CHECK (max_workers_per_image >= 1), extra_vote_below_confidence REAL NOT NULL DEFAULT 0.9
    CHECK (extra_vote_below_confidence >= 0 AND extra_vote_below_confidence <= 1), random_share REAL NOT NULL DEFAULT 0.2 CHECK (random_share >= 0 AND random_share <= 1), max_human_labels INTEGER CHECK (max_human_labels IS NULL OR max_human_labels >= 0), max_human_percent REAL CHECK (max_human_percent IS NULL OR (max_human_percent >= 0 AND max_human_percent <= 100)), feature_banks TEXT NOT NULL DEFAULT '128:256,192:256', validation_extra_vote_below REAL NOT NULL DEFAULT 0.99
    CHECK (validation_extra_vote_below >= 0 AND validation_extra_vote_below <= 1), model TEXT NOT NULL DEFAULT 'filters+convnet'
    CHECK (model IN ('filters', 'filters+convnet')), convnet_side INTEGER NOT NULL DEFAULT 256
    CHECK (convnet_side >= 64 AND convnet_side <= 1024 AND convnet_side % 64 = 0), validation_max_workers_per_image INTEGER NOT NULL DEFAULT 7
    CHECK (validation_max_workers_per_image >= 1 AND validation_max_workers_per_image <= 50), self_training INTEGER NOT NULL DEFAULT 1 CHECK (self_training IN (0, 1)), threshold_confidence REAL NOT NULL DEFAULT 0.95
    CHECK (threshold_confidence > 0.5 AND threshold_confidence < 1), object_copies INTEGER NOT NULL DEFAULT 1 CHECK (object_copies IN (0, 1)), backbone INTEGER NOT NULL DEFAULT 1 CHECK (backbone IN (0, 1)), convnet_image_steps INTEGER NOT NULL DEFAULT 19200 CHECK (convnet_image_steps >= 100), max_megapixels INTEGER NOT NULL DEFAULT 100 CHECK (max_megapixels >= 1), instructions TEXT, target_recall REAL
    CHECK (target_recall IS NULL OR (target_recall > 0 AND target_recall < 1)));

CREATE TABLE label (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    class_index INTEGER NOT NULL UNIQUE CHECK (class_index >= 0)
, target_recall REAL
    CHECK (target_recall IS NULL OR (target_recall > 0 AND target_recall < 1)));

CREATE TABLE machine_label (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    model_id    INTEGER NOT NULL REFERENCES model(id),
    label_id    INTEGER NOT NULL REFERENCES label(id),
    confidence  REAL    NOT NULL,
    threshold   REAL    NOT NULL,
    created_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE machine_label_estimate (
    model_id              INTEGER NOT NULL REFERENCES model(id),
    label_id              INTEGER NOT NULL REFERENCES label(id),
    target_recall         REAL NOT NULL,
    threshold             REAL,
    machine_labeled       INTEGER NOT NULL,
    held_back             INTEGER NOT NULL,
    precision             REAL,
    precision_lower_bound REAL,
    hidden                REAL,
    hidden_upper_bound    REAL,
    label_images          REAL,
    recall                REAL,
    recall_lower_bound    REAL,
    run_id                INTEGER NOT NULL REFERENCES run(id),
    PRIMARY KEY (model_id, label_id)
) WITHOUT ROWID;

CREATE TABLE model (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('builtin', 'external')),
    algorithm       TEXT    NOT NULL,
    parameters      TEXT    NOT NULL,           -- JSON
    extractor_id    INTEGER REFERENCES feature_extractor(id),
    training_size   INTEGER NOT NULL,
    validation_size INTEGER NOT NULL,
    metrics         TEXT    NOT NULL,           -- JSON: accuracy, auc, calibration error, coverage, bound
    threshold       REAL,                       -- confidence at or above which it labels; NULL: it may not label
    class_thresholds TEXT,                      -- JSON {"label": threshold or null} when thresholds differ per predicted label
    target_accuracy REAL    NOT NULL,
    labeled_set     TEXT    NOT NULL,           -- hash of the labels and settings it was trained on
    weights         BLOB,                       -- JSON of the standardiser and the classifier
    created_at      TEXT    NOT NULL,
    run_id          INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE model_recall_band (
    model_id         INTEGER NOT NULL REFERENCES model(id),
    label_id         INTEGER NOT NULL REFERENCES label(id),
    band             INTEGER NOT NULL CHECK (band >= 0),  -- 0: the highest scores
    lowest_score     REAL NOT NULL,
    validation_items REAL NOT NULL,
    label_items      REAL NOT NULL,
    PRIMARY KEY (model_id, label_id, band)
) WITHOUT ROWID;

CREATE TABLE model_validation (
    model_id        INTEGER NOT NULL REFERENCES model(id),
    image_id        INTEGER NOT NULL REFERENCES image(id),
    label_id        INTEGER NOT NULL REFERENCES label(id),    -- the model's label for the image
    confidence      REAL    NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    human_label_id  INTEGER NOT NULL REFERENCES label(id),    -- the consensus label when the model was made
    label_right     REAL    NOT NULL CHECK (label_right >= 0 AND label_right <= 1),
    PRIMARY KEY (model_id, image_id)
) WITHOUT ROWID;

CREATE TABLE near_duplicate (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    group_id    INTEGER NOT NULL REFERENCES image(id),
    radius      INTEGER NOT NULL,               -- the most bits apart the hashes of a pair may be
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE prediction (
    model_id    INTEGER NOT NULL REFERENCES model(id),
    image_id    INTEGER NOT NULL REFERENCES image(id),
    label_id    INTEGER NOT NULL REFERENCES label(id),
    confidence  REAL    NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    scores      TEXT    NOT NULL,               -- JSON {"label": probability}
    PRIMARY KEY (model_id, image_id)
) WITHOUT ROWID;

CREATE TABLE reference (
    id          INTEGER PRIMARY KEY,
    label_id    INTEGER NOT NULL REFERENCES label(id),  -- never the last label (absence)
    sha256      TEXT    NOT NULL UNIQUE,                -- the same file twice is one reference
    bytes       BLOB    NOT NULL,                       -- the file, as given
    format      TEXT    NOT NULL CHECK (format IN ('jpeg', 'png')),
    width       INTEGER NOT NULL CHECK (width >= 16),
    height      INTEGER NOT NULL CHECK (height >= 16),
    source      TEXT    NOT NULL,                       -- the path as given
    added_by    TEXT    NOT NULL,                       -- the actor
    added_at    TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE reference_head (
    key          TEXT    PRIMARY KEY,     -- version, backbone and the references' sha256 and labels
    backbone_id  INTEGER NOT NULL REFERENCES backbone(id),
    references_used INTEGER NOT NULL,
    examples     INTEGER NOT NULL,        -- synthetic pictures it was fitted on (half of them pastes of a reference)
    head         TEXT    NOT NULL,        -- JSON of the head (channel standardisation, weights, bias)
    created_at   TEXT    NOT NULL,
    run_id       INTEGER NOT NULL REFERENCES run(id)
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

CREATE TABLE suspect (
    model_id             INTEGER NOT NULL REFERENCES model(id),
    image_id             INTEGER NOT NULL REFERENCES image(id),
    label_id             INTEGER NOT NULL REFERENCES label(id),  -- the consensus label when scored
    suggested_label_id   INTEGER NOT NULL REFERENCES label(id),  -- the most likely other label
    score                REAL    NOT NULL CHECK (score >= 0 AND score <= 1),  -- estimated P(the label is wrong)
    model_probability    REAL    NOT NULL CHECK (model_probability >= 0 AND model_probability <= 1),  -- out-of-fold P(label)
    consensus_confidence REAL    NOT NULL,                        -- the consensus posterior of the label
    voter_accuracy       REAL,                                    -- mean estimated accuracy of the workers who gave the label
    votes                INTEGER NOT NULL,                        -- the image's votes when scored
    reasons              TEXT    NOT NULL,                        -- separated by ";": model, uncertain_consensus, weak_workers
    PRIMARY KEY (model_id, image_id)
) WITHOUT ROWID;

CREATE TABLE training_fold (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    fold        INTEGER NOT NULL CHECK (fold >= 0 AND fold < 5)
);

CREATE TABLE vote (
    id            INTEGER PRIMARY KEY,
    image_id      INTEGER NOT NULL REFERENCES image(id),
    worker_id     INTEGER NOT NULL REFERENCES worker(id),
    label_id      INTEGER NOT NULL REFERENCES label(id),
    assignment_id INTEGER UNIQUE REFERENCES assignment(id),
    seconds       REAL CHECK (seconds IS NULL OR seconds >= 0),  -- time spent answering, when known
    created_at    TEXT    NOT NULL,
    run_id        INTEGER NOT NULL REFERENCES run(id)
);

CREATE TABLE worker (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    kind        TEXT    NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'import')),  -- 'import': labels taken from elsewhere
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT    NOT NULL
, expert INTEGER NOT NULL DEFAULT 0 CHECK (expert IN (0, 1)));

CREATE TABLE worker_quality (
    worker_id   INTEGER PRIMARY KEY REFERENCES worker(id),
    votes       INTEGER NOT NULL,
    agreement   REAL    NOT NULL,               -- share of their votes equal to the consensus label
    accuracy    REAL    NOT NULL,               -- estimated P(correct), from the confusion matrix and class priors
    confusion   TEXT    NOT NULL,               -- JSON {"true label": {"voted label": probability}}
    updated_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE UNIQUE INDEX access_token_live_owner ON access_token(role) WHERE revoked_at IS NULL AND role = 'owner';

CREATE UNIQUE INDEX access_token_live_per_worker ON access_token(worker_id) WHERE revoked_at IS NULL AND role = 'worker';

CREATE INDEX assignment_by_image ON assignment(image_id, id);

CREATE INDEX assignment_by_worker_status ON assignment(worker_id, status);

CREATE INDEX assignment_closed_by_worker ON assignment(worker_id, closed_at) WHERE status IN ('answered', 'skipped');

CREATE UNIQUE INDEX assignment_one_per_worker_and_image ON assignment(image_id, worker_id)
    WHERE status IN ('open', 'answered', 'skipped');

CREATE INDEX assignment_open_by_expiry ON assignment(expires_at) WHERE status = 'open' AND expires_at IS NOT NULL;

CREATE INDEX assignment_open_by_image ON assignment(image_id) WHERE status = 'open';

CREATE INDEX assignment_open_by_worker ON assignment(worker_id, id) WHERE status = 'open';

CREATE INDEX audit_event_by_entity ON audit_event(entity, entity_id);

CREATE INDEX audit_event_by_run ON audit_event(run_id);

CREATE INDEX consensus_by_confidence ON consensus(confidence);

CREATE INDEX image_by_run ON image(run_id);

CREATE INDEX image_by_source ON image(source);

CREATE INDEX image_in_random_order ON image(random_rank);

CREATE INDEX image_queue_random ON image(random_rank) WHERE awaiting_label = 1;

CREATE INDEX image_queue_uncertain ON image(uncertainty_rank) WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL;

CREATE INDEX near_duplicate_by_group ON near_duplicate(group_id);

CREATE INDEX reference_by_label ON reference(label_id);

CREATE INDEX suspect_by_score ON suspect (model_id, score DESC);

CREATE INDEX vote_by_worker ON vote(worker_id);

CREATE UNIQUE INDEX vote_one_per_worker_and_image ON vote(image_id, worker_id);

CREATE VIEW image_status AS
SELECT i.id AS image_id, i.source,
       CASE WHEN h.image_id IS NOT NULL THEN 'human_labeled'
            WHEN m.image_id IS NOT NULL THEN 'machine_labeled'
            ELSE 'unlabeled' END AS status,
       CASE WHEN h.image_id IS NOT NULL THEN hl.name WHEN m.image_id IS NOT NULL THEN ml.name END AS label,
       CASE WHEN h.image_id IS NOT NULL THEN h.confidence WHEN m.image_id IS NOT NULL THEN m.confidence END AS confidence,
       h.votes,
       m.model_id
FROM image AS i
LEFT JOIN consensus AS h ON h.image_id = i.id
     AND NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = i.id AND a.status = 'open')
LEFT JOIN label AS hl ON hl.id = h.label_id
LEFT JOIN machine_label AS m ON m.image_id = i.id
LEFT JOIN label AS ml ON ml.id = m.label_id;

CREATE VIEW image_votes AS
SELECT i.id AS image_id, i.source, count(v.id) AS votes,
       group_concat(w.name || '=' || l.name, ' ') AS ballots,
       c.confidence
FROM image AS i
JOIN vote AS v ON v.image_id = i.id
JOIN worker AS w ON w.id = v.worker_id
JOIN label AS l ON l.id = v.label_id
LEFT JOIN consensus AS c ON c.image_id = i.id
GROUP BY i.id;

CREATE VIEW job_progress AS
SELECT
    (SELECT count(*) FROM image) + (SELECT count(*) FROM import_error)                AS total,
    (SELECT count(*) FROM image_status WHERE status = 'human_labeled')               AS human_labeled,
    (SELECT count(*) FROM image_status WHERE status = 'machine_labeled')             AS machine_labeled,
    (SELECT count(*) FROM image_status WHERE status = 'unlabeled')                   AS unlabeled,
    (SELECT count(*) FROM import_error)                                              AS failed,
    (SELECT count(*) FROM assignment WHERE status = 'open')                          AS open_assignments,
    (SELECT count(*) FROM vote)                                                      AS votes;

CREATE VIEW label_count AS
SELECT l.name AS label, l.class_index, count(s.image_id) AS images
FROM label AS l
LEFT JOIN image_status AS s ON s.label = l.name
GROUP BY l.id
ORDER BY l.class_index;

CREATE VIEW machine_label_check AS
SELECT l.name AS machine_label, l.class_index, count(c.image_id) AS checked,
       coalesce(sum(m.label_id = c.label_id), 0) AS team_agrees
FROM label AS l
JOIN machine_label AS m ON m.label_id = l.id
JOIN consensus AS c ON c.image_id = m.image_id
GROUP BY l.id
ORDER BY l.class_index;

CREATE VIEW machine_label_quality AS
SELECT l.name AS label, l.class_index, e.model_id, e.machine_labeled, e.threshold, e.held_back,
       e.precision, e.precision_lower_bound, e.recall, e.recall_lower_bound, e.target_recall,
       e.hidden, e.hidden_upper_bound, e.label_images
FROM machine_label_estimate AS e
JOIN label AS l ON l.id = e.label_id
WHERE e.model_id = (SELECT max(model_id) FROM machine_label_estimate)
ORDER BY l.class_index;

CREATE VIEW model_summary AS
SELECT m.id AS model_id, m.kind, m.algorithm, m.training_size, m.validation_size, m.threshold, m.target_accuracy,
       json_extract(m.metrics, '$.accuracy') AS validation_accuracy,
       json_extract(m.metrics, '$.auc') AS auc,
       (SELECT count(*) FROM prediction AS p WHERE p.model_id = m.id) AS predictions,
       (SELECT count(*) FROM machine_label AS ml WHERE ml.model_id = m.id) AS machine_labels,
       m.created_at
FROM model AS m;

CREATE VIEW threshold_evidence AS
WITH item AS (
    SELECT v.model_id, v.label_id, v.confidence, v.human_label_id, v.label_right, l.name AS label, l.class_index,
           CASE WHEN m.class_thresholds IS NULL THEN m.threshold
                ELSE (SELECT t.value FROM json_each(m.class_thresholds) AS t WHERE t.key = l.name) END AS threshold
    FROM model_validation AS v JOIN model AS m ON m.id = v.model_id JOIN label AS l ON l.id = v.label_id
)
SELECT model_id, label, threshold, count(*) AS validation_items,
       coalesce(sum(confidence >= threshold), 0) AS covered_items,
       avg(CASE WHEN confidence >= threshold THEN label_right END) AS covered_consensus_accuracy,
       coalesce(sum(confidence >= threshold AND human_label_id <> label_id), 0) AS covered_against_consensus
FROM item GROUP BY model_id, class_index;

CREATE VIEW worker_link AS
SELECT w.name AS worker, w.active, t.created_at AS link_created_at
FROM access_token AS t JOIN worker AS w ON w.id = t.worker_id
WHERE t.role = 'worker' AND t.revoked_at IS NULL;

CREATE VIEW worker_summary AS
SELECT w.id AS worker_id, w.name, w.kind, w.active,
       (SELECT count(*) FROM vote AS v WHERE v.worker_id = w.id)                                   AS votes,
       (SELECT count(*) FROM assignment AS a WHERE a.worker_id = w.id AND a.status = 'open')       AS open_assignments,
       (SELECT count(*) FROM assignment AS a WHERE a.worker_id = w.id AND a.status = 'skipped')    AS skipped,
       q.agreement, q.accuracy,
       (SELECT avg(v.seconds) FROM vote AS v WHERE v.worker_id = w.id)                             AS mean_seconds
FROM worker AS w
LEFT JOIN worker_quality AS q ON q.worker_id = w.id;

CREATE TRIGGER audit_event_is_append_only_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: DELETE is not allowed');
END;

CREATE TRIGGER audit_event_is_append_only_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER consensus_marks_image_labeled AFTER INSERT ON consensus
BEGIN
    UPDATE image SET awaiting_label = 0 WHERE id = NEW.image_id;
END;

CREATE TRIGGER consensus_removal_returns_image_to_queue AFTER DELETE ON consensus
BEGIN
    UPDATE image SET awaiting_label = NOT EXISTS (SELECT 1 FROM machine_label WHERE image_id = OLD.image_id)
    WHERE id = OLD.image_id;
END;

CREATE TRIGGER machine_label_marks_image_labeled AFTER INSERT ON machine_label
BEGIN
    UPDATE image SET awaiting_label = 0 WHERE id = NEW.image_id;
END;

CREATE TRIGGER machine_label_removal_returns_image_to_queue AFTER DELETE ON machine_label
BEGIN
    UPDATE image SET awaiting_label = NOT EXISTS (SELECT 1 FROM consensus WHERE image_id = OLD.image_id)
    WHERE id = OLD.image_id;
END;
