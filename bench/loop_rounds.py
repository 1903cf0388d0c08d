#!/usr/bin/env python3
"""Per-round accuracy of a finished lw_loop.py run, replayed from lw's audit trail.

  loop_rounds.py --db /tmp/lw-bench-loop-good/lw.db --gt /tmp/lwbench/public/ground_truth.csv

Replays audit_event in order (consensus.decide/revise/remove, machine_label.add/
revise/withdraw) and, after each `lw auto-label` run, prints the machine labels
standing then, their accuracy against the ground truth (in all and per label:
[count, accuracy]), and the accuracy of all labels so far (human wins over
machine). Only lw's public schema is read.
"""
import argparse
import csv
import json
import os
import sqlite3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--gt", required=True)
    a = ap.parse_args()
    truth = {os.path.basename(r["path"]): r["label"] for r in csv.DictReader(open(a.gt))}
    con = sqlite3.connect(a.db)
    source = {i: os.path.basename(s) for i, s in con.execute("SELECT id, source FROM image")}
    label_name = {i: n for i, n in con.execute("SELECT id, name FROM label")}
    auto_runs = {r for (r,) in con.execute("SELECT id FROM run WHERE command = 'auto-label'")}
    human, machine = {}, {}
    round_no = 0

    def report(run_id):
        nonlocal round_no
        round_no += 1
        m_ok = sum(truth[source[i]] == l for i, l in machine.items())
        final = dict(machine)
        final.update(human)
        f_ok = sum(truth[source[i]] == l for i, l in final.items())
        # Each label's machine labels on their own: the target holds per label only if every one meets it.
        per_label = {}
        for name in sorted(set(machine.values())):
            given = [i for i, l in machine.items() if l == name]
            per_label[name] = [len(given), round(sum(truth[source[i]] == name for i in given) / len(given), 4)]
        print(json.dumps({"round": round_no, "auto_label_run": run_id, "human_labeled": len(human), "machine_labeled": len(machine),
                          "machine_accuracy": round(m_ok / len(machine), 4) if machine else None,
                          "machine_by_label": per_label,
                          "labeled_so_far_accuracy": round(f_ok / len(final), 4) if final else None}))

    events = {}
    for run_id, action, entity, after in con.execute("SELECT run_id, action, entity_id, after FROM audit_event ORDER BY id"):
        events.setdefault(run_id, []).append((action, entity, json.loads(after) if after else {}))
    for (run_id,) in con.execute("SELECT id FROM run ORDER BY id").fetchall():
        for action, entity, after in events.get(run_id, []):
            if action in ("consensus.decide", "consensus.revise"):
                human[entity] = after["label"]
            elif action == "consensus.remove":
                human.pop(entity, None)
            elif action == "machine_label.add":
                machine[entity] = after["label"]
            elif action == "machine_label.revise":
                machine[entity] = label_name[after["label_id"]]
            elif action == "machine_label.withdraw":
                machine.pop(entity, None)
        if run_id in auto_runs:
            report(run_id)

if __name__ == "__main__":
    main()
