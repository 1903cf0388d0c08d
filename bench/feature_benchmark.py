#!/usr/bin/env python3
"""Feature extraction speed: lw's learned-filter features against the numpy
reference (../shared/bench/learned_filters/probe.py, encode()) on the same
images, same configuration (6x6 patches, K filters at L px, whole-image max),
both on every core.

  feature_benchmark.py --lw .build/release/lw --data /tmp/lwbench/public --shared ../shared/bench [--n 300] [--bank 128:256]

lw: a job with --features L:K; 120 images get labels (so `lw train` learns the
filters and features them); `lw auto-label` then extracts the features of the
other N images (decode, resize, encode, store) — its wall time is measured.
numpy: decode + resize with Pillow (draft mode) and probe.encode() with a
2-process pool, on the same N images.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--bank", default="128:256")
    a = ap.parse_args()
    side, k = map(int, a.bank.split(":"))
    rows = list(csv.DictReader(open(os.path.join(a.data, "ground_truth.csv"))))[: 120 + a.n]
    work = tempfile.mkdtemp(prefix="lw-feature-bench-")
    folder = os.path.join(work, "images")
    os.makedirs(folder)
    for r in rows:
        os.symlink(os.path.join(a.data, r["path"]), os.path.join(folder, os.path.basename(r["path"])))
    db = os.path.join(work, "f.db")
    env = dict(os.environ, LW_DB=db)
    def lw(*args):
        subprocess.run([a.lw, *args], check=True, capture_output=True, env=env)
    lw("init", "--labels", "logo,no_logo", "--features", a.bank)
    lw("import", "--quiet", folder)
    votes = os.path.join(work, "votes.csv")
    with open(votes, "w") as f:
        f.write("worker,source,label\n")
        for r in rows[:120]:
            for w in ("a", "b", "c"):
                f.write(f"{w},{os.path.basename(r['path'])},{r['label']}\n")
    lw("votes", "import", votes)
    lw("train")
    t0 = time.time()
    lw("auto-label")
    lw_s = time.time() - t0

    sys.path.insert(0, os.path.join(a.shared, "learned_filters"))
    os.environ["OMP_NUM_THREADS"] = "1"
    import probe
    from multiprocessing import Pool
    from PIL import Image
    rng = np.random.default_rng(0)
    # A dictionary of the same shape (its values do not change the cost).
    d = 6 * 6 * 3
    params = {"P": 6, "M": np.zeros(d, np.float32), "Wz": np.eye(d, dtype=np.float32),
              "C": rng.standard_normal((k, d)).astype(np.float32), "stride": 1}
    params["c2"] = (params["C"] ** 2).sum(1)
    paths = [os.path.join(a.data, r["path"]) for r in rows[120:]]
    t0 = time.time()
    with Pool(2, _init, (params, side)) as pool:
        pool.map(_job, paths, chunksize=10)
    numpy_s = time.time() - t0
    print(json.dumps({"summary": "features", "bank": a.bank, "images": len(paths),
                      "lw_images_per_s": round(len(paths) / lw_s, 2), "numpy_images_per_s": round(len(paths) / numpy_s, 2),
                      "lw_over_numpy": round(numpy_s / lw_s, 2)}))


G = {}


def _init(params, side):
    G.update(params)
    G["side"] = side


def _job(path):
    import probe
    from PIL import Image
    im = Image.open(path)
    im.draft("RGB", (G["side"] * 2, G["side"] * 2))
    im = im.convert("RGB")
    w, h = im.size
    s = G["side"] / max(w, h)
    x = np.asarray(im.resize((max(1, round(w * s)), max(1, round(h * s))), Image.BOX))
    return probe.encode(x, G["P"], G["M"], G["Wz"], G["C"], G["c2"], G["stride"])


if __name__ == "__main__":
    main()
