#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# OpenMP threads on a busy machine: times `lactosim run` (the embedded default, --run.end_time_s=0.5)
# with --threads 1 and 2 while a bounded background load runs, in three settings, alternating:
#   before   LACTOSIM_OMP_REEXEC=1: the binary keeps the OpenMP runtime's default wait policy (what
#            lactosim did up to 7aa2004, whose setenv in main came after libgomp had read it); with
#            --before PATH, that binary instead (e.g. one built from 7aa2004), nothing set
#   default  nothing set: lactosim sets OMP_WAIT_POLICY=passive and re-executes itself (host/main.cpp)
#   passive  OMP_WAIT_POLICY=passive in the environment (the user's setting; no re-exec)
# Medians and ranges of the wall times are printed per setting and thread count.
#
# The load: --load busy loops (default 6), each a shell `while :` under `timeout`, so they stop by
# themselves after --load-max-s seconds even if this script is killed; they are also stopped at its
# end. CPU only: no I/O, no network.
#
#   bench/threads-under-load.sh --lactosim build-cpu/lactosim --repeats 3
#   bench/threads-under-load.sh --lactosim build-cpu/lactosim --load 0     # the same on the idle machine
set -euo pipefail

lactosim=build-cpu/lactosim before_bin="" load=6 repeats=3 end_time_s=0.5 load_max_s=900 threads_list="1 2"
settings="before default passive"
while [ $# -gt 0 ]; do
  case "$1" in
    --lactosim) lactosim=$2; shift 2 ;;
    --before) before_bin=$2; shift 2 ;;
    --load) load=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --end-time-s) end_time_s=$2; shift 2 ;;
    --load-max-s) load_max_s=$2; shift 2 ;;
    --threads) threads_list=$2; shift 2 ;;
    --settings) settings=$2; shift 2 ;;
    -h|--help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      echo "Options: --lactosim PATH --before PATH --load N --repeats R --end-time-s T --load-max-s S --threads '1 2' --settings 'before default passive'"
      exit 0 ;;
    *) echo "threads-under-load.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$lactosim" ] || { echo "threads-under-load.sh: no lactosim at '$lactosim' (--lactosim PATH)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/threads-under-load.XXXXXX")
loaders=()
stop_load() {
  for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop_load EXIT
for _ in $(seq 1 "$load"); do
  timeout "$load_max_s" bash -c 'while :; do :; done' &
  loaders+=($!)
done
sleep 2  # let the load average start to climb

# One timed run; prints the wall seconds, or "fail".
one_run() {  # setting threads
  local env_args=(env -u OMP_WAIT_POLICY -u LACTOSIM_OMP_REEXEC) bin=$lactosim
  case "$1" in
    before) if [ -n "$before_bin" ]; then bin=$before_bin; else env_args+=(LACTOSIM_OMP_REEXEC=1); fi ;;
    default) ;;
    passive) env_args+=(OMP_WAIT_POLICY=passive) ;;
  esac
  local t0 t1
  t0=$(date +%s.%N)
  if "${env_args[@]}" "$bin" run --run.end_time_s="$end_time_s" --out "$work/out" --overwrite --quiet \
       --threads "$2" > "$work/log" 2>&1; then
    t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
  else
    echo fail
  fi
}

echo "threads-under-load: $(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs; $load busy loops; $lactosim run --run.end_time_s=$end_time_s${before_bin:+ (before: $before_bin)}"
: > "$work/times"
for r in $(seq 1 "$repeats"); do
  # Alternate the order from one repeat to the next so that drift in the load falls on all settings.
  order=""
  for s in $settings; do for t in $threads_list; do order="$order $s:$t"; done; done
  # shellcheck disable=SC2086  # unquoted: one word per line, the leading blank dropped
  [ $((r % 2)) -eq 0 ] && order=$(echo $order | tr ' ' '\n' | tac | tr '\n' ' ')
  line="repeat $r (load $(cut -d' ' -f1 /proc/loadavg)):"
  for st in $order; do
    s=${st%:*} t=${st#*:}
    w=$(one_run "$s" "$t")
    echo "$s $t $w" >> "$work/times"
    line="$line $s/$t ${w}s"
  done
  echo "$line"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %-8s %-10s %-16s %s\n' setting threads "median s" "range s" runs
for s in $settings; do
  for t in $threads_list; do
    awk -v s="$s" -v t="$t" '$1 == s && $2 == t && $3 != "fail" { print $3 }' "$work/times" | sort -g | awk -v s="$s" -v t="$t" '
      { v[NR] = $1 } END {
        if (NR == 0) { printf "%-9s %-8s %s\n", s, t, "no successful run"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%-9s %-8s %-10.2f %-16s %d\n", s, t, m, sprintf("%.2f–%.2f", v[1], v[NR]), NR }'
  done
done
if grep -q fail "$work/times"; then echo "some runs failed"; exit 1; fi
