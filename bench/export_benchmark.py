#!/usr/bin/env python3
"""Export at 1M images: time and peak memory of `lw export` (manifest and csv)
on a generated database (no image files behind it).

  export_benchmark.py --lw .build/release/lw [--images 1000000]
"""
import argparse
import json
import os
import random
import sqlite3
import subprocess
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--images", type=int, default=1_000_000)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="lw-export-bench-")
    db = os.path.join(work, "e.db")
    subprocess.run([a.lw, "init", "--db", db, "--labels", "logo,no_logo", "--job-name", "bench"], check=True, capture_output=True)
    con = sqlite3.connect(db)
    rng = random.Random(1)
    con.execute("INSERT INTO run (command, arguments, actor, pid, started_at, status) VALUES ('bench', '[]', 'bench', 0, '2026-01-01T00:00:00.000000Z', 'succeeded')")
    con.executemany("""INSERT INTO image (id, sha256, source, path, bytes, width, height, format, random_rank, imported_at, run_id)
                       VALUES (?,?,?,?,1000,640,480,'jpeg',?,'2026-01-01T00:00:00.000000Z',1)""",
                    ((i, f"{i:064x}", f"/data/photos/{i:07d}.jpg", f"/data/photos/{i:07d}.jpg", rng.random()) for i in range(1, a.images + 1)))
    con.executemany("""INSERT INTO consensus (image_id, label_id, confidence, votes, method, posteriors, updated_at, run_id)
                       VALUES (?, ?, 0.97, 3, 'dawid_skene', '{}', '2026-01-01T00:00:00.000000Z', 1)""",
                    ((i, 1 + (i % 2)) for i in range(1, a.images + 1)))
    con.commit()
    con.close()
    out = {"images": a.images}
    for fmt in ("manifest", "csv"):
        target = os.path.join(work, f"out.{fmt}")
        t0 = time.time()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", a.lw, "export", "--db", db, "--format", fmt, "--out", target, "--quiet"],
                           capture_output=True, text=True)
        seconds = time.time() - t0
        if p.returncode != 0:
            raise SystemExit(p.stderr)
        out[fmt] = {"seconds": round(seconds, 1), "peak_rss_mb": round(int(p.stderr.strip().splitlines()[-1]) / 1024, 1),
                    "bytes": os.path.getsize(target)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
