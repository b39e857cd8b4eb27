#!/usr/bin/env bash
# Cost against size (issue #15 item 5): the human-milk model in steady lactation on the lobule and on
# the lobule grown by one and two generations of its duct tree (configs/geometry/lobule.ini,
# lobule_gen6.ini, lobule_gen7.ini: 1, 1.76 and 3.0 x its modelled voxels), in the sparse layout,
# each for the same short simulated time. Per geometry: the box and its modelled voxels, the memory
# estimate and the peak resident set (GNU time), bytes per modelled voxel-species, geometry and
# assembly seconds, wall per step and per simulated second; then the exponent of wall per step against modelled voxels (least squares in log-log).
#   bench/lobule-cost.sh [INTEGRATOR [END_TIME_S [GEOMETRIES...]]]
# INTEGRATOR: implicit (the split integrator, default) or bdf; END_TIME_S default 0.01.
# Needs GNU time (/usr/bin/time) and hypre (the pressure's AMG). Figures: bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${LACTOSIM:-build/lactosim}
INTEGRATOR=${1:-implicit}
END=${2:-0.01}
shift $(( $# > 2 ? 2 : $# ))
GEOMETRIES=("$@")
[ ${#GEOMETRIES[@]} -gt 0 ] || GEOMETRIES=(lobule lobule_gen6 lobule_gen7)
work=$(mktemp -d "${TMPDIR:-/tmp}/lactosim_lobule_cost.XXXXXX")
trap 'rm -rf "$work"' EXIT
rows=$work/rows.txt

for g in "${GEOMETRIES[@]}"; do
  out=$work/$g
  "$BIN" mesh configs/geometry/$g.ini --out "$work/$g.vti" >/dev/null 2>&1
  /usr/bin/time -v "$BIN" run configs/models/human_milk.ini configs/scenarios/steady_lactation.ini \
    configs/geometry/$g.ini --run.layout=sparse --run.integrator="$INTEGRATOR" \
    --flow.pressure_preconditioner=amg --run.threads=2 --run.end_time_s="$END" --run.output_interval_s="$END" \
    --run.checkpoint_every_wall_s=0 --quiet --out "$out" >"$out.log" 2>&1
  python3 - "$g" "$out" "$work/$g.json" "$out.log" >>"$rows" <<'PY'
import json, re, sys
g, out, mesh, log = sys.argv[1:5]
r = json.load(open(out + "/run.json"))
m = json.load(open(mesh))
box = m["grid"][0] * m["grid"][1] * m["grid"][2]
modelled = sum(v for k, v in m["voxels_per_label"].items() if k != "0")
text = open(log).read()
peak_kB = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
ph = r["phase_seconds"]
ns = len(r["balance_error_relative"])
print(g, box, modelled, ns, r["memory"]["estimate_bytes"], peak_kB * 1024, ph["geometry"], ph["assembly"],
      r["steps"], ph["stepping"], r["simulated_time_s"])
PY
  rm -rf "$out" "$work/$g.vti"
done

python3 - "$rows" "$INTEGRATOR" "$END" <<'PY'
import math, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"# lobule cost, human-milk model, steady lactation, sparse layout, {sys.argv[2]} integrator, "
      f"{sys.argv[3]} simulated s, 2 threads")
print("| geometry | box voxels | modelled | estimate GB | peak GB | bytes per modelled voxel-species | "
      "geometry s | assembly s | steps | wall per step s | wall per simulated s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
xs, ys = [], []
for g, box, mod, ns, est, peak, geo, asm, steps, stepping, sim in rows:
    box, mod, ns, steps = int(box), int(mod), int(ns), int(steps)
    est, peak, geo, asm, stepping, sim = map(float, (est, peak, geo, asm, stepping, sim))
    per_step = stepping / max(steps, 1)
    xs.append(math.log(mod)); ys.append(math.log(per_step))
    print(f"| {g} | {box/1e6:.1f} M | {mod/1e6:.2f} M | {est/1e9:.2f} | {peak/1e9:.2f} | "
          f"{peak/(mod*ns):.0f} | {geo:.1f} | {asm:.1f} | {steps} | {per_step:.2f} | {stepping/sim:.0f} |")
if len(xs) > 1:
    n = len(xs); mx = sum(xs)/n; my = sum(ys)/n
    b = sum((x-mx)*(y-my) for x, y in zip(xs, ys)) / sum((x-mx)**2 for x in xs)
    print(f"wall per step ~ modelled voxels^{b:.2f}")
PY
