#!/usr/bin/env bash
# `make bench`: performance targets live here, never in unit tests.
# Needs the benchmark set from ../shared/bench; generates it under /tmp when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${LW_SHARED:-$(cd .. && pwd)/shared/bench}"
DATA="${LW_BENCH_DATA:-/tmp/lwbench/public}"
VENV="${LW_BENCH_VENV:-/tmp/lwvenv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$SHARED/requirements.txt"
fi
if [ ! -f "$DATA/ground_truth.csv" ]; then
    "$VENV/bin/python" "$SHARED/make_logo_dataset.py" --config public --out "$DATA"
fi
LW="$(pwd)/.build/release/lw"
echo "== import throughput (lw vs a simple Python importer)"
"$VENV/bin/python" bench/import_benchmark.py --lw "$LW" --images "$DATA/images" --repeat 3
echo "== consensus accuracy (lw vs crowd-kit on the same simulated votes)"
"$VENV/bin/python" bench/consensus_benchmark.py --lw "$LW" --data "$DATA" --shared "$SHARED" --reps 3
echo "== dynamic overlap (votes spent vs accuracy)"
"$VENV/bin/python" bench/overlap_benchmark.py --lw "$LW" --data "$DATA" --shared "$SHARED" --profile mixed
echo "== next-images queries at 1M images"
python3 bench/queue_benchmark.py --lw "$LW"
echo "== feature extraction speed (lw vs the numpy reference, same images and bank)"
"$VENV/bin/python" bench/feature_benchmark.py --lw "$LW" --data "$DATA" --shared "$SHARED" --bank 128:512
"$VENV/bin/python" bench/feature_benchmark.py --lw "$LW" --data "$DATA" --shared "$SHARED" --bank 128:2048
echo "== one network on 800 labels, with and without flattened-object copies (test AUC per logo variant, share covered at 97%)"
for seed in 1 2; do for copies in off on; do
    .build/release/lw-network-bench "$DATA" --labels 800 --seed "$seed" --copies "$copies" --out "/tmp/lw-bench-network-$copies-$seed.csv"
done; done
python3 bench/network_coverage.py /tmp/lw-bench-network-{off,on}-{1,2}.csv
echo "== the built-in model's ceiling: 3,200 labels, none wrong, scored on the 800 test images"
"$VENV/bin/python" bench/model_ceiling.py --lw "$LW" --data "$DATA"
echo "== the whole Ground Truth loop (../shared/bench/lw_loop.py), good and mixed teams"
for profile in good mixed; do
    "$VENV/bin/python" "$SHARED/simulate_workers.py" --gt "$DATA/ground_truth.csv" --meta "$DATA/meta.csv" --k 3 \
        --profile "$profile" --seed 1 --out "/tmp/lw-bench-votes-$profile.csv" --workers-out "/tmp/lw-bench-workers-$profile.csv" >/dev/null
    "$VENV/bin/python" "$SHARED/lw_loop.py" --lw "$LW" --data "$DATA" --workers "/tmp/lw-bench-workers-$profile.csv" \
        --work "/tmp/lw-bench-loop-$profile"
done
for profile in good mixed; do python3 bench/loop_rounds.py --db "/tmp/lw-bench-loop-$profile/lw.db" --gt "$DATA/ground_truth.csv"; done
for profile in good mixed; do python3 bench/loop_groups.py --db "/tmp/lw-bench-loop-$profile/lw.db" --data "$DATA"; done
echo "== suspects after the mixed team's loop: wrong human labels found, cleanlab beside, a second look, an expert"
"$VENV/bin/pip" install -q cleanlab >/dev/null 2>&1 || echo "(cleanlab not installed: its comparison is skipped)"
"$VENV/bin/python" bench/suspects_benchmark.py --lw "$LW" --db /tmp/lw-bench-loop-mixed/lw.db --data "$DATA" \
    --workers /tmp/lw-bench-workers-mixed.csv
echo "== near-duplicates: 5% copies (resized, re-encoded, cropped), and lw duplicates at 50,000 images"
"$VENV/bin/python" bench/duplicates_benchmark.py --lw "$LW" --data "$DATA"
echo "== export at 1M images"; python3 bench/export_benchmark.py --lw "$LW"
echo "== lw serve: 8 workers for 60 s (answer + next image latency, votes lost or duplicated)"
python3 bench/serve_load.py --lw "$LW" --images "$DATA/images" --workers 8 --seconds 60
echo "== round 0: the reference model's ranking (no human label), clean logo file and a crop from a photo"
LOGO="${LW_BENCH_LOGO:-$(dirname "$DATA")/assets/logos/debian_swirl.png}"
"$VENV/bin/python" bench/reference_ranking.py --lw "$LW" --data "$DATA" --reference "$LOGO"
"$VENV/bin/python" bench/reference_ranking.py --lw "$LW" --data "$DATA" --crop
echo "== rare logos (5%): the whole loop with and without the reference; every label's recall in the final line"
RARE="${LW_BENCH_RARE:-/tmp/lwbench/rare}"
if [ ! -f "$RARE/ground_truth.csv" ]; then
    "$VENV/bin/python" "$SHARED/make_logo_dataset.py" --config public --positive-rate 0.05 --seed 77 --out "$RARE"
fi
"$VENV/bin/python" "$SHARED/simulate_workers.py" --gt "$RARE/ground_truth.csv" --meta "$RARE/meta.csv" --k 3 \
    --profile good --seed 1 --out /tmp/lw-bench-rare-votes.csv --workers-out /tmp/lw-bench-rare-workers.csv >/dev/null
"$VENV/bin/python" "$SHARED/lw_loop.py" --lw "$LW" --data "$RARE" --workers /tmp/lw-bench-rare-workers.csv --work /tmp/lw-bench-loop-rare
"$VENV/bin/python" "$SHARED/lw_loop.py" --lw "$LW" --data "$RARE" --workers /tmp/lw-bench-rare-workers.csv --work /tmp/lw-bench-loop-rare-ref \
    --init "--reference $LOGO"
