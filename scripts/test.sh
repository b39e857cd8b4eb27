#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds lactosim and runs the default test suite: the README's test command is
#   bash scripts/install-deps.sh && bash scripts/test.sh
# Slow cases carry the CTest label `slow` and are left out (run them with: ctest -L slow); the
# real-ParaView test has its own label `paraview` (scripts/install-paraview.sh, then ctest -L paraview).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${LACTOSIM_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" -LE "slow|paraview"
