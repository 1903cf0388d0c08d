-- 0023: recall is part of the contract. A label's machine labels may not
-- swallow more of another label's images than its target recall allows
-- (docs/model.md#recall).
--
-- target_recall: the share of a label's images that must end with that label
-- in the finished set, bounded like accuracy is. NULL: the job's
-- target_accuracy. A label's own value (label.target_recall) wins.
ALTER TABLE job ADD COLUMN target_recall REAL
    CHECK (target_recall IS NULL OR (target_recall > 0 AND target_recall < 1));
ALTER TABLE label ADD COLUMN target_recall REAL
    CHECK (target_recall IS NULL OR (target_recall > 0 AND target_recall < 1));

-- The evidence `lw train` stores with a built-in model: for each label, its
-- validation items (the uniform random sample, scored out of fold) cut into
-- bands by the model's probability of the label, highest first; each band
-- holds scores >= lowest_score and below the previous band's. label_items is
-- the consensus posterior of the label summed over the band's items, so
-- label_items / validation_items is the label's share among images the model
-- scores in that band.
CREATE TABLE model_recall_band (
    model_id         INTEGER NOT NULL REFERENCES model(id),
    label_id         INTEGER NOT NULL REFERENCES label(id),
    band             INTEGER NOT NULL CHECK (band >= 0),  -- 0: the highest scores
    lowest_score     REAL NOT NULL,
    validation_items REAL NOT NULL,
    label_items      REAL NOT NULL,
    PRIMARY KEY (model_id, label_id, band)
) WITHOUT ROWID;

-- What `lw auto-label` estimated of each label's machine labels with a model
-- (rewritten by its next run with that model when anything changed): the
-- threshold it used (raised above the model's when other labels' recall
-- needed it), how many machine labels the label has, how many machine labels
-- of other labels it held back for this label's recall, and precision and
-- recall with their lower bounds at the job's threshold_confidence. hidden:
-- the label's images expected among other labels' machine labels;
-- label_images: the label's images expected in the job.
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

-- Each label's machine labels as the latest auto-labeled model left them:
-- estimated precision and recall with their lower bounds (`lw status`).
CREATE VIEW machine_label_quality AS
SELECT l.name AS label, l.class_index, e.model_id, e.machine_labeled, e.threshold, e.held_back,
       e.precision, e.precision_lower_bound, e.recall, e.recall_lower_bound, e.target_recall,
       e.hidden, e.hidden_upper_bound, e.label_images
FROM machine_label_estimate AS e
JOIN label AS l ON l.id = e.label_id
WHERE e.model_id = (SELECT max(model_id) FROM machine_label_estimate)
ORDER BY l.class_index;
