-- 0020: `lw assign` draws its random picks in the job's one random order over
-- every image without a human label, machine-labeled ones included (the
-- validation sample is a prefix of that order): it walks this index.
CREATE INDEX image_in_random_order ON image(random_rank);
