// SPDX-License-Identifier: MIT
// Models and a fixed-step driver shared by the implicit integrator's tests (test_implicit_*.cpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "host/assemble.hpp"
#include "host/simulation.hpp"
#include "model_builders.hpp"

namespace lactosim::testing {

// Three nested boxes: outer (label 1), shell (2), core (3); stroma (0) at the domain's faces.
inline mesh::LabelGrid nested_box_grid(int n, double h_m = 2e-6) {
  return make_grid(n, n, n, h_m, [n](int i, int j, int k) {
    const int d = std::min({i, j, k, n - 1 - i, n - 1 - j, n - 1 - k});
    return d == 0 ? 0 : d < 3 ? 1 : d < 5 ? 2 : 3;
  });
}

// A closed alveolus-like system: every transporter kind on two membranes, and 2 glucose → lactose.
inline Model closed_nested_box_model() {
  using physics::TransporterKind;
  Model m;
  const int outer = add_compartment(m, "outer", 1);
  const int shell = add_compartment(m, "shell", 2);
  const int core = add_compartment(m, "core", 3);
  const int na = add_species(m, "Na", 1, 1.5e-9, {140, 40, 20});
  const int k = add_species(m, "K", 1, 2.0e-9, {5, 120, 60});
  const int cl = add_species(m, "Cl", -1, 2.0e-9, {100, 30, 50});
  const int glc = add_species(m, "glucose", 0, 0.9e-9, {5, 1, 0.5});
  const int lac = add_species(m, "lactose", 0, 0.7e-9, {0, 0, 0});
  const int baso = add_membrane(m, "baso", outer, shell, -0.040);
  const int api = add_membrane(m, "apical", shell, core, 0.015);
  add_transporter(m, "pump", TransporterKind::p_type_pump, baso, {{na, -3, 15}, {k, 2, 1.5}}, 2e-6);
  add_transporter(m, "nkcc", TransporterKind::cotransporter, baso, {{na, 1, 20}, {k, 1, 5}, {cl, 2, 40}}, 1e-6);
  add_transporter(m, "kchan", TransporterKind::ghk, baso, {{k, 1, 0}}, 2e-7);
  add_transporter(m, "glut", TransporterKind::facilitated_carrier, baso, {{glc, 1, 10}}, 5e-6);
  add_transporter(m, "na_leak", TransporterKind::linear_permeability, api, {{na, 1, 0}}, 1e-7);
  add_transporter(m, "cl_out", TransporterKind::michaelis_menten, api, {{cl, 1, 30}}, 1e-6);
  add_transporter(m, "k_stoich", TransporterKind::stoichiometric, api, {{k, 1, 50}, {na, -1, 10}}, 1e-6);
  Reaction synthesis;
  synthesis.name = "synthesis";
  synthesis.kind = physics::ReactionKind::michaelis_menten;
  synthesis.compartment = shell;
  synthesis.reactants = {{glc, 2.0}};
  synthesis.products = {{lac, 1.0}};
  synthesis.rate = 0.5;
  synthesis.Km_mM = 1.0;
  m.reactions.push_back(synthesis);
  return m;
}

inline Model with_implicit(Model m, const std::string& solver, double rel_tol = 1e-4) {
  m.run.integrator = "implicit";
  m.run.implicit_solver = solver;
  m.run.rel_tol = rel_tol;
  return m;
}

// Implicit steps of a chosen, fixed length straight on a backend (no controller), for the tests
// that need dt itself: positivity at a huge step, the order in time.
struct FixedStepper {
  Model model;
  kernels::Problem problem;
  std::unique_ptr<kernels::Backend> backend = kernels::make_cpu_backend(0);
  kernels::ImplicitOptions options;
  double t = 0;

  FixedStepper(const Model& m, const mesh::LabelGrid& grid, kernels::ImplicitOptions::Solver solver)
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
  kernels::ImplicitStepReport step(double dt) {
    const kernels::ImplicitStepReport r = backend->implicit_step(rates_at(model, problem, t), dt, options);
    t += dt;
    return r;
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

}  // namespace lactosim::testing
