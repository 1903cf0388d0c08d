#!/usr/bin/env python3
"""How far lw's built-in model can go with far more, and perfect, human labels.

  model_ceiling.py --lw .build/release/lw --data /tmp/lwbench/public [--labels 800] [--work /tmp/lw-bench-ceiling]

Every pool image of the benchmark set (3,200 of 4,000; or --labels N of them,
picked at random) gets three votes with its true label (`lw votes import`:
noiseless; 3,200 is four times the 800 human labels a loop may spend to
machine-label 80%); then `lw train` and `lw auto-label` with lw's defaults. Scored on the 800 test images, which no human labeled: AUC,
accuracy when every image is labeled (the model's own label), lw's machine
labels there and their accuracy, and, in hindsight, the most test images a pair
of thresholds could have labeled at 97% and 95% accuracy. Prints one JSON line.
Only lw's public commands and schema are used. About 40 minutes on 2 cores.
"""
import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import time


def auc(items):
    """Rank AUC of (score, is_positive) pairs, ties counted half."""
    ordered = sorted(items)
    positives = sum(y for _, y in items)
    rank_sum, i = 0.0, 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j][0] == ordered[i][0]:
            j += 1
        rank_sum += (i + j + 1) / 2 * sum(y for _, y in ordered[i:j])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * (len(items) - positives))


def best_covered(items, target):
    """Most items labeled at `target` accuracy by one pair of thresholds in hindsight:
    the a highest scores called positive, the b lowest negative."""
    ordered = sorted(items, key=lambda t: -t[0])
    top = [0]  # right calls among the a highest
    for _, y in ordered:
        top.append(top[-1] + y)
    bottom = [0]  # right calls among the b lowest
    for _, y in reversed(ordered):
        bottom.append(bottom[-1] + (1 - y))
    best = 0
    for a in range(len(items) + 1):
        for b in range(len(items) - a, -1, -1):
            if a + b <= best:
                break
            if top[a] + bottom[b] >= target * (a + b):
                best = a + b
                break
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--labels", type=int, help="label only this many pool images, picked at random (default: all)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the --labels pick")
    ap.add_argument("--work", default="/tmp/lw-bench-ceiling")
    a = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(a.data, "ground_truth.csv"))))
    truth = {os.path.basename(r["path"]): r for r in rows}
    labels = sorted({r["label"] for r in rows}, key=lambda l: (l.startswith("no_"), l))  # absence last
    pool = sorted(name for name, r in truth.items() if r["split"] == "pool")
    if a.labels is not None:
        if not 20 <= a.labels <= len(pool):
            raise SystemExit(f"--labels {a.labels}: use 20 to {len(pool)} (the pool images of {a.data})")
        pool = sorted(random.Random(a.seed).sample(pool, a.labels))
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
        subprocess.run([a.lw, *args], env=env, check=True, stdout=subprocess.DEVNULL)

    lw("init", "--labels", ",".join(labels), "--job-name", "ceiling")
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
            items.append((json.loads(scores)[labels[0]], 1 if r["label"] == labels[0] else 0))
    machine = [truth[os.path.basename(s)]["label"] == l for s, l in con.execute(
        "SELECT i.source, l.name FROM machine_label AS m JOIN image AS i ON i.id = m.image_id JOIN label AS l ON l.id = m.label_id")]
    print(json.dumps({
        "human_labels": len(pool), "test_images": len(items),
        "test_auc": round(auc(items), 4),
        "test_accuracy_all_labeled": round(sum((s >= 0.5) == y for s, y in items) / len(items), 4),
        "machine_labeled": len(machine), "machine_accuracy": round(sum(machine) / len(machine), 4) if machine else None,
        "threshold": threshold,
        "best_covered_at_97": best_covered(items, 0.97), "best_covered_at_95": best_covered(items, 0.95),
        "train_s": round(train_s), "auto_label_s": round(auto_s)}))


if __name__ == "__main__":
    main()
