#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Are two builds' results the same to the bit? Runs the same cases with a reference build and a new one
# and compares every output file that holds results (timeseries.csv and every .vti; run.json is left
# out: it holds wall times), then the peer benchmark's printed errors. For refactors that must not
# change a number (issue #13: "bitwise identical to 7aa2004").
#
#   bench/regression-vs.sh REF_BUILD NEW_BUILD        e.g.  ../base/build build
#
# Cases: the README's default run (embedded default, its full 8 s), and 2 s of it with the CG solver; the four human-milk scenarios for
# SIM_S simulated seconds each (default 60) with outputs every 20 s; the secreting cluster example for
# 1 s; the peer's error runs (lactosim_bench --case peer on a PEER_SIZE³ grid, default 40). THREADS
# (default 1: results do not depend on it, and two threads crawl on a loaded 2-core machine) for all. Prints one line per case — identical / DIFFERENT (with the first differing file)
# — and exits non-zero if any differs.
set -euo pipefail
ref="${1:?usage: regression-vs.sh REF_BUILD NEW_BUILD}"
new="${2:?usage: regression-vs.sh REF_BUILD NEW_BUILD}"
sim_s="${SIM_S:-60}"
threads="${THREADS:-1}"
peer_size="${PEER_SIZE:-40}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

# Runs `lactosim run ARGS` with both builds into $work/{ref,new}/NAME and compares their result files.
compare_run() {
  local name="$1"; shift
  local side
  for side in ref new; do
    local build="$ref"; [[ $side == new ]] && build="$new"
    local t0=$SECONDS
    "$build/lactosim" run "$@" --threads "$threads" --quiet -o "$work/$side/$name" --overwrite
    echo "  $side: $((SECONDS - t0)) s" >&2
  done
  local first_diff="" files=0
  while IFS= read -r f; do
    files=$((files + 1))
    if ! cmp -s "$work/ref/$name/$f" "$work/new/$name/$f"; then first_diff="$f"; break; fi
  done < <(cd "$work/ref/$name" && find . -name '*.vti' -o -name 'timeseries.csv' | sort)
  if [[ -z "$first_diff" && $files -gt 0 ]]; then
    echo "regression-vs: $name: identical ($files result files)"
  else
    echo "regression-vs: $name: DIFFERENT (${first_diff:-no result files})"
    status=1
  fi
}

compare_run default
compare_run default_cg --run.implicit_solver=cg --run.end_time_s=2
for s in steady_lactation secretory_activation mastitis drug_transfer; do
  compare_run "$s" configs/models/human_milk.ini "configs/scenarios/$s.ini" \
    "--run.end_time_s=$sim_s" "--run.output_interval_s=$((sim_s / 3))"
done
compare_run secreting_cluster configs/examples/secreting_cluster.ini --run.end_time_s=1

# The peer's error runs: the printed errors (not the timings) must match.
peer_errors() {
  OMP_NUM_THREADS="$threads" "$1/bench/lactosim_bench" --case peer --peer-size "$peer_size" --peer-steps 1 \
    --threads "$threads" 2>&1 | grep -iE 'error' | grep -oE '[0-9]+\.[0-9]+e[-+][0-9]+' || true
}
if [[ "$(peer_errors "$ref")" == "$(peer_errors "$new")" ]]; then
  echo "regression-vs: peer errors (${peer_size}³): identical"
else
  echo "regression-vs: peer errors (${peer_size}³): DIFFERENT"
  status=1
fi
exit $status
