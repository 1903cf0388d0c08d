-- 0022: references — pictures of what a label looks like (a clean logo file,
-- a crop from a photo), added with `lw references add` or `lw init --reference`.
-- A reference is never an image of the job: it is not in `image`, and is never
-- labeled, assigned, exported or counted. Stored whole (the file's bytes), so
-- the database alone is enough to rank images against it later.
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
CREATE INDEX reference_by_label ON reference(label_id);

-- Plain text for the people who label: what to look for, what to skip. Shown
-- by `lw review` at its start and on the worker page of `lw serve`; set with
-- `lw init --instructions FILE` or `lw settings set --instructions FILE`.
ALTER TABLE job ADD COLUMN instructions TEXT;
