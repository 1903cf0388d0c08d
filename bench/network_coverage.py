#!/usr/bin/env python3
"""Scores of `lw-network-bench` (variant,label,score per test image) → test AUC,
AUC of each logo variant against all negatives, and the test images "covered":
the most images two thresholds can label (negatives below the first, logos at
or above the second) with at least --accuracy of them right — a proxy for the
share lw's loop can machine-label.

    python3 bench/network_coverage.py scores_off_1.csv scores_on_1.csv
"""
import argparse
import csv


def load(path):
    with open(path, newline="") as f:
        return [(float(r["score"]), int(r["label"]), r["variant"]) for r in csv.DictReader(f)]


def auc(rows):
    """Mann-Whitney AUC of label 1 over label 0 (ties count half)."""
    ranked = sorted(rows, key=lambda r: r[0])
    pos = sum(r[1] for r in ranked)
    neg = len(ranked) - pos
    if not pos or not neg:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # 1-based average rank of the tied run
        rank_sum += mid * sum(r[1] for r in ranked[i:j])
        i = j
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def covered(rows, accuracy):
    """(images labeled, negatives, logos) at the best pair of thresholds."""
    ranked = sorted(rows, key=lambda r: r[0])
    n = len(ranked)
    logos_below = [0]  # logos among the k lowest scores: wrong if called negative
    for r in ranked:
        logos_below.append(logos_below[-1] + r[1])
    negatives_above = [0] * (n + 1)  # negatives among scores from j on: wrong if called logo
    for j in range(n - 1, -1, -1):
        negatives_above[j] = negatives_above[j + 1] + (1 - ranked[j][1])
    best = (0, 0, 0)
    for k in range(n + 1):
        for j in range(n, k - 1, -1):
            count = k + n - j
            wrong = logos_below[k] + negatives_above[j]
            if count > best[0] and count - wrong >= accuracy * count:
                best = (count, k, n - j)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scores", nargs="+")
    ap.add_argument("--accuracy", type=float, default=0.97)
    args = ap.parse_args()
    for path in args.scores:
        rows = load(path)
        variants = sorted({v for _, y, v in rows if y and v})
        per = ", ".join(f"{v} {auc([r for r in rows if not r[1] or r[2] == v]):.3f}" for v in variants)
        count, negatives, logos = covered(rows, args.accuracy)
        print(f"{path}: AUC {auc(rows):.3f} ({per}); covered at {args.accuracy:.0%}: "
              f"{count}/{len(rows)} ({negatives} negatives, {logos} logos)")


if __name__ == "__main__":
    main()
