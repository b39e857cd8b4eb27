// SPDX-License-Identifier: MIT
// The step kernels' secretion mechanics on CUDA against the CPU reference (docs/secretion.md): the
// membrane pass with secretory pathways, water and node potentials; their application to the voxels
// and their totals; the node-pair currents of the potential solve; the lumen's water source. Inputs as
// in test_step_kernels_equivalence.cpp (random labels on odd grids, every transporter kind) with the
// secretion mechanics set straight on the Problem (gpu_test_support.hpp add_secretion_mechanics).
// Agreement to 1e-12 relative; sums of mixed sign against 1e-12 of their largest term.
#include <gtest/gtest.h>

#include <stdexcept>

#include "gpu_test_support.hpp"

#if LACTOSIM_HAVE_CUDA
#include "kernels/cuda/device_problem.hpp"

using namespace lactosim;
using namespace lactosim::gpu_testing;
namespace cpu = lactosim::kernels::cpu;
namespace cuda = lactosim::kernels::cuda;

namespace {

// The per-face secretion arrays on one executor: host vectors for the CPU, device copies for CUDA.
struct HostSecretion {
  std::vector<double> psi, pressure, taken, delivered, water;
  kernels::SecretionFields fields() {
    kernels::SecretionFields f;
    f.node_potential_V = psi.data();
    f.pressure_Pa = pressure.empty() ? nullptr : pressure.data();
    f.face_taken = taken.data();
    f.face_delivered = delivered.data();
    f.face_water = water.data();
    return f;
  }
};

struct DeviceSecretion {
  cuda::DeviceArray<double> psi, pressure, taken, delivered, water;
  explicit DeviceSecretion(const HostSecretion& h)
      : psi(h.psi), pressure(h.pressure), taken(h.taken), delivered(h.delivered), water(h.water) {}
  kernels::SecretionFields fields() {
    kernels::SecretionFields f;
    f.node_potential_V = psi.data();
    f.pressure_Pa = pressure.size() == 0 ? nullptr : pressure.data();
    f.face_taken = taken.data();
    f.face_delivered = delivered.data();
    f.face_water = water.data();
    return f;
  }
};

// A Case with the secretion mechanics, and its per-face arrays poisoned (every entry must be written).
struct SecretionCase {
  Case k;
  HostSecretion sec;
};

SecretionCase make_secretion_case(const Shape& shape, unsigned seed) {
  SecretionCase s{make_case(shape, seed), {}};
  add_secretion_mechanics(s.k);
  s.sec.psi = test_node_potentials();
  s.sec.pressure = random_pressure(s.k.problem, s.k.rng);
  s.sec.taken.assign(s.k.flux_size(), -7.0);
  s.sec.delivered.assign(s.k.flux_size(), -7.0);
  s.sec.water.assign(std::size_t(s.k.problem.faces.size()), -7.0);
  return s;
}

std::vector<SecretionCase> all_secretion_cases() {
  std::vector<SecretionCase> cases;
  unsigned seed = 41;
  for (const Shape& shape : odd_shapes())
    for (int rep = 0; rep < 2; ++rep) cases.push_back(make_secretion_case(shape, seed++));
  return cases;
}

// The instance exercises what the suite claims: pairs with faces, each pathway's membrane has faces,
// lumen voxels on the gather list.
void expect_secretion_coverage(const SecretionCase& s) {
  const kernels::Problem& p = s.k.problem;
  ASSERT_GT(p.electrical.n_pairs(), 0) << s.k.name;
  std::vector<int> faces_of(p.n_membranes, 0);
  for (long f = 0; f < p.faces.size(); ++f) ++faces_of[p.faces.membrane[f]];
  for (int m : {membranes::apical, membranes::endo, membranes::baso}) EXPECT_GT(faces_of[m], 0) << s.k.name;
  long lumen_gather = 0;
  for (long i = 0; i < p.gather.size(); ++i) lumen_gather += p.lumen[p.gather.voxel[i]];
  EXPECT_GT(lumen_gather, 0) << s.k.name;
}

}  // namespace

TEST(CudaSecretionKernels, ComputeMembraneFluxesWithSecretionAndWaterIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (SecretionCase& s : all_secretion_cases()) {
    expect_secretion_coverage(s);
    Case& k = s.k;
    const cuda::DeviceProblem device_problem(k.problem);
    cuda::DeviceRates device_rates;
    const kernels::RatesView r = device_rates.upload(k.rates);
    const cuda::DeviceArray<double> c(k.c);
    // With the lumen pressure, and without (pressure_Pa null: 0 everywhere).
    for (bool with_pressure : {true, false}) {
      HostSecretion want = s.sec;
      if (!with_pressure) want.pressure.clear();
      DeviceSecretion got(want);
      std::vector<double> flux_want(k.flux_size(), -7.0);
      cpu::compute_membrane_fluxes(k.host(), k.host_rates(), k.c.data(), flux_want.data(), want.fields());
      cuda::DeviceArray<double> flux(std::vector<double>(k.flux_size(), -7.0));
      cuda::compute_membrane_fluxes(device_problem.view(), r, c.data(), flux.data(), got.fields());
      const std::string what = k.name + (with_pressure ? ", with pressure" : ", no pressure");
      EXPECT_TRUE(arrays_agree(flux.to_host(), flux_want)) << what;
      EXPECT_TRUE(arrays_agree(got.taken.to_host(), want.taken)) << what;
      EXPECT_TRUE(arrays_agree(got.delivered.to_host(), want.delivered)) << what;
      EXPECT_TRUE(arrays_agree(got.water.to_host(), want.water)) << what;
      // Lactose is delivered, glucose taken, water moves (the pathways are not trivially zero).
      double lactose = 0.0, glucose = 0.0, water = 0.0;
      for (long f = 0; f < k.problem.faces.size(); ++f) {
        lactose += want.delivered[f * k.problem.n_species + species::lac];
        glucose += want.taken[f * k.problem.n_species + species::glc];
        water += std::abs(want.water[f]);
      }
      EXPECT_GT(lactose, 0.0) << what;
      EXPECT_GT(glucose, 0.0) << what;
      EXPECT_GT(water, 0.0) << what;
    }
  }
}

TEST(CudaSecretionKernels, ApplyMembraneFluxesWithSecretionIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (SecretionCase& s : all_secretion_cases()) {
    Case& k = s.k;
    const std::vector<double> face_flux = random_values(k.flux_size(), -0.5, 0.5, k.rng);
    s.sec.taken = random_values(k.flux_size(), 0.0, 0.5, k.rng);
    s.sec.delivered = random_values(k.flux_size(), 0.0, 0.5, k.rng);
    const std::vector<double> before = random_concentrations(k.problem, k.rng);
    std::vector<double> want = before;
    const double min_want =
        cpu::apply_membrane_fluxes(k.host(), k.dt, face_flux.data(), s.sec.fields(), want.data());

    const cuda::DeviceProblem device_problem(k.problem);
    DeviceSecretion sec(s.sec);
    const cuda::DeviceArray<double> flux(face_flux);
    cuda::DeviceArray<double> c_new(before);
    const double min_got =
        cuda::apply_membrane_fluxes(device_problem.view(), k.dt, flux.data(), sec.fields(), c_new.data());
    EXPECT_TRUE(arrays_agree(c_new.to_host(), want)) << k.name;
    EXPECT_TRUE(values_agree(min_got, min_want)) << k.name;
  }
}

TEST(CudaSecretionKernels, MembraneTotalsWithSecretionAreEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (SecretionCase& s : all_secretion_cases()) {
    Case& k = s.k;
    const std::vector<double> face_flux = random_values(k.flux_size(), -0.5, 0.5, k.rng);
    s.sec.taken = random_values(k.flux_size(), 0.0, 0.5, k.rng);
    s.sec.delivered = random_values(k.flux_size(), 0.0, 0.5, k.rng);
    const int ns = k.problem.n_species, nm = k.problem.n_membranes;
    std::vector<double> inflow_want(ns, -7.0), transfer_want(std::size_t(nm) * ns, -7.0), made_want(ns, -7.0);
    cpu::membrane_totals(k.host(), k.dt, face_flux.data(), s.sec.fields(), inflow_want.data(),
                         transfer_want.data(), made_want.data());

    const cuda::DeviceProblem device_problem(k.problem);
    DeviceSecretion sec(s.sec);
    const cuda::DeviceArray<double> flux(face_flux);
    std::vector<double> inflow_got(ns, -7.0), transfer_got(std::size_t(nm) * ns, -7.0), made_got(ns, -7.0);
    cuda::membrane_totals(device_problem.view(), k.dt, flux.data(), sec.fields(), inflow_got.data(),
                          transfer_got.data(), made_got.data());
    EXPECT_TRUE(arrays_agree(inflow_got, inflow_want, 1e-12, 1e-12)) << k.name;
    EXPECT_TRUE(arrays_agree(transfer_got, transfer_want, 1e-12, 1e-12)) << k.name;
    EXPECT_TRUE(arrays_agree(made_got, made_want, 1e-12, 1e-12)) << k.name;
    double made_scale = 0.0;
    for (double x : made_want) made_scale = std::max(made_scale, std::abs(x));
    EXPECT_GT(made_scale, 0.0) << k.name;

    // secretion_source_mol may be null: the other totals are unchanged.
    std::vector<double> inflow_again(ns, -7.0), transfer_again(std::size_t(nm) * ns, -7.0);
    cuda::membrane_totals(device_problem.view(), k.dt, flux.data(), sec.fields(), inflow_again.data(),
                          transfer_again.data(), nullptr);
    EXPECT_TRUE(bitwise_equal(inflow_again, inflow_got)) << k.name;
    EXPECT_TRUE(bitwise_equal(transfer_again, transfer_got)) << k.name;
  }
}

TEST(CudaSecretionKernels, PairCurrentsAreEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (SecretionCase& s : all_secretion_cases()) {
    Case& k = s.k;
    const int n_pairs = k.problem.electrical.n_pairs();
    const cuda::DeviceProblem device_problem(k.problem);
    cuda::DeviceRates device_rates;
    const kernels::RatesView r = device_rates.upload(k.rates);
    const cuda::DeviceArray<double> c(k.c);
    // At the test potentials, and at 0 V (GHK's series branch near u = 0).
    for (const std::vector<double>& psi : {test_node_potentials(), std::vector<double>{0.0, 0.0}}) {
      HostSecretion want = s.sec;
      want.psi = psi;
      std::vector<double> I_want(n_pairs, -7.0), slope_want(n_pairs, -7.0);
      cpu::pair_currents(k.host(), k.host_rates(), k.c.data(), want.fields(), I_want.data(),
                         slope_want.data());
      DeviceSecretion got(want);
      std::vector<double> I_got(n_pairs, -7.0), slope_got(n_pairs, -7.0);
      cuda::pair_currents(device_problem.view(), r, c.data(), got.fields(), I_got.data(), slope_got.data());
      const std::string what = k.name + ", psi = " + std::to_string(psi[0]) + ", " + std::to_string(psi[1]);
      EXPECT_TRUE(arrays_agree(I_got, I_want, 1e-12, 1e-12)) << what;
      EXPECT_TRUE(arrays_agree(slope_got, slope_want, 1e-12, 1e-12)) << what;
      double slope_scale = 0.0;
      for (double x : slope_want) slope_scale = std::max(slope_scale, std::abs(x));
      EXPECT_GT(slope_scale, 0.0) << what;  // GHK channels on the pairs' membranes
    }
  }
}

TEST(CudaSecretionKernels, LumenWaterSourceIsEquivalentToCpu) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  for (SecretionCase& s : all_secretion_cases()) {
    Case& k = s.k;
    const std::vector<double> water = random_values(std::size_t(k.problem.faces.size()), -1e-6, 1e-6, k.rng);
    // q everywhere, so that a write off the lumen's gather voxels would show.
    const std::vector<double> q_before = random_values(std::size_t(k.nv()), -3.0, 3.0, k.rng);
    const double weight = 0.37;
    std::vector<double> want = q_before;
    cpu::lumen_water_source(k.host(), water.data(), weight, want.data());

    const cuda::DeviceProblem device_problem(k.problem);
    const cuda::DeviceArray<double> face_water(water);
    cuda::DeviceArray<double> q(q_before);
    cuda::lumen_water_source(device_problem.view(), face_water.data(), weight, q.data());
    EXPECT_TRUE(arrays_agree(q.to_host(), want)) << k.name;
    EXPECT_FALSE(bitwise_equal(want, q_before)) << k.name << ": no lumen voxel gained water";
  }
}

// No floating-point atomics: the secretion pass, its totals and the pair currents repeat bit for bit.
TEST(CudaSecretionKernels, SecretionSumsAreBitwiseReproducible) {
  LACTOSIM_REQUIRE_CUDA_DEVICE();
  SecretionCase s = make_secretion_case({37, 9, 4}, 77);
  Case& k = s.k;
  const int ns = k.problem.n_species, nm = k.problem.n_membranes, n_pairs = k.problem.electrical.n_pairs();
  const cuda::DeviceProblem device_problem(k.problem);
  cuda::DeviceRates device_rates;
  const kernels::RatesView r = device_rates.upload(k.rates);
  const cuda::DeviceArray<double> c(k.c);
  auto run_once = [&]() {
    DeviceSecretion sec(s.sec);
    cuda::DeviceArray<double> flux(std::vector<double>(k.flux_size(), 0.0));
    cuda::DeviceArray<double> c_new(k.c), q(std::vector<double>(std::size_t(k.nv()), 0.0));
    cuda::compute_membrane_fluxes(device_problem.view(), r, c.data(), flux.data(), sec.fields());
    std::vector<double> out = {
        cuda::apply_membrane_fluxes(device_problem.view(), k.dt, flux.data(), sec.fields(), c_new.data())};
    std::vector<double> inflow(ns), transfer(std::size_t(nm) * ns), made(ns), I(n_pairs), slope(n_pairs);
    cuda::membrane_totals(device_problem.view(), k.dt, flux.data(), sec.fields(), inflow.data(),
                          transfer.data(), made.data());
    cuda::pair_currents(device_problem.view(), r, c.data(), sec.fields(), I.data(), slope.data());
    cuda::lumen_water_source(device_problem.view(), sec.water.data(), 1.0, q.data());
    for (const auto* v : {&inflow, &transfer, &made, &I, &slope}) out.insert(out.end(), v->begin(), v->end());
    for (const auto& device : {c_new.to_host(), q.to_host(), sec.water.to_host()})
      out.insert(out.end(), device.begin(), device.end());
    return out;
  };
  const std::vector<double> first = run_once();
  for (int rep = 0; rep < 3; ++rep) EXPECT_TRUE(bitwise_equal(run_once(), first)) << "repetition " << rep;
}

// The CUDA backend's orchestration of these kernels (potential solve, water, pressure, advection) is
// tested through whole runs in test_cuda_secretion_run.cpp.

#endif  // LACTOSIM_HAVE_CUDA (without it, test_step_kernels_equivalence.cpp's NeedACudaBuild skips)
