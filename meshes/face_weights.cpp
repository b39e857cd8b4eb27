// SPDX-License-Identifier: MIT
// Face area weights |n·e| (DESIGN §2). A staircase surface has, per axis, |n_a|·dA/h² faces on a
// patch dA of true surface; weighting each by |n_a| gives Σ_a n_a² dA = dA, so weighted face areas
// converge to the true membrane area where the raw count stays ~1.5× too large on a sphere.
//
// The normal at a face between labels a and b is the gradient, at the face centre, of the field
// f = [label == a] − [label == b] smoothed by a Gaussian (σ = 1.3 voxels, truncated at 4 voxels). Using both
// labels (not only the lower side's indicator) makes the weight independent of which label lies on
// the lower-index side, and keeps a thin layer's far side (another label) from biasing the normal.
// The gradient is taken analytically — Σ_q f(q) ∇G(p − q) — which is the exact derivative of the
// smoothed field, not a difference of it. Outside the grid the labels are continued by clamping, so a
// surface meeting the boundary keeps its normal. Each face is a pure function of the labels: the
// result does not depend on the thread count.
// Why σ = 1.3: a fixed σ in voxels leaves a resolution-independent bias from the staircase's
// digitisation (measured on an off-lattice sphere, r/h = 4…32: +1.5 % at σ = 1, −0.6 % at σ = 1.5,
// −1.1 % at σ = 2 with 2.5σ truncation); σ = 1.3 with a 4-voxel reach keeps it within ±0.5 % while
// staying narrow enough for cell layers 2–3 voxels thick.
#include <cmath>

#include "meshes/label_grid.hpp"

namespace lactosim::mesh {

namespace {

constexpr double sigma = 1.3;  // voxels
constexpr int reach = 4;       // truncation radius (voxels)

struct Kernel1d {
  // Along the face's axis the face centre sits half-way between voxels: offsets ±0.5 … ±(reach-0.5).
  double g_half[2 * reach], dg_half[2 * reach];
  // Across it the centre sits on a voxel row: offsets -reach … reach.
  double g_int[2 * reach + 1], dg_int[2 * reach + 1];
  Kernel1d() {
    // g(t) = exp(-t²/2σ²); g'(t) = -t/σ² g(t), t = p − q (face centre minus voxel centre).
    for (int m = 0; m < 2 * reach; ++m) {
      const double t = (reach - 0.5) - m;  // q = i - reach + 1 + m  →  p - q = reach - 0.5 - m
      g_half[m] = std::exp(-t * t / (2 * sigma * sigma));
      dg_half[m] = -t / (sigma * sigma) * g_half[m];
    }
    for (int m = 0; m <= 2 * reach; ++m) {
      const double t = reach - m;  // q = j - reach + m
      g_int[m] = std::exp(-t * t / (2 * sigma * sigma));
      dg_int[m] = -t / (sigma * sigma) * g_int[m];
    }
  }
};

inline int clamp(int v, int n) { return v < 0 ? 0 : (v >= n ? n - 1 : v); }

// Gradient of the smoothed [a] − [b] field at the centre of the face between voxel (i,j,k) and its
// +axis neighbour: it points into label a's side.
std::array<double, 3> smoothed_gradient(const LabelGrid& g, const Kernel1d& ker, int i, int j, int k,
                                        int axis, std::uint8_t a, std::uint8_t b) {
  const int n[3] = {g.nx, g.ny, g.nz};
  const int v[3] = {i, j, k};
  const int ax = axis, b1 = (axis + 1) % 3, b2 = (axis + 2) % 3;
  std::array<double, 3> grad{0, 0, 0};
  int q[3];
  for (int m2 = 0; m2 <= 2 * reach; ++m2) {
    q[b2] = clamp(v[b2] - reach + m2, n[b2]);
    for (int m1 = 0; m1 <= 2 * reach; ++m1) {
      q[b1] = clamp(v[b1] - reach + m1, n[b1]);
      double s_f = 0, s_df = 0;  // Σ f g_half, Σ f dg_half along the face axis
      for (int m0 = 0; m0 < 2 * reach; ++m0) {
        q[ax] = clamp(v[ax] - reach + 1 + m0, n[ax]);
        const std::uint8_t l = g.at(q[0], q[1], q[2]);
        const double f = (l == a) ? 1.0 : (l == b ? -1.0 : 0.0);
        s_f += f * ker.g_half[m0];
        s_df += f * ker.dg_half[m0];
      }
      grad[ax] += s_df * ker.g_int[m1] * ker.g_int[m2];
      grad[b1] += s_f * ker.dg_int[m1] * ker.g_int[m2];
      grad[b2] += s_f * ker.g_int[m1] * ker.dg_int[m2];
    }
  }
  return grad;
}

const Kernel1d& kernel() {
  static const Kernel1d ker;
  return ker;
}

// |n·e_axis| for the face between voxel (i,j,k) (label a) and its +axis neighbour (label b).
float face_weight(const LabelGrid& g, int i, int j, int k, int axis, std::uint8_t a, std::uint8_t b) {
  const auto grad = smoothed_gradient(g, kernel(), i, j, k, axis, a, b);
  const double norm = std::sqrt(grad[0] * grad[0] + grad[1] * grad[1] + grad[2] * grad[2]);
  if (!(norm > 1e-12)) return 1.0f;  // no resolvable direction (e.g. a one-voxel speck): raw face
  return float(std::fabs(grad[axis]) / norm);
}

}  // namespace

std::array<double, 3> face_normal(const LabelGrid& g, long v, int axis) {
  const int i = int(v % g.nx), j = int((v / g.nx) % g.ny), k = int(v / (long(g.nx) * g.ny));
  const int nb[3] = {i + (axis == 0), j + (axis == 1), k + (axis == 2)};
  std::array<double, 3> n{0, 0, 0};
  n[axis] = 1;  // fallback: the face's own axis
  if (nb[0] >= g.nx || nb[1] >= g.ny || nb[2] >= g.nz) return n;
  const std::uint8_t a = g.label[v], b = g.at(nb[0], nb[1], nb[2]);
  if (a == b) return n;
  const auto grad = smoothed_gradient(g, kernel(), i, j, k, axis, a, b);
  const double norm = std::sqrt(grad[0] * grad[0] + grad[1] * grad[1] + grad[2] * grad[2]);
  if (!(norm > 1e-12)) return n;
  // ∇f points into a (the lower voxel); the normal points toward +axis, into b.
  return {-grad[0] / norm, -grad[1] / norm, -grad[2] / norm};
}

std::vector<float> face_area_weights(const LabelGrid& g) {
  std::vector<float> w(3 * std::size_t(g.size()), 0.0f);
#pragma omp parallel for schedule(dynamic, 1)
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const long v = g.index(i, j, k);
        const std::uint8_t a = g.label[v];
        const int nb[3][3] = {{i + 1, j, k}, {i, j + 1, k}, {i, j, k + 1}};
        const int lim[3] = {g.nx, g.ny, g.nz};
        for (int axis = 0; axis < 3; ++axis) {
          if (nb[axis][axis] >= lim[axis]) continue;
          const std::uint8_t b = g.at(nb[axis][0], nb[axis][1], nb[axis][2]);
          if (a != b) w[3 * v + axis] = face_weight(g, i, j, k, axis, a, b);
        }
      }
  return w;
}

}  // namespace lactosim::mesh
