-- 0018: the near-duplicate groups `lw duplicates` found last: one row per
-- image in a group; `group_id` is the group's smallest image id (stable while
-- the group keeps that image). Rewritten by `lw duplicates` when the groups
-- change; labels are not stored here (join image_status).
CREATE TABLE near_duplicate (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    group_id    INTEGER NOT NULL REFERENCES image(id),
    radius      INTEGER NOT NULL,               -- the most bits apart the hashes of a pair may be
    run_id      INTEGER NOT NULL REFERENCES run(id)
);
CREATE INDEX near_duplicate_by_group ON near_duplicate(group_id);
