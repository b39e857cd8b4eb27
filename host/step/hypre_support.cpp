// SPDX-License-Identifier: MIT
// hypre's shared set-up (hypre_support.hpp).
#if LACTOSIM_HAVE_HYPRE
#include "hypre_support.hpp"
#include "mpi_support.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace lactosim::step {

void ensure_hypre_mpi() {
  // MPI first (mpi_support.hpp: at exit it finalises after hypre, whose atexit runs first).
  ensure_mpi();
  static const bool started = [] {
    HYPRE_Init();
    std::atexit([] {
      int finalised = 0;
      MPI_Finalized(&finalised);
      if (!finalised) HYPRE_Finalize();
    });
    return true;
  }();
  (void)started;
}

void hypre_check(HYPRE_Int code, const char* who, const char* what) {
  if (code != 0) {
    char text[256] = {0};
    HYPRE_DescribeError(code, text);
    HYPRE_ClearAllErrors();
    throw std::runtime_error(std::string(who) + ": hypre " + what + " failed: " + text);
  }
}

void hypre_create_vector(HYPRE_BigInt last, HYPRE_IJVector& ij, HYPRE_ParVector& par, const char* who) {
  hypre_create_vector(MPI_COMM_SELF, 0, last, ij, par, who);
}

void hypre_create_vector(MPI_Comm comm, HYPRE_BigInt first, HYPRE_BigInt last, HYPRE_IJVector& ij,
                         HYPRE_ParVector& par, const char* who) {
  hypre_check(HYPRE_IJVectorCreate(comm, first, last, &ij), who, "IJVectorCreate");
  hypre_check(HYPRE_IJVectorSetObjectType(ij, HYPRE_PARCSR), who, "IJVectorSetObjectType");
  hypre_check(HYPRE_IJVectorInitialize(ij), who, "IJVectorInitialize");
  hypre_check(HYPRE_IJVectorAssemble(ij), who, "IJVectorAssemble");
  hypre_check(HYPRE_IJVectorGetObject(ij, reinterpret_cast<void**>(&par)), who, "IJVectorGetObject");
}

void hypre_create_one_v_cycle(HYPRE_Solver& amg, const char* who) {
  hypre_check(HYPRE_BoomerAMGCreate(&amg), who, "BoomerAMGCreate");
  HYPRE_BoomerAMGSetPrintLevel(amg, 0);
  HYPRE_BoomerAMGSetCoarsenType(amg, 10);  // HMIS
  HYPRE_BoomerAMGSetInterpType(amg, 6);    // extended+i
  HYPRE_BoomerAMGSetRelaxType(amg, 6);     // symmetric hybrid Gauss–Seidel
  HYPRE_BoomerAMGSetNumSweeps(amg, 1);
  HYPRE_BoomerAMGSetStrongThreshold(amg, 0.25);
  HYPRE_BoomerAMGSetTol(amg, 0.0);
  HYPRE_BoomerAMGSetMaxIter(amg, 1);
}

}  // namespace lactosim::step
#endif
