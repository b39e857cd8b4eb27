// SPDX-License-Identifier: MIT
// The CPU LOD factors (kernels/cpu/implicit_kernels.cpp) are blocked, fused and vectorised across
// lines for speed (issue #20): here they must equal, to the bit, a plain Thomas solve of one line of
// one species at a time — the operations the kernel documents, in its order — on random labelled
// grids with odd sizes, segments everywhere, absent and clamped compartments, a group of species
// sharing an operator larger than one batch and species alone, with and without decay in the solve,
// at 1 and 2 threads, and on a shape deep enough for the z tiles to split a row.
#include <gtest/gtest.h>
#include <omp.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "host/step/line_solves.hpp"
#include "host/step/stepper.hpp"
#include "kernels/host_views.hpp"
#include "kernels/implicit_kernels.hpp"
#include "kernels/physics/step_acceptance.hpp"
#include "kernels/problem.hpp"

using namespace lactosim;

namespace {

constexpr int n_species = 13;
constexpr int n_compartments = 3;  // 0, 1 modelled, 2 clamped; −1 unmodelled

// Species 0–9 share D and decay in every compartment (one operator: a group of ten, more than the
// plane pass takes at once), 10 and 11 have their own, 12 is absent from compartment 1 (D < 0 there).
kernels::Problem random_problem(int nx, int ny, int nz, unsigned seed) {
  std::mt19937 rng(seed);
  kernels::Problem p;
  p.block.nx = nx, p.block.ny = ny, p.block.nz = nz, p.block.h_m = 2e-6;
  p.n_species = n_species, p.n_compartments = n_compartments;
  p.compartment.assign(p.block.padded_voxels(), -1);
  // Runs of equal labels with random breaks, so that lines hold long segments and short ones.
  int label = 0;
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        if (rng() % 5 == 0) label = int(rng() % 4) - 1;
        p.compartment[p.block.index(i, j, k)] = std::int8_t(label);
      }
  p.clamped = {0, 0, 1};
  p.D_m2_per_s.assign(std::size_t(n_species) * n_compartments, 0.0);
  const double D[4][n_compartments] = {{1e-9, 3e-10, 1e-9}, {2e-9, 2e-9, 2e-9}, {5e-11, 7e-10, 1e-9}, {1e-9, -1.0, 1e-9}};
  const int row_of[n_species] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3};
  for (int s = 0; s < n_species; ++s)
    for (int c = 0; c < n_compartments; ++c) p.D_m2_per_s[s * n_compartments + c] = D[row_of[s]][c];
  return p;
}

std::vector<double> random_state(const kernels::Problem& p, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> value(0.0, 150.0);
  const long nv = p.block.padded_voxels();
  std::vector<double> c(std::size_t(p.n_species) * nv);
  for (int s = 0; s < p.n_species; ++s)
    for (long v = 0; v < nv; ++v)
      c[s * nv + v] = p.compartment[v] < 0 ? -123.0 - s : (rng() % 7 == 0 ? 0.0 : value(rng));
  return c;
}

// λ (s⁻¹) per species and compartment, the group 0–9 alike; dt·λ in [0, 2).
std::vector<double> random_decay(double dt, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> value(0.0, 2.0);
  std::vector<double> decay(std::size_t(n_species) * n_compartments);
  for (double& x : decay) x = value(rng) / dt;
  for (int s = 1; s < 10; ++s)
    for (int c = 0; c < n_compartments; ++c) decay[s * n_compartments + c] = decay[c];
  return decay;
}

// One factor by the book: each line of each species on its own.
//   pivot_t = 1 + dt·λ_t − lower_t − upper_t − lower_t·c'_{t−1},  c'_t = upper_t / pivot_t,
//   x_0 = c_0 / pivot_0,  x_t = (c_t − lower_t·x_{t−1}) / pivot_t,  x_t −= c'_t·x_{t+1} (t descending),
// lower/upper = −dt·D/h² to a same-compartment neighbour of an active voxel, else 0. Axis 0 also
// sums dt·λ·x per row (rows in order, × h³); axis 2 returns the smallest active value.
double reference_factor(const kernels::Problem& p, int axis, double dt, const double* decay, std::vector<double>& c,
                        double* decayed_mol) {
  const kernels::Block& b = p.block;
  const long nv = b.padded_voxels(), stride = b.stride(axis);
  const int n[3] = {b.nx, b.ny, b.nz};
  const int a1 = axis == 0 ? 1 : 0, a2 = axis == 2 ? 1 : 2;
  const double dt_inv_h2 = dt / (b.h_m * b.h_m);
  double min_value = DBL_MAX;
  std::vector<double> x(n[axis]), cp(n[axis]);
  for (int s = 0; s < p.n_species; ++s) {
    const double* D = p.D_m2_per_s.data() + s * p.n_compartments;
    std::vector<double> row_sums;
    for (int o2 = 0; o2 < n[a2]; ++o2)
      for (int o1 = 0; o1 < n[a1]; ++o1) {
        int ijk[3];
        ijk[a1] = o1, ijk[a2] = o2, ijk[axis] = 0;
        const long first = b.index(ijk[0], ijk[1], ijk[2]);
        double prev = 0.0, row_sum = 0.0;
        for (int t = 0; t < n[axis]; ++t) {
          const long v = first + t * stride;
          const int ci = p.compartment[v];
          const bool act = ci >= 0 && D[ci] >= 0.0 && !p.clamped[ci];
          const double r = act ? dt_inv_h2 * D[ci] : 0.0;
          const double lower = act && t > 0 && p.compartment[v - stride] == ci ? -r : 0.0;
          const double upper = act && p.compartment[v + stride] == ci ? -r : 0.0;
          const double dd = act && axis == 0 && decay ? dt * decay[s * p.n_compartments + ci] : 0.0;
          const double pivot = 1.0 + dd - lower - upper - lower * prev;
          cp[t] = prev = upper / pivot;
          x[t] = t == 0 ? c[s * nv + v] / pivot : (c[s * nv + v] - lower * x[t - 1]) / pivot;
        }
        for (int t = n[axis] - 2; t >= 0; --t) x[t] -= cp[t] * x[t + 1];
        for (int t = 0; t < n[axis]; ++t) {
          const long v = first + t * stride;
          c[s * nv + v] = x[t];
          const int ci = p.compartment[v];
          const bool act = ci >= 0 && D[ci] >= 0.0 && !p.clamped[ci];
          if (act && axis == 0 && decay) row_sum += dt * decay[s * p.n_compartments + ci] * x[t];
          if (act && axis == 2) min_value = std::min(min_value, physics::value_for_acceptance(x[t]));
        }
        row_sums.push_back(row_sum);  // axis 0: row j + ny·k, in that order
      }
    if (axis == 0) {
      double sum = 0.0;
      for (double q : row_sums) sum += q;
      decayed_mol[s] = b.h_m * b.h_m * b.h_m * sum;
    }
  }
  return min_value;
}

bool bitwise_equal(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * a.size()) == 0;
}

struct Shape {
  int nx, ny, nz;
};

void expect_factors_equal_reference(const Shape& shape, unsigned seed) {
  const kernels::Problem p = random_problem(shape.nx, shape.ny, shape.nz, seed);
  const std::vector<double> membrane_u = kernels::ghk_arguments(p);
  const kernels::ProblemView view = kernels::host_view(p, membrane_u);
  const std::vector<double> start = random_state(p, seed + 1);
  const double limit = p.block.h_m * p.block.h_m / (6.0 * 2e-9);
  for (const double dt : {0.9 * limit, 40.0 * limit, 4000.0 * limit})
    for (const bool with_decay : {false, true}) {
      const std::vector<double> decay_table = random_decay(dt, seed + 2);
      const double* decay = with_decay ? decay_table.data() : nullptr;
      // The reference: x, y, z one after the other.
      std::vector<double> want = start, decayed_want(n_species, 0.0);
      reference_factor(p, 0, dt, decay, want, decayed_want.data());
      std::vector<double> want_xy = want;
      reference_factor(p, 1, dt, decay, want_xy, nullptr);
      std::vector<double> want_xyz = want_xy;
      const double min_want = reference_factor(p, 2, dt, decay, want_xyz, nullptr);
      for (const int threads : {1, 2}) {
        omp_set_num_threads(threads);
        const std::string what = std::to_string(shape.nx) + "x" + std::to_string(shape.ny) + "x" +
                                 std::to_string(shape.nz) + ", dt = " + std::to_string(dt / limit) + " × limit" +
                                 (with_decay ? ", decay" : "") + ", " + std::to_string(threads) + " threads";
        // One factor at a time (Executor::lod_sweep) …
        std::vector<double> got = start, decayed_got(n_species, -7.0);
        EXPECT_EQ(kernels::cpu::lod_sweep(view, 0, dt, decay, got.data(), decayed_got.data()), DBL_MAX) << what;
        EXPECT_TRUE(bitwise_equal(got, want)) << what << ": x";
        EXPECT_TRUE(bitwise_equal(decayed_got, decayed_want)) << what << ": decayed amount";
        EXPECT_EQ(kernels::cpu::lod_sweep(view, 1, dt, decay, got.data(), nullptr), DBL_MAX) << what;
        EXPECT_TRUE(bitwise_equal(got, want_xy)) << what << ": y";
        const double min_got = kernels::cpu::lod_sweep(view, 2, dt, decay, got.data(), nullptr);
        EXPECT_TRUE(bitwise_equal(got, want_xyz)) << what << ": z";
        EXPECT_EQ(min_got, min_want) << what;
        // … and x with y in one pass (lod_sweep_xy, what host/step/line_solves.cpp calls).
        std::vector<double> fused = start, decayed_fused(n_species, -7.0);
        kernels::cpu::lod_sweep_xy(view, dt, decay, fused.data(), decayed_fused.data());
        EXPECT_TRUE(bitwise_equal(fused, want_xy)) << what << ": x and y in one pass";
        EXPECT_TRUE(bitwise_equal(decayed_fused, decayed_want)) << what << ": decayed amount, one pass";
      }
      EXPECT_FALSE(bitwise_equal(want_xyz, start));  // the check has something to see
    }
  omp_set_num_threads(1);
}

}  // namespace

TEST(LodLineSolves, BlockedVectorisedFactorsEqualOneLineAtATimeBitwiseOnOddGrids) {
  unsigned seed = 3;
  for (const Shape& shape : std::vector<Shape>{{13, 7, 9}, {5, 11, 3}, {37, 9, 4}, {1, 6, 5}, {17, 1, 2}})
    expect_factors_equal_reference(shape, seed += 10);
}

TEST(LodLineSolves, BlockedVectorisedFactorsEqualOneLineAtATimeBitwiseWhereZTilesSplitRows) {
  // 520 planes: a z tile (1.5 MiB of factors and one species) holds fewer voxels than a row (99).
  expect_factors_equal_reference({99, 3, 520}, 101);
}
