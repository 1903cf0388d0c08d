-- 0007: near-certain validation labels.
--
-- Images picked at random are the validation sample the threshold search
-- measures machine labels against. A 2:1 vote is not truth: against labels
-- that are 90% right even a perfect model cannot show 95%. So a randomly
-- picked image gets one more worker (the workers consensus trusts most, up to
-- max_workers_per_image) while its consensus confidence is below this, which
-- is stricter than extra_vote_below_confidence for the other images.
ALTER TABLE job ADD COLUMN validation_extra_vote_below REAL NOT NULL DEFAULT 0.99
    CHECK (validation_extra_vote_below >= 0 AND validation_extra_vote_below <= 1);
