#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real-client test (CTest label `paraview`): a short `lactosim run`, then real ParaView opens its
# lactosim.pvd with visualization/render_snapshot.py under xvfb-run, prints every array with its range
# and renders a PNG; the output must list the run's arrays with sane ranges and the PNG must show
# a picture (many colours, not only background).
#   tests/paraview/paraview_client_test.sh LACTOSIM_BINARY SOURCE_DIR [MPIEXEC [FORMAT]]
# FORMAT: vti (default) or vtkhdf — the run writes one .hdf per snapshot (collectively on its ranks),
# ParaView opens their lactosim.hdf.series, and the arrays are point arrays at the voxel centres.
# pvbatch: $LACTOSIM_PVBATCH, else pvbatch on PATH, else /opt/lactosim-paraview/bin/pvbatch
# (scripts/install-paraview.sh). Exit 77 (CTest: skipped) when pvbatch or xvfb-run is missing,
# unless LACTOSIM_PARAVIEW_REQUIRED=1 (CI after installing ParaView), which makes it a failure.
set -uo pipefail
lactosim=$1
source_dir=$2
skip() {
  if [[ "${LACTOSIM_PARAVIEW_REQUIRED:-0}" == 1 ]]; then
    echo "FAILED: $1 (LACTOSIM_PARAVIEW_REQUIRED=1)"
    exit 1
  fi
  echo "SKIPPED: $1"
  exit 77
}
fail() { echo "FAILED: $*"; exit 1; }

pvbatch=${LACTOSIM_PVBATCH:-$(command -v pvbatch || true)}
[[ -n "$pvbatch" ]] || pvbatch=/opt/lactosim-paraview/bin/pvbatch
[[ -x "$pvbatch" ]] || skip "pvbatch not found (install ParaView with scripts/install-paraview.sh, or set LACTOSIM_PVBATCH)"
command -v xvfb-run >/dev/null || skip "xvfb-run not found (apt-get install xvfb xauth)"
python=$(command -v -p python3)
echo "pvbatch: $pvbatch"

work=$(mktemp -d "${TMPDIR:-/tmp}/lactosim_paraview.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. A tiny run of the embedded default: 40^3 voxels, 3 snapshots (t = 0, 0.01, 0.02 s). With an
#    mpiexec (third argument) the run is cut over 2 ranks (the split integrator: bdf's AMG preconditioner is not decomposed
#    yet), so its snapshots are .pvti files indexing one .vti piece per rank.
mpiexec=${3:-}
format=${4:-vti}
kind=cell  # where the voxels' values are: cell arrays in a .vti/.pvti, point arrays in an .hdf
[[ "$format" == vtkhdf ]] && kind=point
if [[ -n "$mpiexec" ]]; then
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 "$mpiexec" -n 2 --oversubscribe \
    "$lactosim" run --run.integrator=implicit --run.end_time_s=0.02 --run.output_interval_s=0.01 --quiet \
    --output.format="$format" --out "$work/out" >"$work/run.log" 2>&1 ||
    { cat "$work/run.log"; fail "mpiexec -n 2 lactosim run failed"; }
  if [[ "$format" == vtkhdf ]]; then
    grep -q '"lactosim_000002.hdf"' "$work/out/lactosim.hdf.series" || fail "the series does not list the .hdf snapshots"
    [[ ! -e "$work/out/lactosim_000002_r0001.vti" ]] || fail "a vtkhdf run wrote .vti pieces"
  else
    grep -q 'lactosim_000002.pvti' "$work/out/lactosim.pvd" || fail "the .pvd does not list the .pvti snapshots"
  fi
else
  "$lactosim" run --run.end_time_s=0.02 --run.output_interval_s=0.01 --quiet --out "$work/out" \
    >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "lactosim run failed"; }
fi

# 2. Real ParaView: open, list arrays and ranges, render. -noreset: otherwise Xvfb resets when
#    pvbatch's first connection closes and the render window fails now and then ("bad X server
#    connection"); one retry for anything else a loaded machine may throw at a display server.
render() {
  xvfb-run -a -s "-screen 0 1024x768x24 -noreset" "$pvbatch" "$source_dir/visualization/render_snapshot.py" \
    "$work/out" --array K_mM -o "$work/snapshot.png" >"$work/pvbatch.log" 2>&1
}
render || { echo "pvbatch failed once (exit $?); retrying"; sleep 2; render; } || {
  cat "$work/pvbatch.log"
  fail "pvbatch could not open and render $work/out/lactosim.pvd"
}
grep -v '^\s*$' "$work/pvbatch.log" | grep -v '^\s*[0-9]\+ \+0x'  # arrays and ranges, for the log

# 3. What ParaView saw: the last of 3 time steps, every array, sane ranges.
grep -q "time step 3 of 3" "$work/pvbatch.log" || fail "ParaView did not see the run's 3 time steps"
for array in label Na_mM K_mM Cl_mM glucose_mM; do
  grep -q "^  $kind $array (1 comp.): \[" "$work/pvbatch.log" || fail "ParaView lists no $kind array $array"
done
grep -q "^  $kind label (1 comp.): \[0, 4\]" "$work/pvbatch.log" || fail "label range is not [0, 4]"
k_max=$(sed -n "s/^  $kind K_mM (1 comp.): \[[^,]*, \([^]]*\)\].*/\1/p" "$work/pvbatch.log")
"$python" -c "import sys; sys.exit(0 if 100 < float('$k_max') < 200 else 1)" ||
  fail "K_mM maximum is $k_max, expected the cytosolic ~129 mM"
grep -qi "nan\|inf\b" <(grep "^  $kind" "$work/pvbatch.log") && fail "a range holds a non-finite value"

# 4. The PNG: present, a picture and not an empty frame.
[[ -s "$work/snapshot.png" ]] || fail "no PNG written"
"$python" - "$work/snapshot.png" <<'PY' || fail "the PNG is blank or trivial"
import sys
import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy
reader = vtk.vtkPNGReader()
reader.SetFileName(sys.argv[1])
reader.Update()
image = reader.GetOutput()
width, height, _ = image.GetDimensions()
pixels = vtk_to_numpy(image.GetPointData().GetScalars())[:, :3]
colours = len(np.unique(pixels, axis=0))
covered = float(np.mean(np.any(pixels < 250, axis=1)))  # not the white background
print(f"PNG {width} x {height}: {colours} colours, {covered:.0%} of pixels not background")
sys.exit(0 if width >= 400 and height >= 300 and colours >= 50 and covered > 0.15 else 1)
PY
echo "PASSED: ParaView opened the run, listed its arrays and rendered a PNG"
