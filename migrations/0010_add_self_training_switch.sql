-- 0010: self-training can be turned off.
--
-- With self_training = 1 (the default, and what every earlier job did), each
-- of the two networks labels images no human has labeled and a fresh network
-- (the student) trains on the human labels plus those calls, and replaces it:
-- more machine labels, about 9× the training time per round on the benchmark.
-- 0 keeps the networks trained on the human labels alone (`lw init
-- --self-training off`).
ALTER TABLE job ADD COLUMN self_training INTEGER NOT NULL DEFAULT 1 CHECK (self_training IN (0, 1));
