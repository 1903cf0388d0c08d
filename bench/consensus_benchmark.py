#!/usr/bin/env python3
"""Consensus accuracy: lw's Dawid–Skene against crowd-kit on the same votes.

For each setting (profile × k, 50 workers, the 3,200 pool images) and seed,
votes are simulated with ../shared/bench/simulate_workers.simulate() — the
function and seeds crowd_baselines.py uses — then
  lw:        lw init; lw import (the pool images); lw votes import votes.csv
             (records the votes and runs consensus); accuracy read from the
             `consensus` table; time of the `lw votes import` command and of a
             separate `lw consensus` run;
  crowd-kit: MajorityVote and DawidSkene(n_iter=100) fit on the same votes
             (GLAD and MACE take minutes: their numbers are in
             ../shared/bench/results/crowd_public.md for the same seeds).

  consensus_benchmark.py --lw .build/release/lw --data /tmp/lwbench/public --shared ../shared/bench [--reps 3]
"""
import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    sys.path.insert(0, a.shared)
    import simulate_workers as sw
    from crowdkit.aggregation import DawidSkene, MajorityVote

    images, truth, diff = sw.read_gt(os.path.join(a.data, "ground_truth.csv"), os.path.join(a.data, "meta.csv"), "pool")
    work = tempfile.mkdtemp(prefix="lw-consensus-bench-")
    pool = os.path.join(work, "pool")
    os.makedirs(pool)
    for p in images:
        os.symlink(os.path.join(a.data, p), os.path.join(pool, os.path.basename(p)))
    template = os.path.join(work, "template.db")
    subprocess.run([a.lw, "init", "--db", template, "--labels", "logo,no_logo"], check=True, capture_output=True)
    subprocess.run([a.lw, "import", "--db", template, "--quiet", pool], check=True, capture_output=True)
    gt = pd.Series(np.where(truth == 1, "logo", "no_logo"), index=images)
    by_name = {os.path.basename(p): p for p in images}
    rows = []
    for profile in ("good", "mixed", "poor"):
        for k in (3, 5):
            per_seed = []
            for seed in range(1, a.reps + 1):
                votes, _ = sw.simulate(images, truth, diff, k=k, n_workers=50, seed=seed, **sw.PROFILES[profile])
                df = pd.DataFrame(votes, columns=["worker", "task", "label"])
                vfile = os.path.join(work, f"votes_{profile}_{k}_{seed}.csv")
                df.rename(columns={"task": "source"}).to_csv(vfile, index=False)
                db = os.path.join(work, f"lw_{profile}_{k}_{seed}.db")
                shutil.copy(template, db)
                t0 = time.time()
                subprocess.run([a.lw, "votes", "import", "--db", db, vfile], check=True, capture_output=True)
                import_s = time.time() - t0
                t0 = time.time()
                subprocess.run([a.lw, "consensus", "--db", db], check=True, capture_output=True)
                consensus_s = time.time() - t0
                con = sqlite3.connect(db)
                got = {os.path.basename(s): l for s, l in con.execute(
                    "SELECT i.source, l.name FROM consensus c JOIN image i ON i.id = c.image_id JOIN label l ON l.id = c.label_id")}
                con.close()
                lw_acc = float(np.mean([got.get(os.path.basename(p)) == gt[p] for p in images]))
                out = {"lw": lw_acc, "lw_votes_import_s": import_s, "lw_consensus_s": consensus_s}
                for name, make in (("MajorityVote", MajorityVote), ("DawidSkene", lambda: DawidSkene(n_iter=100))):
                    t0 = time.time()
                    pred = make().fit_predict(df).reindex(gt.index)
                    out[name] = float((pred.values == gt.values).mean())
                    out[name + "_s"] = time.time() - t0
                out["raw_votes"] = float((df["label"].values == gt.loc[df["task"]].values).mean())
                per_seed.append(out)
            row = {"profile": profile, "k": k, "images": len(images), "votes": len(images) * k}
            for key in per_seed[0]:
                row[key] = round(float(np.mean([r[key] for r in per_seed])), 4)
            row["lw_minus_crowdkit_ds"] = round(row["lw"] - row["DawidSkene"], 4)
            rows.append(row)
            print(json.dumps(row), flush=True)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"summary": "consensus", "lw_ge_crowdkit_ds_everywhere": all(r["lw"] >= r["DawidSkene"] for r in rows),
                      "max_lw_consensus_s": max(r["lw_consensus_s"] for r in rows)}))


if __name__ == "__main__":
    main()
