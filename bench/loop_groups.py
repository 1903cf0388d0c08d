#!/usr/bin/env python3
"""Which kinds of images a finished lw_loop.py run left to humans, from the benchmark's meta.csv.

  loop_groups.py --db /tmp/lw-bench-loop-good/lw.db --data /tmp/lwbench/public [--model 3]

Groups the images by what the generator put in them (negatives with or without
other logos; positives by logo width, opacity and colour variant) and prints,
per group, the share lw machine-labeled, how many humans labeled (first picked
at random or by uncertainty) and how many machine labels are wrong. With
--model, also the distribution of that model's P(first label) per coarse group:
where the negatives and the missed logos overlap is what no threshold can
separate. Only lw's public schema is read.
"""
import argparse
import collections
import csv
import json
import os
import sqlite3


def fine_group(m):
    if m["label"] != "logo":
        return "neg, other logos" if int(m["n_distractors"] or 0) else "neg, no logo at all"
    scale, opacity = float(m["target_scale"] or 0), float(m["target_opacity"] or 1)
    size = "small<0.08" if scale < 0.08 else "scale 0.08-0.15" if scale < 0.15 else "scale>=0.15"
    return f"pos, {size}, {'faint<0.6' if opacity < 0.6 else 'opaque'}, {m['target_variant']}"


def coarse_group(m):
    if m["label"] != "logo":
        return "neg, other logos" if int(m["n_distractors"] or 0) else "neg, no logo at all"
    return "pos, " + ("colour" if m["target_variant"] in ("normal", "tone") else "mono/desaturated")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--data", required=True, help="the benchmark set (meta.csv)")
    ap.add_argument("--model", type=int, help="a model id: print its score distribution per group")
    a = ap.parse_args()
    meta = {os.path.basename(r["path"]): r for r in csv.DictReader(open(os.path.join(a.data, "meta.csv")))}
    con = sqlite3.connect(a.db)
    first_reason = dict(con.execute("""
        SELECT image_id, reason FROM assignment a
        WHERE id = (SELECT min(id) FROM assignment b WHERE b.image_id = a.image_id)"""))
    counts = collections.defaultdict(collections.Counter)
    for image_id, source, status, label in con.execute("SELECT image_id, source, status, label FROM image_status"):
        m = meta[os.path.basename(source)]
        c = counts[fine_group(m)]
        c["images"] += 1
        if status == "machine_labeled":
            c["machine"] += 1
            c["wrong"] += label != m["label"]
        elif status == "human_labeled":
            c[first_reason.get(image_id, "?")] += 1
    print("%-40s %6s %8s %7s %9s %7s" % ("group", "images", "machine", "random", "uncertain", "wrong"))
    total = collections.Counter()
    for group, c in sorted(counts.items(), key=lambda kv: -kv[1]["images"]) + [("all", None)]:
        c = c if c is not None else total
        print("%-40s %6d %7.0f%% %7d %9d %7d" % (group, c["images"], 100 * c["machine"] / c["images"],
                                               c["random"], c["uncertain"], c["wrong"]))
        if group != "all":
            total.update(c)
    if a.model is None:
        return
    first = con.execute("SELECT name FROM label ORDER BY class_index LIMIT 1").fetchone()[0]
    edges = [0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999]
    bins = collections.defaultdict(lambda: [0] * (len(edges) + 1))
    for source, scores in con.execute("""
            SELECT i.source, p.scores FROM prediction p JOIN image i ON i.id = p.image_id WHERE p.model_id = ?""", (a.model,)):
        p = json.loads(scores)[first]
        bins[coarse_group(meta[os.path.basename(source)])][sum(p >= e for e in edges)] += 1
    heads = ["<%g" % edges[0]] + ["%g-" % e for e in edges[:-1]] + [">=%g" % edges[-1]]
    print(f"\nmodel {a.model}: images it predicted, by P({first})")
    print("%-26s" % "group" + "".join("%8s" % h for h in heads))
    for group, row in sorted(bins.items()):
        print("%-26s" % group + "".join("%8d" % n for n in row))


if __name__ == "__main__":
    main()
