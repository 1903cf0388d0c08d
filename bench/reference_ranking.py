#!/usr/bin/env python3
"""How well lw's round-0 model ranks a job's images from the user's reference
image alone (no human label): `lw train` with references and too few labels
makes a reference model, `lw auto-label` scores every image with it; this
reads those scores from the job file and reports the ranking AUC on the test
split, and how many of the set's logos the first round of 400 would hold.

  bench/reference_ranking.py --lw .build/release/lw --data /tmp/lwbench/public \
      --reference /tmp/lwbench/assets/logos/debian_swirl.png
  bench/reference_ranking.py ... --crop          # a crop of the logo from one pool image instead

--crop cuts the logo (its box in meta.csv, with a margin) from the pool image
that shows it largest and clearest, as a user would cut it from a photo.
"""
import argparse, csv, json, os, shutil, sqlite3, subprocess, sys, time


def auc(scores, positives):
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for t in range(i, j + 1):
            ranks[order[t]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(positives)
    neg = len(positives) - pos
    return (sum(r for r, p in zip(ranks, positives) if p) - pos * (pos + 1) / 2) / (pos * neg)


def crop_from_pool(data, out):
    from PIL import Image
    best = None
    for r in csv.DictReader(open(os.path.join(data, "meta.csv"))):
        if r["label"] != "logo" or r["split"] != "pool" or r["n_target"] != "1":
            continue
        score = float(r["target_scale"] or 0) * float(r["target_opacity"] or 0) * float(r["target_visible_fraction"] or 0)
        if float(r["target_blur"] or 0) > 0 or r["target_variant"] != "normal":
            continue
        if best is None or score > best[0]:
            best = (score, r)
    r = best[1]
    x0, y0, x1, y1 = [int(float(v)) for v in r["target_bboxes"].split(";")[0].split(",")[:4]]  # a box's corners
    image = Image.open(os.path.join(data, r["path"])).convert("RGB")
    m = int(0.08 * max(x1 - x0, y1 - y0))
    image.crop((max(0, x0 - m), max(0, y0 - m), min(image.width, x1 + m), min(image.height, y1 + m))).save(out)
    return r["path"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--reference")
    ap.add_argument("--crop", action="store_true")
    ap.add_argument("--work", default="/tmp/lw-reference-ranking")
    ap.add_argument("--round", type=int, default=400)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    reference, source = a.reference, "file"
    if a.crop:
        reference = os.path.join(a.work, "crop.png")
        source = "crop of " + crop_from_pool(a.data, reference)
    db = os.path.join(a.work, "lw.db")
    env = dict(os.environ, LW_DB=db)

    def lw(*args):
        started = time.time()
        subprocess.run([a.lw, *args], env=env, check=True, stdout=subprocess.DEVNULL)
        return time.time() - started

    lw("init", "--labels", "logo,no_logo", "--reference", reference)
    lw("import", os.path.join(a.data, "images"), "--quiet")
    train_s = lw("train")
    rank_s = lw("auto-label")
    truth = {os.path.basename(r["path"]): (r["label"], r["split"]) for r in csv.DictReader(open(os.path.join(a.data, "ground_truth.csv")))}
    con = sqlite3.connect(db)
    rows = con.execute("""
        SELECT i.source, json_extract(p.scores, '$.logo') FROM prediction AS p JOIN image AS i ON i.id = p.image_id
        WHERE p.model_id = (SELECT max(id) FROM model)""").fetchall()
    con.close()
    scored = [(truth[os.path.basename(s)], p) for s, p in rows if os.path.basename(s) in truth]
    test = [(t, p) for t, p in scored if t[1] == "test"]
    ranked = sorted(scored, key=lambda x: -x[1])
    top = ranked[: a.round // 2]
    print(json.dumps({
        "reference": source, "images": len(scored), "logos": sum(t[0] == "logo" for t, _ in scored),
        "test_auc": round(auc([p for _, p in test], [t[0] == "logo" for t, _ in test]), 4),
        "all_auc": round(auc([p for _, p in scored], [t[0] == "logo" for t, _ in scored]), 4),
        f"logos_in_top_{a.round // 2}": sum(t[0] == "logo" for t, _ in top),
        "train_s": round(train_s, 1), "auto_label_s": round(rank_s, 1),
    }))


if __name__ == "__main__":
    sys.exit(main())
