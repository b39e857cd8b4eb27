// SPDX-License-Identifier: MIT
#pragma once
#include <memory>
#include <string>

#include "kernels/backend.hpp"

namespace lactosim {

struct BackendChoice {
  std::unique_ptr<kernels::Backend> backend;
  std::string note;  // why auto chose what it chose (empty when nothing to say)
};

// "cpu": the OpenMP executor. "cuda": the CUDA executor, or an error saying why it cannot run (no
// CUDA in this build, no usable device). "auto": CUDA whenever this build has it and a device is
// usable — for every integrator (explicit, implicit) and every model feature, both executors run them
// all; otherwise the CPU, with a note saying why. `integrator` no longer changes the choice.
BackendChoice choose_backend(const std::string& requested, int threads, const std::string& integrator);

}  // namespace lactosim
