-- 0024: the head lw trains on the job's references (docs/model.md#references):
-- each reference pasted into the job's own pictures, beside as many pastes of
-- patches of other pictures, their backbone maps, and a multiple-instance head
-- fitted on them. Made once per set of references and backbone (`key`), then
-- reused by every `lw train`: the round-0 model ranks images with it alone,
-- later models join it as an expert with a weight chosen out of fold.
CREATE TABLE reference_head (
    key          TEXT    PRIMARY KEY,     -- version, backbone and the references' sha256 and labels
    backbone_id  INTEGER NOT NULL REFERENCES backbone(id),
    references_used INTEGER NOT NULL,
    examples     INTEGER NOT NULL,        -- synthetic pictures it was fitted on (half of them pastes of a reference)
    head         TEXT    NOT NULL,        -- JSON of the head (channel standardisation, weights, bias)
    created_at   TEXT    NOT NULL,
    run_id       INTEGER NOT NULL REFERENCES run(id)
);
