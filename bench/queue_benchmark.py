#!/usr/bin/env python3
"""The hot "next images for humans" queries at 1M images.

Creates a database with `lw init`, fills it with 1,000,000 image rows (no
files behind them), 600,000 of them already labeled (awaiting_label = 0),
half of the rest scored by a model, and 1,500 images in progress (open
assignments); then times lw's two queue queries (text copied from
Sources/LabelWorkbench/Operations/AssignImages.swift, Queue) 2,000 times each
and prints p50/p99 and the query plan.

  queue_benchmark.py --lw .build/release/lw
"""
import argparse
import json
import os
import random
import sqlite3
import subprocess
import tempfile
import time

QUERIES = {
    "next_random": """SELECT id FROM image WHERE awaiting_label = 1
  AND NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = image.id AND a.status = 'open')
ORDER BY random_rank LIMIT ?""",
    "next_uncertain": """SELECT id FROM image WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM assignment AS a WHERE a.image_id = image.id AND a.status = 'open')
ORDER BY uncertainty_rank LIMIT ?""",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--images", type=int, default=1_000_000)
    a = ap.parse_args()
    db = os.path.join(tempfile.mkdtemp(prefix="lw-queue-bench-"), "q.db")
    subprocess.run([a.lw, "init", "--db", db, "--labels", "a,b"], check=True, capture_output=True)
    subprocess.run([a.lw, "workers", "add", "--db", db, "w1", "w2", "w3"], check=True, capture_output=True)
    con = sqlite3.connect(db)
    rng = random.Random(1)
    t0 = time.time()
    con.execute("INSERT INTO run (command, arguments, actor, pid, started_at, status) VALUES ('bench', '[]', 'bench', 0, 'now', 'succeeded')")
    rows = []
    for i in range(1, a.images + 1):
        labeled = rng.random() < 0.6
        rows.append((i, f"{i:064x}", f"/data/{i}.jpg", f"/data/{i}.jpg", 1000, 640, 480, "jpeg", rng.random(), "now", 1,
                     0 if labeled else 1, None if labeled or rng.random() < 0.5 else rng.random()))
    con.executemany("""INSERT INTO image (id, sha256, source, path, bytes, width, height, format, random_rank, imported_at, run_id,
                       awaiting_label, uncertainty_rank) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""", rows)
    waiting = [r[0] for r in rows if r[11] == 1]
    # The images at the head of both queues are in progress: the worst case for the NOT EXISTS filter.
    head = sorted(waiting, key=lambda i: rows[i - 1][8])[:1500]
    con.executemany("INSERT INTO assignment (image_id, worker_id, reason, created_at, run_id) VALUES (?, 1, 'random', 'now', 1)",
                    [(i,) for i in head])
    con.commit()
    con.execute("ANALYZE")
    fill_s = time.time() - t0
    out = {"images": a.images, "awaiting": len(waiting), "in_progress": len(head), "fill_s": round(fill_s, 1)}
    for name, sql in QUERIES.items():
        plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql, (50,))]
        times = []
        for _ in range(2000):
            t = time.perf_counter()
            con.execute(sql, (50,)).fetchall()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out[name] = {"p50_ms": round(times[1000], 3), "p99_ms": round(times[1980], 3), "plan": plan}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
