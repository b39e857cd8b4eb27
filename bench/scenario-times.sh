#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Wall time per simulated day of the human-milk scenarios (issue #6 item 6): each scenario of
# configs/scenarios/ run with configs/models/human_milk.ini for SIM_S simulated seconds, and the
# stepping time from its run.json (`phase_seconds.stepping`: the time loop alone, without geometry,
# assembly and output) scaled to a day. Run from the repository root:
#
#   bench/scenario-times.sh [LACTOSIM]                 (default: build/lactosim)
#
# Environment: SIM_S=300 (simulated seconds per scenario), THREADS=2, BACKEND=auto (cpu|cuda), INTEGRATOR=bdf,
# SCENARIOS="steady_lactation secretory_activation mastitis drug_transfer",
# LOBULE=1 adds configs/geometry/lobule.ini (the full 155-alveolus lobule at 3 µm, 230 × 273 × 231
# voxels, 8–9 GB on the CPU) instead of the model's CI-sized fragment; OUT_DIR (default: a temp dir);
# PROGRESS=1 prints the runs' progress lines.
# Each scenario starts from its own config's state (secretory_activation at its default 24 h), so
# the first minutes include its start-up transient: quote the figure with SIM_S. Prints one line per
# scenario and a table last.
set -euo pipefail

lactosim="${1:-build/lactosim}"
sim_s="${SIM_S:-300}"
threads="${THREADS:-2}"
backend="${BACKEND:-auto}"
integrator="${INTEGRATOR:-}"   # INTEGRATOR=bdf: the stiff integrator (docs/numerics.md); empty: the config's
scenarios="${SCENARIOS:-steady_lactation secretory_activation mastitis drug_transfer}"
out_dir="${OUT_DIR:-$(mktemp -d)}"
extra=()
[[ -n "$integrator" ]] && extra+=("--run.integrator=$integrator")
resolution="CI fragment (configs/models/human_milk.ini geometry)"
if [[ "${LOBULE:-0}" == 1 ]]; then
  extra+=(configs/geometry/lobule.ini --flow.pressure_preconditioner=amg)
  resolution="full lobule (configs/geometry/lobule.ini)"
fi
[[ -x "$lactosim" ]] || { echo "scenario-times: no lactosim at '$lactosim'" >&2; exit 2; }

# PROGRESS=1 keeps the run's progress lines (for a run that may not finish inside a budget).
quiet=(--quiet)
[[ "${PROGRESS:-0}" == 1 ]] && quiet=()

rows=()
for s in $scenarios; do
  out="$out_dir/$s"
  "$lactosim" run configs/models/human_milk.ini "configs/scenarios/$s.ini" "${extra[@]}" \
    "--run.end_time_s=$sim_s" "--run.output_interval_s=$sim_s" "--run.threads=$threads" \
    "--run.backend=$backend" "${quiet[@]}" -o "$out" --overwrite
  # run.json fields by grep (the GPU machine may have no Python)
  field() { grep -o "\"$1\": *[^,}]*" "$out/run.json" | head -n 1 | sed -e 's/^[^:]*: *//' -e 's/"//g'; }
  stepping=$(field stepping)
  steps=$(field steps)
  row=$(awk -v n="$s" -v be="$(field backend)" -v dev="$(field device)" -v steps="$steps" \
    -v wall="$stepping" -v sim="$sim_s" 'BEGIN {
      printf "%s|%s|%s|%d|%.3g|%.1f|%.1f", n, be, dev, steps, sim / (steps > 0 ? steps : 1), wall,
             wall * 86400 / sim / 3600 }')
  echo "scenario-times: $row"
  # Where the rest of the wall time went (geometry, assembly, output): the run's own phase times.
  echo "scenario-times: $s phases: $(tr -s ' \n' ' ' <"$out/run.json" | grep -o '"phase_seconds": *{[^}]*}')"
  rows+=("$row")
done

echo
echo "=== scenario times: $resolution, ${sim_s} s simulated each, $threads thread(s), $(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-22s %-6s %-34s %7s %10s %10s %14s\n' scenario backend device steps "mean dt s" "wall s" "wall h / day"
for r in "${rows[@]}"; do
  IFS='|' read -r name be dev steps dt wall per_day <<<"$r"
  printf '%-22s %-6s %-34s %7s %10s %10s %14s\n' "$name" "$be" "${dev:0:34}" "$steps" "$dt" "$wall" "$per_day"
done
