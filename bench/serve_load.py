#!/usr/bin/env python3
"""Load on `lw serve`: N simulated workers answer through the HTTP API for a
fixed time on loopback; reports "answer + next image" latency (p50/p99) and
checks the database afterwards for votes lost or duplicated.

Each worker keeps one HTTP/1.1 connection, and loops: POST /answer for the
image on screen (the response carries the next state), then GET the new
current image's bytes, as the page does (the timed unit is both requests).
Some actions are skips, undos and double submissions, so those paths run too.
Client and server share the machine's cores: the numbers include that.

With --train N, N images first get one imported vote from each of 8 seed
workers (so no worker is assigned them), and `lw train` runs on the same
database while the workers answer: the latency then includes a training
round (features, backbone maps and fits; its duration is printed).

Usage: serve_load.py --lw .build/release/lw --images DIR [--workers 8] [--seconds 60] [--train 400]
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time


def run(lw, db, *args):
    env = dict(os.environ, LW_DB=db)
    out = subprocess.run([lw, *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"lw {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


class Worker(threading.Thread):
    def __init__(self, name, port, secret, deadline, seed):
        super().__init__(daemon=True)
        self.name, self.port, self.secret, self.deadline = name, port, secret, deadline
        self.rng = random.Random(seed)
        self.latencies = []        # seconds per answer + next image
        self.acknowledged = {}     # assignment -> label, answers the server confirmed (minus undone)
        self.statuses = {}
        self.errors = []

    def request(self, conn, method, path, body=None):
        headers = {}
        if body is not None:
            body = json.dumps(body)
            headers = {"Content-Type": "application/json", "X-LW-Request": "1"}
        conn.request(method, f"/w/{self.secret}{path}", body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        return response.status, data

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.connect()
        # http.client sends a POST's headers and body in two writes; without
        # TCP_NODELAY (which browsers set) Nagle + delayed ACK adds 40 ms stalls.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            status, data = self.request(conn, "GET", "/next")
            state = json.loads(data)["state"]
            last = None   # ("answer", assignment) or ("skip", assignment): what undo takes back
            while time.monotonic() < self.deadline and state["items"]:
                current = state["items"][0]["assignment"]
                roll = self.rng.random()
                start = time.perf_counter()
                if roll < 0.03 and last is not None:
                    status, data = self.request(conn, "POST", "/undo", {})
                    if status == 200 and last[0] == "answer":
                        self.acknowledged.pop(last[1], None)
                    last = None
                elif roll < 0.08:
                    status, data = self.request(conn, "POST", "/skip", {"assignment": current})
                    last = ("skip", current) if status == 200 else last
                else:
                    label = "logo" if self.rng.random() < 0.3 else "no_logo"
                    status, data = self.request(conn, "POST", "/answer", {"assignment": current, "label": label})
                    if status == 200:
                        self.acknowledged[current] = label
                        last = ("answer", current)
                        if roll > 0.98:   # a double click: must be refused, not counted twice
                            again, _ = self.request(conn, "POST", "/answer", {"assignment": current, "label": label})
                            if again != 409:
                                self.errors.append(f"double submission of {current} answered {again}")
                payload = json.loads(data)
                if status not in (200, 409):
                    self.errors.append(f"status {status}: {payload.get('error')}")
                state = payload["state"]
                if state["items"]:
                    image_status, image = self.request(conn, "GET", state["items"][0]["image"].split(self.secret, 1)[1])
                    if image_status != 200 or len(image) < 100:
                        self.errors.append(f"image {state['items'][0]['image']}: {image_status}")
                self.latencies.append(time.perf_counter() - start)
        except Exception as error:  # noqa: BLE001 — reported, and the run fails
            self.errors.append(repr(error))
        finally:
            conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lw", required=True)
    parser.add_argument("--images", required=True, help="folder of images to import")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--work", default="/tmp/lw-serve-load")
    parser.add_argument("--consensus-every", default="10", help="lw serve --consensus-every (seconds)")
    parser.add_argument("--train", type=int, default=0, help="N images get seed votes; lw train runs during the load")
    args = parser.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    db = os.path.join(args.work, "lw.db")
    names = [f"w{i + 1}" for i in range(args.workers)]
    run(args.lw, db, "init", "--job-name", "serve-load", "--labels", "logo,no_logo",
        "--workers-per-image", str(args.workers), "--max-workers-per-image", str(args.workers))
    run(args.lw, db, "import", "--quiet", args.images)
    if args.train:
        names_on_disk = sorted(os.listdir(args.images))[: args.train]
        votes = os.path.join(args.work, "seed_votes.csv")
        with open(votes, "w") as f:
            f.write("worker,source,label\n")
            for i, name in enumerate(names_on_disk):
                for k in range(args.workers):
                    f.write(f"seed{k + 1},{name},{'logo' if i % 2 else 'no_logo'}\n")
        run(args.lw, db, "votes", "import", votes)
    links = dict(line.split(" ", 1) for line in run(args.lw, db, "workers", "add", *names, "--token").splitlines())
    run(args.lw, db, "assign", "--per-image", str(args.workers))

    server = subprocess.Popen([args.lw, "serve", "--port", "0", "--consensus-every", args.consensus_every], env=dict(os.environ, LW_DB=db),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stdout:
        if line.startswith("serving http://"):
            port = int(line.strip().rsplit(":", 1)[1].split()[0])
            break
    if port is None:
        sys.exit("lw serve did not start: " + server.stderr.read())

    deadline = time.monotonic() + args.seconds
    workers = [Worker(n, port, links[n].rsplit("/", 1)[1], deadline, seed=i) for i, n in enumerate(names)]
    started = time.monotonic()
    for w in workers:
        w.start()
    trainer = None
    if args.train:
        trainer = subprocess.Popen([args.lw, "train", "--quiet"], env=dict(os.environ, LW_DB=db), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    if trainer is not None:
        still_running = trainer.poll() is None
        trainer.wait()
        train_s = time.monotonic() - started
        print(f"lw train beside the load: exit {trainer.returncode}, {train_s:.0f} s"
              f" ({'outlasted the load' if still_running else 'finished during the load'}) {trainer.stderr.read().strip()}")
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)

    acknowledged = {}
    for w in workers:
        acknowledged.update({a: (w.name, label) for a, label in w.acknowledged.items()})
    con = sqlite3.connect(db)
    stored = {a: (worker, label) for a, worker, label in con.execute("""
        SELECT v.assignment_id, w.name, l.name FROM vote AS v JOIN worker AS w ON w.id = v.worker_id
        JOIN label AS l ON l.id = v.label_id WHERE v.assignment_id IS NOT NULL""")}
    duplicates = con.execute("SELECT count(assignment_id) - count(DISTINCT assignment_id) FROM vote").fetchone()[0]
    answered_without_vote = con.execute("""
        SELECT count(*) FROM assignment AS a WHERE a.status = 'answered' AND NOT EXISTS (SELECT 1 FROM vote AS v WHERE v.assignment_id = a.id)""").fetchone()[0]
    run_row = con.execute("SELECT status, counts FROM run WHERE command = 'serve' ORDER BY id DESC LIMIT 1").fetchone()
    lost = [a for a in acknowledged if stored.get(a) != acknowledged[a]]
    unacknowledged = [a for a in stored if a not in acknowledged]

    latencies = [x for w in workers for x in w.latencies]
    statuses = {}
    for w in workers:
        for k, v in w.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    errors = [e for w in workers for e in w.errors]
    print(f"lw serve under load: {args.workers} workers for {elapsed:.1f} s on loopback (2 cores shared by client and server)")
    print(f"  actions (answer/skip/undo + next image): {len(latencies)} → {len(latencies) / elapsed:.0f}/s")
    print(f"  latency answer + next image: p50 {percentile(latencies, 50) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms")
    print(f"  HTTP statuses: {dict(sorted(statuses.items()))}")
    print(f"  votes acknowledged {len(acknowledged)}, stored {len(stored)}: lost {len(lost)}, "
          f"duplicated {duplicates}, stored but never acknowledged {len(unacknowledged)}, answered without vote {answered_without_vote}")
    print(f"  serve run: {run_row[0]} {run_row[1]}")
    if errors:
        print(f"  client errors: {len(errors)}, first: {errors[:3]}")
    if lost or duplicates or unacknowledged or answered_without_vote or errors or run_row[0] != "succeeded":
        sys.exit(1)


if __name__ == "__main__":
    main()
