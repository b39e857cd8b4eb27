// SPDX-License-Identifier: MIT
// The upstream-first sweep that inverts (I − γ·A) for the lumen's upwind advection
// (advection_sweep.hpp states the method and why). Written once over the neighbour steps
// (kernels/stencil_steps.hpp): in the sparse layout the slots are the modelled voxels in the dense
// index order, so the order (ties by index) and every sweep value are those of the dense layout.
#include "advection_sweep.hpp"

#include <algorithm>
#include <queue>

#include "../../kernels/physics/upwind_faces.hpp"
#include "../../kernels/stencil_steps.hpp"

namespace lactosim::step {

namespace {
kernels::LumenAdvectionView view_of(const kernels::Problem& p, const double* u, const double* q) {
  kernels::LumenAdvectionView view{p.block, p.n_species, p.lumen.data(), p.outlet.data(), u, q, p.advected.data()};
  if (p.block.sparse()) view.neighbour = p.sparse.neighbour.data();
  return view;
}

kernels::DenseSteps dense_steps(const kernels::Block& b) { return {{b.stride(0), b.stride(1), b.stride(2)}}; }

// Kahn's algorithm: a voxel is ready once every voxel upstream of it is placed. Its downstream
// neighbours are those that list it as upwind. Returns the number of voxels left on a cycle.
template <class Steps>
long order_upstream_first(const kernels::Problem& problem, const kernels::LumenAdvectionView& view,
                          const Steps& steps, std::vector<long>& order) {
  const long nv = problem.block.padded_voxels();
  const double inv_h = 1.0 / problem.block.h_m;
  std::vector<int> waiting(std::size_t(nv), 0);
  std::vector<long> lumen_voxels;
  for (long v = 0; v < nv; ++v)
    if (problem.lumen[v])
      lumen_voxels.push_back(v), waiting[v] = kernels::physics::upwind_faces(view, steps, inv_h, v).n_in;
  std::priority_queue<long, std::vector<long>, std::greater<long>> ready;  // smallest index first
  for (long v : lumen_voxels)
    if (waiting[v] == 0) ready.push(v);
  order.clear();
  order.reserve(lumen_voxels.size());
  std::vector<char> placed(std::size_t(nv), 0);
  while (!ready.empty()) {
    const long v = ready.top();
    ready.pop();
    order.push_back(v), placed[v] = 1;
    for (int axis = 0; axis < 3; ++axis)
      for (const long w : {steps.minus(v, axis), steps.plus(v, axis)}) {
        if (!problem.lumen[w] || placed[w]) continue;
        const kernels::physics::UpwindFaces f = kernels::physics::upwind_faces(view, steps, inv_h, w);
        if (std::find(f.upwind, f.upwind + f.n_in, v) != f.upwind + f.n_in && --waiting[w] == 0) ready.push(w);
      }
  }
  const long cyclic = long(lumen_voxels.size() - order.size());
  if (cyclic > 0)
    for (long v : lumen_voxels)
      if (!placed[v]) order.push_back(v);
  return cyclic;
}

template <class Steps>
void sweep(const kernels::Problem& problem, const kernels::LumenAdvectionView& view, const Steps& steps,
           const std::vector<long>& order, double gamma, std::vector<double>& v) {
  const long nv = problem.block.padded_voxels();
  const double inv_h = 1.0 / problem.block.h_m;
  for (long i : order) {
    const kernels::physics::UpwindFaces f = kernels::physics::upwind_faces(view, steps, inv_h, i);
    // A drain below 0 (an outlet drawing milk back in) could make the diagonal vanish: a negative
    // loss is left out of the preconditioner (GMRES still sees it in f).
    const double diagonal = std::max(1.0 + gamma * f.loss_rate(), 1.0);
    for (int s = 0; s < problem.n_species; ++s) {
      if (!problem.advected[s]) continue;
      double* vs = v.data() + long(s) * nv;
      double gain = 0.0;
      for (int m = 0; m < f.n_in; ++m) gain += f.in_rate[m] * vs[f.upwind[m]];
      vs[i] = (vs[i] + gamma * gain) / diagonal;
    }
  }
}

}  // namespace

AdvectionSweep::AdvectionSweep(const kernels::Problem& problem) : problem_(problem) {}

void AdvectionSweep::set_flow(const std::vector<double>& face_velocity_m_per_s, const std::vector<double>& q_per_s) {
  velocity_ = face_velocity_m_per_s;
  q_ = q_per_s;
  const kernels::LumenAdvectionView view = view_of(problem_, velocity_.data(), q_.data());
  cyclic_ = view.neighbour ? order_upstream_first(problem_, view, kernels::TableSteps{view.neighbour}, order_)
                           : order_upstream_first(problem_, view, dense_steps(problem_.block), order_);
}

void AdvectionSweep::apply(double gamma, std::vector<double>& v) const {
  const kernels::LumenAdvectionView view = view_of(problem_, velocity_.data(), q_.data());
  if (view.neighbour)
    sweep(problem_, view, kernels::TableSteps{view.neighbour}, order_, gamma, v);
  else
    sweep(problem_, view, dense_steps(problem_.block), order_, gamma, v);
}

}  // namespace lactosim::step
