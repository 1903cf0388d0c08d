-- 0003: the machine half of the loop — feature extractors and their cached
-- features, trained (or imported) models, their predictions, and machine labels.

-- Share of each `lw assign --strategy uncertain|auto` round drawn at random, so
-- that validation stays a random sample rather than the hardest images.
ALTER TABLE job ADD COLUMN random_share REAL NOT NULL DEFAULT 0.2 CHECK (random_share >= 0 AND random_share <= 1);
-- Budget of human labeling: `lw assign` gives no new images once reached (NULL: none).
ALTER TABLE job ADD COLUMN max_human_labels INTEGER CHECK (max_human_labels IS NULL OR max_human_labels >= 0);
ALTER TABLE job ADD COLUMN max_human_percent REAL CHECK (max_human_percent IS NULL OR (max_human_percent >= 0 AND max_human_percent <= 100));

-- The built-in extractor's filter banks: "SIDE:FILTERS,..." — images resized to
-- SIDE pixels on their longer side, FILTERS learned 6x6 filters at that size.
ALTER TABLE job ADD COLUMN feature_banks TEXT NOT NULL DEFAULT '128:256,192:256';

-- Learned image features (the dictionary of filters), one row per version.
CREATE TABLE feature_extractor (
    id          INTEGER PRIMARY KEY,
    version     TEXT    NOT NULL UNIQUE,        -- algorithm and a hash of the filters
    algorithm   TEXT    NOT NULL,
    parameters  TEXT    NOT NULL,               -- JSON: image sizes, patch size, filters per size
    filters     BLOB    NOT NULL,               -- the whole extractor, JSON
    created_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

-- Cached feature vectors (little-endian float32), so retraining never re-decodes.
CREATE TABLE image_feature (
    extractor_id INTEGER NOT NULL REFERENCES feature_extractor(id),
    image_id     INTEGER NOT NULL REFERENCES image(id),
    vector       BLOB    NOT NULL,
    PRIMARY KEY (extractor_id, image_id)
) WITHOUT ROWID;

-- Each human-labeled image's cross-validation fold (0-4), fixed the first time
-- it is used: the stored, stable split. Out-of-fold predictions of images that
-- were picked at random are the validation set.
CREATE TABLE training_fold (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    fold        INTEGER NOT NULL CHECK (fold >= 0 AND fold < 5)
);

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

-- A model's prediction for an image.
CREATE TABLE prediction (
    model_id    INTEGER NOT NULL REFERENCES model(id),
    image_id    INTEGER NOT NULL REFERENCES image(id),
    label_id    INTEGER NOT NULL REFERENCES label(id),
    confidence  REAL    NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    scores      TEXT    NOT NULL,               -- JSON {"label": probability}
    PRIMARY KEY (model_id, image_id)
) WITHOUT ROWID;

-- Machine labels: predictions at or above their model's threshold, for images
-- without a human label. A human label always wins (see image_status).
CREATE TABLE machine_label (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    model_id    INTEGER NOT NULL REFERENCES model(id),
    label_id    INTEGER NOT NULL REFERENCES label(id),
    confidence  REAL    NOT NULL,
    threshold   REAL    NOT NULL,
    created_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

DROP TRIGGER consensus_removal_returns_image_to_queue;
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

-- job_progress and label_count read image_status by name: replacing it is enough.
DROP VIEW image_status;

-- Each image's labeling state and final label: human (consensus, once no
-- assignment is open for it) wins over machine.
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

-- Every model with what it decided (what `lw models list` shows).
CREATE VIEW model_summary AS
SELECT m.id AS model_id, m.kind, m.algorithm, m.training_size, m.validation_size, m.threshold, m.target_accuracy,
       json_extract(m.metrics, '$.accuracy') AS validation_accuracy,
       json_extract(m.metrics, '$.auc') AS auc,
       (SELECT count(*) FROM prediction AS p WHERE p.model_id = m.id) AS predictions,
       (SELECT count(*) FROM machine_label AS ml WHERE ml.model_id = m.id) AS machine_labels,
       m.created_at
FROM model AS m;
