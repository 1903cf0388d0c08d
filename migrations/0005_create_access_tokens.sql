-- 0005: browser review (`lw serve`) — personal links for workers and the job owner.

-- A secret that opens the browser pages: a worker's link (/w/<secret>) grants
-- only that worker's own assignments; the owner's opens /status. Only the
-- SHA-256 of the secret is stored: a copy of the database opens nothing.
-- Issuing a new secret revokes the previous one of the same holder.
CREATE TABLE access_token (
    id            INTEGER PRIMARY KEY,
    role          TEXT    NOT NULL CHECK (role IN ('worker', 'owner')),
    worker_id     INTEGER REFERENCES worker(id),   -- set for role 'worker' only
    token_sha256  TEXT    NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    created_at    TEXT    NOT NULL,
    revoked_at    TEXT,                            -- NULL while the link works
    run_id        INTEGER NOT NULL REFERENCES run(id),
    CHECK ((role = 'worker') = (worker_id IS NOT NULL))
);
-- At most one working link per worker, and one for the owner.
CREATE UNIQUE INDEX access_token_live_per_worker ON access_token(worker_id) WHERE revoked_at IS NULL AND role = 'worker';
CREATE UNIQUE INDEX access_token_live_owner ON access_token(role) WHERE revoked_at IS NULL AND role = 'owner';

-- Which workers have a working browser link (audit: who can answer from a browser).
CREATE VIEW worker_link AS
SELECT w.name AS worker, w.active, t.created_at AS link_created_at
FROM access_token AS t JOIN worker AS w ON w.id = t.worker_id
WHERE t.role = 'worker' AND t.revoked_at IS NULL;

-- A worker's progress (done / open) on every page load: one index range per worker.
CREATE INDEX assignment_by_worker_status ON assignment(worker_id, status);
-- "Undo" finds the worker's most recent answer or skip without sorting them all.
CREATE INDEX assignment_closed_by_worker ON assignment(worker_id, closed_at) WHERE status IN ('answered', 'skipped');
