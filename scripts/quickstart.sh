#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what lactosim needs, builds it, and runs the embedded default (one alveolus, ~1 minute
# on 2 cores) into lactosim-out/ — open lactosim-out/lactosim.pvd in ParaView.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build=${LACTOSIM_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)" --target lactosim
"$build/lactosim" run --out lactosim-out --overwrite
echo "Open lactosim-out/lactosim.pvd in ParaView; plot with: python3 visualization/plot_timeseries.py lactosim-out"
