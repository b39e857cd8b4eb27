#!/bin/bash
# A Slurm job that runs one lactosim simulation cut over MPI ranks (docs/parallel.md), across as many
# wall-time limits as it needs. Submit once:   sbatch bench/slurm-mpi.sh model.ini scenario.ini
# One rank per task, OMP threads per rank from --cpus-per-task. 120 s before the limit Slurm sends
# SIGUSR1 to this shell; it is passed to mpirun, which passes it to every rank; the ranks agree on the
# stop, rank 0 writes the checkpoint (the whole grid, gathered) and every rank exits 138; the job then
# resubmits itself and the next one continues from the checkpoint — on whatever rank count it gets.
# The split integrator: bdf's AMG preconditioner is not decomposed yet (docs/parallel.md "Not yet").
#SBATCH --job-name=lactosim-mpi
#SBATCH --time=04:00:00
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=4
#SBATCH --signal=B:USR1@120
#SBATCH --output=lactosim-mpi-%j.log
set -u
OUT=${LACTOSIM_OUT:-run-$SLURM_JOB_NAME}
LACTOSIM=${LACTOSIM:-./build/lactosim}
export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK

if [ -f "$OUT/lactosim.checkpoint" ]; then
  args=(run --restart "$OUT")
else
  args=(run "$@" --run.integrator=implicit --out "$OUT")
fi
# --bind-to none: each rank's OpenMP threads spread over its task's cores.
mpirun -n "$SLURM_NTASKS" --bind-to none "$LACTOSIM" "${args[@]}" &
pid=$!
trap 'kill -USR1 $pid' USR1
wait $pid
status=$?
if [ $status -gt 128 ] && kill -0 $pid 2>/dev/null; then  # wait returned for the trap: the ranks are checkpointing
  wait $pid
  status=$?
fi
if [ $status -eq 138 ] || [ $status -eq 143 ]; then  # stopped by SIGUSR1/SIGTERM with a checkpoint
  sbatch "$0" "$@"
fi
exit $status
