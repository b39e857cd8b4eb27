// SPDX-License-Identifier: MIT
#pragma once
#include <memory>
#include <string>

#include "kernels/backend.hpp"

namespace lactosim {

// "cpu": the OpenMP executor. "cuda": the CUDA executor, or an error saying why it cannot run.
// "auto": CUDA when this build has it and a device is usable, else the CPU.
std::unique_ptr<kernels::Backend> choose_backend(const std::string& requested, int threads);

}  // namespace lactosim
