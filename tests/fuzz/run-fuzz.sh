#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs each libFuzzer target for SECONDS, one after another, and prints per target the seconds run,
# executions, coverage (libFuzzer's `cov`: edges; `ft`: features), corpus size and findings (files
# libFuzzer wrote for a crash, leak, timeout or out-of-memory input).
#
#   bash tests/fuzz/run-fuzz.sh [SECONDS [TARGET...]]      # default 60 s each; targets: config vti nrrd tiff raw
#
# The build (LACTOSIM_FUZZ_BUILD, default build-fuzz) is configured with clang and LACTOSIM_FUZZ=ON
# when missing, and brought up to date. Each target starts from a seed corpus built here from
# configs/, meshes/samples/, tests/bad_configs/ and tests/fuzz/seeds/; corpora, logs and findings
# stay under LACTOSIM_FUZZ_WORK (default <build>/fuzz-work). Leaks inside VTK that our code cannot
# free are suppressed by tests/lsan.supp (each entry says why). Exit status 1 when a target
# found something.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(config vti nrrd tiff raw)
build=${LACTOSIM_FUZZ_BUILD:-build-fuzz}
work=${LACTOSIM_FUZZ_WORK:-$build/fuzz-work}

if [[ ! -f $build/build.ninja ]]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_C_COMPILER=clang -DLACTOSIM_FUZZ=ON -DLACTOSIM_BUILD_TESTS=OFF
fi
cmake --build "$build" --target lactosim_fuzz -j "${LACTOSIM_JOBS:-$(nproc)}"

# Copies files into a folder under names made from their paths (configs/ has the same name twice).
copy_flat() {
  local into=$1
  shift
  for f in "$@"; do cp "$f" "$into/${f//\//_}"; done
}

seed() {
  local target=$1 into=$2
  case $target in
    config) copy_flat "$into" configs/*.ini configs/*/*.ini tests/bad_configs/*.ini tests/bad_configs/cli/*.ini ;;
    vti) copy_flat "$into" meshes/samples/*.vti ;;
    nrrd) copy_flat "$into" meshes/samples/*.nrrd tests/bad_configs/cli/volumes/*.nrrd tests/bad_configs/cli/volumes/*.nhdr ;;
    tiff) copy_flat "$into" tests/fuzz/seeds/*.tif tests/bad_configs/cli/volumes/*.tif ;;
    raw) # the target's 6 key bytes (nx-1 ny-1 nz-1, raw_type index, endian, header bytes), then the file
      printf '\x27\x27\x27\x00\x00\x20' | cat - meshes/samples/alveolus.raw > "$into/alveolus.raw"
      printf '\x03\x03\x03\x02\x01\x00' | cat - tests/bad_configs/cli/volumes/uint16_as_uint8.raw > "$into/uint16.raw" ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
summary="$work/summary.txt"
mkdir -p "$work"
printf '%-7s %8s %12s %8s %8s %8s %9s  %s\n' target seconds execs exec/s cov ft corpus findings | tee "$summary"
found=0
for t in "${targets[@]}"; do
  dir="$work/$t"
  mkdir -p "$dir/corpus" "$dir/seeds" "$dir/findings"
  seed "$t" "$dir/seeds"
  start=$(date +%s)
  set +e
  "$build/fuzz/lactosim_fuzz_$t" "$dir/corpus" "$dir/seeds" -max_total_time="$seconds" -timeout=30 \
    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$dir/findings/" > "$dir/log.txt" 2>&1
  rc=$?
  set -e
  ran=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/log.txt" | tail -1 | grep -o '[0-9]*$' || echo "?")
  line=$(grep -E '^#[0-9]+.*cov: ' "$dir/log.txt" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' <<<"$line" | grep -o '[0-9]*' || echo "?")
  ft=$(grep -o 'ft: [0-9]*' <<<"$line" | grep -o '[0-9]*' || echo "?")
  corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' <<<"$line" | cut -d' ' -f2 || echo "?")
  findings=$(find "$dir/findings" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  rate="?"
  [[ $execs =~ ^[0-9]+$ && $ran -gt 0 ]] && rate=$((execs / ran))
  printf '%-7s %8s %12s %8s %8s %8s %9s  %s\n' "$t" "$ran" "$execs" "$rate" "$cov" "$ft" "$corp" \
    "$findings$( ((rc != 0)) && echo " (exit $rc; see $dir/log.txt)")" | tee -a "$summary"
  ((findings > 0 || rc != 0)) && found=1
done
exit $found
