#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Has a change made lactosim slower? Alternates a reference build and a new one, PAIRS times (the order
# swapped every other pair, so a drift in the machine's load hits both alike), on two cases:
#   peer     lactosim_bench --case peer: the median LOD step (extrapolated, dt = 15 s) on PEER_SIZE³ × 8
#            (default 200: BioFVM's problem; ~2.8 GB)
#   default  lactosim run of the embedded default (the README's first command), its stepping wall time
#            from run.json
# and prints each side's median, the median of the pair ratios (new / ref) and their range. These
# machines are shared and noisy: read the ratio, not the absolute times.
#
#   bench/speed-vs.sh REF_BUILD NEW_BUILD        e.g.  ../base/build build
#   PAIRS=5 THREADS=2 PEER_SIZE=200 bench/speed-vs.sh ...
set -euo pipefail
ref="${1:?usage: speed-vs.sh REF_BUILD NEW_BUILD}"
new="${2:?usage: speed-vs.sh REF_BUILD NEW_BUILD}"
pairs="${PAIRS:-3}"
threads="${THREADS:-2}"
peer_size="${PEER_SIZE:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

peer_step() {  # BUILD → median step seconds
  local out  # the whole output first: an early-exiting grep would SIGPIPE the benchmark
  out=$("$1/bench/lactosim_bench" --case peer --peer-size "$peer_size" --peer-steps 5 --peer-explicit off \
    --peer-implicit-dt none --peer-extrapolated-dt 15 --peer-time-s 15 --threads "$threads" 2>&1)
  grep 'median step' <<<"$out" | head -n 1 | sed -E 's/.*median step ([0-9.e+-]+) s.*/\1/'
}
default_wall() {  # BUILD → stepping wall seconds of the embedded default
  "$1/lactosim" run --threads "$threads" --quiet -o "$work/out" --overwrite >/dev/null
  grep -o '"stepping": *[0-9.e+-]*' "$work/out/run.json" | head -n 1 | sed 's/.*: *//'
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for case_name in peer default; do
  fn=peer_step; [[ $case_name == default ]] && fn=default_wall
  refs=() news=() ratios=()
  for ((k = 0; k < pairs; ++k)); do
    if ((k % 2 == 0)); then r=$($fn "$ref"); n=$($fn "$new"); else n=$($fn "$new"); r=$($fn "$ref"); fi
    refs+=("$r") news+=("$n") ratios+=("$(awk -v a="$n" -v b="$r" 'BEGIN {printf "%.3f", a / b}')")
    echo "speed-vs: $case_name pair $((k + 1)): ref $r s, new $n s, new/ref ${ratios[-1]}" >&2
  done
  lo=$(printf '%s\n' "${ratios[@]}" | sort -g | head -n 1); hi=$(printf '%s\n' "${ratios[@]}" | sort -g | tail -n 1)
  printf 'speed-vs: %-8s ref median %8.4g s   new median %8.4g s   new/ref median %s (range %s–%s, %d pairs, %d threads)\n' \
    "$case_name" "$(median "${refs[@]}")" "$(median "${news[@]}")" "$(median "${ratios[@]}")" "$lo" "$hi" "$pairs" "$threads"
done
