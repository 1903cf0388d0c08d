#!/usr/bin/env python3
"""How well `lw suspects` finds the wrong human labels of a finished loop, and
what a second look buys (issue #32).

  suspects_benchmark.py --lw LW --db LOOP/lw.db --data /tmp/lwbench/public \
      --workers /tmp/lw-bench-workers-mixed.csv [--work /tmp/lw-bench-suspects]

LOOP/lw.db: the database `../shared/bench/lw_loop.py` left. On a copy, the
models are dropped and `lw train` makes a fresh one (so the suspects come from
the code under test), then:
  - precision of the top 100 suspects and the share of all wrong human labels
    in the top 300, by ground truth; cleanlab's `find_label_issues` on the same
    out-of-fold probabilities and labels, for comparison (if cleanlab imports);
  - the final dataset accuracy (`lw auto-label`, `lw export`) before and after a
    second look at the top 200 (2 more votes each, the same simulated team), and
    after one expert (99% right) answers the top 100 instead.
Prints one JSON object.
"""
import argparse, csv, io, json, os, shutil, sqlite3, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "bench")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lw", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--workers", required=True)
    ap.add_argument("--work", default="/tmp/lw-bench-suspects")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    gt = os.path.join(a.data, "ground_truth.csv")
    truth = {os.path.basename(r["path"]): r["label"] for r in csv.DictReader(open(gt))}

    base = os.path.join(a.work, "base.db")
    copy_database(a.db, base)
    con = sqlite3.connect(base)
    for table in ("suspect", "prediction", "machine_label", "model_validation", "model"):
        try:
            con.execute(f"DELETE FROM {table}")
        except sqlite3.OperationalError:
            pass  # a database from before the suspect table: the migration adds it
    con.commit()
    con.close()
    lw(a, base, "train")
    result = rank_quality(a, base, truth)
    lw(a, base, "auto-label")
    result["before"] = score(a, base, truth)
    result["before"]["finished"] = finished(a, base, truth, "before", a.workers)
    result["second_look"] = second_look(a, base, truth, "second.db", per_image=2, limit=200, workers=a.workers)
    expert_workers = os.path.join(a.work, "workers-with-expert.csv")
    rows = list(csv.DictReader(open(a.workers)))
    with open(expert_workers, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
        w.writerow({**{k: "" for k in rows[0]}, "worker": "carol", "type": "normal", "sens": "0.99", "spec": "0.99", "beta": "0"})
    result["expert"] = second_look(a, base, truth, "expert.db", per_image=1, limit=100, workers=expert_workers, expert="carol")
    print(json.dumps(result, indent=1))


def copy_database(source, target):
    """SQLite's online backup, not a file copy: it also takes what a write-ahead log holds."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    src.backup(dst)
    dst.close()
    src.close()


def lw(a, db, *args):
    r = subprocess.run([a.lw, *args, "--db", db], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"lw {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def wrong_labels(db, truth):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT i.source, l.name FROM consensus c JOIN image i ON i.id = c.image_id JOIN label l ON l.id = c.label_id").fetchall()
    con.close()
    return {os.path.basename(s) for s, label in rows if truth[os.path.basename(s)] != label}, len(rows)


def rank_quality(a, db, truth):
    wrong, humans = wrong_labels(db, truth)
    listed = list(csv.DictReader(io.StringIO(lw(a, db, "suspects", "--format", "csv", "--all"))))
    names = [os.path.basename(r["source"]) for r in listed]
    flagged = [os.path.basename(r["source"]) for r in listed if r["reasons"]]
    out = {"human_labels": humans, "wrong_human_labels": len(wrong), "scored": len(listed), "with_reason": len(flagged),
           "wrong_in_top": {k: sum(n in wrong for n in names[:k]) for k in (20, 50, 100, 200, 300)},
           "precision_at_100": sum(n in wrong for n in names[:100]) / 100,
           "wrong_found_in_top_300": sum(n in wrong for n in names[:300]) / max(1, len(wrong))}
    out["cleanlab"] = cleanlab_ranking(db, truth, wrong)
    return out


def cleanlab_ranking(db, truth, wrong):
    """cleanlab's find_label_issues on the same out-of-fold probabilities (two labels)."""
    try:
        import numpy as np
        from cleanlab.filter import find_label_issues
    except ImportError as e:
        return {"skipped": str(e)}
    con = sqlite3.connect(db)
    names = [n for (n,) in con.execute("SELECT name FROM label ORDER BY class_index")]
    rows = con.execute("""SELECT i.source, l.class_index, s.model_probability FROM suspect s JOIN image i ON i.id = s.image_id
                          JOIN label l ON l.id = s.label_id WHERE s.model_id = (SELECT max(model_id) FROM suspect)""").fetchall()
    con.close()
    labels = np.array([r[1] for r in rows])
    probs = np.zeros((len(rows), len(names)))
    for i, r in enumerate(rows):
        probs[i, r[1]] = r[2]
        probs[i, 1 - r[1]] = 1 - r[2]
    ranked = find_label_issues(labels, probs, return_indices_ranked_by="self_confidence")
    top = [os.path.basename(rows[i][0]) for i in ranked]
    return {"issues": len(top), "wrong_in_top": {k: sum(n in wrong for n in top[:k]) for k in (20, 50, 100, 200, 300)},
            "precision_at_100": sum(n in wrong for n in top[:100]) / 100,
            "wrong_found_in_top_300": sum(n in wrong for n in top[:300]) / max(1, len(wrong))}


def second_look(a, base, truth, name, per_image, limit, workers, expert=None):
    db = os.path.join(a.work, name)
    copy_database(base, db)
    wrong_before, _ = wrong_labels(db, truth)
    if expert:
        lw(a, db, "workers", "add", expert, "--expert")
    lw(a, db, "assign", "--strategy", "suspects", "--per-image", str(per_image), "--limit", str(limit))
    open_csv = os.path.join(a.work, name + ".open.csv")
    listing = lw(a, db, "assignments", "--open", "--format", "csv", *(["--worker", expert] if expert else []))
    open(open_csv, "w").write(listing)
    answers = os.path.join(a.work, name + ".answers.csv")
    subprocess.run([sys.executable, os.path.join(SHARED, "answer_assignments.py"), "--gt", os.path.join(a.data, "ground_truth.csv"),
                    "--meta", os.path.join(a.data, "meta.csv"), "--workers", workers, "--assignments", open_csv, "--out", answers,
                    "--seed", str(a.seed)], check=True)
    lw(a, db, "review", "--answers", answers)
    lw(a, db, "train")
    lw(a, db, "auto-label")
    wrong_after, _ = wrong_labels(db, truth)
    out = score(a, db, truth)
    out["finished"] = finished(a, db, truth, name, workers)
    out.update({"assignments": max(0, len(listing.strip().splitlines()) - 1), "wrong_human_before": len(wrong_before),
                "wrong_human_after": len(wrong_after), "fixed": len(wrong_before - wrong_after), "broken": len(wrong_after - wrong_before)})
    return out


def finished(a, db, truth, name, workers):
    """The dataset finished as a user would: the images left unlabeled go to the team
    (one ordinary `lw assign` round), then `lw train` and `lw auto-label`; on a copy."""
    done = os.path.join(a.work, name + ".finished.db")
    copy_database(db, done)
    lw(a, done, "assign", "--per-image", "3")
    open_csv = os.path.join(a.work, name + ".finish.open.csv")
    listing = lw(a, done, "assignments", "--open", "--format", "csv")
    open(open_csv, "w").write(listing)
    if len(listing.strip().splitlines()) > 1:
        answers = os.path.join(a.work, name + ".finish.answers.csv")
        subprocess.run([sys.executable, os.path.join(SHARED, "answer_assignments.py"), "--gt", os.path.join(a.data, "ground_truth.csv"),
                        "--meta", os.path.join(a.data, "meta.csv"), "--workers", workers, "--assignments", open_csv, "--out", answers,
                        "--seed", str(a.seed)], check=True, capture_output=True)
        lw(a, done, "review", "--answers", answers)
        lw(a, done, "train")
        lw(a, done, "auto-label")
    return score(a, done, truth)


def score(a, db, truth):
    rows = list(csv.DictReader(io.StringIO(lw(a, db, "export", "--format", "csv"))))
    right = sum(truth[os.path.basename(r["source"])] == r["label"] for r in rows)
    machine = [r for r in rows if r["origin"] == "machine"]
    return {"labeled": len(rows), "final_accuracy": round(right / len(truth), 4),
            "machine": len(machine), "machine_accuracy": round(sum(truth[os.path.basename(r["source"])] == r["label"] for r in machine) / max(1, len(machine)), 4)}


if __name__ == "__main__":
    main()
