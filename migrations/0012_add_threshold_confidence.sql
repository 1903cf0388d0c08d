-- 0012: the confidence of the bound behind every threshold is a job setting.
--
-- A model's threshold is the lowest confidence at which the validation items
-- it covers have a one-sided Wilson lower bound of their accuracy at or above
-- the job's target_accuracy. threshold_confidence is how sure that bound is:
-- 0.95 (z 1.645, the default for new jobs, as in Ground Truth's and the
-- benchmark's reference loop) or e.g. 0.975 (z 1.960, stricter: fewer machine
-- labels). Jobs created before this migration used 0.975 and keep it, so their
-- models and thresholds stay as they were (`lw init --threshold-confidence`).
ALTER TABLE job ADD COLUMN threshold_confidence REAL NOT NULL DEFAULT 0.95
    CHECK (threshold_confidence > 0.5 AND threshold_confidence < 1);
UPDATE job SET threshold_confidence = 0.975;
