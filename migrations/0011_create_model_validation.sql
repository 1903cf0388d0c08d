-- 0011: the evidence behind every threshold.
--
-- Each model's validation items — the human-labeled images picked at random,
-- the sample its threshold was searched on — with the model's prediction for
-- each: for a built-in model out of fold (from models that never saw the
-- image), for an external one the file's. `label_right` is the consensus'
-- probability that the predicted label is right (its posterior of that label
-- when the model was made). An auditor can recount what a threshold rests on,
-- or try another bound, without retraining. Models made before this migration
-- have no rows.
CREATE TABLE model_validation (
    model_id        INTEGER NOT NULL REFERENCES model(id),
    image_id        INTEGER NOT NULL REFERENCES image(id),
    label_id        INTEGER NOT NULL REFERENCES label(id),    -- the model's label for the image
    confidence      REAL    NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    human_label_id  INTEGER NOT NULL REFERENCES label(id),    -- the consensus label when the model was made
    label_right     REAL    NOT NULL CHECK (label_right >= 0 AND label_right <= 1),
    PRIMARY KEY (model_id, image_id)
) WITHOUT ROWID;

-- Per model and predicted label: its threshold, the validation items, how many
-- are at or above it (covered), the covered items' mean `label_right` (their
-- accuracy against the consensus posteriors; not `metrics.covered_accuracy`,
-- which for a built-in model may be the joint estimate, see `lw train`) and how
-- many of them the consensus labels otherwise.
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
