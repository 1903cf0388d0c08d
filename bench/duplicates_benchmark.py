#!/usr/bin/env python3
"""Near-duplicates (issue #32): recall and precision of `lw duplicates` on
copies made by resizing, re-encoding and cropping 5%, and its time on 50,000
images.

  duplicates_benchmark.py --lw LW --data /tmp/lwbench/public [--share 0.05] [--work /tmp/lw-bench-dups]

1. Copies 5% of the set's images (seeded), each one way: resized to 50-80%,
   re-encoded at JPEG quality 40-85, or cropped by 5% of each side's length
   (2.5% off each edge) and re-encoded; imports originals and copies into a
   fresh job; `lw duplicates --format csv`; scores the pairs inside groups
   against the made pairs. The set's own near-duplicates (one background
   photo or wallpaper reused with a small logo) also group; precision is given
   both counting them as wrong and leaving out pairs of images that share a
   background (meta.csv bg_source, its parts, a stereo pair's two sides).
   Then the same on the set's distinct pictures only (`distinct_pictures`: no
   two as alike as a made copy and its original, by a grey-thumbnail check
   independent of lw), where the made pairs are the only near-duplicates.
2. Adds 50,000 - N image rows (random SHA-256s, hashes of real images with
   0-3 random bits flipped, half of them, and random hashes) to a copy of the
   database and times `lw duplicates --format csv` on it.
Needs Pillow and numpy. Prints one JSON object.
"""
import argparse, csv, io, json, os, random, re, shutil, sqlite3, subprocess, sys, time
from itertools import combinations


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--share", type=float, default=0.05)
    ap.add_argument("--work", default="/tmp/lw-bench-dups")
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    meta = {os.path.basename(r["path"]): r for r in csv.DictReader(open(os.path.join(a.data, "meta.csv")))}
    names = sorted(meta)
    result, db = copies_found(a, meta, names, "whole")
    result["distinct_pictures"], _ = copies_found(a, meta, distinct_pictures(a, names), "distinct")
    result["at_50000"] = at_50000(a, db)
    print(json.dumps(result, indent=1))


def copies_found(a, meta, names, name):
    """Copies `share` of `names` (made pairs), imports originals and copies into a
    fresh job, and scores the pairs inside `lw duplicates`'s groups."""
    from PIL import Image
    work = os.path.join(a.work, name)
    originals, copies = os.path.join(work, "originals"), os.path.join(work, "copies")
    os.makedirs(originals)
    os.makedirs(copies)
    for n in names:
        os.symlink(os.path.join(a.data, "images", n), os.path.join(originals, n))
    rng = random.Random(a.seed)
    made = {}
    for n in rng.sample(names, int(len(names) * a.share)):
        im = Image.open(os.path.join(a.data, "images", n)).convert("RGB")
        kind = rng.choice(["resize", "reencode", "crop"])
        if kind == "resize":
            f = rng.uniform(0.5, 0.8)
            im = im.resize((max(1, int(im.width * f)), max(1, int(im.height * f))), Image.BILINEAR)
        elif kind == "crop":
            dx, dy = int(im.width * 0.025), int(im.height * 0.025)
            im = im.crop((dx, dy, im.width - dx, im.height - dy))
        copy = f"copy-{kind}-{n}"
        im.save(os.path.join(copies, copy), quality=rng.randint(40, 85))
        made[copy] = n
    db = os.path.join(work, "lw.db")
    lw(a, db, "init", "--labels", "logo,no_logo")
    t = time.time()
    lw(a, db, "import", originals, copies, "--quiet")
    import_s = time.time() - t
    t = time.time()
    out = lw(a, db, "duplicates", "--format", "csv")
    duplicates_s = time.time() - t
    groups = {}
    for r in csv.DictReader(io.StringIO(out)):
        groups.setdefault(r["group"], []).append(os.path.basename(r["source"]))
    found = {frozenset(p) for g in groups.values() for p in combinations(g, 2)}
    truth = {frozenset((c, o)) for c, o in made.items()}

    def background(n):  # "skimage:motorcycle_left+solid" -> {"skimage:motorcycle", "solid"}
        return {re.sub(r"_(left|right)$", "", part) for part in meta[made.get(n, n)]["bg_source"].split("+")}

    own = {p for p in found - truth if background(tuple(p)[0]) & background(tuple(p)[1])}
    return {"images": len(names) + len(made), "copies": len(made), "groups": len(groups), "pairs_found": len(found),
            "recall": round(len(found & truth) / len(truth), 4),
            "precision": round(len(found & truth) / max(1, len(found)), 4),
            "precision_without_pairs_sharing_a_background": round(len(found & truth) / max(1, len(found - own)), 4),
            "unrelated_pairs": sorted(sorted(p) for p in found - truth - own)[:10],
            "missed_by_kind": {k: sum(1 for c in made if c.startswith(f"copy-{k}-") and frozenset((c, made[c])) not in found)
                               for k in ("resize", "reencode", "crop")},
            "import_s": round(import_s, 1), "duplicates_s": round(duplicates_s, 2)}, db


def distinct_pictures(a, names, side=16, apart=12.0):
    """The set without its own near-duplicates, chosen independently of lw: in name
    order, an image is kept unless its side x side grey thumbnail (less its mean)
    is within `apart` grey levels per pixel on average of one already kept. 12 is
    how far the made copies get from their originals at worst."""
    import numpy as np
    from PIL import Image
    thumbs = np.stack([np.asarray(Image.open(os.path.join(a.data, "images", n)).convert("L").resize((side, side), Image.BILINEAR),
                                  dtype=np.float32).ravel() for n in names])
    thumbs -= thumbs.mean(axis=1, keepdims=True)
    kept = []
    for i in range(len(names)):
        if not kept or np.abs(thumbs[kept] - thumbs[i]).mean(axis=1).min() >= apart:
            kept.append(i)
    return [names[i] for i in kept]


def at_50000(a, db):
    big = os.path.join(a.work, "big.db")
    shutil.copy(db, big)
    con = sqlite3.connect(big)
    rng = random.Random(a.seed)
    hashes = [h for (h,) in con.execute("SELECT perceptual_hash FROM image WHERE perceptual_hash IS NOT NULL")]
    run_id = con.execute("SELECT max(id) FROM run").fetchone()[0]
    n = con.execute("SELECT count(*) FROM image").fetchone()[0]
    rows = []
    for i in range(50000 - n):
        if i % 2 == 0:
            h = rng.choice(hashes) & 0xFFFFFFFFFFFFFFFF
            for _ in range(rng.randint(0, 3)):
                h ^= 1 << rng.randrange(64)
        else:
            h = rng.getrandbits(64)
        h = h - (1 << 64) if h >= 1 << 63 else h
        rows.append((f"{rng.getrandbits(256):064x}", f"/synthetic/{i}.jpg", f"/synthetic/{i}.jpg", 1000, 640, 480, "jpeg",
                     rng.random(), "2026-12-06T00:00:00Z", run_id, h))
    con.executemany("""INSERT INTO image (sha256, source, path, bytes, width, height, format, random_rank, imported_at, run_id, perceptual_hash)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)
    con.commit()
    con.close()
    t = time.time()
    out = lw(a, big, "duplicates", "--format", "csv")
    return {"images": 50000, "seconds": round(time.time() - t, 2), "rows": max(0, len(out.splitlines()) - 1)}


def lw(a, db, *args):
    r = subprocess.run([a.lw, *args, "--db", db], capture_output=True, text=True)
    if r.returncode not in (0, 2):
        sys.exit(f"lw {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


if __name__ == "__main__":
    main()
