#!/bin/bash
# A Slurm job that runs one lactosim simulation across as many wall-time limits as it needs
# (docs/restart.md). Submit once:   sbatch bench/slurm-restart.sh model.ini scenario.ini
# Each job continues the run from its checkpoint; 120 s before the limit Slurm sends SIGUSR1, lactosim
# writes a checkpoint and stops (exit 138), and the job resubmits itself. A completed run (exit 0) or
# a real error (exit 1, 2) ends the chain.
#SBATCH --job-name=lactosim
#SBATCH --time=04:00:00
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --signal=B:USR1@120
#SBATCH --output=lactosim-%j.log
set -u
OUT=${LACTOSIM_OUT:-run-$SLURM_JOB_NAME}
LACTOSIM=${LACTOSIM:-./build/lactosim}

if [ -f "$OUT/lactosim.checkpoint" ]; then
  args=(run --restart "$OUT" --threads "$SLURM_CPUS_PER_TASK")
else
  args=(run "$@" --out "$OUT" --threads "$SLURM_CPUS_PER_TASK")
fi
# The signal goes to this batch shell (B:); pass it on to lactosim and wait for its checkpoint.
"$LACTOSIM" "${args[@]}" &
pid=$!
trap 'kill -USR1 $pid' USR1
wait $pid
status=$?
if [ $status -gt 128 ] && kill -0 $pid 2>/dev/null; then  # wait returned for the trap: lactosim is still writing
  wait $pid
  status=$?
fi
if [ $status -eq 138 ] || [ $status -eq 143 ]; then  # stopped by SIGUSR1/SIGTERM with a checkpoint
  sbatch "$0" "$@"
fi
exit $status
