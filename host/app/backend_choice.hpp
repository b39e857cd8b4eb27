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

// "cpu": the OpenMP executor. "cuda": the CUDA executor, or an error saying why it cannot run
// (including an integrator it does not have yet). "auto": CUDA when this build has it, a device is
// usable and the executor supports the integrator; otherwise the CPU, with a note saying why.
BackendChoice choose_backend(const std::string& requested, int threads, const std::string& integrator);

}  // namespace lactosim
