#!/usr/bin/env python3
"""Import throughput: `lw import` against the simple Python importer, on the
same files in the same run, alternating, median of --repeat runs each.

  import_benchmark.py --lw .build/release/lw --images /tmp/lwbench/public/images [--repeat 3]

Prints one JSON line per measurement and a final summary line with the ratio.
The files are read once first so that every run sees a warm page cache.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(cmd, env=None):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return seconds, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lw", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--python", default=sys.executable, help="a Python with Pillow")
    a = ap.parse_args()
    files = [os.path.join(d, f) for d, _, fs in os.walk(a.images, followlinks=True) for f in fs if not f.startswith(".")]
    for f in files:  # warm the page cache
        with open(f, "rb") as fh:
            fh.read()
    work = tempfile.mkdtemp(prefix="lw-import-bench-")
    results = {"lw": [], "python-draft": [], "python-header": []}
    for r in range(a.repeat):
        db = os.path.join(work, f"lw{r}.db")
        subprocess.run([a.lw, "init", "--db", db, "--labels", "a,b"], check=True, capture_output=True)
        s, out = timed([a.lw, "import", "--db", db, "--json", "--quiet", a.images])
        n = json.loads(out)["imported"]
        results["lw"].append(n / s)
        print(json.dumps({"importer": "lw", "run": r, "images": n, "seconds": round(s, 2), "images_per_s": round(n / s, 1)}), flush=True)
        for mode in ("draft", "header"):
            s, out = timed([a.python, os.path.join(HERE, "python_importer.py"), "--db", os.path.join(work, f"py{r}.db"),
                            "--decode", mode, a.images])
            row = json.loads(out)
            results[f"python-{mode}"].append(row["images_per_s"])
            print(json.dumps({**row, "run": r}), flush=True)
    med = {k: round(statistics.median(v), 1) for k, v in results.items()}
    print(json.dumps({"summary": "import", "files": len(files), "cores": os.cpu_count(), "median_images_per_s": med,
                      "lw_over_python_same_validation": round(med["lw"] / med["python-draft"], 2),
                      "lw_over_python_header_only": round(med["lw"] / med["python-header"], 2)}))


if __name__ == "__main__":
    main()
