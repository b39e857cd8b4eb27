// SPDX-License-Identifier: MIT
// CPU (OpenMP) implementation of kernels/step_kernels.hpp. Every formula comes from
// kernels/physics/; these loops only index. Sums go through chunked_sum (thread-count independent).
//
// Layouts (kernels/voxel_layout.hpp): the face, gather and reaction-voxel passes index through lists
// that to_sparse_layout renumbers, with the species stride padded_voxels() in both layouts, so they
// are the same code for both. The stencil (diffuse_species) and the per-row sums
// (amounts_by_compartment) choose the layout once at the top; the sparse path does the dense one's
// operations on the same values in the same order (an unmodelled neighbour is the ghost: compartment
// −1, concentration 0, as the dense halo), so both give the same bits.
#include "../step_kernels.hpp"

#include <algorithm>
#include <cfloat>
#include <vector>

#include "../physics/diffusion.hpp"
#include "../physics/reactions.hpp"
#include "../physics/secretion_laws.hpp"
#include "../physics/step_acceptance.hpp"
#include "../physics/transport_laws.hpp"
#include "../stencil_steps.hpp"
#include "deterministic_sum.hpp"

namespace lactosim::kernels::cpu {

void compute_membrane_fluxes(const ProblemView& p, const RatesView& r, const double* c,
                             double* face_flux, const SecretionFields& sec) {
  const long stride = p.block.padded_voxels();
#pragma omp parallel for schedule(static)
  for (long f = 0; f < p.n_faces; ++f) membrane_face_fluxes(p, r, sec, c, stride, f, face_flux);
}

namespace {

// One voxel's diffusion update (DESIGN §3) in the sparse layout, v's neighbours from the table: the
// dense loop's body (diffuse_species) with v ± stride read from the table. Returns the value for the
// acceptance minimum (DBL_MAX where nothing diffuses).
inline double diffuse_voxel(const TableSteps& steps, const std::int8_t* comp, const std::int8_t* kd, const double* Dh,
                            const double* clamp, double dt, const double* cs, double* out, long v) {
  const int ci = comp[v];
  const int what = ci < 0 ? 0 : kd[ci];
  if (what != 2) {  // outside the model or species absent → 0; clamped → its value
    out[v] = what == 0 ? 0.0 : clamp[ci];
    return DBL_MAX;
  }
  const long xm = steps.minus(v, 0), xp = steps.plus(v, 0), ym = steps.minus(v, 1), yp = steps.plus(v, 1),
             zm = steps.minus(v, 2), zp = steps.plus(v, 2);
  const double c_j[6] = {cs[xm], cs[xp], cs[ym], cs[yp], cs[zm], cs[zp]};
  const bool same[6] = {comp[xm] == ci, comp[xp] == ci, comp[ym] == ci, comp[yp] == ci, comp[zm] == ci, comp[zp] == ci};
  const double value = cs[v] + dt * physics::diffusion_rate(Dh[ci], cs[v], c_j, same);
  out[v] = value;
  return physics::value_for_acceptance(value);
}

}  // namespace

// Diffusion: all species in one parallel region (one fork/join instead of one per species, and no
// barrier between species: each writes its own array). Per species the sweep is row by row, so the
// neighbour planes stay in cache; the (species, compartment) tests are hoisted into a small table.
double diffuse_species(const ProblemView& p, const RatesView& r, double dt, const double* c,
                       double* c_new) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const int ns = p.n_species, nc = p.n_compartments;
  const double inv_h2 = 1.0 / (b.h_m * b.h_m);
  const std::int8_t* comp = p.compartment;
  // What each (species, compartment) writes: 0 nothing diffused (absent → 0), 1 clamp, 2 diffuse.
  std::vector<std::int8_t> kind(std::size_t(ns) * nc);
  std::vector<double> D_inv_h2(std::size_t(ns) * nc);
  for (int s = 0; s < ns; ++s)
    for (int ci = 0; ci < nc; ++ci) {
      const double D = p.D_m2_per_s[s * nc + ci];
      kind[s * nc + ci] = D < 0.0 ? 0 : p.clamped[ci] ? 1 : 2;
      D_inv_h2[s * nc + ci] = D * inv_h2;
    }
  double min_value = DBL_MAX;
  if (p.neighbour) {  // sparse: every modelled slot (never the ghost), neighbours from the table
    const TableSteps steps{p.neighbour};
    const long n_active = nv - 1;
#pragma omp parallel reduction(min : min_value)
    for (int s = 0; s < ns; ++s) {
      const double* cs = c + s * nv;
      double* out = c_new + s * nv;
      const std::int8_t* kd = kind.data() + s * nc;
      const double* Dh = D_inv_h2.data() + s * nc;
      const double* clamp = r.clamp_mM + s * nc;
#pragma omp for schedule(static) nowait
      for (long v = 0; v < n_active; ++v)
        min_value = std::min(min_value, diffuse_voxel(steps, comp, kd, Dh, clamp, dt, cs, out, v));
    }
    return min_value;
  }
  // Dense: the tuned loop as it was (issue #20), its strides known here; diffuse_voxel is its body.
  const long sx = b.stride(0), sy = b.stride(1), sz = b.stride(2);
#pragma omp parallel reduction(min : min_value)
  for (int s = 0; s < ns; ++s) {
    const double* cs = c + s * nv;
    double* out = c_new + s * nv;
    const std::int8_t* kd = kind.data() + s * nc;
    const double* Dh = D_inv_h2.data() + s * nc;
    const double* clamp = r.clamp_mM + s * nc;
#pragma omp for collapse(2) schedule(static) nowait
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        const long row = b.index(0, j, k);
        for (long v = row; v < row + b.nx; ++v) {
          const int ci = comp[v];
          const int what = ci < 0 ? 0 : kd[ci];
          if (what != 2) {  // outside the model or species absent → 0; clamped → its value
            out[v] = what == 0 ? 0.0 : clamp[ci];
            continue;
          }
          const double c_j[6] = {cs[v - sx], cs[v + sx], cs[v - sy], cs[v + sy], cs[v - sz], cs[v + sz]};
          const bool same[6] = {comp[v - sx] == ci, comp[v + sx] == ci, comp[v - sy] == ci,
                                comp[v + sy] == ci, comp[v - sz] == ci, comp[v + sz] == ci};
          const double value = cs[v] + dt * physics::diffusion_rate(Dh[ci], cs[v], c_j, same);
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
  const int ns = p.n_species, nc = p.n_compartments;
  const double volume = p.block.h_m * p.block.h_m * p.block.h_m;
  // The reactions of each compartment, in reaction order: by_comp[first[ci] .. first[ci+1]).
  std::vector<int> first(std::size_t(nc) + 2, 0), by_comp(std::size_t(r.n_reactions));
  for (int q = 0; q < r.n_reactions; ++q) {
    const int rc = r.reactions[q].compartment;
    if (rc >= 0 && rc < nc) ++first[rc + 2];
  }
  for (int ci = 0; ci < nc; ++ci) first[ci + 2] += first[ci + 1];
  for (int q = 0; q < r.n_reactions; ++q) {
    const int rc = r.reactions[q].compartment;
    if (rc >= 0 && rc < nc) by_comp[first[rc + 1]++] = q;
  }  // now first[ci] .. first[ci+1] spans compartment ci's reactions
  // The smallest value written, per fixed chunk of chunked_sum (each chunk runs on one thread), so
  // the acceptance minimum needs no second pass over the reaction voxels.
  const long n_chunks = (p.n_reaction_voxels + sum_chunk - 1) / sum_chunk;
  std::vector<double> chunk_min(std::size_t(n_chunks), DBL_MAX);
  // Each reaction voxel updates only itself; the totals are summed in fixed chunks.
  const std::vector<double> totals = chunked_sum(p.n_reaction_voxels, ns, [&](long i, double* partial) {
    const long v = p.reaction_voxel[i];
    const int comp = p.compartment[v];
    double dcdt[64];
    for (int s = 0; s < ns; ++s) dcdt[s] = 0.0;
    if (comp >= 0 && comp < nc)
      for (int n = first[comp]; n < first[comp + 1]; ++n) {
        const physics::ReactionParams& rp = r.reactions[by_comp[n]];
        physics::add_reaction_source(rp, c + v, stride,
                                     physics::region_scale(rp.regions, p.reaction_region[i]), dcdt);
      }
    double voxel_min = DBL_MAX;
    for (int s = 0; s < ns; ++s) {
      double& value = c_new[s * stride + v];
      if (dcdt[s] != 0.0) {
        value += dt * dcdt[s];
        partial[s] += dt * dcdt[s] * volume;
      }
      voxel_min = std::min(voxel_min, physics::value_for_acceptance(value));
    }
    double& m = chunk_min[i / sum_chunk];
    m = std::min(m, voxel_min);
  });
  for (int s = 0; s < ns; ++s) reaction_source_mol[s] = totals[s];
  double min_value = DBL_MAX;
  for (const double m : chunk_min) min_value = std::min(min_value, m);
  return min_value;
}

double apply_membrane_fluxes(const ProblemView& p, double dt, const double* face_flux,
                             const SecretionFields& sec, double* c_new) {
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
        const int sign = p.gather_sign[q];
        double J = face_flux[f * ns + s];
        // Secretory pathways: side 1 loses what is taken, side 2 gains what is delivered.
        if (p.has_secretion) J += sign > 0 ? sec.face_delivered[f * ns + s] : sec.face_taken[f * ns + s];
        gain += sign * J * p.face_weight[f];
      }
      double& value = c_new[s * stride + v];
      value += dt_over_h * gain;
      min_value = std::min(min_value, physics::value_for_acceptance(value));
    }
  }
  return min_value;
}

void membrane_totals(const ProblemView& p, double dt, const double* face_flux, const SecretionFields& sec,
                     double* clamped_inflow_mol, double* membrane_transfer_mol, double* secretion_source_mol) {
  const int ns = p.n_species, nm = p.n_membranes;
  const double area_dt = p.block.h_m * p.block.h_m * dt;
  // Partial layout: [membrane transfer nm*ns | clamped inflow ns | secretion source ns].
  const std::vector<double> totals = chunked_sum(p.n_owned_faces, nm * ns + 2 * ns, [&](long f, double* partial) {
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
      if (p.has_secretion) {  // made or consumed in the modelled compartments
        if (!second_clamped) partial[nm * ns + ns + s] += sec.face_delivered[f * ns + s] * a;
        if (!first_clamped) partial[nm * ns + ns + s] -= sec.face_taken[f * ns + s] * a;
      }
    }
  });
  std::copy(totals.begin(), totals.begin() + nm * ns, membrane_transfer_mol);
  std::copy(totals.begin() + nm * ns, totals.begin() + nm * ns + ns, clamped_inflow_mol);
  if (secretion_source_mol) std::copy(totals.begin() + nm * ns + ns, totals.end(), secretion_source_mol);
}

void pair_currents(const ProblemView& p, const RatesView& r, const double* c, const SecretionFields& sec,
                   double* I_pair, double* dIdu_pair) {
  const long stride = p.block.padded_voxels();
  const double area = p.block.h_m * p.block.h_m;
  // One pair at a time over its faces in ascending order: the sums are fixed-order (no atomics).
#pragma omp parallel for schedule(dynamic, 1)
  for (int q = 0; q < p.n_pairs; ++q) {
    double I = 0.0, slope = 0.0;
    for (long n = p.pair_offset[q]; n < p.pair_offset[q + 1]; ++n) {
      const long f = p.pair_face[n];
      const int m = p.face_membrane[f];
      const double u = face_ghk_argument(p, sec, f);
      double I_f = 0.0, slope_f = 0.0;
      for (int t = 0; t < r.n_transporters; ++t) {
        const physics::TransporterParams& tp = r.transporters[t];
        if (tp.membrane != m) continue;
        physics::add_transporter_current(tp, c + p.face_first[f], c + p.face_second[f], stride, u,
                                         physics::region_scale(tp.regions, p.face_region[f]), &I_f, &slope_f);
      }
      const double a = p.face_weight[f] * area;
      I += I_f * a;
      slope += slope_f * a;
    }
    I_pair[q] = I;
    dIdu_pair[q] = slope;
  }
}

void lumen_water_source(const ProblemView& p, const double* face_water, double weight, double* q_accum) {
  const double w_over_h = weight / p.block.h_m;
#pragma omp parallel for schedule(static)
  for (long i = 0; i < p.n_gather; ++i) {
    const long v = p.gather_voxel[i];
    if (!p.lumen[v]) continue;
    double gain = 0.0;  // Σ ±J_v·w (m/s), in face order
    for (long q = p.gather_offset[i]; q < p.gather_offset[i + 1]; ++q) {
      const long f = p.gather_face[q];
      gain += p.gather_sign[q] * face_water[f] * p.face_weight[f];
    }
    q_accum[v] += w_over_h * gain;
  }
}

void amounts_by_compartment(const ProblemView& p, const double* c, double* amounts_mol) {
  const Block& b = p.block;
  const long nv = b.padded_voxels();
  const int ns = p.n_species, nc = p.n_compartments;
  const double volume = b.h_m * b.h_m * b.h_m;
  const long n_rows = long(b.ny) * b.nz;
  // Every grid row, empty ones too in the sparse layout, so the chunks of rows are the dense ones.
  const std::int64_t* row_start = p.row_start;
  const std::vector<double> totals = chunked_sum(n_rows, nc * ns, [&](long row, double* partial) {
    const long first = row_start ? long(row_start[row]) : b.index(0, int(row % b.ny), int(row / b.ny));
    const long last = row_start ? long(row_start[row + 1]) : first + b.nx;
    for (long v = first; v < last; ++v) {
      const int comp = p.compartment[v];
      if (comp < 0) continue;
      for (int s = 0; s < ns; ++s) partial[comp * ns + s] += c[s * nv + v] * volume;
    }
  });
  std::copy(totals.begin(), totals.end(), amounts_mol);
}

}  // namespace lactosim::kernels::cpu
