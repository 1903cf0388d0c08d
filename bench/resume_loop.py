#!/usr/bin/env python3
"""Continue ../shared/bench/lw_loop.py's loop on an existing work folder.

A whole loop (train ~15-25 minutes a round on 2 cores, 6-12 rounds) outlives a
working session; lw's stages are idempotent, so a loop whose driver died can go
on from where its database is. Round --from-round starts at `lw train` when its
answers were already reviewed (the default; assignments still open are answered
and reviewed first) and at `lw assign` with --not-answered; every later round is
assign, answer (the shared simulated workers), review, train, auto-label — what
lw_loop.py does. One JSON line per round, as lw_loop.py prints; score with
bench/loop_rounds.py.

    python3 bench/resume_loop.py --lw .build/release/lw --data /tmp/lwbench/public \
        --workers /tmp/workers_good.csv --work /tmp/lwloop --from-round 3
"""
import argparse
import json
import os
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--workers", required=True, help="the simulated workers (simulate_workers.py --workers-out)")
    ap.add_argument("--work", required=True, help="lw_loop.py's work folder (holds lw.db)")
    ap.add_argument("--from-round", type=int, required=True)
    ap.add_argument("--not-answered", action="store_true", help="the first round starts at lw assign")
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
    ap.add_argument("--round", type=int, default=400)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--max-rounds", type=int, default=30)
    args = ap.parse_args()
    db = os.path.join(args.work, "lw.db")
    if not os.path.exists(db):
        raise SystemExit(f"{db}: no database; start the loop with lw_loop.py")
    env = dict(os.environ, LW_DB=db)
    gt, meta = os.path.join(args.data, "ground_truth.csv"), os.path.join(args.data, "meta.csv")
    # Checked before anything is assigned, so a wrong path does not leave a round half done.
    for path, what in ((args.lw, "--lw"), (gt, "--data"), (meta, "--data"), (args.workers, "--workers"),
                       (os.path.join(args.shared, "answer_assignments.py"), "--shared")):
        if not os.path.exists(path):
            raise SystemExit(f"{what}: {path} does not exist; check the path")

    def run(cmd, ok=(0,)):
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if p.returncode not in ok:
            sys.stderr.write(f"$ {' '.join(cmd)}\n{p.stdout}\n{p.stderr}\n")
            raise SystemExit(f"command failed ({p.returncode}): {' '.join(cmd[:3])} ...")
        return p

    def answer_open(round_number):
        """The simulated team answers every open assignment; lw reviews the answers. Returns how many."""
        open_csv = os.path.join(args.work, f"open{round_number}.csv")
        listing = run([args.lw, "assignments", "--open", "--format", "csv"]).stdout
        with open(open_csv, "w") as f:
            f.write(listing)
        count = max(0, len(listing.strip().splitlines()) - 1)
        if count:
            answers = os.path.join(args.work, f"answers{round_number}.csv")
            run([sys.executable, os.path.join(args.shared, "answer_assignments.py"), "--gt", gt, "--meta", meta,
                 "--workers", args.workers, "--assignments", open_csv, "--out", answers, "--seed", "1"])
            run([args.lw, "review", "--answers", answers])
        return count

    for round_number in range(args.from_round, args.max_rounds + 1):
        if round_number > args.from_round or args.not_answered:
            run([args.lw, "assign", "--per-image", str(args.k), "--limit", str(args.round)])
            answered = answer_open(round_number)
        else:
            # A driver that died between `lw assign` and `lw review` left assignments open: answer them first.
            answered = answer_open(round_number) or -1
        started = time.time()
        trained = run([args.lw, "train"], ok=tuple(range(0, 126)))  # a refusal (too few labels) ends nothing
        train_s = time.time() - started
        started = time.time()
        if trained.returncode == 0:
            run([args.lw, "auto-label"])
        auto_s = time.time() - started
        status = json.loads(run([args.lw, "status", "--json"]).stdout)
        print(json.dumps({"round": round_number, "open_answered": answered, "train_ok": trained.returncode == 0,
                          "train_s": round(train_s, 1), "auto_label_s": round(auto_s, 1),
                          **{k: status.get(k) for k in ("total", "human_labeled", "machine_labeled", "unlabeled", "failed")}}),
              flush=True)
        if status.get("unlabeled") == 0 or (answered == 0 and trained.returncode != 0):
            break


if __name__ == "__main__":
    main()
