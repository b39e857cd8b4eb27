#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lactosim against a peer solver on BioFVM's benchmark problem, side by side: runs alternate on the
# same machine in the same minutes, and the result is the median of the pair ratios (peer wall per
# simulated day / lactosim's), with their range. A ratio measured from two sessions, days or loads
# apart, is not a result on a shared machine (bench/RESULTS.md, 2026-12-04).
#
# Sample runs:
#   bench/peer-compare.sh --bench build/bench/lactosim_bench --peer './biofvm_peer' --pairs 9 --threads 2
#   bench/peer-compare.sh --bench build/bench/lactosim_bench --peer bench/peer-standin.sh --max-error 4e-3
#   bench/peer-compare.sh --bench build/bench/lactosim_bench --peer './biofvm_peer' --variant mixed --dt 6 --max-error 8.4e-3
#
# THE PROBLEM (both sides solve exactly this; N = --size, default 200, BioFVM's):
#   N³ voxels of dx = 10 µm (the box [0, 10N µm]³), 8 species (substrates), each with
#   D = 1e5 µm²/min (1666.67 µm²/s) and first-order decay λ = 0.1 /min (1/600 s⁻¹), zero-flux walls,
#   no sources, c₀ = 1 + cos(k x) at the voxel centres x = (i + ½)·dx, k = π/L, L = N·dx.
#   The exact solution is c = e^{−λt} (1 + e^{−Dk²t} cos kx).
#   ERROR = max over the 8 species of |A/A_exact − 1| at t = T (--time-s, default 300 s = 5 min),
#   where A = Σ c·cos(kx) / Σ cos²(kx) over all voxel centres (the projection onto the mode;
#   Σ cos(kx) = 0 on this grid, so the mean does not leak in) and A_exact = e^{−(Dk² + λ)T}.
#   BioFVM's LOD at its default 0.6 s step (0.01 min) has, by its scheme, 2.04e-3 at N = 200, T = 300 s.
#
# THE PEER COMMAND (--peer 'CMD', run by bash) gets, in its environment,
#   PEER_SIZE=N  PEER_TIME_S=T  PEER_THREADS=t  OMP_NUM_THREADS=t  PEER_VARIANT=base|mixed|sources
#   (below), and for sources PEER_REFERENCE=<file>
# and must print, on one line of its standard output (other lines are ignored):
#   PEER_RESULT error=<ERROR above, at T> wall_s=<s> simulated_s=<s>
# wall_s: wall-clock seconds of time stepping only (no setup, no output, no error evaluation);
# simulated_s: the simulated seconds those steps covered. Wall per simulated day is
# wall_s / simulated_s × 86400. The peer may time a few steps on the N³ grid and take the error from
# a separate run to T (as lactosim_bench does: its error from an N × 4 × 4 column, which has the same
# solution since the mode is uniform in y and z), or run the N³ grid to T and report both.
# Optional: dt_s=<its step>, for the log. Exit status non-zero = the pair is dropped and reported.
#
# A BIOFVM DRIVER for this (BioFVM is not packaged; nothing of it is shipped here). Sources:
# github.com/MathCancer/BioFVM holds BioFVM 1.0.4 (its Makefile's VERSION and every file's banner; 44
# files, no pugixml.cpp); the 1.1.7 release zip is on the BioFVM project's site. The LOD solver used
# here (diffusion_decay_solver__constant_coefficients_LOD_3D) has the 2.04e-3 stated above in both
# (1.0.4 run here on 2026-12-06; 1.1.7 by issue #20's author).
#   Build its objects with its own Makefile's flags (CFLAGS: -march=<your CPU, or native> -O3
#   -fomit-frame-pointer -mfpmath=both -fopenmp -m64 -std=c++11): BioFVM_vector, _matlab,
#   _utilities, _mesh, _microenvironment, _solvers, _basic_agent, _agent_container (.cpp → .o), and
#   put them in a static archive (ar rcs libBioFVM.a *.o). BioFVM_microenvironment.h includes
#   BioFVM_MultiCellDS.h, which includes "pugixml.hpp": the header must be found (Debian:
#   apt-get install libpugixml-dev) even though the driver needs neither BioFVM_MultiCellDS.o nor
#   pugixml.o (the archive pulls in only what is referenced; link -lpugixml if you add them).
# Then write one driver file, compiled with the same flags and linked with libBioFVM.a, that:
#   1. reads PEER_SIZE, PEER_TIME_S, PEER_THREADS (and PEER_VARIANT, below); omp_set_num_threads;
#   2. Microenvironment m; m.set_density(0, "s0", "dimensionless"); m.add_density("s<i>", ...) for
#      i = 1..7; m.diffusion_coefficients[i] = 1e5 (µm²/min); m.decay_rates[i] = 0.1 (1/min);
#      m.resize_space_uniform(0, 10N, 0, 10N, 0, 10N, 10.0);
#      m.diffusion_decay_solver = diffusion_decay_solver__constant_coefficients_LOD_3D;
#      (the first Microenvironment constructed becomes BioFVM's default, the one agents attach to;
#      a driver that builds two -- a column and the grid -- calls set_default_microenvironment(&m),
#      defined in BioFVM_microenvironment.cpp but declared in no 1.0.4 header: declare it yourself);
#   3. sets m.density_vector(v)[i] = 1 + cos(k·m.voxels(v).center[0]) for every voxel v and species i
#      (k = π/(10N) per µm; BioFVM's voxel centres are (i + ½)·dx from the box's lower corner);
#   4. times, with omp_get_wtime, m.simulate_diffusion_decay(0.01) (minutes: 0.6 s; BioFVM's time
#      unit is the minute): either round(T/0.6) steps on the N³ grid, or (faster, and what the
#      driver measured here does) PEER_STEPS steps (e.g. 10, after one untimed: the solver's set-up
#      runs in its first call) with wall_s = the median step × PEER_STEPS, simulated_s = 0.6 ×
#      PEER_STEPS, and the error from an N × 4 × 4 column run to T with the same calls;
#   5. computes ERROR as above from m.density_vector(v)[i] and prints
#      PEER_RESULT error=<e> wall_s=<stepping wall> simulated_s=<s> dt_s=0.6
#   At N = 200: the set-up takes 9-15 s and each step 0.4-3 s on 2 loaded cores; peak memory 6.5 GB
#   (1.0.4, measured) to 9.3 GB (1.1.7, issue #20): BioFVM stores each voxel's densities, centre,
#   neighbour list and gradients as std::vectors. The column check at N = 200, T = 300 s must give
#   2.0403e-03.
#
# VARIANTS (--variant base|mixed|sources): PEER_VARIANT in the peer's environment, --peer-variant for
# lactosim_bench. mixed = the eight species get eight different pairs, in this order:
#   D = 1e5, 5e4, 2e4, 1e4, 5e3, 2e3, 1e3, 1e5 µm²/min; λ = 0.1, 0.01, 0.5, 0.05, 0.2, 0.02, 1, 0.001 /min
# (set m.diffusion_coefficients[i], m.decay_rates[i] so), each species' error against its own
# exp(−(D_i k² + λ_i)T), ERROR the worst. lactosim_bench prints BioFVM's scheme error for the variant
# ("BioFVM's scheme at its 0.6 s step"); choose --dt so that lactosim's error is at most that. At
# N = 200, T = 300 s: BioFVM 8.39e-3 (the λ = 1 /min species; its driver measures the same), lactosim's
# extrapolated step 7.30e-3 at dt = 6 s (1.86e-2 at 10 s): --variant mixed --dt 6 --max-error 8.4e-3.
# sources = the base problem plus agents (BioFVM: Basic_Agents, one per voxel of the y-z planes
# i = N/4 and 3N/4, each of its voxel's volume) whose state switches every 0.6 s: over interval q
# (t in [0.6q, 0.6q + 0.6) s) plane 0 secretes every species (secretion rate 10 /min toward the
# saturation density 2) when q is even and takes it up (uptake rate 5 /min) when q is odd, plane 1
# the opposite; each step the peer sets those rates, calls set_internal_uptake_constants(0.01),
# simulate_diffusion_decay(0.01), then simulate_cell_sources_and_sinks(<its agents>, 0.01), all
# timed. lactosim_bench applies the same update, c <- (c + dt S T)/(1 + dt (S + U)), to the same
# voxels after each 0.6 s of steps, through the whole state (lactosim has no per-voxel source
# input), timed too; its step must divide 0.6 s. No closed form: ERROR = max over species of
# ||c - ref||_2 / ||ref||_2 over the N x 4 x 4 column (the planes keep the solution uniform in y and
# z), ref = lactosim's column with 20 extrapolated steps per interval, written by the lactosim run
# (pair 1 runs it first) to $log/reference.txt ("i species value" lines of the x line) and read by
# the peer from PEER_REFERENCE; lactosim's "amplitude error" line carries that error in this variant.
# In a BioFVM 1.0.4 driver: set m.agent_container = new Agent_Container (the constructor leaves it
# unset and assign_position calls it), give each agent volume = m.mesh.dV and assign_position(the
# voxel's centre), and pass the driver's own agent list to simulate_cell_sources_and_sinks (the global
# all_basic_agents also holds the column's agents). At N = 200, T = 300 s: BioFVM 1.43e-3, lactosim's
# first-order 0.6 s step 1.42e-3, its extrapolated 0.6 s step 2.67e-4: --variant sources --dt 0.6.
#
# LACTOSIM'S SIDE: `lactosim_bench --case peer --peer-size N --peer-time-s T --threads t` with only
# the requested step (--dt, --order): its median step on the N³ grid (2 warm-up steps, 5 timed; the
# state copies and the extrapolation of the order-2 step included) × 86400/dt, and its column error
# at T. bench/README.md describes the case. Both sides' peak resident memory is recorded when
# /usr/bin/time exists.
#
# Pairs alternate which side runs first. Checks: each side printed its error, it is ≤ --max-error,
# and lactosim's is ≤ the peer's (equal or better accuracy, the comparison's premise); a failed check
# is printed and makes the exit status 1, but the ratios still print.
set -euo pipefail

usage() {
  sed -n '/^# Sample runs/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --bench PATH       lactosim_bench (default: $LACTOSIM_BENCH, else build-cpu/bench/lactosim_bench)
  --peer 'CMD'       the peer command (required), run by bash -c
  --pairs P          alternated pairs (default 5)
  --threads t        OpenMP threads for both sides (default 2)
  --size N           grid N³ (default 200); both errors then refer to that N
  --time-s T         simulated seconds at which both errors are taken (default 300)
  --dt S             lactosim's step in s (default 15)
  --order 1|2|3|4    lactosim's step: 1 = LOD backward Euler, 2 = LOD extrapolated (default 2, as `lactosim run`),
                     3 or 4 = the extrapolated implicit Euler of that order (`lactosim run --run.time_order=K`)
  --max-error E      the accuracy both must reach (default 2.1e-3: BioFVM's 2.04e-3 at N = 200, T = 300 s)
  --variant V        base (BioFVM's problem, default), mixed (8 different D and λ) or sources
                     (agents switched every 0.6 s; above)
  --bench-args 'A'   more lactosim_bench options (e.g. '--peer-steps 9')
  --log DIR          keep every run's output there (default: a temporary folder, kept)
EOF
}

bench=${LACTOSIM_BENCH:-build-cpu/bench/lactosim_bench}
peer="" pairs=5 threads=2 size=200 time_s=300 dt=15 order=2 max_error=2.1e-3 bench_args="" log="" variant=base
while [ $# -gt 0 ]; do
  case "$1" in
    --bench) bench=$2; shift 2 ;;
    --peer) peer=$2; shift 2 ;;
    --pairs) pairs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --time-s) time_s=$2; shift 2 ;;
    --dt) dt=$2; shift 2 ;;
    --order) order=$2; shift 2 ;;
    --max-error) max_error=$2; shift 2 ;;
    --variant) variant=$2; shift 2 ;;
    --bench-args) bench_args=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "peer-compare.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$peer" ] || { echo "peer-compare.sh: --peer 'CMD' is required (see --help)" >&2; exit 2; }
case "$variant" in base|mixed|sources) ;; *) echo "peer-compare.sh: --variant base|mixed|sources" >&2; exit 2 ;; esac
[ -x "$bench" ] || { echo "peer-compare.sh: no lactosim_bench at '$bench' (--bench PATH)" >&2; exit 2; }
dt=$(awk -v d="$dt" 'BEGIN { printf "%g", d }')  # as lactosim_bench prints it (%g), for the parsing below
case "$order" in
  1) steps_opts="--peer-implicit-dt $dt --peer-extrapolated-dt none"; label="implicit LOD dt = $dt s" ;;
  2) steps_opts="--peer-implicit-dt none --peer-extrapolated-dt $dt"; label="LOD extrapolated dt = $dt s" ;;
  3|4) steps_opts="--peer-implicit-dt none --peer-extrapolated-dt $dt --peer-time-order $order"
       label="LOD extrapolated order $order dt = $dt s" ;;
  *) echo "peer-compare.sh: --order 1|2|3|4" >&2; exit 2 ;;
esac
if [ -z "$log" ]; then log=$(mktemp -d "${TMPDIR:-/tmp}/peer-compare.XXXXXX"); fi
mkdir -p "$log"
timer=()
if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f "MAXRSS_KB %M"); fi

# One side, its output in $log/<name>.out, its peak memory (if measured) in $log/<name>.rss.
run_side() {  # name command...
  local name=$1; shift
  if [ ${#timer[@]} -gt 0 ]; then
    "${timer[@]}" -o "$log/$name.rss" "$@" > "$log/$name.out" 2>&1
  else
    "$@" > "$log/$name.out" 2>&1
  fi
}

# lactosim_bench's peer lines (bench/lactosim_bench.cpp, run_peer):
#   "   LOD extrapolated dt = 15 s, 200³×8: median step 1.3970 s (3 solves) ..."
#   "   LOD extrapolated dt = 15 s: amplitude error 1.94e-03 after 300 s (column; ..."
lactosim_figures() {  # file → "step_s error"
  awk -v label="$label" '
    index($0, "   " label ", ") == 1 && match($0, /median step [0-9.eE+-]+/) { step = substr($0, RSTART + 12, RLENGTH - 12) }
    index($0, "   " label ": amplitude error ") == 1 { split(substr($0, length("   " label ": amplitude error ") + 1), w, " "); err = w[1] }
    END { if (step == "" || err == "") exit 1; print step, err }' "$1"
}
peer_figures() {  # file → "wall_s simulated_s error"
  awk '/^PEER_RESULT / {
         for (i = 2; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
         line = 1 }
       END { if (!line || v["wall_s"] == "" || v["simulated_s"] == "" || v["error"] == "") exit 1
             print v["wall_s"], v["simulated_s"], v["error"] }' "$1"
}
rss_MiB() { [ -f "$1" ] && awk '/^MAXRSS_KB/ { printf "%.0f", $2 / 1024 }' "$1" || echo "-"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "peer-compare: $(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "  lactosim: $bench ($label, threads $threads; commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "  peer:     $peer"
case "$variant" in
  base) coefficients="D = 1e5 µm²/min, λ = 0.1 /min" ;;
  mixed) coefficients="variant mixed: 8 different D and λ" ;;
  sources) coefficients="D = 1e5 µm²/min, λ = 0.1 /min + agents switched every 0.6 s (errors against a reference)" ;;
esac
echo "  problem:  ${size}³ × 8, dx = 10 µm, $coefficients, c0 = 1 + cos(πx/L); errors at T = $time_s s, bound $max_error"
echo "  logs:     $log"
printf '%-5s %-8s %-14s %-11s %-11s %-14s %-11s %-9s %-9s %-9s %s\n' pair first "load" "lac h/day" "lac error" "peer h/day" "peer error" ratio "lac MiB" "peer MiB" checks

# shellcheck disable=SC2206  # $steps_opts and $bench_args are lists of words on purpose
variant_args=()  # only when asked, so that lactosim_bench binaries without --peer-variant still run the base problem
[ "$variant" = base ] || variant_args=(--peer-variant "$variant")
[ "$variant" = sources ] && variant_args+=(--peer-reference-out "$log/reference.txt")
lac_cmd=("$bench" --case peer --peer-size "$size" --peer-time-s "$time_s" --peer-explicit off "${variant_args[@]}"
         $steps_opts --threads "$threads" $bench_args)
run_lac() { run_side "lactosim.$1" "${lac_cmd[@]}"; }
run_peer() {
  PEER_SIZE=$size PEER_TIME_S=$time_s PEER_THREADS=$threads OMP_NUM_THREADS=$threads PEER_VARIANT=$variant \
    PEER_REFERENCE=$log/reference.txt \
    run_side "peer.$1" bash -c "$peer"
}

results="$log/pairs.txt"; : > "$results"
failed=0
for p in $(seq 1 "$pairs"); do
  load_before=$(load)
  if [ $((p % 2)) -eq 1 ]; then first=lactosim; run_lac "$p" || true; run_peer "$p" || peer_rc=$?
  else first=peer; run_peer "$p" || peer_rc=$?; run_lac "$p" || true; fi
  if ! lac=$(lactosim_figures "$log/lactosim.$p.out"); then
    echo "$p: lactosim_bench printed no '$label' figures (see $log/lactosim.$p.out)"; failed=1; unset peer_rc; continue
  fi
  if [ -n "${peer_rc:-}" ] || ! pf=$(peer_figures "$log/peer.$p.out"); then
    echo "$p: the peer failed (status ${peer_rc:-0}) or printed no PEER_RESULT line (see $log/peer.$p.out)"
    failed=1; unset peer_rc; continue
  fi
  read -r lac_step lac_err <<< "$lac"
  read -r peer_wall peer_sim peer_err <<< "$pf"
  row=$(awk -v ls="$lac_step" -v dt="$dt" -v le="$lac_err" -v pw="$peer_wall" -v ps="$peer_sim" -v pe="$peer_err" \
            -v bound="$max_error" 'BEGIN {
      lh = 86400 / dt * ls / 3600; ph = pw / ps * 86400 / 3600
      c = ""
      if (le + 0 > bound + 0) c = c "lactosim>bound "
      if (pe + 0 > bound + 0) c = c "peer>bound "
      if (le + 0 > pe + 0) c = c "lactosim-less-accurate "
      printf "%.4g %.4g %.4g %s", lh, ph, ph / lh, (c == "" ? "ok" : c) }')
  read -r lac_h peer_h ratio checks <<< "$row"
  [ "$checks" = ok ] || failed=1
  echo "$p $lac_h $peer_h $ratio $lac_err $peer_err $(rss_MiB "$log/lactosim.$p.rss") $(rss_MiB "$log/peer.$p.rss")" >> "$results"
  printf '%-5s %-8s %-14s %-11s %-11s %-14s %-11s %-9s %-9s %-9s %s\n' "$p" "$first" "${load_before// /,}" "$lac_h" "$lac_err" \
    "$peer_h" "$peer_err" "$ratio" "$(rss_MiB "$log/lactosim.$p.rss")" "$(rss_MiB "$log/peer.$p.rss")" "$checks"
done

# Medians (middle value, or the mean of the two middle values) and ranges over the pairs.
summary() {  # column-number name unit
  sort -g -k"$1","$1" "$results" | awk -v c="$1" -v name="$2" -v unit="$3" '
    { v[NR] = $c } END {
      if (NR == 0) exit
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "  %-32s median %.4g%s (range %.4g–%.4g, %d pairs)\n", name, m, unit, v[1], v[NR], NR }'
}
echo "summary (threads $threads, ${size}³ × 8, T = $time_s s; load now $(load)):"
summary 4 "pair ratio peer/lactosim" "×"
summary 2 "lactosim wall per simulated day" " h"
summary 3 "peer wall per simulated day" " h"
summary 5 "lactosim error at T" ""
summary 6 "peer error at T" ""
if [ -n "${timer[*]}" ]; then summary 7 "lactosim peak memory" " MiB"; summary 8 "peer peak memory" " MiB"; fi
[ "$failed" -eq 0 ] || echo "peer-compare: some pairs failed a check or did not run (above)"
exit "$failed"
