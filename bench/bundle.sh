#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds lactosim for Hopper only (sm_90: a fat binary for several architectures could push the
# bundle past what a device call can carry, BUILD-NOTES) and bundles the CLI, the test binaries and
# the benchmark — with every non-system library they need (VTK, Boost, GoogleTest is static) — into
# one folder that runs on the lent GPU machine, which has no VTK/Boost/MPI. bench/gpu-check.sh runs it.
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
max_MiB=48  # a device call carries 64 MiB with everything else: keep a margin

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

size_MiB=$(( $(du -sk "$out" | cut -f1) / 1024 ))
echo "bundle.sh: $out holds ${binaries[*]} (${size_MiB} MiB)"
if (( size_MiB > max_MiB )); then
  echo "bundle.sh: the bundle is ${size_MiB} MiB, over the ${max_MiB} MiB budget" >&2
  exit 1
fi
"$out/lactosim" info || { echo "bundle.sh: bundle/lactosim info failed" >&2; exit 1; }
