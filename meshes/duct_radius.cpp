// SPDX-License-Identifier: MIT
// Local duct radius (DESIGN §3): the lumen permeability is k = r²/8 with r the radius of the largest
// ball inscribed in the lumen that COVERS the voxel. A voxel's own distance to the wall would make a
// straight tube's near-wall voxels look like a narrow tube and break Hagen–Poiseuille.
//
// 1. Exact squared Euclidean distance transform (Felzenszwalb–Huttenlocher, separable, O(N)) from
//    every lumen voxel centre to the nearest non-lumen voxel centre, S. On a curved wall many outside
//    centres compete and the nearest lies within a fraction of a voxel of the true wall, so S itself
//    is the radius (S − h/2 measured 0.5–0.8 h short on tubes of 4–12 voxels). Outside the grid is
//    not wall: ducts that reach the boundary (outlets) continue.
// 2. A ball covers a lumen voxel when the voxel's centre lies within S(u) + h/2 of u: lumen centres
//    sit up to half a voxel beyond the wall a ball of radius S touches (the staircase), so a
//    strict test would leave the tube's outermost voxels to small off-axis balls. Balls contained in
//    a neighbour's ball add nothing; the rest (the medial set) are painted, each voxel keeping the
//    largest radius covering it. max is order-independent, so the
//    result is deterministic whatever the thread count.
#include <algorithm>
#include <cmath>
#include <limits>

#include "meshes/derived_fields.hpp"

namespace lactosim::mesh {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// 1-D squared distance transform of f (lower envelope of parabolas), in place over a strided line.
void edt_1d(double* f, long n, long stride, std::vector<double>& d, std::vector<long>& v,
            std::vector<double>& z) {
  d.resize(n);
  v.resize(n);
  z.resize(n + 1);
  long k = -1;
  for (long q = 0; q < n; ++q) {
    const double fq = f[q * stride];
    if (fq == inf) continue;
    while (k >= 0) {
      const long p = v[k];
      const double s = ((fq + double(q) * q) - (f[p * stride] + double(p) * p)) / (2.0 * (q - p));
      if (s <= z[k]) {
        --k;
      } else {
        break;
      }
    }
    ++k;
    v[k] = q;
    z[k] = k == 0 ? -inf : ((fq + double(q) * q) - (f[v[k - 1] * stride] + double(v[k - 1]) * v[k - 1])) /
                               (2.0 * (q - v[k - 1]));
    z[k + 1] = inf;
  }
  if (k < 0) {
    for (long q = 0; q < n; ++q) d[q] = inf;
  } else {
    long j = 0;
    for (long q = 0; q < n; ++q) {
      while (z[j + 1] < q) ++j;
      const double dq = double(q - v[j]);
      d[q] = dq * dq + f[v[j] * stride];
    }
  }
  for (long q = 0; q < n; ++q) f[q * stride] = d[q];
}

}  // namespace

std::vector<float> local_duct_radius(const LabelGrid& g, const std::vector<std::uint8_t>& lumen) {
  bool is_lumen[256] = {};
  for (auto l : lumen) is_lumen[l] = true;
  const long n = g.size();
  const long nx = g.nx, ny = g.ny, nz = g.nz;
  std::vector<double> f(n);
  for (long v = 0; v < n; ++v) f[v] = is_lumen[g.label[v]] ? inf : 0.0;

  // Squared distance in voxel units, one axis at a time.
#pragma omp parallel
  {
    std::vector<double> d, z;
    std::vector<long> vv;
#pragma omp for schedule(static)
    for (long jk = 0; jk < ny * nz; ++jk) edt_1d(&f[jk * nx], nx, 1, d, vv, z);
#pragma omp for schedule(static)
    for (long ik = 0; ik < nx * nz; ++ik) {
      const long i = ik % nx, k = ik / nx;
      edt_1d(&f[k * nx * ny + i], ny, nx, d, vv, z);
    }
#pragma omp for schedule(static)
    for (long ij = 0; ij < nx * ny; ++ij) edt_1d(&f[ij], nz, nx * ny, d, vv, z);
  }

  // S = distance (voxel units) from each lumen voxel centre to the nearest non-lumen centre: every
  // voxel centre closer than S is lumen, so B(u, S(u)) is the discrete inscribed ball at u. A lumen
  // with no wall anywhere is unbounded; cap it by the grid so the numbers stay finite.
  const double cap = double(std::max({nx, ny, nz}));
  std::vector<float> radius_vox(n, 0.0f);
  std::vector<float> S(n, 0.0f);
  for (long v = 0; v < n; ++v)
    if (is_lumen[g.label[v]]) S[v] = float(std::min(cap, std::sqrt(f[v])));

  // Medial set: voxels whose ball is not inside a 26-neighbour's ball.
  std::vector<long> centres;
  for (long k = 0; k < nz; ++k)
    for (long j = 0; j < ny; ++j)
      for (long i = 0; i < nx; ++i) {
        const long v = (k * ny + j) * nx + i;
        if (!is_lumen[g.label[v]]) continue;
        bool contained = false;
        for (int dk = -1; dk <= 1 && !contained; ++dk)
          for (int dj = -1; dj <= 1 && !contained; ++dj)
            for (int di = -1; di <= 1 && !contained; ++di) {
              const long a = i + di, b = j + dj, c = k + dk;
              if ((di | dj | dk) == 0 || a < 0 || b < 0 || c < 0 || a >= nx || b >= ny || c >= nz) continue;
              const long w = (c * ny + b) * nx + a;
              if (!is_lumen[g.label[w]]) continue;
              const double dist = std::sqrt(double(di * di + dj * dj + dk * dk));
              contained = S[w] >= S[v] + dist + 1e-6;
            }
        if (!contained) centres.push_back(v);
      }

  // Paint each medial ball; slabs in z are disjoint per thread-iteration, so no write races.
#pragma omp parallel for schedule(dynamic, 1)
  for (long k = 0; k < nz; ++k)
    for (long v : centres) {
      const long ci = v % nx, cj = (v / nx) % ny, ck = v / (nx * ny);
      const double r = S[v] + 0.5;  // see "covers" above
      const float value = S[v];
      const double dz = double(k - ck);
      if (std::fabs(dz) >= r) continue;
      const double r2z = r * r - dz * dz;
      const long reach_y = long(std::ceil(std::sqrt(r2z)));
      for (long j = std::max(0L, cj - reach_y); j <= std::min(ny - 1, cj + reach_y); ++j) {
        const double r2y = r2z - double(j - cj) * (j - cj);
        if (r2y <= 0) continue;
        const long reach_x = long(std::ceil(std::sqrt(r2y)));
        for (long i = std::max(0L, ci - reach_x); i <= std::min(nx - 1, ci + reach_x); ++i) {
          const double dx = double(i - ci);
          if (dx * dx >= r2y) continue;  // strictly inside: the open ball
          const long w = (k * ny + j) * nx + i;
          if (is_lumen[g.label[w]] && radius_vox[w] < value) radius_vox[w] = value;
        }
      }
    }

  std::vector<float> radius_m(n, 0.0f);
  for (long v = 0; v < n; ++v)
    if (is_lumen[g.label[v]]) radius_m[v] = float(std::max(0.5f, radius_vox[v]) * g.h_m);
  return radius_m;
}

}  // namespace lactosim::mesh
