#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A STAND-IN PEER for bench/peer-compare.sh — NOT BioFVM. It exercises the harness's plumbing (the
# environment it passes, the PEER_RESULT line it parses, the error checks) without BioFVM's sources:
# it runs lactosim_bench itself at the first-order LOD step of 0.6 s (BioFVM's default step, but
# lactosim's scheme: its error is 3.03e-3 at N = 200, T = 300 s, not BioFVM's 2.04e-3). Ratios measured
# against it compare lactosim's two integrators, nothing else.
#
#   bench/peer-compare.sh --bench build-cpu/bench/lactosim_bench --peer bench/peer-standin.sh --max-error 4e-3
#
# Reads PEER_SIZE, PEER_TIME_S, PEER_THREADS, PEER_VARIANT (peer-compare.sh sets them) and
# LACTOSIM_BENCH (default build-cpu/bench/lactosim_bench); prints its wall as the median step over the
# 0.6 s it covers.
set -euo pipefail
bench=${LACTOSIM_BENCH:-build-cpu/bench/lactosim_bench}
out=$("$bench" --case peer --peer-size "${PEER_SIZE:-200}" --peer-time-s "${PEER_TIME_S:-300}" \
        --peer-explicit off --peer-implicit-dt 0.6 --peer-extrapolated-dt none --threads "${PEER_THREADS:-2}" \
        --peer-variant "${PEER_VARIANT:-base}" \
        --copy-MiB 16)  # the copy case runs first in every lactosim_bench call; kept small here
echo "$out" | awk '
  index($0, "   implicit LOD dt = 0.6 s, ") == 1 && match($0, /median step [0-9.eE+-]+/) { step = substr($0, RSTART + 12, RLENGTH - 12) }
  index($0, "   implicit LOD dt = 0.6 s: amplitude error ") == 1 { split($0, w, "amplitude error "); split(w[2], e, " "); err = e[1] }
  END { if (step == "" || err == "") { print "peer-standin.sh: no figures from lactosim_bench" > "/dev/stderr"; exit 1 }
        printf "PEER_RESULT error=%s wall_s=%s simulated_s=0.6 dt_s=0.6 (stand-in: lactosim first-order LOD, not BioFVM)\n", err, step }'
