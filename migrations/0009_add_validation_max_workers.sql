-- 0009: enough votes for the validation sample.
--
-- The threshold search trusts its joint (model + workers) accuracy estimate
-- only when the validation labels are near-certain on average. With a noisy
-- team five votes often leave a randomly picked image short of
-- validation_extra_vote_below (0.99), and machine labels wait for rounds. So a
-- randomly picked image below that bar may get up to this many workers (other
-- images keep max_workers_per_image), two more at a time.
ALTER TABLE job ADD COLUMN validation_max_workers_per_image INTEGER NOT NULL DEFAULT 7
    CHECK (validation_max_workers_per_image >= 1 AND validation_max_workers_per_image <= 50);
