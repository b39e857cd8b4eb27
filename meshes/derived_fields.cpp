// SPDX-License-Identifier: MIT
// Derived fields of a label grid (DESIGN §2): counts, areas, outlets, lumen connectivity, junctions.
#include "meshes/derived_fields.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace lactosim::mesh {

namespace {

struct LabelSet {
  bool has[256] = {};
  explicit LabelSet(const std::vector<std::uint8_t>& ls) {
    for (auto l : ls) has[l] = true;
  }
  bool operator()(std::uint8_t l) const { return has[l]; }
};

std::array<int, 3> ijk(const LabelGrid& g, long v) {
  return {int(v % g.nx), int((v / g.nx) % g.ny), int(v / (long(g.nx) * g.ny))};
}

bool on_face(const LabelGrid& g, long v, int face) {
  const auto c = ijk(g, v);
  const int axis = face / 2, n[3] = {g.nx, g.ny, g.nz};
  return (face % 2 == 0) ? c[axis] == 0 : c[axis] == n[axis] - 1;
}

// 6-connected components of the lumen labels, numbered in scan order (deterministic).
void label_lumen_components(const LabelGrid& g, const LabelSet& lumen, DerivedFields& d) {
  d.lumen_component_of.assign(g.size(), -1);
  std::vector<long> stack;
  for (long s = 0; s < g.size(); ++s) {
    if (!lumen(g.label[s]) || d.lumen_component_of[s] >= 0) continue;
    const int id = int(d.lumen_components.size());
    LumenComponent comp;
    comp.first_voxel = ijk(g, s);
    stack.assign(1, s);
    d.lumen_component_of[s] = id;
    while (!stack.empty()) {
      const long v = stack.back();
      stack.pop_back();
      ++comp.voxels;
      const auto c = ijk(g, v);
      const int n[3] = {g.nx, g.ny, g.nz};
      const long stride[3] = {1, g.nx, long(g.nx) * g.ny};
      for (int a = 0; a < 3; ++a)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
          const int cc = c[a] + sgn;
          if (cc < 0 || cc >= n[a]) continue;
          const long w = v + sgn * stride[a];
          if (lumen(g.label[w]) && d.lumen_component_of[w] < 0) {
            d.lumen_component_of[w] = id;
            stack.push_back(w);
          }
        }
    }
    d.lumen_components.push_back(comp);
  }
  for (long v : d.outlet_voxels) ++d.lumen_components[d.lumen_component_of[v]].outlet_voxels;
}

// Walks from an apical face's centre along its normal, into the cell side, until it leaves the cell
// labels; returns the voxel it reached if that is interstitium, else -1.
long walk_to_interstitium(const LabelGrid& g, const std::array<double, 3>& start,
                          const std::array<double, 3>& dir, const LabelSet& cell, std::uint8_t inter,
                          double max_walk) {
  const double step = 0.25 * g.h_m;
  for (double t = step; t <= max_walk; t += step) {
    int c[3];
    for (int a = 0; a < 3; ++a) c[a] = int(std::floor((start[a] + t * dir[a] - g.origin_m[a]) / g.h_m));
    if (c[0] < 0 || c[1] < 0 || c[2] < 0 || c[0] >= g.nx || c[1] >= g.ny || c[2] >= g.nz) return -1;
    const std::uint8_t l = g.at(c[0], c[1], c[2]);
    if (l == inter) return g.index(c[0], c[1], c[2]);
    if (!cell(l) && t > 0.75 * g.h_m) return -1;  // lumen right at the start is the staircase's corner
  }
  return -1;
}

// Fallback for a face whose normal walk finds no interstitium (a cell wall shared by two touching
// lumens, a sharp corner): the nearest interstitium voxel reached through cell voxels, breadth first
// in a fixed neighbour order (deterministic), within the walk's reach.
long nearest_interstitium_through_cells(const LabelGrid& g, long cell_voxel, const LabelSet& cell,
                                        std::uint8_t inter, double max_walk) {
  const int max_steps = int(std::ceil(max_walk / g.h_m));
  std::vector<long> frontier{cell_voxel}, next;
  std::unordered_set<long> seen{cell_voxel};
  const long stride[3] = {1, g.nx, long(g.nx) * g.ny};
  const int n[3] = {g.nx, g.ny, g.nz};
  for (int step = 0; step < max_steps && !frontier.empty(); ++step) {
    next.clear();
    for (long v : frontier) {
      const auto c = ijk(g, v);
      for (int a = 0; a < 3; ++a)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
          if (c[a] + sgn < 0 || c[a] + sgn >= n[a]) continue;
          const long w = v + sgn * stride[a];
          if (g.label[w] == inter) return w;
          if (cell(g.label[w]) && seen.insert(w).second) next.push_back(w);
        }
    }
    frontier.swap(next);
  }
  return -1;
}

void find_junctions(const LabelGrid& g, const DerivedOptions& o, const LabelSet& lumen,
                    const LabelSet& cell, DerivedFields& d) {
  std::vector<long> apical;  // faces, ascending
  for (long v = 0; v < g.size(); ++v) {
    const auto c = ijk(g, v);
    const long stride[3] = {1, g.nx, long(g.nx) * g.ny};
    const int n[3] = {g.nx, g.ny, g.nz};
    for (int a = 0; a < 3; ++a) {
      if (c[a] + 1 >= n[a]) continue;
      const std::uint8_t p = g.label[v], q = g.label[v + stride[a]];
      if ((cell(p) && lumen(q)) || (lumen(p) && cell(q))) apical.push_back(3 * v + a);
    }
  }
  std::vector<JunctionPair> found(apical.size());
#pragma omp parallel for schedule(dynamic, 256)
  for (long f = 0; f < long(apical.size()); ++f) {
    const long v = apical[f] / 3;
    const int a = int(apical[f] % 3);
    const long stride[3] = {1, g.nx, long(g.nx) * g.ny};
    const long w = v + stride[a];
    const auto n = face_normal(g, v, a);  // from v into w
    const bool cell_is_upper = cell(g.label[w]);
    const double sgn = cell_is_upper ? 1.0 : -1.0;
    const auto c = ijk(g, v);
    std::array<double, 3> start = g.centre_m(c[0], c[1], c[2]);
    start[a] += 0.5 * g.h_m;
    const std::array<double, 3> dir{sgn * n[0], sgn * n[1], sgn * n[2]};
    JunctionPair& j = found[f];
    j.face = apical[f];
    j.lumen_voxel = cell_is_upper ? v : w;
    j.weight = d.face_weight[apical[f]];
    j.interstitium_voxel =
        walk_to_interstitium(g, start, dir, cell, o.interstitium_label, o.junction_max_walk_m);
    if (j.interstitium_voxel < 0) {  // along the face's own axis, for a normal misled by a corner
      std::array<double, 3> axis_dir{0, 0, 0};
      axis_dir[a] = sgn;
      j.interstitium_voxel =
          walk_to_interstitium(g, start, axis_dir, cell, o.interstitium_label, o.junction_max_walk_m);
    }
    if (j.interstitium_voxel < 0)
      j.interstitium_voxel = nearest_interstitium_through_cells(g, cell_is_upper ? w : v, cell,
                                                                o.interstitium_label, o.junction_max_walk_m);
  }
  for (const auto& j : found) {
    if (j.interstitium_voxel >= 0)
      d.junctions.push_back(j);
    else
      ++d.junctions_unresolved;
  }
  // Sorted by interstitium voxel, so the engine's per-voxel accumulation is a segmented reduction in
  // a fixed order (bitwise reproducible, DESIGN §2).
  std::sort(d.junctions.begin(), d.junctions.end(), [](const JunctionPair& x, const JunctionPair& y) {
    return x.interstitium_voxel != y.interstitium_voxel ? x.interstitium_voxel < y.interstitium_voxel
                                                        : x.face < y.face;
  });
}

const char* label_name(int l) {
  static const char* names[] = {"stroma", "blood", "interstitium", "alveolar_cell",
                                "lumen",  "duct_cell", "outlet"};
  return l < 7 ? names[l] : "label";
}

}  // namespace

DerivedFields derive_fields(const LabelGrid& g, const DerivedOptions& o) {
  return derive_fields(g, o, face_area_weights(g));
}

DerivedFields derive_fields(const LabelGrid& g, const DerivedOptions& o, std::vector<float> face_weights) {
  if (face_weights.size() != 3 * std::size_t(g.size()))
    throw std::invalid_argument("derive_fields: " + std::to_string(face_weights.size()) + " face weights for " +
                                std::to_string(g.size()) + " voxels (3 each)");
  DerivedFields d;
  const LabelSet lumen(o.lumen_labels), cell(o.cell_labels);
  for (auto l : g.label) ++d.voxels_per_label[l];
  d.face_weight = std::move(face_weights);

  // Areas per label pair: a serial pass, so the double sums have one fixed order.
  std::map<std::pair<int, int>, LabelPairArea> pairs;
  const double h2 = g.h_m * g.h_m;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const long v = g.index(i, j, k);
        const int nb[3][3] = {{i + 1, j, k}, {i, j + 1, k}, {i, j, k + 1}};
        const int lim[3] = {g.nx, g.ny, g.nz};
        for (int a = 0; a < 3; ++a) {
          if (nb[a][a] >= lim[a]) continue;
          const std::uint8_t p = g.label[v], q = g.at(nb[a][0], nb[a][1], nb[a][2]);
          if (p == q) continue;
          LabelPairArea& pa = pairs[{std::min(p, q), std::max(p, q)}];
          pa.a = std::min(p, q);
          pa.b = std::max(p, q);
          ++pa.faces;
          pa.raw_m2 += h2;
          pa.weighted_m2 += d.face_weight[3 * v + a] * h2;
        }
      }
  for (const auto& kv : pairs) d.pair_areas.push_back(kv.second);

  d.duct_radius_m = local_duct_radius(g, o.lumen_labels);
  for (long v = 0; v < g.size(); ++v) {
    if (!lumen(g.label[v])) continue;
    if (g.label[v] == o.outlet_label || (o.outlet_face >= 0 && on_face(g, v, o.outlet_face)))
      d.outlet_voxels.push_back(v);
  }
  label_lumen_components(g, lumen, d);
  find_junctions(g, o, lumen, cell, d);
  return d;
}

void require_lumen_reaches_outlet(const LabelGrid& g, const DerivedFields& d) {
  std::ostringstream msg;
  int bad = 0;
  for (const auto& c : d.lumen_components)
    if (c.outlet_voxels == 0) {
      msg << (bad++ ? "; " : "") << c.voxels << " voxels including (i, j, k) = (" << c.first_voxel[0]
          << ", " << c.first_voxel[1] << ", " << c.first_voxel[2] << ")";
    }
  if (bad)
    throw std::runtime_error(std::to_string(bad) + " lumen component(s) reach no outlet, so milk made " +
                             "there cannot leave (add an outlet label or geometry outlet face): " +
                             msg.str());
}

LabelPairArea pair_area(const DerivedFields& d, std::uint8_t a, std::uint8_t b) {
  for (const auto& p : d.pair_areas)
    if (p.a == std::min(a, b) && p.b == std::max(a, b)) return p;
  LabelPairArea none;
  none.a = std::min(a, b);
  none.b = std::max(a, b);
  return none;
}

std::string summary_text(const LabelGrid& g, const DerivedFields& d) {
  std::ostringstream s;
  s << "grid " << g.nx << " x " << g.ny << " x " << g.nz << ", h = " << g.h_m * 1e6 << " um\n";
  for (int l = 0; l < 256; ++l)
    if (d.voxels_per_label[l])
      s << "  label " << l << " (" << label_name(l) << "): " << d.voxels_per_label[l] << " voxels\n";
  for (const auto& p : d.pair_areas)
    s << "  faces " << int(p.a) << "|" << int(p.b) << " (" << label_name(p.a) << "|" << label_name(p.b)
      << "): " << p.faces << ", raw " << p.raw_m2 * 1e12 << " um^2, weighted " << p.weighted_m2 * 1e12
      << " um^2\n";
  s << "  lumen components: " << d.lumen_components.size() << ", outlet voxels: " << d.outlet_voxels.size()
    << ", junctions: " << d.junctions.size() << " (unresolved " << d.junctions_unresolved << ")\n";
  return s.str();
}

std::string summary_json(const LabelGrid& g, const DerivedFields& d) {
  std::ostringstream s;
  s.precision(10);
  s << "{\"grid\": [" << g.nx << ", " << g.ny << ", " << g.nz << "], \"voxel_um\": " << g.h_m * 1e6
    << ", \"voxels_per_label\": {";
  bool first = true;
  for (int l = 0; l < 256; ++l)
    if (d.voxels_per_label[l]) {
      s << (first ? "" : ", ") << "\"" << l << "\": " << d.voxels_per_label[l];
      first = false;
    }
  s << "}, \"faces\": [";
  for (std::size_t i = 0; i < d.pair_areas.size(); ++i) {
    const auto& p = d.pair_areas[i];
    s << (i ? ", " : "") << "{\"labels\": [" << int(p.a) << ", " << int(p.b) << "], \"faces\": " << p.faces
      << ", \"raw_um2\": " << p.raw_m2 * 1e12 << ", \"weighted_um2\": " << p.weighted_m2 * 1e12 << "}";
  }
  s << "], \"lumen_components\": [";
  for (std::size_t i = 0; i < d.lumen_components.size(); ++i) {
    const auto& c = d.lumen_components[i];
    s << (i ? ", " : "") << "{\"voxels\": " << c.voxels << ", \"outlet_voxels\": " << c.outlet_voxels
      << ", \"first_voxel\": [" << c.first_voxel[0] << ", " << c.first_voxel[1] << ", " << c.first_voxel[2]
      << "]}";
  }
  s << "], \"outlet_voxels\": " << d.outlet_voxels.size() << ", \"junctions\": " << d.junctions.size()
    << ", \"junctions_unresolved\": " << d.junctions_unresolved << "}";
  return s.str();
}

}  // namespace lactosim::mesh
