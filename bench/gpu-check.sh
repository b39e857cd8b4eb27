#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One script for the lent GPU machine (nvcc/cmake/ninja there, but no VTK/Boost/GoogleTest/MPI and no
# network; about 15 minutes of device time per session in all). Run it from the repository root with
# the bundle that bench/bundle.sh built here carried in:
#
#   bench/gpu-check.sh [BUNDLE_DIR]          (default: bundle/)
#
# It runs, each part under its own time budget and all under TOTAL_BUDGET_S:
#   1. nvidia-smi -L                         which card (H100 or H200: record it beside every figure)
#   2. lactosim info                         the build and the device as lactosim sees it
#   3. lactosim_gpu_tests                    CUDA vs CPU equivalence and determinism, with
#                                            LACTOSIM_REQUIRE_GPU=1: a missing device FAILS, never skips
#   4. lactosim_bench --backend cuda / cpu   when the bundle has the benchmark (BENCH_ARGS appended)
#   5. the other test binaries in the bundle (CPU tests; last, as time allows)
# Everything goes to stdout and, when $OUT is set, to $OUT/gpu-check.log (per-part logs under
# $OUT/gpu-check/). A summary table (tests passed/failed/skipped per binary, the card) prints LAST.
# Exit status: 0 when every part that ran passed, 1 otherwise.
#
# Budgets (seconds, environment): TOTAL_BUDGET_S=540 TIME_GPU_TESTS=200 TIME_BENCH_CUDA=120
# TIME_BENCH_CPU=90 TIME_OTHER_TESTS=60; BENCH_ARGS="" (e.g. "--case explicit --size 256").
set -u

bundle="${1:-${BUNDLE_DIR:-bundle}}"
total_budget="${TOTAL_BUDGET_S:-540}"
start_s=$SECONDS

if [[ -n "${OUT:-}" ]]; then
  mkdir -p "$OUT/gpu-check"
  parts_dir="$OUT/gpu-check"
  log="$OUT/gpu-check.log"
else
  parts_dir="$(mktemp -d)"
  log=""
fi

rows=()      # "part|status|passed|failed|skipped|seconds"
failures=0
card="unknown"

remaining() { echo $(( total_budget - (SECONDS - start_s) )); }

# gtest's final tally of a part's log: "passed failed skipped" ("-" where the line is absent).
gtest_counts() {
  local f="$1" p fl s
  p=$(grep -Eo '^\[  PASSED  \] [0-9]+ test' "$f" | tail -n 1 | grep -Eo '[0-9]+' || true)
  fl=$(grep -Eo '^\[  FAILED  \] [0-9]+ test' "$f" | tail -n 1 | grep -Eo '[0-9]+' || true)
  s=$(grep -Eo '^\[  SKIPPED \] [0-9]+ test' "$f" | tail -n 1 | grep -Eo '[0-9]+' || true)
  if [[ -z "$p$fl$s" ]]; then
    # No final tally (killed by its budget): count the per-test result lines seen so far.
    p=$(grep -Ec '^\[       OK \] [^ ]+ \(' "$f")
    fl=$(grep -Ec '^\[  FAILED  \] [^ ]+ \(' "$f")
    s=$(grep -Ec '^\[  SKIPPED \] [^ ]+ \(' "$f")
    (( p + fl + s == 0 )) && { echo "- - -"; return; }
  fi
  echo "${p:-0} ${fl:-0} ${s:-0}"
}

# run_part NAME BUDGET_S KIND(gtest|plain) CMD...: runs under `timeout`, streams and keeps the output.
run_part() {
  local name="$1" budget="$2" kind="$3"
  shift 3
  local left
  left=$(remaining)
  if (( left < 15 )); then
    rows+=("$name|not run (total budget spent)|-|-|-|0")
    return
  fi
  (( budget > left )) && budget=$left
  local part_log="$parts_dir/${name//[^A-Za-z0-9_.-]/_}.log"
  echo
  echo "=== $name (budget ${budget} s): $*"
  local t0=$SECONDS
  timeout -k 10 "$budget" "$@" 2>&1 | tee "$part_log"
  local rc=${PIPESTATUS[0]}
  local dt=$(( SECONDS - t0 ))
  local status
  case $rc in
    0) status="ok" ;;
    124|137) status="TIMEOUT after ${budget} s" ;;
    *) status="FAILED (exit $rc)" ;;
  esac
  (( rc != 0 )) && failures=$((failures + 1))
  local counts="- - -"
  [[ $kind == gtest ]] && counts=$(gtest_counts "$part_log")
  # A gtest binary that lists failures failed, whatever its exit status says.
  read -r np nf ns <<<"$counts"
  if [[ $kind == gtest && $nf != "-" && $nf != "0" && $rc == 0 ]]; then
    status="FAILED (tests)"
    failures=$((failures + 1))
  fi
  rows+=("$name|$status|$np|$nf|$ns|$dt")
}

main() {
  echo "gpu-check: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname), bundle '$bundle', total budget ${total_budget} s"
  git rev-parse --short=12 HEAD 2>/dev/null | sed 's/^/gpu-check: commit /' || true

  run_part "nvidia-smi -L" 30 plain nvidia-smi -L
  local smi="$parts_dir/nvidia-smi_-L.log"
  if [[ -s "$smi" ]]; then
    card=$(grep -m1 '^GPU 0:' "$smi" | sed -e 's/^GPU 0: //' -e 's/ (UUID.*//')
    [[ -z "$card" ]] && card="unknown"
  fi

  if [[ ! -x "$bundle/lactosim" ]]; then
    echo "gpu-check: no bundle at '$bundle' (build it with bench/bundle.sh and carry it)"
    rows+=("bundle|MISSING: $bundle/lactosim|-|-|-|0")
    failures=$((failures + 1))
    return
  fi

  run_part "lactosim info" 30 plain "$bundle/lactosim" info

  if [[ -x "$bundle/lactosim_gpu_tests" ]]; then
    run_part "lactosim_gpu_tests" "${TIME_GPU_TESTS:-200}" gtest \
      env LACTOSIM_REQUIRE_GPU=1 "$bundle/lactosim_gpu_tests" --gtest_color=no
  else
    rows+=("lactosim_gpu_tests|MISSING from the bundle|-|-|-|0")
    failures=$((failures + 1))
  fi

  if [[ -x "$bundle/lactosim_bench" ]]; then
    # shellcheck disable=SC2086  # BENCH_ARGS is a list of words on purpose
    run_part "lactosim_bench cuda" "${TIME_BENCH_CUDA:-120}" plain \
      "$bundle/lactosim_bench" --backend cuda ${BENCH_ARGS:-}
    # shellcheck disable=SC2086
    run_part "lactosim_bench cpu" "${TIME_BENCH_CPU:-90}" plain \
      "$bundle/lactosim_bench" --backend cpu ${BENCH_ARGS:-}
  fi

  local t
  for t in "$bundle"/lactosim_*_tests; do
    [[ -x "$t" ]] || continue
    [[ "$(basename "$t")" == lactosim_gpu_tests ]] && continue
    run_part "$(basename "$t")" "${TIME_OTHER_TESTS:-60}" gtest "$t" --gtest_color=no --gtest_filter='-*Slow.*'
  done
}

summary() {
  echo
  echo "=== gpu-check summary ($(( SECONDS - start_s )) s; card: $card)"
  printf '%-28s %-32s %7s %7s %7s %6s\n' part status passed failed skipped sec
  local r
  for r in "${rows[@]}"; do
    IFS='|' read -r name status np nf ns dt <<<"$r"
    printf '%-28s %-32s %7s %7s %7s %6s\n' "$name" "$status" "$np" "$nf" "$ns" "$dt"
  done
  if (( failures == 0 )); then echo "gpu-check: all parts passed on $card"; else echo "gpu-check: $failures part(s) FAILED on $card"; fi
}

run_all() {
  main
  summary
  (( failures == 0 ))
}

if [[ -n "$log" ]]; then
  run_all 2>&1 | tee "$log"
  exit "${PIPESTATUS[0]}"
fi
run_all
