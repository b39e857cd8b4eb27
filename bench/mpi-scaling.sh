#!/usr/bin/env bash
# Strong and weak scaling of a run cut over MPI ranks (docs/parallel.md) on this machine, with the
# machine's copy bandwidth measured in the same session. Ranks 1, 2, 4 (one OpenMP thread each),
# alternating, REPEATS rounds; the median of each. Figures: bench/RESULTS.md.
#   strong: the README default (alveolus, 40^3 voxels of 2 um, 5 species), split integrator, 1 s
#   weak:   the same alveolus at voxel_um 2.0, 1.587, 1.26 for 1, 2, 4 ranks (~1x, 2x, 4x the voxels),
#           explicit integrator for a fixed 0.02 s; compared per step (the step shrinks with h^2)
# On a 2-core machine 4 ranks are oversubscribed: their figures say what oversubscription costs.
#   bench/mpi-scaling.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${LACTOSIM:-build/lactosim}
BENCH=${LACTOSIM_BENCH:-build/bench/lactosim_bench}
REPEATS=${1:-3}
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d "${TMPDIR:-/tmp}/lactosim_mpi_scaling.XXXXXX")
trap 'rm -rf "$work"' EXIT
results=$work/results.txt

run() {  # kind ranks voxel_um integrator end_time
  local out=$work/$1_$2_$RANDOM
  mpiexec -n "$2" --oversubscribe "$BIN" run --geometry.voxel_um="$3" --run.integrator="$4" \
    --run.end_time_s="$5" --run.output_interval_s="$5" --run.checkpoint_every_wall_s=0 --out "$out" 2>"$out.log" >/dev/null
  python3 - "$out/run.json" "$1" "$2" "$out.log" >>"$results" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
nx, ny, nz = map(int, re.search(r"(\d+) x (\d+) x (\d+) voxels", open(sys.argv[4]).read()).groups())
print(sys.argv[2], sys.argv[3], r["steps"], r["phase_seconds"]["stepping"], nx * ny * nz, len(r["balance_error_relative"]))
PY
  rm -rf "$out"
}

copy=$("$BENCH" --case copy --threads 1 --repeats 5 2>/dev/null | sed -n 's/^copy .*(median) *\([0-9.]*\) GB\/s.*/\1/p' | head -1)
for round in $(seq "$REPEATS"); do
  for n in 1 2 4; do
    run strong "$n" 2.0 implicit 1
    case $n in 1) h=2.0 ;; 2) h=1.587 ;; 4) h=1.26 ;; esac
    run weak "$n" "$h" explicit 0.02
  done
done
python3 - "$results" "${copy:-nan}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
copy = sys.argv[2]
print(f"copy bandwidth, 1 thread, same session: {copy} GB/s; load average: {open('/proc/loadavg').read().split()[0]}")
for kind in ("strong", "weak"):
    print(f"\n{kind}: ranks | voxels | steps | stepping wall s (median of {len(rows)//6}) | wall per step ms |"
          " voxel-species updates/s | vs 1 rank")
    base = None
    for n in ("1", "2", "4"):
        mine = [r for r in rows if r[0] == kind and r[1] == n]
        if not mine:
            continue
        wall = statistics.median(float(r[3]) for r in mine)
        steps = int(mine[0][2])
        per_step = 1e3 * wall / steps
        base = base or (wall if kind == "strong" else per_step)
        ratio = base / wall if kind == "strong" else base / per_step
        voxels, species = int(mine[0][4]), int(mine[0][5])
        print(f"{kind}: {n} | {voxels} | {steps} | {wall:.2f} | {per_step:.2f} | {voxels * species * steps / wall:.3g} | {ratio:.2f}"
              + (" (speed-up)" if kind == "strong" else " (efficiency, per step)"))
PY
