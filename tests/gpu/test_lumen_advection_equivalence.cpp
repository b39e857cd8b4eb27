// SPDX-License-Identifier: MIT
// Advection of the lumen species on CUDA (kernels/cuda/lumen_advection.cu) against the CPU reference
// (kernels/cpu/lumen_advection.cpp) on the random lumen geometries of lumen_flow_cases.hpp, with the
// face velocities of the CPU's pressure solve for the case's sources (so ∇·u = q, inflow and outflow
// at the outlets, sources of both signs): sub-step count and rate, the state (an odd and an even
// number of sub-steps: the result ends in c or comes back from the work buffer), the outflow per
// species, and poison where nothing may be written. Explicit arithmetic only (no solve): 1e-12.
#include <gtest/gtest.h>

#include "gpu_test_support.hpp"
#include "lumen_flow_cases.hpp"

#if LACTOSIM_HAVE_CUDA
#include "kernels/cuda/device_problem.hpp"
#include "kernels/lumen_advection.hpp"
#include "kernels/lumen_flow.hpp"
#include "host/step/lumen_pressure.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;
namespace cpu = lactosim::kernels::cpu;
namespace cuda = lactosim::kernels::cuda;

namespace {

constexpr int n_species = 4;
const std::vector<std::uint8_t> advected = {1, 0, 1, 1};  // species 1 stays put (not in the lumen)
// What the outflow totals hold before the call (they are added to); of the order of what one call
// drains here (~3e-16 mol), so that a lost or doubled addition shows.
constexpr double previous_outflow = 1e-16;

struct AdvectionCase {
  const FlowCase* flow;
  std::vector<double> u, c;  // face velocities of the case's pressure solve; state with poison
};

AdvectionCase make_advection_case(const FlowCase& fc, unsigned seed) {
  AdvectionCase a{&fc, {}, {}};
  std::vector<double> p = fc.p0;
  a.u.assign(std::size_t(3) * fc.nv(), 0.0);
  step::solve_lumen_flow(*kernels::make_cpu_executor(0), fc.view(), fc.q.data(), p.data(), a.u.data(), 1e-12, 20000);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> value(0.0, 10.0);
  a.c.assign(std::size_t(n_species) * fc.nv(), 0.0);
  for (int s = 0; s < n_species; ++s)
    for (long v = 0; v < fc.nv(); ++v)
      a.c[s * fc.nv() + v] = fc.lumen[v] && advected[s] ? (rng() % 7 == 0 ? 0.0 : value(rng)) : -5.0 - s;
  return a;
}

kernels::LumenAdvectionView host_view_of(const AdvectionCase& a) {
  const FlowCase& fc = *a.flow;
  return {fc.block, n_species, fc.lumen.data(), fc.outlet.data(), a.u.data(), fc.q.data(), advected.data()};
}

struct Advected {
  kernels::AdvectionReport report;
  std::vector<double> c, outflow;
};

Advected advect_cpu(const AdvectionCase& a, double dt, double courant) {
  Advected out;
  out.c = a.c;
  out.outflow.assign(n_species, previous_outflow);  // added to, not overwritten
  std::vector<double> work(a.c.size(), -9.0);
  out.report = cpu::advect_lumen(host_view_of(a), dt, courant, out.c.data(), work.data(), out.outflow.data());
  return out;
}

Advected advect_cuda(const AdvectionCase& a, double dt, double courant) {
  const FlowCase& fc = *a.flow;
  const cuda::DeviceArray<std::uint8_t> lumen(fc.lumen), outlet(fc.outlet), adv(advected);
  const cuda::DeviceArray<double> u(a.u), q(fc.q);
  cuda::DeviceArray<double> c(a.c), work(std::vector<double>(a.c.size(), -9.0));
  const kernels::LumenAdvectionView view{fc.block, n_species, lumen.data(), outlet.data(), u.data(), q.data(),
                                         adv.data()};
  Advected out;
  out.outflow.assign(n_species, previous_outflow);
  out.report = cuda::advect_lumen(view, dt, courant, c.data(), work.data(), out.outflow.data());
  out.c = c.to_host();
  return out;
}

}  // namespace

TEST(CudaLumenAdvection, AdvectLumenIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  unsigned seed = 7;
  for (const FlowCase& fc : flow_cases()) {
    const AdvectionCase a = make_advection_case(fc, seed++);
    // The rate sets the sub-step count: aim for 6 and 7 sub-steps at courant 0.9 (even and odd).
    const double rate = advect_cpu(a, 0.0, 0.9).report.max_outflow_rate_per_s;
    ASSERT_GT(rate, 0.0) << fc.name;
    for (const double substeps : {5.5, 6.5}) {
      const double dt = substeps * 0.9 / rate;
      const Advected want = advect_cpu(a, dt, 0.9);
      const Advected got = advect_cuda(a, dt, 0.9);
      const std::string what = fc.name + ", " + std::to_string(want.report.substeps) + " sub-steps";
      EXPECT_EQ(got.report.substeps, want.report.substeps) << what;
      EXPECT_TRUE(values_agree(got.report.max_outflow_rate_per_s, want.report.max_outflow_rate_per_s))
          << what;
      EXPECT_TRUE(values_agree(got.report.min_value, want.report.min_value)) << what;
      EXPECT_TRUE(arrays_agree(got.c, want.c)) << what;  // poison included: it must survive
      EXPECT_TRUE(arrays_agree(got.outflow, want.outflow, 1e-12, 1e-12)) << what;
      EXPECT_GE(want.report.min_value, 0.0) << what;
      EXPECT_EQ(want.outflow[1], previous_outflow) << what;  // not advected: nothing drained
      EXPECT_GT(want.outflow[0], 2.0 * previous_outflow) << what;
    }
  }
}

// A lumen without flow (u = 0, q = 0) keeps its state: one sub-step, nothing drained.
TEST(CudaLumenAdvection, StillLumenGivesTheCpuAnswer) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  AdvectionCase a = make_advection_case(flow_cases()[1], 3);
  std::fill(a.u.begin(), a.u.end(), 0.0);
  FlowCase still = *a.flow;
  for (double& x : still.q) x = 0.0;
  a.flow = &still;
  const Advected want = advect_cpu(a, 2.0, 0.9);
  const Advected got = advect_cuda(a, 2.0, 0.9);
  EXPECT_EQ(got.report.substeps, 1);
  EXPECT_EQ(want.report.substeps, 1);
  EXPECT_TRUE(bitwise_equal(got.c, want.c));
  EXPECT_TRUE(bitwise_equal(got.outflow, want.outflow));
}

TEST(CudaLumenAdvection, AdvectionIsBitwiseReproducible) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const AdvectionCase a = make_advection_case(flow_cases()[3], 11);
  const double dt = 7.7 * 0.9 / advect_cpu(a, 0.0, 0.9).report.max_outflow_rate_per_s;
  const Advected first = advect_cuda(a, dt, 0.9);
  for (int rep = 0; rep < 3; ++rep) {
    const Advected again = advect_cuda(a, dt, 0.9);
    EXPECT_TRUE(bitwise_equal(again.c, first.c));
    EXPECT_TRUE(bitwise_equal(again.outflow, first.outflow));
  }
}

// The CPU's argument checks, word for word.
TEST(CudaLumenAdvection, RejectsACourantNumberAboveOne) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  const AdvectionCase a = make_advection_case(flow_cases()[1], 3);
  EXPECT_THROW(advect_cuda(a, 1.0, 1.5), std::invalid_argument);
  EXPECT_THROW(advect_cuda(a, -1.0, 0.9), std::invalid_argument);
}

#endif  // LACTOSIM_HAVE_CUDA (without it, test_step_kernels_equivalence.cpp's NeedACudaBuild skips)
