-- 0004: the train/validation/test split of folder exports, stored so that an
-- image keeps its split across exports (until `lw export --reshuffle`).
CREATE TABLE export_split (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    split       TEXT    NOT NULL CHECK (split IN ('train', 'val', 'test')),
    seed        INTEGER NOT NULL,
    assigned_at TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);
