-- 0014: a pretrained backbone — EfficientNet-Lite0 with its ImageNet weights —
-- stored once per job, and each image's cached map from it.
--
-- With backbone = 1 (the default), `lw train` adds a third expert beside the
-- filters (and the networks): a linear score at every position of the
-- backbone's last map (320 channels at 1/32 of a 448-pixel image), max-pooled
-- over positions. The backbone runs once per image; each round then trains
-- only that head, in seconds. Without the weights (see README, install)
-- lw trains as before and says how to get them.
ALTER TABLE job ADD COLUMN backbone INTEGER NOT NULL DEFAULT 1 CHECK (backbone IN (0, 1));

-- With model 'filters+convnet': the fewest image-steps a network trained from
-- random weights gets (its epochs grow on a small label set to reach it; a
-- network continued from the last model's trains 16 epochs at the default,
-- scaled alike). Smaller is faster and weaker: tests and demos use a few thousand.
ALTER TABLE job ADD COLUMN convnet_image_steps INTEGER NOT NULL DEFAULT 19200 CHECK (convnet_image_steps >= 100);

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

-- Each image's last backbone map: height × width positions of `channels`
-- little-endian float16 values, channels last. Computed once per image.
CREATE TABLE image_backbone_map (
    backbone_id INTEGER NOT NULL REFERENCES backbone(id),
    image_id    INTEGER NOT NULL REFERENCES image(id),
    height      INTEGER NOT NULL CHECK (height > 0),
    width       INTEGER NOT NULL CHECK (width > 0),
    channels    INTEGER NOT NULL CHECK (channels > 0),
    map         BLOB    NOT NULL,
    PRIMARY KEY (backbone_id, image_id)
) WITHOUT ROWID;
