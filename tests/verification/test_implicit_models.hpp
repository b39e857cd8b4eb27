// SPDX-License-Identifier: MIT
// Models and a fixed-step driver shared by the implicit integrator's tests (test_implicit_*.cpp).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/assemble.hpp"
#include "host/simulation.hpp"
#include "host/step/extrapolated_step.hpp"
#include "model_builders.hpp"

namespace lactosim::testing {

inline Model with_implicit(Model m, const std::string& solver, double rel_tol = 1e-4, int time_order = 2) {
  m.run.integrator = "implicit";
  m.run.implicit_solver = solver;
  m.run.rel_tol = rel_tol;
  m.run.time_order = time_order;
  return m;
}

// Implicit steps of a chosen, fixed length straight on a backend (no controller), for the tests
// that need dt itself: positivity at a huge step, the order in time.
struct FixedStepper {
  Model model;
  kernels::Problem problem;
  std::unique_ptr<step::Stepper> backend = step::make_cpu_stepper(0);
  step::ImplicitOptions options;
  double t = 0;

  FixedStepper(const Model& m, const mesh::LabelGrid& grid, step::ImplicitOptions::Solver solver)
      : model(m), problem(assemble_problem(m, grid, {})) {
    options.solver = solver;
    options.local_dt_max_s = m.run.dt_safety * local_step_limit(model, problem);
    options.cg = {1e-12, 10000};
    backend->load(problem, initial_concentrations(model, problem));
  }
  // Replaces the state by value(species, i, j, k) on every voxel whose compartment holds the species.
  void set_state(const std::function<double(int, int, int, int)>& value) {
    std::vector<double> c(std::size_t(problem.n_species) * problem.block.padded_voxels(), 0.0);
    const kernels::Block& b = problem.block;
    for (int s = 0; s < problem.n_species; ++s)
      for (int k = 0; k < b.nz; ++k)
        for (int j = 0; j < b.ny; ++j)
          for (int i = 0; i < b.nx; ++i)
            if (problem.present(s, problem.compartment[b.index(i, j, k)]))
              c[s * b.padded_voxels() + b.index(i, j, k)] = value(s, i, j, k);
    backend->load(problem, c);
  }
  step::ImplicitStepReport step(double dt) {
    const step::ImplicitStepReport r = backend->implicit_step(rates_at(model, problem, t), dt, options);
    t += dt;
    return r;
  }
  // One step of dt taken as the adaptive controller takes it at time_order = order (host/simulation.cpp,
  // host/step/extrapolated_step.hpp): order 2, c₁ = one step, c₂ = two half steps, kept as
  // c₂ + θ(c₂ − c₁); order k ≥ 3, the harmonic sequence's c_k + θ(T − c_k). Returns θ.
  double step_extrapolated(double dt, int order = 2) {
    const double t0 = t;
    const step::ExtrapolatedSolves x = step::extrapolated_solves(
        *backend, order, t0, dt,
        [&](int, double ts, double h) {
          t = ts;
          const step::ImplicitStepReport r = step(h);
          return r.converged && r.totals.min_concentration >= 0.0;
        },
        1e-6, 1e-4);
    EXPECT_TRUE(x.ok);
    step::extrapolate_sequence(*backend, order, x.theta);
    t = t0 + dt;
    return x.theta;
  }
  double at(int s, int i, int j, int k) const {
    std::vector<double> c;
    backend->read_concentrations(c);
    return c[s * problem.block.padded_voxels() + problem.block.index(i, j, k)];
  }
  std::vector<double> state() const {
    std::vector<double> c;
    backend->read_concentrations(c);
    return c;
  }
};

// Two compartments (labels 1 and 2) exchanging X (10 and 2 mM) through a linear permeability P (m/s)
// across the membrane "wall": on a 2 × n × n grid split at x, Δ(t) = Δ0 e^{−2Pt/h}
// (test_membrane_relaxation.cpp).
inline Model two_compartment_leak_model(double P) {
  Model m;
  const int left = add_compartment(m, "left", 1);
  const int right = add_compartment(m, "right", 2);
  const int x = add_species(m, "X", 0, 1e-9, {10.0, 2.0});
  const int wall = add_membrane(m, "wall", left, right);
  add_transporter(m, "leak", physics::TransporterKind::linear_permeability, wall, {{x, 1, 0}}, P);
  return m;
}

// The observed orders log₂(e₁/e₂), log₂(e₂/e₃) of three errors at dt, dt/2, dt/4, each in [low, high].
inline void expect_order(double e1, double e2, double e3, double low, double high, const std::string& what) {
  const double p1 = std::log2(e1 / e2), p2 = std::log2(e2 / e3);
  std::printf("%s: errors %.3e, %.3e, %.3e at dt, dt/2, dt/4; orders %.3f %.3f\n", what.c_str(), e1, e2, e3, p1, p2);
  EXPECT_GE(p1, low) << what;
  EXPECT_LE(p1, high) << what;
  EXPECT_GE(p2, low) << what;
  EXPECT_LE(p2, high) << what;
}

}  // namespace lactosim::testing
