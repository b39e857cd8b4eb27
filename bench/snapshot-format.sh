#!/usr/bin/env bash
# Write time and size of one snapshot of the human-milk model (steady lactation) as output.format = vti
# (zlib-compressed .vti; on 2 ranks a .pvti and one .vti piece per rank) against vtkhdf (one .hdf,
# zlib in chunks of one z plane, written collectively with parallel HDF5), on 1 and 2 ranks (one OpenMP thread
# each), alternating, REPEATS rounds; the median of each. A run of 10 simulated s writes 2 snapshots
# (t = 0 and 10 s): the time per snapshot is run.json's output phase / 2 (which also holds the CSV row
# and run.json, the same for both formats); the size is the last snapshot's files together.
# CASE alveolus80: the README default's alveolus at 1 um voxels (80^3 = 512,000 voxels, 5 arrays) for
# 1 ms (its snapshots at t = 0 and 1 ms), to see a larger grid than the milk model's 19,600 voxels.
#   bench/snapshot-format.sh [REPEATS] [milk|alveolus80]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${LACTOSIM:-build/lactosim}
REPEATS=${1:-3}
CASE=${2:-milk}
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d "${TMPDIR:-/tmp}/lactosim_snapshot_format.XXXXXX")
trap 'rm -rf "$work"' EXIT
results=$work/results.txt

run() {  # format ranks
  local out=$work/$1_$2_$RANDOM
  local args=(run configs/models/human_milk.ini configs/scenarios/steady_lactation.ini --quiet
              --run.end_time_s=10 --run.output_interval_s=10)
  [[ $CASE == alveolus80 ]] && args=(run --quiet --geometry.voxel_um=1 --run.end_time_s=0.001 --run.output_interval_s=0.001)
  args+=(--run.checkpoint_every_wall_s=0 --output.format="$1" --out "$out")
  if [[ $2 == 1 ]]; then "$BIN" "${args[@]}" >"$out.log" 2>&1; else
    mpiexec -n "$2" --oversubscribe "$BIN" "${args[@]}" >"$out.log" 2>&1; fi
  local bytes
  bytes=$(cat "$out"/lactosim_000001* | wc -c)
  python3 - "$out/run.json" "$1" "$2" "$bytes" >>"$results" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(sys.argv[2], sys.argv[3], r["phase_seconds"]["output"] / 2, sys.argv[4])
PY
  rm -rf "$out" "$out.log"
}

for round in $(seq "$REPEATS"); do
  for ranks in 1 2; do
    for format in vti vtkhdf; do run "$format" "$ranks"; done
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print("format  ranks  write_ms_per_snapshot(median)  bytes_per_snapshot(median)  runs")
for ranks in ("1", "2"):
    for fmt in ("vti", "vtkhdf"):
        sel = [r for r in rows if r[0] == fmt and r[1] == ranks]
        ms = statistics.median(float(r[2]) * 1e3 for r in sel)
        size = statistics.median(int(r[3]) for r in sel)
        print(f"{fmt:7s} {ranks:>5s}  {ms:29.1f}  {size:26d}  {len(sel)}")
PY
