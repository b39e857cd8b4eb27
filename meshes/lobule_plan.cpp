// SPDX-License-Identifier: MIT
// Planning a lobule (DESIGN §2): the duct tree and the alveolar clusters, as shapes in space.
// Random numbers come from a 64-bit Mersenne twister turned into doubles by hand, because the
// standard distributions are implementation-defined: the same seed gives the same lobule everywhere.
#include <cmath>
#include <random>

#include "meshes/lobule.hpp"

namespace lactosim::mesh {

namespace {

using Vec = std::array<double, 3>;
constexpr double pi = 3.14159265358979323846;

Vec add(Vec a, Vec b, double s = 1) { return {a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]}; }
double dot(Vec a, Vec b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec cross(Vec a, Vec b) { return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]}; }
Vec unit(Vec a) {
  const double n = std::sqrt(dot(a, a));
  return {a[0] / n, a[1] / n, a[2] / n};
}
// Rotates v about the unit axis u by angle t (Rodrigues).
Vec rotate(Vec v, Vec u, double t) {
  const Vec c = cross(u, v);
  const double k = dot(u, v) * (1 - std::cos(t));
  return {v[0] * std::cos(t) + c[0] * std::sin(t) + u[0] * k, v[1] * std::cos(t) + c[1] * std::sin(t) + u[1] * k,
          v[2] * std::cos(t) + c[2] * std::sin(t) + u[2] * k};
}

double segment_distance(Vec p, const DuctSegment& s) {
  const Vec d = add(s.end_m, s.start_m, -1), w = add(p, s.start_m, -1);
  const double len2 = dot(d, d);
  const double t = len2 > 0 ? std::fmin(1.0, std::fmax(0.0, dot(w, d) / len2)) : 0.0;
  const Vec q = add(w, d, -t);
  return std::sqrt(dot(q, q));
}

struct Rng {
  std::mt19937_64 engine;
  explicit Rng(unsigned seed) : engine(seed) {}
  double uniform() { return double(engine() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  double symmetric() { return 2 * uniform() - 1; }                                   // [-1, 1)
};

struct Terminal {
  Vec start, tip, dir;
  double radius;
};

void grow(const GeometrySpec& s, Rng& rng, Vec start, Vec dir, Vec side, int gen, double radius,
          double length, LobuleLayout& out, std::vector<Terminal>& terminals) {
  const double len = length * (1 + s.jitter * rng.symmetric());
  const Vec end = add(start, dir, len);
  out.ducts.push_back({start, end, radius, gen});
  if (gen + 1 >= s.generations) {
    terminals.push_back({start, end, dir, radius});
    return;
  }
  const double child_radius = radius * (s.murray ? std::pow(2.0, -1.0 / 3.0) : s.radius_ratio);
  // Successive bifurcation planes turn by ~90° (as in real trees), so the lobule fills 3-D space.
  const Vec next_side = unit(rotate(side, dir, pi / 2 * (1 + s.jitter * rng.symmetric())));
  const Vec normal = unit(cross(dir, side));
  for (int sign = -1; sign <= 1; sign += 2) {
    const double angle = s.branch_angle_deg * pi / 180 * (1 + s.jitter * rng.symmetric());
    const Vec child = unit(rotate(dir, normal, sign * angle));
    grow(s, rng, end, child, next_side, gen + 1, child_radius, length * s.length_ratio, out, terminals);
  }
}

}  // namespace

LobuleLayout plan_lobule(const GeometrySpec& s) {
  LobuleLayout out;
  Rng rng(s.seed);
  std::vector<Terminal> terminals;
  grow(s, rng, {0, 0, 0}, {1, 0, 0}, {0, 1, 0}, 0, s.root_radius_m, s.root_length_m, out, terminals);
  out.terminal_ductules = int(terminals.size());
  const std::size_t tree_segments = out.ducts.size();

  const double r_cell = s.lumen_radius_m + s.epithelium_m;  // the epithelial sphere
  const double r_outer = r_cell + s.interstitium_m + s.capillary_m;
  const double min_gap = 2 * r_cell * (1 - s.alveolus_overlap);
  for (int c = 0; c < int(terminals.size()); ++c) {
    const Terminal& t = terminals[c];
    // The cluster: alveoli around the ductule's far half and tip (grape-like), each a neck's length
    // from its base on the ductule's axis. Candidates are drawn until the cluster is full or the
    // attempts run out.
    const double reach = r_cell + t.radius + s.epithelium_m;
    int placed = 0;
    for (int attempt = 0; attempt < 60 * s.alveoli_per_cluster && placed < s.alveoli_per_cluster; ++attempt) {
      const double along = rng.uniform() < 0.5 ? 0.0 : 0.5 * rng.uniform();  // from the tip back
      const Vec base = add(t.tip, add(t.tip, t.start, -1), -along);
      const double z = along > 0 ? 0.4 * rng.symmetric() : rng.uniform() * 1.15 - 0.15;  // cos to dir
      const double phi = 2 * pi * rng.uniform();
      const Vec e1 = unit(std::fabs(t.dir[0]) < 0.9 ? cross(t.dir, {1, 0, 0}) : cross(t.dir, {0, 1, 0}));
      const Vec e2 = cross(t.dir, e1);
      const double rho = std::sqrt(std::fmax(0.0, 1 - z * z));
      const Vec u = add(add(Vec{t.dir[0] * z, t.dir[1] * z, t.dir[2] * z}, e1, rho * std::cos(phi)), e2,
                        rho * std::sin(phi));
      const Vec centre = add(base, u, reach * (1 + 0.6 * rng.uniform()));
      if (centre[0] - r_outer < 0) continue;  // keep the outlet face free of alveoli
      bool ok = true;
      for (const Alveolus& a : out.alveoli) {
        const Vec d = add(centre, a.centre_m, -1);
        if (dot(d, d) < min_gap * min_gap) { ok = false; break; }
      }
      for (std::size_t k = 0; ok && k < tree_segments; ++k)
        ok = segment_distance(centre, out.ducts[k]) >= r_cell + out.ducts[k].lumen_radius_m;
      if (!ok) continue;
      out.alveoli.push_back({centre, base, c});
      ++placed;
    }
  }
  // Necks: each alveolus opens into its ductule's tip through a short duct of the ductule's radius
  // (at most half the alveolar lumen radius, so the alveolus stays a sphere).
  for (const Alveolus& a : out.alveoli) {
    const Terminal& t = terminals[a.cluster];
    out.ducts.push_back({a.neck_base_m, a.centre_m, std::fmin(t.radius, 0.5 * s.lumen_radius_m), s.generations});
  }
  if (out.alveoli.empty())
    throw GeometryKeyError("geometry.alveoli_per_cluster",
                           "geometry.kind = lobule: no alveolus could be placed; check the duct and "
                           "alveolus sizes");
  return out;
}

}  // namespace lactosim::mesh
