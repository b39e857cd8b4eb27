// SPDX-License-Identifier: MIT
// The implicit integrator agrees with the explicit reference within its own error estimate
// (DESIGN §3, §7): on the closed alveolus-like nested boxes (membranes of every transporter kind, a
// reaction, three compartments of different D), the largest difference between the two runs is
// below the sum of the step-doubling local error estimates — which bounds the global time error of
// these contractive schemes — and that sum is itself a small multiple of the tolerance.
#include <gtest/gtest.h>

#include <cmath>

#include "test_implicit_models.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

double max_difference(const Simulation& a, const Simulation& b) {
  double diff = 0;
  for (int s = 0; s < int(a.model().species.size()); ++s) {
    const std::vector<double> ca = a.interior_concentrations(s), cb = b.interior_concentrations(s);
    for (std::size_t v = 0; v < ca.size(); ++v) diff = std::max(diff, std::abs(ca[v] - cb[v]));
  }
  return diff;
}

void expect_agreement(const char* solver) {
  const double t_end = 1.0;
  const Model reference_model = closed_nested_box_model();
  Simulation reference(reference_model, nested_box_grid(10), {}, step::make_cpu_stepper(0));
  reference.advance_to(t_end);
  const Model model = with_implicit(reference_model, solver, 1e-4);
  Simulation implicit(model, nested_box_grid(10), {}, step::make_cpu_stepper(0));
  implicit.advance_to(t_end);
  const double diff = max_difference(reference, implicit);
  const double estimate = implicit.integrator_stats().error_estimate_mM;
  std::printf("%s: explicit %ld steps, implicit %ld steps (%ld rejected); max |Δc| %.3e mM, estimate %.3e mM\n",
              solver, reference.steps(), implicit.steps(), implicit.rejected_steps(), diff, estimate);
  EXPECT_GT(diff, 0.0);
  EXPECT_LE(diff, estimate);
  EXPECT_LT(implicit.steps(), reference.steps());
}

}  // namespace

TEST(ImplicitIntegrator, LodAgreesWithExplicitWithinItsErrorEstimateOnNestedMembraneBoxes) {
  expect_agreement("lod");
}

TEST(ImplicitIntegrator, CgAgreesWithExplicitWithinItsErrorEstimateOnNestedMembraneBoxes) {
  expect_agreement("cg");
}
