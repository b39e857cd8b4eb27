// SPDX-License-Identifier: MIT
// host/app/backend_choice: `auto` takes the GPU whenever one is usable, for every integrator (the CUDA
// executor has the explicit and the implicit step and the secretion mechanics), and falls back to the
// CPU with a note that says why; `cuda` without a device is an error naming the way out. The tests
// that need a device skip without one (fail with LACTOSIM_REQUIRE_GPU=1); the others run everywhere.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "gpu_test_support.hpp"
#include "host/app/backend_choice.hpp"

using namespace lactosim;

namespace {

bool device_present() {
  std::string why;
  return !kernels::cuda_devices(why).empty();
}

}  // namespace

TEST(BackendChoice, CpuIsAlwaysTheCpu) {
  for (const char* integrator : {"explicit", "implicit"}) {
    const BackendChoice c = choose_backend("cpu", 1, integrator);
    ASSERT_TRUE(c.backend);
    EXPECT_EQ(c.backend->name(), "cpu") << integrator;
    EXPECT_TRUE(c.note.empty()) << c.note;
  }
}

TEST(BackendChoice, UnknownBackendIsAnError) {
  try {
    choose_backend("opencl", 1, "explicit");
    FAIL() << "choose_backend accepted 'opencl'";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("auto, cpu, cuda"), std::string::npos) << e.what();
  }
}

// Without a device: auto runs on the CPU and says why; cuda is an error that names --backend cpu.
TEST(BackendChoice, WithoutADeviceAutoFallsBackWithAReason) {
  if (device_present()) GTEST_SKIP() << "a CUDA device is present";
  for (const char* integrator : {"explicit", "implicit"}) {
    const BackendChoice c = choose_backend("auto", 1, integrator);
    ASSERT_TRUE(c.backend);
    EXPECT_EQ(c.backend->name(), "cpu") << integrator;
    EXPECT_NE(c.note.find("no CUDA device"), std::string::npos) << c.note;
    try {
      choose_backend("cuda", 1, integrator);
      FAIL() << "--backend cuda accepted without a device";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("--backend cpu"), std::string::npos) << e.what();
    }
  }
}

// With a device: auto and cuda take it for both integrators, with nothing to explain.
TEST(BackendChoice, AutoTakesTheGpuForEveryIntegrator) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (const char* integrator : {"explicit", "implicit"}) {
    for (const char* requested : {"auto", "cuda"}) {
      const BackendChoice c = choose_backend(requested, 1, integrator);
      ASSERT_TRUE(c.backend);
      EXPECT_EQ(c.backend->name(), "cuda") << requested << ", " << integrator;
      EXPECT_TRUE(c.note.empty()) << requested << ", " << integrator << ": " << c.note;
    }
  }
}
