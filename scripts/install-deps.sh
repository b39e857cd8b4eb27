#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs every Debian package lactosim needs to build, run and test (Debian 12).
# Runs as root or through sudo. The CUDA toolkit is not a Debian main package: where nvcc is absent
# the build configures without CUDA and the CPU backend builds alone.
#   scripts/install-deps.sh            build + run + test
#   scripts/install-deps.sh --render   also Xvfb (for pvbatch snapshots)
set -euo pipefail
packages=(
  build-essential cmake ninja-build git pkg-config
  libvtk9-dev python3-vtk9          # VTK 9.1: writers/readers; python3-vtk9 for the output checks
  libtiff-dev                        # TIFF import: every page's directory checked before VTK reads it
  libboost-program-options-dev       # CLI and INI validation
  libsundials-dev                    # CVODE (BDF, Newton–Krylov): run.integrator = bdf
  libhypre-dev                       # BoomerAMG: flow.pressure_preconditioner = amg (optional at build)
  nlohmann-json3-dev                 # run.json and the output manifest (written and read back)
  googletest libgtest-dev            # unit tests
  libopenmpi-dev openmpi-bin         # scale-out (MPI decomposition)
  libhdf5-openmpi-dev                # parallel HDF5: output.format = vtkhdf (optional at build)
  patchelf                           # ../shared/tools/bundle-binaries (GPU bundles)
  python3-matplotlib python3-numpy   # visualization/plot_timeseries.py, check_output.py
)
if [[ "${1:-}" == "--render" ]]; then packages+=(xvfb xauth); fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q "${packages[@]}"
