#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Work against precision (issue #14): the stiff integrator (run.integrator = bdf) and the split one
# (implicit) on one human-milk scenario, each at several tolerances, against a reference run of the
# stiff integrator at a much tighter tolerance. Error = the largest relative deviation from the
# reference of the outlet milk (Na, K, Cl, lactose, citrate, sIgA, lactoferrin, flow) over every
# output time; wall = the run's own stepping time (run.json phase_seconds.stepping). Run from the
# repository root:
#
#   bench/work-precision.sh [LACTOSIM]            (default: build/lactosim)
#
# Environment: SCENARIO=steady_lactation, SIM_S=600, OUTPUT_S=60, THREADS=2,
# BDF_TOLS="1e-2 1e-3 1e-4 1e-5", SPLIT_TOLS="1e-2 3e-3", REF_TOL=1e-8, OUT_DIR (default: a temp
# dir), EXTRA (more --key=value overrides for every run), REUSE=1 (keep runs already in OUT_DIR —
# only where the binary has not changed since). abs_tol_mM is rel_tol/100 for every run.
# Writes OUT_DIR/work_precision.csv (integrator, rel_tol, steps, wall_s, error) and prints it;
# visualization/plot_work_precision.py draws it.
set -euo pipefail
lactosim="${1:-build/lactosim}"
scenario="${SCENARIO:-steady_lactation}"
sim_s="${SIM_S:-600}"
output_s="${OUTPUT_S:-60}"
threads="${THREADS:-2}"
bdf_tols="${BDF_TOLS:-1e-2 1e-3 1e-4 1e-5}"
split_tols="${SPLIT_TOLS:-1e-2 3e-3}"
ref_tol="${REF_TOL:-1e-8}"
out_dir="${OUT_DIR:-$(mktemp -d)}"
read -r -a extra <<<"${EXTRA:-}"
[[ -x "$lactosim" ]] || { echo "work-precision: no lactosim at '$lactosim'" >&2; exit 2; }

run() {  # run NAME INTEGRATOR REL_TOL
  [[ "${REUSE:-0}" == 1 && -f "$out_dir/$1/run.json" ]] && return 0
  local abs
  abs=$(awk -v r="$3" 'BEGIN { printf "%.3g", r / 100 }')
  "$lactosim" run configs/models/human_milk.ini "configs/scenarios/$scenario.ini" "${extra[@]}" \
    "--run.integrator=$2" "--run.rel_tol=$3" "--run.abs_tol_mM=$abs" "--run.end_time_s=$sim_s" \
    "--run.output_interval_s=$output_s" "--run.threads=$threads" --quiet -o "$out_dir/$1" --overwrite
}

echo "work-precision: reference (bdf, rel_tol $ref_tol) into $out_dir" >&2
run reference bdf "$ref_tol"
for tol in $bdf_tols; do run "bdf_$tol" bdf "$tol"; done
for tol in $split_tols; do run "split_$tol" implicit "$tol"; done

python3 - "$out_dir" "$bdf_tols" "$split_tols" "$scenario" "$sim_s" <<'PY'
import csv, json, os, sys
out, bdf, split, scenario, sim_s = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4], sys.argv[5]
cols = ["outlet_Na_mM", "outlet_K_mM", "outlet_Cl_mM", "outlet_lactose_mM", "outlet_citrate_mM",
        "outlet_sIgA_g_per_L", "outlet_lactoferrin_g_per_L", "gland_milk_mL_per_day"]
def series(name):
    with open(os.path.join(out, name, "timeseries.csv"), newline="") as f:
        return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(l for l in f if not l.startswith("#"))]
ref = {r["time_s"]: r for r in series("reference")}
rows = []
for integrator, tols in (("bdf", bdf), ("split", split)):
    for tol in tols:
        name = f"{integrator}_{tol}"
        rec = json.load(open(os.path.join(out, name, "run.json")))
        err = 0.0
        for r in series(name):
            if r["time_s"] == 0 or r["time_s"] not in ref:
                continue
            for c in cols:
                if c in r and ref[r["time_s"]][c] != 0:
                    err = max(err, abs(r[c] - ref[r["time_s"]][c]) / abs(ref[r["time_s"]][c]))
        balance = max(abs(v) for v in rec.get("balance_error_relative", {"-": 0}).values())
        rows.append((integrator, tol, rec.get("steps", rec.get("bdf_stats", {}).get("steps", 0)),
                     rec["phase_seconds"]["stepping"], err, balance))
path = os.path.join(out, "work_precision.csv")
with open(path, "w") as f:
    f.write(f"# {scenario}, {sim_s} s simulated; error vs the bdf reference, outlet milk, every output\n")
    f.write("integrator,rel_tol,steps,wall_s,error,balance_error\n")
    for r in rows:
        f.write(f"{r[0]},{r[1]},{r[2]},{r[3]:.3f},{r[4]:.3e},{r[5]:.3e}\n")
print(open(path).read())
PY
