#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds lactosim for Hopper only (sm_90: a fat binary for several architectures could push the
# bundle past what a device call can carry, BUILD-NOTES) and bundles the CLI, the test binaries and
# the benchmark — with every non-system library they need (VTK, Boost, GoogleTest is static) — into
# one folder that runs on the lent GPU machine, which has no VTK/Boost/MPI. bench/gpu-check.sh runs it.
# It also writes the folder as a gzip archive (BUILD_DIR/bundle.tar.gz, ~30 % of the folder's size) and
# says which of the two to carry: a device call carries 64 MiB in all, the working tree included, so
# the folder when it fits with a margin, the archive otherwise (gpu-check.sh unpacks it).
#
# Usage: bench/bundle.sh            (from anywhere; builds in build-gpu/, writes bundle/)
#   BUILD_DIR=dir   build folder (default <repo>/build-gpu; any folder configured with
#                   -DCMAKE_CUDA_ARCHITECTURES=90 will do)
#   BUNDLE_DIR=dir  output folder (default <repo>/bundle; recreated)
#   JOBS=n          parallel build jobs (default 2)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-gpu}"
out="${BUNDLE_DIR:-$root/bundle}"
jobs="${JOBS:-2}"
bundler="$root/../shared/tools/bundle-binaries"
carry_MiB=64   # what a device call carries in all: the working tree plus the carried paths
margin_MiB=4

[[ -x "$bundler" ]] || { echo "bundle.sh: $bundler not found (it lives in the shared tools)" >&2; exit 2; }
command -v nvcc >/dev/null || export PATH="/usr/local/cuda/bin:$PATH"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
if ! grep -q 'CMAKE_CUDA_COMPILER:[A-Z]*=.*nvcc' "$build/CMakeCache.txt"; then
  echo "bundle.sh: no CUDA compiler found at configure time; a GPU bundle needs nvcc" >&2
  exit 2
fi

# Required: the CLI and the GPU tests. Optional: whatever else this tree builds (a target that does
# not exist yet is left out, not an error).
required=(lactosim lactosim_gpu_tests)
optional=(lactosim_verification_tests lactosim_physics_tests lactosim_bench)
cmake --build "$build" -j "$jobs" --target "${required[@]}"
binaries=(lactosim tests/lactosim_gpu_tests)
for target in "${optional[@]}"; do
  if cmake --build "$build" -j "$jobs" --target "$target" >/dev/null 2>&1; then
    path="$(find "$build" -maxdepth 3 -type f -name "$target" -perm -u+x | head -n 1)"
    [[ -n "$path" ]] && binaries+=("${path#"$build"/}")
  else
    echo "bundle.sh: $target not built (no such target in this tree, or it failed): left out" >&2
  fi
done

"$bundler" --strip -o "$out" "$build" "${binaries[@]}"

"$out/lactosim" info || { echo "bundle.sh: bundle/lactosim info failed" >&2; exit 1; }

archive="$build/bundle.tar.gz"
tar -czf "$archive" -C "$(dirname "$out")" "$(basename "$out")"
MiB() { echo $(( ($1 + 1048575) / 1048576 )); }
folder_MiB=$(MiB "$(du -sb "$out" | cut -f1)")
archive_MiB=$(MiB "$(stat -c %s "$archive")")
# The working tree travels with every call: tracked files and untracked ones git does not ignore.
tree_bytes=$(git -C "$root" ls-files -z -co --exclude-standard |
  (cd "$root" && du -cb --files0-from=- 2>/dev/null) | tail -n 1 | cut -f1)
tree_MiB=$(MiB "${tree_bytes:-0}")
room_MiB=$(( carry_MiB - margin_MiB - tree_MiB ))
echo "bundle.sh: $out holds ${binaries[*]}: ${folder_MiB} MiB; $archive ${archive_MiB} MiB;" \
  "working tree ${tree_MiB} MiB; room to carry ${room_MiB} MiB"
rel() { case "$1" in "$root"/*) echo "${1#"$root"/}" ;; *) echo "$1" ;; esac; }
if (( folder_MiB <= room_MiB )); then
  echo "bundle.sh: carry [\"$(rel "$out")\"]; run bench/gpu-check.sh $(rel "$out")"
elif (( archive_MiB <= room_MiB )); then
  echo "bundle.sh: the folder does not fit; carry [\"$(rel "$archive")\"] and run" \
    "BUNDLE_ARCHIVE=$(rel "$archive") bench/gpu-check.sh (it unpacks the archive)"
else
  echo "bundle.sh: even the archive (${archive_MiB} MiB) is over the ${room_MiB} MiB a call can carry" >&2
  exit 1
fi
