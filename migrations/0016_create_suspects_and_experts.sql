-- 0016: finding the wrong human labels.
-- An expert's vote settles an image: consensus takes it as the truth (when
-- the image's expert votes agree), and `lw suspects` never lists it again.
ALTER TABLE worker ADD COLUMN expert INTEGER NOT NULL DEFAULT 0 CHECK (expert IN (0, 1));
ALTER TABLE consensus ADD COLUMN settled_by_expert INTEGER NOT NULL DEFAULT 0 CHECK (settled_by_expert IN (0, 1));

-- Human labels likely wrong, as `lw train` scored them for each built-in model:
-- every human-labeled image it trained on, by the fits that never saw it
-- (out of fold), against its consensus at that time. `lw suspects` lists the
-- latest model's, most suspect first, leaving out images whose votes changed
-- since (a second look: the next `lw train` rescores them) and settled ones.
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
CREATE INDEX suspect_by_score ON suspect (model_id, score DESC);
