-- 0008: which built-in model `lw train` fits.
--
-- 'filters': learned-filter features (Coates & Ng) + logistic regression.
-- 'filters+convnet': the same, combined with a small convolutional network
-- trained on the pixels (two networks, each on half of the human labels, so
-- every validation image has a prediction from a network that never saw it).
-- The two see different things: on the benchmark's logo set their average
-- ranks images far better than either (see README, lw train).
-- convnet_side: the network's input, the image letterboxed to this many pixels.
ALTER TABLE job ADD COLUMN model TEXT NOT NULL DEFAULT 'filters+convnet'
    CHECK (model IN ('filters', 'filters+convnet'));
ALTER TABLE job ADD COLUMN convnet_side INTEGER NOT NULL DEFAULT 256
    CHECK (convnet_side >= 64 AND convnet_side <= 1024 AND convnet_side % 64 = 0);
