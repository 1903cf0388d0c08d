#!/usr/bin/env python3
"""How far lw's built-in model can go with far more, and perfect, human labels.

  model_ceiling.py --lw .build/release/lw --data /tmp/lwbench/public [--labels 800] [--work /tmp/lw-bench-ceiling] [--init "--model filters"]

Every pool image of the benchmark set (3,200 of 4,000; or --labels N of them,
picked at random) gets three votes with its true label (`lw votes import`:
noiseless; 3,200 is four times the 800 human labels a loop may spend to
machine-label 80%); then `lw train` and `lw auto-label` with lw's defaults.
Scored on the 800 test images, which no human labeled: AUC, accuracy when every
image is labeled (the model's own label), and, in hindsight, the most test
images a pair of thresholds could have labeled at 97% and 95% accuracy; beside
them lw's machine labels (on every image without a human label) and their
accuracy. Prints one JSON line. Only lw's public commands and schema are used.
About 40 minutes on 2 cores. Two labels only (the benchmark's logo / no_logo).
"""
import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time

from network_coverage import auc, covered  # the same AUC and best-pair coverage as lw-network-bench's scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--labels", type=int, help="label only this many pool images, picked at random (default: all)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the --labels pick")
    ap.add_argument("--work", default="/tmp/lw-bench-ceiling")
    ap.add_argument("--reuse", action="store_true",
                    help="keep --work's database (same --labels and --seed): train and auto-label again on its cached features and maps")
    ap.add_argument("--init", default="", help="more `lw init` options, e.g. \"--model filters --backbone on\"")
    a = ap.parse_args()
    gt = os.path.join(a.data, "ground_truth.csv")
    if not os.path.isfile(gt):
        raise SystemExit(f"--data {a.data}: no ground_truth.csv there; make the set with ../shared/bench/make_logo_dataset.py")
    if not os.access(a.lw, os.X_OK):
        raise SystemExit(f"--lw {a.lw}: not an executable; build it with `make release` (.build/release/lw)")
    rows = list(csv.DictReader(open(gt)))
    truth = {os.path.basename(r["path"]): r for r in rows}
    labels = sorted({r["label"] for r in rows}, key=lambda l: (l.startswith("no_"), l))  # absence last
    if len(labels) != 2:
        raise SystemExit(f"{gt}: {len(labels)} labels ({', '.join(labels)}); this benchmark scores two")
    pool = sorted(name for name, r in truth.items() if r["split"] == "pool")
    if a.labels is not None:
        if not 20 <= a.labels <= len(pool):
            raise SystemExit(f"--labels {a.labels}: use 20 to {len(pool)} (the pool images of {a.data})")
        pool = sorted(random.Random(a.seed).sample(pool, a.labels))
    reuse = a.reuse and os.path.isfile(os.path.join(a.work, "lw.db"))
    if not reuse:
        shutil.rmtree(a.work, ignore_errors=True)
        os.makedirs(a.work)
    votes = os.path.join(a.work, "votes.csv")
    with open(votes, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["worker", "source", "label"])
        for name in pool:
            for k in (1, 2, 3):
                w.writerow([f"truth{k}", name, truth[name]["label"]])
    env = dict(os.environ, LW_DB=os.path.join(a.work, "lw.db"))

    def lw(*args):
        # lw's own one-line error reaches stderr; the script stops with the command that failed.
        if subprocess.run([a.lw, *args], env=env, stdout=subprocess.DEVNULL).returncode != 0:
            sys.exit(f"lw {' '.join(args[:2])} failed (database {env['LW_DB']})")

    if not reuse:
        lw("init", "--labels", ",".join(labels), "--job-name", "ceiling", *a.init.split())
        lw("import", os.path.join(a.data, "images"), "--quiet")
        lw("votes", "import", votes)
    started = time.time()
    lw("train")
    train_s = time.time() - started
    started = time.time()
    lw("auto-label")
    auto_s = time.time() - started

    con = sqlite3.connect(env["LW_DB"])
    model, threshold = con.execute("SELECT id, threshold FROM model ORDER BY id DESC LIMIT 1").fetchone()
    items = []
    for source, scores in con.execute(
            "SELECT i.source, p.scores FROM prediction AS p JOIN image AS i ON i.id = p.image_id WHERE p.model_id = ?", (model,)):
        r = truth[os.path.basename(source)]
        if r["split"] == "test":
            items.append((json.loads(scores)[labels[0]], 1 if r["label"] == labels[0] else 0, ""))
    machine = [truth[os.path.basename(s)]["label"] == l for s, l in con.execute(
        "SELECT i.source, l.name FROM machine_label AS m JOIN image AS i ON i.id = m.image_id JOIN label AS l ON l.id = m.label_id")]
    print(json.dumps({
        "human_labels": len(pool), "test_images": len(items),
        "test_auc": round(auc(items), 4),
        "test_accuracy_all_labeled": round(sum((s >= 0.5) == y for s, y, _ in items) / len(items), 4),
        "machine_labeled": len(machine), "machine_accuracy": round(sum(machine) / len(machine), 4) if machine else None,
        "threshold": threshold,
        "best_covered_at_97": covered(items, 0.97)[0], "best_covered_at_95": covered(items, 0.95)[0],
        "train_s": round(train_s), "auto_label_s": round(auto_s)}))


if __name__ == "__main__":
    main()
