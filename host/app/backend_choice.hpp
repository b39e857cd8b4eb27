// SPDX-License-Identifier: MIT
#pragma once
#include <memory>
#include <string>

#include "host/step/stepper.hpp"

namespace lactosim {

struct BackendChoice {
  std::unique_ptr<step::Stepper> backend;
  std::string note;  // why auto chose what it chose (empty when nothing to say)
};

// "cpu": the OpenMP executor. "cuda": the CUDA executor on GPU `device`, or an error saying why it
// cannot run (no CUDA in this build, no usable device, no such device). "auto": CUDA whenever this
// build has it and the device is usable — both executors run every integrator and model feature —
// otherwise the CPU, with a note saying why. `integrator` does not change the choice (the callers
// name it; tests/gpu/test_backend_choice.cpp shows that).
BackendChoice choose_backend(const std::string& requested, int threads, const std::string& integrator,
                             int device = 0);

}  // namespace lactosim
