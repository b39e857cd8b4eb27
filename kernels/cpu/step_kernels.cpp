// SPDX-License-Identifier: MIT
// CPU (OpenMP) implementation of kernels/step_kernels.hpp. Every formula comes from
// kernels/physics/; these loops only index. Sums go through chunked_sum (thread-count independent).
#include "../step_kernels.hpp"

#include <algorithm>
#include <cfloat>
#include <vector>

#include "../physics/diffusion.hpp"
#include "../physics/reactions.hpp"
#include "../physics/step_acceptance.hpp"
#include "../physics/transport_laws.hpp"
#include "deterministic_sum.hpp"

namespace lactosim::kernels::cpu {

void compute_membrane_fluxes(const ProblemView& p, const RatesView& r, const double* c,
                             double* face_flux) {
  const long stride = p.block.padded_voxels();
  const int ns = p.n_species;
#pragma omp parallel for schedule(static)
  for (long f = 0; f < p.n_faces; ++f) {
    double* J = face_flux + f * ns;
    for (int s = 0; s < ns; ++s) J[s] = 0.0;
    const int m = p.face_membrane[f];
    for (int t = 0; t < r.n_transporters; ++t) {
      const physics::TransporterParams& tp = r.transporters[t];
      if (tp.membrane != m) continue;
      const double scale = physics::region_scale(tp.regions, p.face_region[f]);
      physics::add_transporter_flux(tp, c + p.face_first[f], c + p.face_second[f], stride,
                                    p.membrane_u[m], scale, J);
    }
  }
}

double diffuse_species(const ProblemView& p, const RatesView& r, double dt, const double* c,
                       double* c_new) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const long sx = b.stride(0), sy = b.stride(1), sz = b.stride(2);
  const double inv_h2 = 1.0 / (b.h_m * b.h_m);
  const std::int8_t* comp = p.compartment;
  double min_value = DBL_MAX;
  for (int s = 0; s < p.n_species; ++s) {
    const double* cs = c + s * nv;
    double* out = c_new + s * nv;
    const double* D = p.D_m2_per_s + s * p.n_compartments;
    const double* clamp = r.clamp_mM + s * p.n_compartments;
#pragma omp parallel for collapse(2) schedule(static) reduction(min : min_value)
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        const long row = b.index(0, j, k);
        for (long v = row; v < row + b.nx; ++v) {
          const int ci = comp[v];
          if (ci < 0 || D[ci] < 0.0) {  // outside the model, or species absent here
            out[v] = 0.0;
            continue;
          }
          if (p.clamped[ci]) {
            out[v] = clamp[ci];
            continue;
          }
          const double c_j[6] = {cs[v - sx], cs[v + sx], cs[v - sy], cs[v + sy], cs[v - sz], cs[v + sz]};
          const bool same[6] = {comp[v - sx] == ci, comp[v + sx] == ci, comp[v - sy] == ci,
                                comp[v + sy] == ci, comp[v - sz] == ci, comp[v + sz] == ci};
          const double value = cs[v] + dt * physics::diffusion_rate(D[ci] * inv_h2, cs[v], c_j, same);
          out[v] = value;
          min_value = std::min(min_value, physics::value_for_acceptance(value));
        }
      }
  }
  return min_value;
}

double react(const ProblemView& p, const RatesView& r, double dt, const double* c, double* c_new,
             double* reaction_source_mol) {
  const long stride = p.block.padded_voxels();
  const int ns = p.n_species;
  const double volume = p.block.h_m * p.block.h_m * p.block.h_m;
  double min_value = DBL_MAX;
  // Each reaction voxel updates only itself; the totals are summed in fixed chunks.
  const std::vector<double> totals = chunked_sum(p.n_reaction_voxels, ns, [&](long i, double* partial) {
    const long v = p.reaction_voxel[i];
    const int comp = p.compartment[v];
    double dcdt[64] = {};
    for (int q = 0; q < r.n_reactions; ++q) {
      const physics::ReactionParams& rp = r.reactions[q];
      if (rp.compartment != comp) continue;
      physics::add_reaction_source(rp, c + v, stride,
                                   physics::region_scale(rp.regions, p.reaction_region[i]), dcdt);
    }
    for (int s = 0; s < ns; ++s) {
      if (dcdt[s] == 0.0) continue;
      c_new[s * stride + v] += dt * dcdt[s];
      partial[s] += dt * dcdt[s] * volume;
    }
  });
  for (int s = 0; s < ns; ++s) reaction_source_mol[s] = totals[s];
#pragma omp parallel for schedule(static) reduction(min : min_value)
  for (long i = 0; i < p.n_reaction_voxels; ++i)
    for (int s = 0; s < ns; ++s)
      min_value = std::min(min_value, physics::value_for_acceptance(c_new[s * stride + p.reaction_voxel[i]]));
  return min_value;
}

double apply_membrane_fluxes(const ProblemView& p, double dt, const double* face_flux, double* c_new) {
  const long stride = p.block.padded_voxels();
  const int ns = p.n_species;
  const double dt_over_h = dt / p.block.h_m;
  double min_value = DBL_MAX;
#pragma omp parallel for schedule(static) reduction(min : min_value)
  for (long i = 0; i < p.n_gather; ++i) {
    const long v = p.gather_voxel[i];
    const int comp = p.compartment[v];
    if (p.clamped[comp]) continue;  // clamped compartments do not change
    for (int s = 0; s < ns; ++s) {
      if (p.D_m2_per_s[s * p.n_compartments + comp] < 0.0) continue;
      double gain = 0.0;  // Σ ±J·w, in face order
      for (long q = p.gather_offset[i]; q < p.gather_offset[i + 1]; ++q) {
        const long f = p.gather_face[q];
        gain += p.gather_sign[q] * face_flux[f * ns + s] * p.face_weight[f];
      }
      double& value = c_new[s * stride + v];
      value += dt_over_h * gain;
      min_value = std::min(min_value, physics::value_for_acceptance(value));
    }
  }
  return min_value;
}

void membrane_totals(const ProblemView& p, double dt, const double* face_flux,
                     double* clamped_inflow_mol, double* membrane_transfer_mol) {
  const int ns = p.n_species, nm = p.n_membranes;
  const double area_dt = p.block.h_m * p.block.h_m * dt;
  // Partial layout: [membrane transfer nm*ns | clamped inflow ns].
  const std::vector<double> totals = chunked_sum(p.n_faces, nm * ns + ns, [&](long f, double* partial) {
    const double* J = face_flux + f * ns;
    const double a = p.face_weight[f] * area_dt;
    const int m = p.face_membrane[f];
    const bool first_clamped = p.clamped[p.compartment[p.face_first[f]]];
    const bool second_clamped = p.clamped[p.compartment[p.face_second[f]]];
    for (int s = 0; s < ns; ++s) {
      const double moved = J[s] * a;  // mol, first → second
      partial[m * ns + s] += moved;
      if (first_clamped && !second_clamped) partial[nm * ns + s] += moved;
      if (second_clamped && !first_clamped) partial[nm * ns + s] -= moved;
    }
  });
  std::copy(totals.begin(), totals.begin() + nm * ns, membrane_transfer_mol);
  std::copy(totals.begin() + nm * ns, totals.end(), clamped_inflow_mol);
}

void amounts_by_compartment(const ProblemView& p, const double* c, double* amounts_mol) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const int ns = p.n_species, nc = p.n_compartments;
  const double volume = b.h_m * b.h_m * b.h_m;
  const long n_rows = long(b.ny) * b.nz;
  const std::vector<double> totals = chunked_sum(n_rows, nc * ns, [&](long row, double* partial) {
    const long first = b.index(0, int(row % b.ny), int(row / b.ny));
    for (long v = first; v < first + b.nx; ++v) {
      const int comp = p.compartment[v];
      if (comp < 0) continue;
      for (int s = 0; s < ns; ++s) partial[comp * ns + s] += c[s * nv + v] * volume;
    }
  });
  std::copy(totals.begin(), totals.end(), amounts_mol);
}

}  // namespace lactosim::kernels::cpu
