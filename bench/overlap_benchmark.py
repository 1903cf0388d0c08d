#!/usr/bin/env python3
"""Dynamic overlap: accuracy and votes spent, against fixed k, through lw's
public commands (assign, assignments, review --answers) on the 3,200 pool
images with a simulated workforce (../shared/bench answer_assignments.py).

  fixed k:  lw assign --per-image K --max-per-image K  → answers → accuracy
  dynamic:  lw init --extra-vote-below T; lw assign --per-image 3 --max-per-image 5,
            answer, assign again until it creates nothing → accuracy, votes

  overlap_benchmark.py --lw .build/release/lw --data /tmp/lwbench/public --shared ../shared/bench [--profile mixed]
"""
import argparse
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--profile", default="mixed")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--thresholds", default="0.9,0.95")
    a = ap.parse_args()
    gt_path, meta = os.path.join(a.data, "ground_truth.csv"), os.path.join(a.data, "meta.csv")
    rows = [r for r in csv.DictReader(open(gt_path)) if r["split"] == "pool"]
    truth = {os.path.basename(r["path"]): r["label"] for r in rows}
    work = tempfile.mkdtemp(prefix="lw-overlap-bench-")
    pool = os.path.join(work, "pool")
    os.makedirs(pool)
    for r in rows:
        os.symlink(os.path.join(a.data, r["path"]), os.path.join(pool, os.path.basename(r["path"])))
    template = os.path.join(work, "template.db")
    subprocess.run([a.lw, "init", "--db", template, "--labels", "logo,no_logo"], check=True, capture_output=True)
    subprocess.run([a.lw, "import", "--db", template, "--quiet", pool], check=True, capture_output=True)

    def lw(db, *args):
        p = subprocess.run([a.lw, *args, "--db", db], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"lw {' '.join(args)}: {p.stderr}")
        return p.stdout

    def run(seed, per_image, max_per_image, threshold):
        workers = os.path.join(work, f"workers{seed}.csv")
        if not os.path.exists(workers):
            subprocess.run([sys.executable, os.path.join(a.shared, "simulate_workers.py"), "--gt", gt_path, "--meta", meta,
                            "--k", "3", "--profile", a.profile, "--seed", str(seed), "--out", os.path.join(work, "unused.csv"),
                            "--workers-out", workers], check=True, capture_output=True)
        db = os.path.join(work, "run.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        shutil.copy(template, db)
        con = sqlite3.connect(db)
        con.execute("UPDATE job SET extra_vote_below_confidence = ?", (threshold,))  # same as lw init --extra-vote-below
        con.commit()
        con.close()
        lw(db, "workers", "add", *[r["worker"] for r in csv.DictReader(open(workers))])
        rounds = 0
        while True:
            out = json.loads(lw(db, "assign", "--per-image", str(per_image), "--max-per-image", str(max_per_image), "--json"))
            if out["assignments"] == 0:
                break
            rounds += 1
            open_csv = os.path.join(work, "open.csv")
            open(open_csv, "w").write(lw(db, "assignments", "--open", "--format", "csv"))
            answers = os.path.join(work, "answers.csv")
            subprocess.run([sys.executable, os.path.join(a.shared, "answer_assignments.py"), "--gt", gt_path, "--meta", meta,
                            "--workers", workers, "--assignments", open_csv, "--out", answers, "--seed", str(seed)],
                           check=True, capture_output=True)
            lw(db, "review", "--answers", answers)
        con = sqlite3.connect(db)
        labels = {os.path.basename(s): l for s, l in con.execute(
            "SELECT i.source, l.name FROM consensus c JOIN image i ON i.id = c.image_id JOIN label l ON l.id = c.label_id")}
        votes = con.execute("SELECT count(*) FROM vote").fetchone()[0]
        con.close()
        acc = sum(labels.get(n) == t for n, t in truth.items()) / len(truth)
        return {"accuracy": acc, "votes_per_image": votes / len(truth), "rounds": rounds}

    settings = [("fixed k=3", 3, 3, 0.0), ("fixed k=5", 5, 5, 0.0)] + \
               [(f"dynamic 3..5 below {t}", 3, 5, float(t)) for t in a.thresholds.split(",")]
    for name, k, kmax, t in settings:
        results = [run(int(s), k, kmax, t) for s in a.seeds.split(",")]
        row = {"profile": a.profile, "setting": name,
               "accuracy": round(sum(r["accuracy"] for r in results) / len(results), 4),
               "votes_per_image": round(sum(r["votes_per_image"] for r in results) / len(results), 3),
               "rounds": max(r["rounds"] for r in results), "seeds": len(results)}
        print(json.dumps(row), flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
