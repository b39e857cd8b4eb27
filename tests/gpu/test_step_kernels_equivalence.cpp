// SPDX-License-Identifier: MIT
// Each CUDA step kernel against its CPU reference on the same inputs (DESIGN §7: "each kernel against
// the CPU reference on small random grids"): random labels on odd-sized grids (interfaces
// everywhere), an empty compartment, a clamped one, species absent in some compartments, exact
// zeros, every transporter kind, both reaction kinds, region factors, random face weights.
// Agreement to 1e-12 relative (summation order and FMA contraction differ, nothing else).
#include <gtest/gtest.h>

#include "gpu_test_support.hpp"

#if LACTOSIM_HAVE_CUDA
#include "kernels/cuda/device_problem.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;
namespace cpu = lactosim::kernels::cpu;
namespace cuda = lactosim::kernels::cuda;

namespace {
// These models have no secretion mechanics: the membrane kernels read no secretion fields.
const kernels::SecretionFields no_secretion{};
}  // namespace


TEST(CudaStepKernels, ComputeMembraneFluxesIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (Case& k : all_cases()) {
    expect_coverage(k);
    std::vector<double> want(k.flux_size(), -7.0);
    cpu::compute_membrane_fluxes(k.host(), k.host_rates(), k.c.data(), want.data(), no_secretion);

    const cuda::DeviceProblem device_problem(k.problem);
    cuda::DeviceRates device_rates;
    const kernels::RatesView r = device_rates.upload(k.rates);
    const cuda::DeviceArray<double> c(k.c);
    cuda::DeviceArray<double> flux(std::vector<double>(k.flux_size(), -7.0));
    cuda::compute_membrane_fluxes(device_problem.view(), r, c.data(), flux.data(), no_secretion);
    EXPECT_TRUE(arrays_agree(flux.to_host(), want)) << k.name;
  }
}

TEST(CudaStepKernels, DiffuseSpeciesIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (Case& k : all_cases()) {
    // The halo is never written: a poison value there must survive on both executors.
    const std::vector<double> before = random_values(k.state_size(), -900.0, -100.0, k.rng);
    std::vector<double> want = before;
    const double min_want = cpu::diffuse_species(k.host(), k.host_rates(), k.dt, k.c.data(), want.data());

    const cuda::DeviceProblem device_problem(k.problem);
    cuda::DeviceRates device_rates;
    const kernels::RatesView r = device_rates.upload(k.rates);
    const cuda::DeviceArray<double> c(k.c);
    cuda::DeviceArray<double> c_new(before);
    const double min_got = cuda::diffuse_species(device_problem.view(), r, k.dt, c.data(), c_new.data());
    EXPECT_TRUE(arrays_agree(c_new.to_host(), want)) << k.name;
    EXPECT_TRUE(values_agree(min_got, min_want)) << k.name;
  }
}

TEST(CudaStepKernels, ReactIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (Case& k : all_cases()) {
    const std::vector<double> before = random_concentrations(k.problem, k.rng);
    const int ns = k.problem.n_species;
    std::vector<double> want = before, source_want(ns, -7.0);
    const double min_want =
        cpu::react(k.host(), k.host_rates(), k.dt, k.c.data(), want.data(), source_want.data());

    const cuda::DeviceProblem device_problem(k.problem);
    cuda::DeviceRates device_rates;
    const kernels::RatesView r = device_rates.upload(k.rates);
    const cuda::DeviceArray<double> c(k.c);
    cuda::DeviceArray<double> c_new(before);
    std::vector<double> source_got(ns, -7.0);
    const double min_got =
        cuda::react(device_problem.view(), r, k.dt, c.data(), c_new.data(), source_got.data());
    EXPECT_TRUE(arrays_agree(c_new.to_host(), want)) << k.name;
    EXPECT_TRUE(arrays_agree(source_got, source_want)) << k.name;
    EXPECT_TRUE(values_agree(min_got, min_want)) << k.name;
    // Lactose is made in b (the sources are not trivially zero).
    EXPECT_GT(source_want[4], 0.0) << k.name;
  }
}

TEST(CudaStepKernels, ApplyMembraneFluxesIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (Case& k : all_cases()) {
    const std::vector<double> face_flux = random_values(k.flux_size(), -0.5, 0.5, k.rng);
    const std::vector<double> before = random_concentrations(k.problem, k.rng);
    std::vector<double> want = before;
    const double min_want =
        cpu::apply_membrane_fluxes(k.host(), k.dt, face_flux.data(), no_secretion, want.data());

    const cuda::DeviceProblem device_problem(k.problem);
    const cuda::DeviceArray<double> flux(face_flux);
    cuda::DeviceArray<double> c_new(before);
    const double min_got =
        cuda::apply_membrane_fluxes(device_problem.view(), k.dt, flux.data(), no_secretion, c_new.data());
    EXPECT_TRUE(arrays_agree(c_new.to_host(), want)) << k.name;
    EXPECT_TRUE(values_agree(min_got, min_want)) << k.name;
  }
}

TEST(CudaStepKernels, MembraneTotalsAreEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (Case& k : all_cases()) {
    const std::vector<double> face_flux = random_values(k.flux_size(), -0.5, 0.5, k.rng);
    const int ns = k.problem.n_species, nm = k.problem.n_membranes;
    std::vector<double> inflow_want(ns, -7.0), transfer_want(std::size_t(nm) * ns, -7.0);
    cpu::membrane_totals(k.host(), k.dt, face_flux.data(), no_secretion, inflow_want.data(),
                         transfer_want.data(), nullptr);

    const cuda::DeviceProblem device_problem(k.problem);
    const cuda::DeviceArray<double> flux(face_flux);
    std::vector<double> inflow_got(ns, -7.0), transfer_got(std::size_t(nm) * ns, -7.0);
    cuda::membrane_totals(device_problem.view(), k.dt, flux.data(), no_secretion, inflow_got.data(),
                          transfer_got.data(), nullptr);
    // Sums of random signs cancel: compare against the scale of the summed terms, not the result.
    EXPECT_TRUE(arrays_agree(inflow_got, inflow_want, 1e-12, 1e-12)) << k.name;
    EXPECT_TRUE(arrays_agree(transfer_got, transfer_want, 1e-12, 1e-12)) << k.name;
    for (int s = 0; s < ns; ++s) EXPECT_EQ(transfer_got[4 * ns + s], 0.0) << "empty membrane, " << k.name;
  }
}

TEST(CudaStepKernels, AmountsByCompartmentAreEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (Case& k : all_cases()) {
    const std::size_t n = std::size_t(k.problem.n_compartments) * k.problem.n_species;
    std::vector<double> want(n, -7.0);
    cpu::amounts_by_compartment(k.host(), k.c.data(), want.data());

    const cuda::DeviceProblem device_problem(k.problem);
    const cuda::DeviceArray<double> c(k.c);
    std::vector<double> got(n, -7.0);
    cuda::amounts_by_compartment(device_problem.view(), c.data(), got.data());
    EXPECT_TRUE(arrays_agree(got, want)) << k.name;
    for (int s = 0; s < k.problem.n_species; ++s)
      EXPECT_EQ(got[3 * k.problem.n_species + s], 0.0) << "empty compartment d, " << k.name;
  }
}

// A problem with no faces, no gather list and no reactions: the kernels must cope with empty
// tables and report "nothing written" (DBL_MAX) and zero totals, as the CPU does.
TEST(CudaStepKernels, EmptyTablesGiveTheCpuAnswers) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  Model m = random_test_model(1.0);
  m.transporters.clear();
  m.reactions.clear();
  m.membranes.clear();
  mesh::LabelGrid g = random_grid({7, 5, 3}, 5);
  for (auto& l : g.label) l = 1;  // compartment a only
  const kernels::Problem p = assemble_problem(m, g, {});
  const kernels::StepRates rates = rates_at(m, p, 0.0);
  const std::vector<double> u = kernels::ghk_arguments(p);
  std::mt19937 rng(3);
  const std::vector<double> c0 = random_concentrations(p, rng);
  const int ns = p.n_species;

  const cuda::DeviceProblem device_problem(p);
  cuda::DeviceRates device_rates;
  const kernels::RatesView r = device_rates.upload(rates);
  cuda::DeviceArray<double> c(c0), c_new(c0), flux;
  std::vector<double> source(ns, -7.0), source_want(ns, -7.0), inflow(ns, -7.0), inflow_want(ns, -7.0);
  std::vector<double> cpu_new = c0;
  EXPECT_EQ(cuda::react(device_problem.view(), r, 1e-5, c.data(), c_new.data(), source.data()),
            cpu::react(host_view(p, u), host_rates_view(rates), 1e-5, c0.data(), cpu_new.data(),
                       source_want.data()));
  EXPECT_EQ(source, source_want);
  EXPECT_EQ(cuda::apply_membrane_fluxes(device_problem.view(), 1e-5, flux.data(), no_secretion, c_new.data()),
            cpu::apply_membrane_fluxes(host_view(p, u), 1e-5, nullptr, no_secretion, cpu_new.data()));
  cuda::compute_membrane_fluxes(device_problem.view(), r, c.data(), flux.data(), no_secretion);
  cuda::membrane_totals(device_problem.view(), 1e-5, flux.data(), no_secretion, inflow.data(), nullptr,
                        nullptr);
  cpu::membrane_totals(host_view(p, u), 1e-5, nullptr, no_secretion, inflow_want.data(), nullptr, nullptr);
  // No node pairs and no gather list: nothing to compute, nothing written.
  cuda::pair_currents(device_problem.view(), r, c.data(), no_secretion, nullptr, nullptr);
  cuda::lumen_water_source(device_problem.view(), nullptr, 1.0, nullptr);
  EXPECT_EQ(inflow, inflow_want);
  EXPECT_TRUE(arrays_agree(c_new.to_host(), cpu_new));
}

// No floating-point atomics, fixed reduction trees: the same inputs give the same bits.
TEST(CudaStepKernels, SumsAndMinimaAreBitwiseReproducible) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  Case k = make_case({37, 9, 4}, 99);
  const cuda::DeviceProblem device_problem(k.problem);
  cuda::DeviceRates device_rates;
  const kernels::RatesView r = device_rates.upload(k.rates);
  const cuda::DeviceArray<double> c(k.c);
  const int ns = k.problem.n_species, nm = k.problem.n_membranes;
  auto run_once = [&]() {
    std::vector<double> out;
    cuda::DeviceArray<double> flux(std::vector<double>(k.flux_size(), 0.0));
    cuda::DeviceArray<double> c_new(k.c);
    cuda::compute_membrane_fluxes(device_problem.view(), r, c.data(), flux.data(), no_secretion);
    out.push_back(cuda::diffuse_species(device_problem.view(), r, k.dt, c.data(), c_new.data()));
    std::vector<double> source(ns), inflow(ns), transfer(std::size_t(nm) * ns),
        amounts(std::size_t(k.problem.n_compartments) * ns);
    out.push_back(cuda::react(device_problem.view(), r, k.dt, c.data(), c_new.data(), source.data()));
    out.push_back(
        cuda::apply_membrane_fluxes(device_problem.view(), k.dt, flux.data(), no_secretion, c_new.data()));
    cuda::membrane_totals(device_problem.view(), k.dt, flux.data(), no_secretion, inflow.data(),
                          transfer.data(), nullptr);
    cuda::amounts_by_compartment(device_problem.view(), c_new.data(), amounts.data());
    for (const auto* v : {&source, &inflow, &transfer, &amounts}) out.insert(out.end(), v->begin(), v->end());
    const std::vector<double> state = c_new.to_host();
    out.insert(out.end(), state.begin(), state.end());
    return out;
  };
  const std::vector<double> first = run_once();
  for (int rep = 0; rep < 3; ++rep) EXPECT_TRUE(bitwise_equal(run_once(), first)) << "repetition " << rep;
}

#else

TEST(CudaStepKernels, NeedACudaBuild) {
  if (lactosim::gpu_testing::gpu_required()) FAIL() << "LACTOSIM_REQUIRE_GPU=1 but this build has no CUDA";
  GTEST_SKIP() << "no CUDA device: this lactosim was built without CUDA";
}

#endif
