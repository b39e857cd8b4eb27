// SPDX-License-Identifier: MIT
// kind = lobule: options, and rasterising a planned layout into labels (DESIGN §2).
// Every shape (duct capsule or alveolar sphere) is a lumen core dilated into shells: cells within
// epithelium of the core, interstitium within epithelium + interstitium, and for alveoli a perforated
// capillary shell beyond. Each voxel takes the highest-ranked label any shape gives it
// (lumen > alveolar cell > duct cell > interstitium > blood > stroma). The cell region is then the
// epithelium-dilation of the lumen and blood lies outside the (epithelium + interstitium)-dilation,
// so with layers >= h no lumen voxel touches interstitium or blood and no blood touches a cell.
// max() is order-independent: the grid does not depend on the thread count.
#include <algorithm>
#include <cmath>

#include "meshes/generators.hpp"
#include "meshes/option_text.hpp"
#include "meshes/lobule.hpp"
#include "meshes/shapes.hpp"

namespace po = boost::program_options;

namespace lactosim::mesh {

namespace {

constexpr std::uint8_t rank_to_label[6] = {labels::stroma,    labels::blood,         labels::interstitium,
                                           labels::duct_cell, labels::alveolar_cell, labels::lumen};

struct Shape {
  std::array<double, 3> a, b;  // sphere: a = b = centre; capsule: the axis
  double r_lumen, r_cell, r_inter, r_blood;  // r_blood = r_inter for shapes without capillaries
  std::uint8_t cell_rank;
  int lo[3], hi[3];  // voxel bounding box (inclusive), clipped to the grid
};

double distance(const std::array<double, 3>& p, const Shape& s) {
  double d[3], w[3], len2 = 0, t = 0;
  for (int i = 0; i < 3; ++i) {
    d[i] = s.b[i] - s.a[i];
    w[i] = p[i] - s.a[i];
    len2 += d[i] * d[i];
    t += w[i] * d[i];
  }
  t = len2 > 0 ? std::clamp(t / len2, 0.0, 1.0) : 0.0;
  double r2 = 0;
  for (int i = 0; i < 3; ++i) r2 += (w[i] - t * d[i]) * (w[i] - t * d[i]);
  return std::sqrt(r2);
}

}  // namespace

void add_lobule_options(po::options_description& o) {
  const GeometrySpec d;
  // clang-format off
  o.add_options()
    ("geometry.seed", po::value<unsigned>()->default_value(d.seed), "kind = lobule: random seed of the layout")
    ("geometry.generations", po::value<int>()->default_value(d.generations),
     "kind = lobule: duct generations (1–8); 2^(generations-1) terminal ductules")
    ("geometry.root_radius_um", po::value<double>()->default_value(d.root_radius_m * 1e6, default_text(d.root_radius_m * 1e6)),
     "kind = lobule: lumen radius of the root duct at the outlet (µm)")
    ("geometry.murray", po::value<bool>()->default_value(d.murray, default_text(d.murray)),
     "kind = lobule: child radius = parent · 2^(-1/3) (Murray's law); false uses radius_ratio")
    ("geometry.radius_ratio", po::value<double>()->default_value(d.radius_ratio, default_text(d.radius_ratio)),
     "kind = lobule: child/parent duct radius when murray = false (0.3–1)")
    ("geometry.root_length_um", po::value<double>()->default_value(d.root_length_m * 1e6, default_text(d.root_length_m * 1e6)),
     "kind = lobule: length of the root duct (µm)")
    ("geometry.length_ratio", po::value<double>()->default_value(d.length_ratio, default_text(d.length_ratio)),
     "kind = lobule: child/parent duct length (0.3–1.5)")
    ("geometry.branch_angle_deg", po::value<double>()->default_value(d.branch_angle_deg, default_text(d.branch_angle_deg)),
     "kind = lobule: angle of each child from its parent's direction (degrees, 5–80)")
    ("geometry.jitter", po::value<double>()->default_value(d.jitter, default_text(d.jitter)),
     "kind = lobule: relative random spread of lengths and angles (0–0.5)")
    ("geometry.alveoli_per_cluster", po::value<int>()->default_value(d.alveoli_per_cluster),
     "kind = lobule: alveoli around each terminal ductule (1–40; fewer if they do not fit)")
    ("geometry.alveolus_overlap", po::value<double>()->default_value(d.alveolus_overlap, default_text(d.alveolus_overlap)),
     "kind = lobule: allowed overlap of neighbouring epithelial spheres, fraction of their radius (0–0.5)");
  // clang-format on
}

void read_lobule_options(const po::variables_map& vm, GeometrySpec& s) {
  auto number = [&](const char* key, double lo, double hi, double fallback) {
    if (!vm.count(key)) return fallback;
    const double v = vm[key].as<double>();
    if (!(v >= lo && v <= hi))
      throw GeometryKeyError(key, std::string(key) + " = " + std::to_string(v) + " is out of range [" +
                                      std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  };
  auto integer = [&](const char* key, int lo, int hi, int fallback) {
    if (!vm.count(key)) return fallback;
    const int v = vm[key].as<int>();
    if (v < lo || v > hi)
      throw GeometryKeyError(key, std::string(key) + " = " + std::to_string(v) + " is out of range [" +
                                      std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  };
  if (vm.count("geometry.seed")) s.seed = vm["geometry.seed"].as<unsigned>();
  if (vm.count("geometry.murray")) s.murray = vm["geometry.murray"].as<bool>();
  s.generations = integer("geometry.generations", 1, 8, s.generations);
  s.alveoli_per_cluster = integer("geometry.alveoli_per_cluster", 1, 40, s.alveoli_per_cluster);
  s.root_radius_m = 1e-6 * number("geometry.root_radius_um", s.voxel_m * 1e6, 1e4, s.root_radius_m * 1e6);
  s.radius_ratio = number("geometry.radius_ratio", 0.3, 1, s.radius_ratio);
  s.root_length_m = 1e-6 * number("geometry.root_length_um", s.voxel_m * 1e6, 1e5, s.root_length_m * 1e6);
  s.length_ratio = number("geometry.length_ratio", 0.3, 1.5, s.length_ratio);
  s.branch_angle_deg = number("geometry.branch_angle_deg", 5, 80, s.branch_angle_deg);
  s.jitter = number("geometry.jitter", 0, 0.5, s.jitter);
  s.alveolus_overlap = number("geometry.alveolus_overlap", 0, 0.5, s.alveolus_overlap);
}

namespace {

std::vector<Shape> lobule_shapes(const GeometrySpec& s, const LobuleLayout& layout) {
  const double epi = s.epithelium_m, inter = s.interstitium_m;
  std::vector<Shape> shapes;
  for (const auto& d : layout.ducts) {
    const double r = d.lumen_radius_m;
    shapes.push_back({d.start_m, d.end_m, r, r + epi, r + epi + inter, r + epi + inter, 3, {}, {}});
  }
  const double ra = s.lumen_radius_m;
  for (const auto& a : layout.alveoli)
    shapes.push_back({a.centre_m, a.centre_m, ra, ra + epi, ra + epi + inter, ra + epi + inter + s.capillary_m,
                      4, {}, {}});
  return shapes;
}

// Domain: the shapes' bounding box plus the margin, except on -x, where the root duct starts at the
// boundary so that its lumen ends in outlet voxels. Sets g's voxel size and origin; returns the
// checked grid size.
std::array<int, 3> lobule_domain(const GeometrySpec& s, const std::vector<Shape>& shapes, LabelGrid& g) {
  std::array<double, 3> lo{1e300, 1e300, 1e300}, hi{-1e300, -1e300, -1e300};
  for (const auto& sh : shapes)
    for (int i = 0; i < 3; ++i) {
      lo[i] = std::min({lo[i], sh.a[i] - sh.r_blood, sh.b[i] - sh.r_blood});
      hi[i] = std::max({hi[i], sh.a[i] + sh.r_blood, sh.b[i] + sh.r_blood});
    }
  const double h = s.voxel_m;
  g.h_m = h;
  std::array<double, 3> extent{};
  for (int i = 0; i < 3; ++i) {
    const double start = i == 0 ? 0.0 : lo[i] - s.margin_m;
    extent[i] = (hi[i] + s.margin_m - start) / h;
    g.origin_m[i] = start;
  }
  return grid_dims(extent, "geometry.voxel_um", "geometry.kind = lobule",
                   "use a larger voxel_um, or fewer generations or alveoli_per_cluster");
}

}  // namespace

std::array<int, 3> lobule_grid_dims(const GeometrySpec& s) {
  LabelGrid g;
  return lobule_domain(s, lobule_shapes(s, plan_lobule(s)), g);
}

LabelGrid make_lobule(const GeometrySpec& s) {
  const LobuleLayout layout = plan_lobule(s);
  std::vector<Shape> shapes = lobule_shapes(s, layout);
  LabelGrid g;
  const std::array<int, 3> n = lobule_domain(s, shapes, g);
  const double h = s.voxel_m;
  g.nx = n[0];
  g.ny = n[1];
  g.nz = n[2];
  for (auto& sh : shapes)
    for (int i = 0; i < 3; ++i) {
      const double a = std::min(sh.a[i], sh.b[i]) - sh.r_blood, b = std::max(sh.a[i], sh.b[i]) + sh.r_blood;
      sh.lo[i] = std::max(0, int(std::floor((a - g.origin_m[i]) / h)));
      sh.hi[i] = std::min(n[i] - 1, int(std::ceil((b - g.origin_m[i]) / h)));
    }

  std::vector<std::uint8_t> rank(g.size(), 0);
#pragma omp parallel for schedule(dynamic, 1)
  for (int k = 0; k < g.nz; ++k)
    for (const auto& sh : shapes) {
      if (k < sh.lo[2] || k > sh.hi[2]) continue;
      for (int j = sh.lo[1]; j <= sh.hi[1]; ++j)
        for (int i = sh.lo[0]; i <= sh.hi[0]; ++i) {
          const auto p = g.centre_m(i, j, k);
          const double d = distance(p, sh);
          std::uint8_t r = 0;
          if (d < sh.r_lumen)
            r = 5;
          else if (d < sh.r_cell)
            r = sh.cell_rank;
          else if (d < sh.r_inter)
            r = 2;
          else if (d < sh.r_blood)
            r = shapes::in_capillary_hole(p[0] - sh.a[0], p[1] - sh.a[1], p[2] - sh.a[2],
                                          s.capillary_hole_fraction) ? 2 : 1;
          std::uint8_t& cur = rank[g.index(i, j, k)];
          if (r > cur) cur = r;
        }
    }
  g.label.resize(g.size());
  for (long v = 0; v < g.size(); ++v) g.label[v] = rank_to_label[rank[v]];
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      if (g.at(0, j, k) == labels::lumen) g.label[g.index(0, j, k)] = labels::outlet;
  return g;
}

}  // namespace lactosim::mesh
