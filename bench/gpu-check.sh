#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One script for the lent GPU machine (nvcc/cmake/ninja there, but no VTK/Boost/GoogleTest/MPI and no
# network; about 15 minutes of device time per session in all, machine start included: the script
# fits one ~8-minute call). Run it from the repository root with the bundle that bench/bundle.sh
# built here carried in:
#
#   bench/gpu-check.sh [BUNDLE_DIR]          (default: bundle/)
#   BUNDLE_ARCHIVE=build-gpu/bundle.tar.gz bench/gpu-check.sh    (the archive bundle.sh also writes,
#                                            carried instead when the folder is too big: unpacked first)
#
# It runs, each part under its own time budget and all under TOTAL_BUDGET_S:
#   1. nvidia-smi -L                         which card (H100 or H200: record it beside every figure)
#   2. lactosim info                         the build and the device as lactosim sees it
#   3. lactosim_gpu_tests                    every GPU test: the kernels' CUDA-vs-CPU equivalence
#                                            (explicit, implicit, secretion, lumen flow and advection),
#                                            whole runs through Simulation (explicit, implicit LOD/CG,
#                                            secretion mechanics), the four human-milk scenarios (configs
#                                            read from this checkout), bitwise determinism, backend choice;
#                                            LACTOSIM_REQUIRE_GPU=1: a missing device FAILS, never skips
#   3b. compute-sanitizer memcheck          on the GPU tests that failed (else the kernel suites)
#   4. lactosim_bench --backend cuda / cpu   when the bundle has the benchmark: device copy bandwidth,
#                                            explicit and implicit (LOD) steps on 256³ × 8, the BioFVM
#                                            peer explicit and implicit (BENCH_CUDA_ARGS / BENCH_CPU_ARGS,
#                                            then BENCH_ARGS appended to both: the last option wins)
#   5. bench/scenario-times.sh on CUDA    the four human-milk scenarios (SCENARIO_SIM_S=60 simulated s
#                                            each) and the full lobule (LOBULE_SIM_S=10): wall per day
#   5b. ncu on the benchmark's explicit and implicit steps (per-kernel DRAM throughput, occupancy)
#   6. the other test binaries in the bundle (CPU tests; last, as time allows)
# Everything goes to stdout and, when $OUT is set, to $OUT/gpu-check.log (per-part logs packed in
# $OUT/gpu-check-parts.tar.gz). Printed LAST: the benchmarks' key figures, then a short table (status and tests
# passed/failed/skipped per part, the card).
# Exit status: 0 when every part that ran passed, 1 otherwise.
#
# Budgets (seconds, environment): TOTAL_BUDGET_S=480 TIME_GPU_TESTS=180 TIME_BENCH_CUDA=150
# TIME_BENCH_ORDER4=40 TIME_SANITIZER=60 TIME_RACECHECK=45 TIME_NCU=60 (each of two) TIME_SCENARIOS=60 TIME_LOBULE=75 TIME_BENCH_CPU=90 TIME_OTHER_TESTS=60 (each clipped
# to what the total leaves; 0 skips the part);
# BENCH_CUDA_ARGS="--size 256" BENCH_CPU_ARGS="--size 256 --repeats 3 --warmup 1 --peer-steps 3"
# BENCH_ARGS="" (e.g. "--case implicit").
set -u

bundle="${1:-${BUNDLE_DIR:-bundle}}"
total_budget="${TOTAL_BUDGET_S:-480}"
# Set but empty (BENCH_CUDA_ARGS=""): the benchmark's own defaults (128³).
bench_cuda_args="${BENCH_CUDA_ARGS-"--size 256"}"
bench_cpu_args="${BENCH_CPU_ARGS-"--size 256 --repeats 3 --warmup 1 --peer-steps 3 --peer-extrapolated-dt 15"}"
start_s=$SECONDS

# The per-part logs go to a scratch folder and, when $OUT is set, come back packed as one archive:
# a device call returns at most 8 files.
parts_dir="$(mktemp -d)"
if [[ -n "${OUT:-}" ]]; then
  log="$OUT/gpu-check.log"
else
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
  if (( budget <= 0 )); then
    rows+=("$name|skipped (budget 0)|-|-|-|0")
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
  echo "gpu-check: $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname), bundle '$bundle'," \
    "total budget ${total_budget} s"
  git rev-parse --short=12 HEAD 2>/dev/null | sed 's/^/gpu-check: commit /' || true

  run_part "nvidia-smi -L" 30 plain nvidia-smi -L
  local smi="$parts_dir/nvidia-smi_-L.log"
  if [[ -s "$smi" ]]; then
    card=$(grep -m1 '^GPU 0:' "$smi" | sed -e 's/^GPU 0: //' -e 's/ (UUID.*//')
    [[ -z "$card" ]] && card="unknown"
  fi

  # The archive bench/bundle.sh writes beside the folder, carried when the folder is too big.
  local archive="${BUNDLE_ARCHIVE:-build-gpu/bundle.tar.gz}" unpack top
  if [[ ! -x "$bundle/lactosim" && -s "$archive" ]]; then
    unpack="$(mktemp -d)"
    echo "gpu-check: no bundle folder at '$bundle'; unpacking $archive into $unpack"
    if tar -xzf "$archive" -C "$unpack"; then
      top=$(find "$unpack" -mindepth 1 -maxdepth 1 -type d | head -n 1)
      [[ -n "$top" ]] && bundle="$top"
    fi
  fi
  if [[ ! -x "$bundle/lactosim" ]]; then
    echo "gpu-check: no bundle at '$bundle' nor archive '$archive'" \
      "(build them with bench/bundle.sh and carry one)"
    rows+=("bundle|MISSING: $bundle/lactosim|-|-|-|0")
    failures=$((failures + 1))
    return
  fi

  run_part "lactosim info" 30 plain "$bundle/lactosim" info

  if [[ -x "$bundle/lactosim_gpu_tests" ]]; then
    run_part "lactosim_gpu_tests" "${TIME_GPU_TESTS:-180}" gtest \
      env LACTOSIM_REQUIRE_GPU=1 LACTOSIM_SOURCE_DIR="$PWD" "$bundle/lactosim_gpu_tests" --gtest_color=no
  else
    rows+=("lactosim_gpu_tests|MISSING from the bundle|-|-|-|0")
    failures=$((failures + 1))
  fi

  # compute-sanitizer's memcheck (it works on the Firecracker machines, KINDS.md) on the GPU tests
  # that failed — an out-of-bounds access or an unchecked error is the first suspect — or, when none
  # failed, on the kernel-equivalence suites, whose launches cover every kernel on small grids.
  local gpu_log="$parts_dir/lactosim_gpu_tests.log" sanitizer filter
  sanitizer="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
  if [[ -x "$bundle/lactosim_gpu_tests" && -x "$sanitizer" ]]; then
    filter=$(grep -Eo '^\[  FAILED  \] [A-Za-z0-9_/.]+ \(' "$gpu_log" 2>/dev/null |
      awk '{print $4}' | sort -u | paste -sd: -)
    [[ -z "$filter" ]] && filter="${SANITIZER_FILTER:-CudaStepKernels.*:CudaImplicitKernels.*}"
    run_part "compute-sanitizer memcheck" "${TIME_SANITIZER:-60}" plain \
      env LACTOSIM_REQUIRE_GPU=1 LACTOSIM_SOURCE_DIR="$PWD" "$sanitizer" --tool memcheck \
      --print-limit 20 --error-exitcode 3 "$bundle/lactosim_gpu_tests" --gtest_color=no \
      --gtest_filter="$filter"
  fi

  # racecheck on the kernel suites: the reductions and the line solves share memory within a block.
  if [[ -x "$bundle/lactosim_gpu_tests" && -x "$sanitizer" ]]; then
    run_part "compute-sanitizer racecheck" "${TIME_RACECHECK:-45}" plain \
      env LACTOSIM_REQUIRE_GPU=1 "$sanitizer" --tool racecheck --print-limit 20 --error-exitcode 3 \
      "$bundle/lactosim_gpu_tests" --gtest_color=no \
      --gtest_filter="${RACECHECK_FILTER:-CudaStepKernels.*:CudaImplicitKernels.*:CudaLumenFlow.*}"
  fi

  if [[ -x "$bundle/lactosim_bench" ]]; then
    # shellcheck disable=SC2086  # the *_ARGS are lists of words on purpose
    run_part "lactosim_bench cuda" "${TIME_BENCH_CUDA:-150}" plain \
      "$bundle/lactosim_bench" --backend cuda $bench_cuda_args ${BENCH_ARGS:-}
    # The peer at run.time_order = 4 (the extrapolated implicit Euler: its sums' kernel on the device,
    # the step that reaches BioFVM's error at 150 s on the CPU; bench/RESULTS.md 2026-12-07).
    run_part "lactosim_bench cuda order 4" "${TIME_BENCH_ORDER4:-40}" plain \
      "$bundle/lactosim_bench" --backend cuda --case peer --peer-explicit off --peer-implicit-dt none \
      --peer-extrapolated-dt 150 --peer-time-order 4 --peer-steps 3 --warmup 1
  fi

  # The human-milk scenarios on the device (issue #6: run time per simulated day), on the CI-sized
  # fragment and on the full lobule (bench/scenario-times.sh; configs from this checkout).
  run_part "scenario times cuda" "${TIME_SCENARIOS:-60}" plain \
    env SIM_S="${SCENARIO_SIM_S:-60}" BACKEND=cuda THREADS=1 bench/scenario-times.sh "$bundle/lactosim"
  # The lobule with the split integrator, as measured on the H200 (2026-12-04): the model's bdf needs
  # the sparse layout for the lobule, which the CUDA executor does not have yet.
  run_part "lobule time cuda" "${TIME_LOBULE:-75}" plain \
    env SIM_S="${LOBULE_SIM_S:-10}" BACKEND=cuda THREADS=1 LOBULE=1 SCENARIOS=steady_lactation PROGRESS=1 INTEGRATOR=implicit \
    bench/scenario-times.sh "$bundle/lactosim"

  if [[ -x "$bundle/lactosim_bench" ]]; then
    # shellcheck disable=SC2086
    run_part "lactosim_bench cpu" "${TIME_BENCH_CPU:-90}" plain \
      "$bundle/lactosim_bench" --backend cpu $bench_cpu_args ${BENCH_ARGS:-}
  fi

  # Nsight Compute on the benchmark's explicit and implicit steps (hardware counters: the Firecracker
  # machines have them, KINDS.md; clocks left alone, METHOD.md): each kernel's DRAM throughput,
  # occupancy and launch shape, for the work on the explicit step's % of copy and the line solves.
  local ncu
  ncu="$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)"
  if [[ -x "$bundle/lactosim_bench" && -n "$ncu" && -x "$ncu" ]]; then
    run_part "ncu explicit step" "${TIME_NCU:-60}" plain \
      "$ncu" --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats \
      --section MemoryWorkloadAnalysis --launch-count "${NCU_LAUNCHES:-40}" \
      "$bundle/bin/lactosim_bench" --backend cuda --case explicit --size 256 --repeats 1 --warmup 1
    run_part "ncu implicit step" "${TIME_NCU:-60}" plain \
      "$ncu" --clock-control none --section SpeedOfLight --section Occupancy --section LaunchStats \
      --section MemoryWorkloadAnalysis --launch-count "${NCU_LAUNCHES:-40}" \
      "$bundle/bin/lactosim_bench" --backend cuda --case implicit --size 256 --repeats 1 --warmup 0
  fi

  local t
  for t in "$bundle"/lactosim_*_tests; do
    [[ -x "$t" ]] || continue
    [[ "$(basename "$t")" == lactosim_gpu_tests ]] && continue
    run_part "$(basename "$t")" "${TIME_OTHER_TESTS:-60}" gtest \
      "$t" --gtest_color=no --gtest_filter='-*Slow.*'
  done
}

# The benchmarks' key rows (from each bench's own summary table), so that they reach the end of the
# output beside the parts table; the full logs are in $OUT/gpu-check-parts.tar.gz.
bench_figures() {
  local f rows_found
  for f in "$parts_dir"/scenario_times_cuda.log "$parts_dir"/lobule_time_cuda.log; do
    [[ -s "$f" ]] || continue
    echo
    sed -n '/^=== scenario times/,$p' "$f" | cut -c1-110
  done
  for f in "$parts_dir"/lactosim_bench_*.log; do
    [[ -s "$f" ]] || continue
    echo
    echo "=== $(basename "$f" .log): key figures"
    rows_found=$(sed -n '/^== summary/,$p' "$f" |
      grep -E 'copy bandwidth|median|updates/s|achieved|wall per|unavailable' | cut -c1-110)
    if [[ -n "$rows_found" ]]; then
      echo "$rows_found"
    else
      echo "(no summary table: the benchmark did not finish)"
    fi
  done
}

summary() {
  bench_figures
  echo
  echo "=== gpu-check summary ($(( SECONDS - start_s )) s; card: $card)"
  printf '%-28s %-32s %7s %7s %7s %6s\n' part status passed failed skipped sec
  local r
  for r in "${rows[@]}"; do
    IFS='|' read -r name status np nf ns dt <<<"$r"
    printf '%-28s %-32s %7s %7s %7s %6s\n' "$name" "$status" "$np" "$nf" "$ns" "$dt"
  done
  if (( failures == 0 )); then
    echo "gpu-check: all parts passed on $card"
  else
    echo "gpu-check: $failures part(s) FAILED on $card"
  fi
}

run_all() {
  main
  summary
  if [[ -n "${OUT:-}" ]]; then
    tar -czf "$OUT/gpu-check-parts.tar.gz" -C "$parts_dir" . && echo "gpu-check: part logs in \$OUT/gpu-check-parts.tar.gz"
  fi
  (( failures == 0 ))
}

if [[ -n "$log" ]]; then
  run_all 2>&1 | tee "$log"
  exit "${PIPESTATUS[0]}"
fi
run_all
