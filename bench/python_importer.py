#!/usr/bin/env python3
"""The baseline lw's importer is measured against: a simple, single-process
Python importer doing the same work per file — read, SHA-256 with hashlib,
validate and size with Pillow, insert with sqlite3 in batches.

  python_importer.py --db /tmp/py.db --decode draft|header FOLDER

--decode draft (default) validates the way lw does: a JPEG is decoded at 1/8
scale through Pillow's draft mode (libjpeg's scaled decode), a PNG fully.
--decode header only reads the header (no validation): the cheapest possible
baseline, reported beside the fair one.
Prints one JSON line: {"images", "failed", "seconds", "images_per_s"}.
"""
import argparse
import hashlib
import json
import os
import sqlite3
import sys
import time

from PIL import Image


def files_under(root):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield os.path.abspath(os.path.join(dirpath, name))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--decode", choices=["draft", "header"], default="draft")
    ap.add_argument("folder")
    a = ap.parse_args()
    if os.path.exists(a.db):
        os.remove(a.db)
    con = sqlite3.connect(a.db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("""CREATE TABLE image (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
                   bytes INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, format TEXT NOT NULL)""")
    con.execute("CREATE TABLE import_error (id INTEGER PRIMARY KEY, source TEXT UNIQUE, reason TEXT)")
    t0 = time.time()
    n = failed = 0
    batch, errors = [], []
    known = set()

    def flush():
        with con:
            con.executemany("INSERT OR IGNORE INTO image (sha256, source, bytes, width, height, format) VALUES (?,?,?,?,?,?)", batch)
            con.executemany("INSERT OR REPLACE INTO import_error (source, reason) VALUES (?,?)", errors)
        batch.clear()
        errors.clear()

    for path in files_under(a.folder):
        with open(path, "rb") as f:
            data = f.read()
        sha = hashlib.sha256(data).hexdigest()
        if sha in known:
            continue
        try:
            with Image.open(path) as im:
                width, height = im.size
                fmt = im.format.lower()
                if a.decode == "draft":
                    im.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                    im.load()
        except Exception as e:  # noqa: BLE001 - any decode failure is an import error
            errors.append((path, str(e)))
            failed += 1
            continue
        known.add(sha)
        batch.append((sha, path, len(data), width, height, fmt))
        n += 1
        if len(batch) >= 256:
            flush()
    flush()
    seconds = time.time() - t0
    print(json.dumps({"importer": f"python-{a.decode}", "images": n, "failed": failed,
                      "seconds": round(seconds, 2), "images_per_s": round(n / seconds, 1)}))


if __name__ == "__main__":
    sys.exit(main())
