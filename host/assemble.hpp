// SPDX-License-Identifier: MIT
// From model + label grid to the executors' flat tables (DESIGN §4: config → model → grid → state).
//   assemble_problem      compartments per voxel, D table, membrane faces (sorted) and their gather
//                         lists, reaction voxels, region masks
//   initial_concentrations  c[s * padded_voxels + v] from the model's initial values
//   rates_at              transporter and reaction tables with schedules and regions at time t
//   rate_breakpoints      the model-clock times where rates_at is not smooth (schedule points, doses)
//   explicit_step_limit   the largest monotone explicit step (s) for this problem
//   local_step_limit      the same for membrane fluxes and reactions alone (the implicit
//                         integrator's substeps; diffusion is solved implicitly)
#pragma once
#include <limits>
#include <string>
#include <vector>

#include "../kernels/problem.hpp"
#include "../meshes/label_grid.hpp"
#include "model.hpp"

namespace lactosim {

inline constexpr int max_species = 64;
inline constexpr int max_regions = 32;

// face_weights: per voxel and axis of the grid (mesh::face_area_weights layout); empty = all 1.
kernels::Problem assemble_problem(const Model& model, const mesh::LabelGrid& grid,
                                  const std::vector<float>& face_weights);

std::vector<double> initial_concentrations(const Model& model, const kernels::Problem& problem);

// stasis_openness: the regulated junctions' milk-stasis opening x when the caller steps it (the
// store-driven signal, host/junction_regulation.hpp); NaN (the default): from the stasis schedule.
kernels::StepRates rates_at(const Model& model, const kernels::Problem& problem, double t_s,
                            double stasis_openness = std::numeric_limits<double>::quiet_NaN());

// The model-clock times (s; run time + run.schedule_offset_s) at which rates_at's rates are not smooth:
// every point of every schedule it reads — a piecewise-linear schedule's derivative jumps there, and a
// point pair close in time is a near-jump — and every plasma dose (an intravenous bolus is a jump of
// the clamp). Sorted, without repeats. The stiff integrator stops and starts afresh at each
// (Simulation::advance_bdf): its history is a polynomial fitted across the past steps, and one
// fitted before a breakpoint extrapolates the rates as they no longer are (docs/numerics.md).
std::vector<double> rate_breakpoints(const Model& model);

double explicit_step_limit(const Model& model, const kernels::Problem& problem);
double local_step_limit(const Model& model, const kernels::Problem& problem);

// Volume (m³) of each compartment: voxel count × h³.
std::vector<double> compartment_volumes(const kernels::Problem& problem);

}  // namespace lactosim
