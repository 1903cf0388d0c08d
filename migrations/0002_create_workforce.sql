-- 0002: the human workforce — workers, the assignment queue, votes, and the
-- consensus (human label) of each image's votes with per-worker quality.

-- Dynamic overlap: an image whose consensus confidence stays below
-- extra_vote_below_confidence gets one more worker, up to max_workers_per_image.
ALTER TABLE job ADD COLUMN max_workers_per_image INTEGER NOT NULL DEFAULT 5 CHECK (max_workers_per_image >= 1);
ALTER TABLE job ADD COLUMN extra_vote_below_confidence REAL NOT NULL DEFAULT 0.9
    CHECK (extra_vote_below_confidence >= 0 AND extra_vote_below_confidence <= 1);

-- 1 while the image has no final label (human or machine): the queue `lw assign`
-- draws new images from. Kept by the triggers below, never written by hand.
ALTER TABLE image ADD COLUMN awaiting_label INTEGER NOT NULL DEFAULT 1 CHECK (awaiting_label IN (0, 1));
-- Uncertainty of the latest model about the image (lower = less confident =
-- sooner to humans); NULL until a model has predicted it.
ALTER TABLE image ADD COLUMN uncertainty_rank REAL;
-- The next-images queries scan these partial indexes in order and stop after N.
CREATE INDEX image_queue_random ON image(random_rank) WHERE awaiting_label = 1;
CREATE INDEX image_queue_uncertain ON image(uncertainty_rank) WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL;

CREATE TABLE worker (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    kind        TEXT    NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'import')),  -- 'import': labels taken from elsewhere
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT    NOT NULL
);

-- One image given to one worker. status: open (waiting for an answer),
-- answered (has a vote), skipped (the worker passed), released (taken back:
-- worker disabled, or the answer undone before re-opening), expired (not
-- answered before expires_at).
CREATE TABLE assignment (
    id          INTEGER PRIMARY KEY,
    image_id    INTEGER NOT NULL REFERENCES image(id),
    worker_id   INTEGER NOT NULL REFERENCES worker(id),
    status      TEXT    NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'answered', 'skipped', 'released', 'expired')),
    reason      TEXT    NOT NULL CHECK (reason IN ('random', 'uncertain', 'overlap', 'refill')),  -- why the image was picked
    created_at  TEXT    NOT NULL,
    expires_at  TEXT,                           -- NULL: never
    closed_at   TEXT,                           -- when it stopped being open
    run_id      INTEGER NOT NULL REFERENCES run(id)
);
-- Never the same worker twice on one image (released and expired ones may be redone).
CREATE UNIQUE INDEX assignment_one_per_worker_and_image ON assignment(image_id, worker_id)
    WHERE status IN ('open', 'answered', 'skipped');
CREATE INDEX assignment_open_by_worker ON assignment(worker_id, id) WHERE status = 'open';
CREATE INDEX assignment_open_by_image ON assignment(image_id) WHERE status = 'open';
CREATE INDEX assignment_open_by_expiry ON assignment(expires_at) WHERE status = 'open' AND expires_at IS NOT NULL;

-- A worker's label for an image: through an assignment, or imported (assignment_id NULL).
CREATE TABLE vote (
    id            INTEGER PRIMARY KEY,
    image_id      INTEGER NOT NULL REFERENCES image(id),
    worker_id     INTEGER NOT NULL REFERENCES worker(id),
    label_id      INTEGER NOT NULL REFERENCES label(id),
    assignment_id INTEGER UNIQUE REFERENCES assignment(id),
    seconds       REAL CHECK (seconds IS NULL OR seconds >= 0),  -- time spent answering, when known
    created_at    TEXT    NOT NULL,
    run_id        INTEGER NOT NULL REFERENCES run(id)
);
CREATE UNIQUE INDEX vote_one_per_worker_and_image ON vote(image_id, worker_id);
CREATE INDEX vote_by_worker ON vote(worker_id);

-- The human label of each image with votes: Dawid–Skene consensus over all
-- votes of the job. confidence is the posterior of the winning label; tie = 1
-- when the top posteriors were equal and the documented rule decided (the
-- label with the lower class_index wins).
CREATE TABLE consensus (
    image_id    INTEGER PRIMARY KEY REFERENCES image(id),
    label_id    INTEGER NOT NULL REFERENCES label(id),
    confidence  REAL    NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    votes       INTEGER NOT NULL CHECK (votes >= 1),
    tie         INTEGER NOT NULL DEFAULT 0 CHECK (tie IN (0, 1)),
    method      TEXT    NOT NULL,               -- 'dawid_skene'
    posteriors  TEXT    NOT NULL,               -- JSON {"label": posterior, ...}
    updated_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);
CREATE INDEX consensus_by_confidence ON consensus(confidence);

-- Each worker's quality as estimated by the latest consensus.
CREATE TABLE worker_quality (
    worker_id   INTEGER PRIMARY KEY REFERENCES worker(id),
    votes       INTEGER NOT NULL,
    agreement   REAL    NOT NULL,               -- share of their votes equal to the consensus label
    accuracy    REAL    NOT NULL,               -- estimated P(correct), from the confusion matrix and class priors
    confusion   TEXT    NOT NULL,               -- JSON {"true label": {"voted label": probability}}
    updated_at  TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES run(id)
);

CREATE TRIGGER consensus_marks_image_labeled AFTER INSERT ON consensus
BEGIN
    UPDATE image SET awaiting_label = 0 WHERE id = NEW.image_id;
END;
CREATE TRIGGER consensus_removal_returns_image_to_queue AFTER DELETE ON consensus
BEGIN
    UPDATE image SET awaiting_label = 1 WHERE id = OLD.image_id;
END;

-- Each image's labeling state: human_labeled once it has a consensus and no
-- assignment is still open for it.
-- label_count reads image_status by name: replacing image_status is enough for it.
DROP VIEW job_progress;
DROP VIEW image_status;
CREATE VIEW image_status AS
SELECT i.id AS image_id, i.source,
       CASE WHEN c.image_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = i.id AND a.status = 'open')
            THEN 'human_labeled' ELSE 'unlabeled' END AS status,
       CASE WHEN c.image_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = i.id AND a.status = 'open')
            THEN l.name END AS label,
       c.confidence,
       c.votes
FROM image AS i
LEFT JOIN consensus AS c ON c.image_id = i.id
LEFT JOIN label AS l ON l.id = c.label_id;

CREATE VIEW job_progress AS
SELECT
    (SELECT count(*) FROM image) + (SELECT count(*) FROM import_error)                AS total,
    (SELECT count(*) FROM image_status WHERE status = 'human_labeled')               AS human_labeled,
    (SELECT count(*) FROM image_status WHERE status = 'machine_labeled')             AS machine_labeled,
    (SELECT count(*) FROM image_status WHERE status = 'unlabeled')                   AS unlabeled,
    (SELECT count(*) FROM import_error)                                              AS failed,
    (SELECT count(*) FROM assignment WHERE status = 'open')                          AS open_assignments,
    (SELECT count(*) FROM vote)                                                      AS votes;

-- Workers with their load and estimated quality (what `lw workers list` shows).
CREATE VIEW worker_summary AS
SELECT w.id AS worker_id, w.name, w.kind, w.active,
       (SELECT count(*) FROM vote AS v WHERE v.worker_id = w.id)                                   AS votes,
       (SELECT count(*) FROM assignment AS a WHERE a.worker_id = w.id AND a.status = 'open')       AS open_assignments,
       (SELECT count(*) FROM assignment AS a WHERE a.worker_id = w.id AND a.status = 'skipped')    AS skipped,
       q.agreement, q.accuracy,
       (SELECT avg(v.seconds) FROM vote AS v WHERE v.worker_id = w.id)                             AS mean_seconds
FROM worker AS w
LEFT JOIN worker_quality AS q ON q.worker_id = w.id;

-- Votes spent per image, with its consensus.
CREATE VIEW image_votes AS
SELECT i.id AS image_id, i.source, count(v.id) AS votes,
       group_concat(w.name || '=' || l.name, ' ') AS ballots,
       c.confidence
FROM image AS i
JOIN vote AS v ON v.image_id = i.id
JOIN worker AS w ON w.id = v.worker_id
JOIN label AS l ON l.id = v.label_id
LEFT JOIN consensus AS c ON c.image_id = i.id
GROUP BY i.id;
