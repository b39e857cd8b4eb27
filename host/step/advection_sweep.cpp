// SPDX-License-Identifier: MIT
// The upstream-first sweep that inverts (I − γ·A) for the lumen's upwind advection
// (advection_sweep.hpp states the method and why).
#include "advection_sweep.hpp"

#include <algorithm>
#include <queue>

#include "../../kernels/physics/upwind_faces.hpp"

namespace lactosim::step {

namespace {
kernels::LumenAdvectionView view_of(const kernels::Problem& p, const double* u, const double* q) {
  return {p.block, p.n_species, p.lumen.data(), p.outlet.data(), u, q, p.advected.data()};
}
}  // namespace

AdvectionSweep::AdvectionSweep(const kernels::Problem& problem) : problem_(problem) {}

void AdvectionSweep::set_flow(const std::vector<double>& face_velocity_m_per_s, const std::vector<double>& q_per_s) {
  velocity_ = face_velocity_m_per_s;
  q_ = q_per_s;
  const kernels::Block& b = problem_.block;
  const long nv = b.padded_voxels();
  const long stride[3] = {b.stride(0), b.stride(1), b.stride(2)};
  const double inv_h = 1.0 / b.h_m;
  const kernels::LumenAdvectionView view = view_of(problem_, velocity_.data(), q_.data());

  // Kahn's algorithm: a voxel is ready once every voxel upstream of it is placed. Its downstream
  // neighbours are those that list it as upwind.
  std::vector<int> waiting(std::size_t(nv), 0);
  std::vector<long> lumen_voxels;
  for (long v = 0; v < nv; ++v)
    if (problem_.lumen[v]) lumen_voxels.push_back(v), waiting[v] = physics_in_count(view, stride, inv_h, v);
  std::priority_queue<long, std::vector<long>, std::greater<long>> ready;  // smallest index first
  for (long v : lumen_voxels)
    if (waiting[v] == 0) ready.push(v);
  order_.clear();
  order_.reserve(lumen_voxels.size());
  std::vector<char> placed(std::size_t(nv), 0);
  while (!ready.empty()) {
    const long v = ready.top();
    ready.pop();
    order_.push_back(v), placed[v] = 1;
    for (int axis = 0; axis < 3; ++axis)
      for (const long w : {v - stride[axis], v + stride[axis]}) {
        if (!problem_.lumen[w] || placed[w]) continue;
        const kernels::physics::UpwindFaces f = kernels::physics::upwind_faces(view, stride, inv_h, w);
        if (std::find(f.upwind, f.upwind + f.n_in, v) != f.upwind + f.n_in && --waiting[w] == 0) ready.push(w);
      }
  }
  cyclic_ = long(lumen_voxels.size() - order_.size());
  if (cyclic_ > 0)
    for (long v : lumen_voxels)
      if (!placed[v]) order_.push_back(v);
}

int AdvectionSweep::physics_in_count(const kernels::LumenAdvectionView& view, const long stride[3], double inv_h,
                                     long v) {
  return kernels::physics::upwind_faces(view, stride, inv_h, v).n_in;
}

void AdvectionSweep::apply(double gamma, std::vector<double>& v) const {
  const kernels::Block& b = problem_.block;
  const long nv = b.padded_voxels();
  const long stride[3] = {b.stride(0), b.stride(1), b.stride(2)};
  const double inv_h = 1.0 / b.h_m;
  const kernels::LumenAdvectionView view = view_of(problem_, velocity_.data(), q_.data());
  for (long i : order_) {
    const kernels::physics::UpwindFaces f = kernels::physics::upwind_faces(view, stride, inv_h, i);
    // A drain below 0 (an outlet drawing milk back in) could make the diagonal vanish: a negative
    // loss is left out of the preconditioner (GMRES still sees it in f).
    const double diagonal = std::max(1.0 + gamma * f.loss_rate(), 1.0);
    for (int s = 0; s < problem_.n_species; ++s) {
      if (!problem_.advected[s]) continue;
      double* vs = v.data() + long(s) * nv;
      double gain = 0.0;
      for (int m = 0; m < f.n_in; ++m) gain += f.in_rate[m] * vs[f.upwind[m]];
      vs[i] = (vs[i] + gamma * gain) / diagonal;
    }
  }
}

}  // namespace lactosim::step
