// SPDX-License-Identifier: MIT
#include "mpi_support.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

#if LACTOSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace lactosim::step {

int launched_ranks() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    if (const char* value = std::getenv(name)) {
      const int n = std::atoi(value);
      if (n >= 1) return n;
    }
  }
  return 1;
}

#if LACTOSIM_HAVE_MPI
bool mpi_compiled_in() { return true; }

void ensure_mpi() {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised) return;
  int provided = 0;
  const int wanted = launched_ranks() > 1 ? MPI_THREAD_FUNNELED : MPI_THREAD_MULTIPLE;
  if (MPI_Init_thread(nullptr, nullptr, wanted, &provided) != MPI_SUCCESS)
    throw std::runtime_error("MPI_Init failed");
  std::atexit([] {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised) MPI_Finalize();
  });
}

bool mpi_thread_multiple() {
  int initialised = 0, provided = MPI_THREAD_SINGLE;
  MPI_Initialized(&initialised);
  if (initialised) MPI_Query_thread(&provided);
  return provided >= MPI_THREAD_MULTIPLE;
}

int world_rank() {
  int initialised = 0, rank = 0;
  MPI_Initialized(&initialised);
  if (initialised) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int initialised = 0, size = 1;
  MPI_Initialized(&initialised);
  if (initialised) MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}
void barrier() {
  if (world_size() > 1) MPI_Barrier(MPI_COMM_WORLD);
}

void abort_all(int exit_code) {
  if (world_size() > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
}
#else
bool mpi_compiled_in() { return false; }
void barrier() {}
void abort_all(int) {}
bool mpi_thread_multiple() { return false; }
void ensure_mpi() {
  throw std::runtime_error("this lactosim was built without MPI (apt-get install libopenmpi-dev, then rebuild)");
}
int world_rank() { return 0; }
int world_size() { return 1; }
#endif

}  // namespace lactosim::step
