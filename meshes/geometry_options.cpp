// SPDX-License-Identifier: MIT
// The [geometry] section: its keys, their conversion to SI and range checks, and the dispatch to the
// generator or importer the `kind` key names (DESIGN §2, §5: units live in key names).
#include "meshes/geometry_options.hpp"
#include "meshes/option_text.hpp"

#include <cstdio>
#include <cmath>
#include <sstream>

#include "meshes/generators.hpp"

namespace po = boost::program_options;

namespace lactosim::mesh {

namespace {


constexpr double um = 1e-6;

// Default spec, read once, so that the help defaults and the struct defaults cannot drift apart.
const GeometrySpec& defaults() {
  static const GeometrySpec spec;
  return spec;
}

std::string fmt(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// A length key in µm: its value in m, checked against [lo_um, hi_um] (lo exclusive when strict).
double length_m(const po::variables_map& vm, const std::string& key, double fallback_m, double lo_um,
                bool strict, double hi_um = 1e6) {
  if (!vm.count(key)) return fallback_m;
  const double v = vm[key].as<double>();
  if (!std::isfinite(v) || (strict ? v <= lo_um : v < lo_um) || v > hi_um)
    throw GeometryKeyError(key, key + " = " + fmt(v) + " is out of range: must be " +
                                    (strict ? "> " : ">= ") + fmt(lo_um) + " and <= " + fmt(hi_um) +
                                    " µm");
  return v * um;
}

double fraction(const po::variables_map& vm, const std::string& key, double fallback, double lo,
                double hi) {
  if (!vm.count(key)) return fallback;
  const double v = vm[key].as<double>();
  if (!std::isfinite(v) || v < lo || v > hi)
    throw GeometryKeyError(key, key + " = " + fmt(v) + " is out of range: must be in [" + fmt(lo) +
                                    ", " + fmt(hi) + "]");
  return v;
}

}  // namespace

po::options_description geometry_options() {
  const GeometrySpec& d = defaults();
  po::options_description o("[geometry] — the labelled voxel grid (DESIGN §2)");
  // clang-format off
  o.add_options()
    ("geometry.kind", po::value<std::string>()->default_value(d.kind),
     "alveolus (one alveolus with its shells) | lobule (duct tree with alveolar clusters) | "
     "file (import a labelled volume)")
    ("geometry.voxel_um", po::value<double>()->default_value(d.voxel_m / um, default_text(d.voxel_m / um)),
     "voxel edge h (µm); > 0")
    ("geometry.lumen_radius_um", po::value<double>()->default_value(d.lumen_radius_m / um, default_text(d.lumen_radius_m / um)),
     "alveolar lumen radius (µm); >= voxel_um")
    ("geometry.epithelium_um", po::value<double>()->default_value(d.epithelium_m / um, default_text(d.epithelium_m / um)),
     "epithelial (cell) layer thickness (µm); >= voxel_um so lumen never touches interstitium")
    ("geometry.interstitium_um", po::value<double>()->default_value(d.interstitium_m / um, default_text(d.interstitium_m / um)),
     "interstitial shell thickness (µm); >= voxel_um so blood never touches a cell")
    ("geometry.capillary_um", po::value<double>()->default_value(d.capillary_m / um, default_text(d.capillary_m / um)),
     "capillary (blood) shell thickness (µm); >= voxel_um")
    ("geometry.margin_um", po::value<double>()->default_value(d.margin_m / um, default_text(d.margin_m / um)),
     "stroma margin around everything (µm); >= 0")
    ("geometry.capillary_hole_fraction", po::value<double>()->default_value(d.capillary_hole_fraction, default_text(d.capillary_hole_fraction)),
     "fraction of the capillary shell cut away as 12 round holes (0 = closed shell); 0 to 0.85")
    ("geometry.outlet", po::value<bool>()->default_value(d.outlet, default_text(d.outlet)),
     "kind = alveolus: add a duct from the lumen to the +x face ending in outlet voxels (label 6)")
    ("geometry.outlet_radius_um", po::value<double>()->default_value(d.outlet_radius_m / um, default_text(d.outlet_radius_m / um)),
     "kind = alveolus: lumen radius of that duct (µm); >= voxel_um/2");
  // clang-format on
  add_lobule_options(o);
  add_import_options(o);
  return o;
}

GeometrySpec geometry_spec_from(const po::variables_map& vm, const std::string& config_dir) {
  const GeometrySpec& d = defaults();
  GeometrySpec s;
  if (vm.count("geometry.kind")) s.kind = vm["geometry.kind"].as<std::string>();
  if (s.kind != "alveolus" && s.kind != "lobule" && s.kind != "file")
    throw GeometryKeyError("geometry.kind", "geometry.kind = " + s.kind +
                                                " is not one of: alveolus, lobule, file");
  s.voxel_m = length_m(vm, "geometry.voxel_um", d.voxel_m, 0, true, 1e4);
  // The generator sizes must hold at least a voxel; an imported volume does not use them, so a
  // coarse voxel_um for a file must not trip the (defaulted) alveolus sizes.
  const double h_um = s.kind == "file" ? 0 : s.voxel_m / um;
  s.lumen_radius_m = length_m(vm, "geometry.lumen_radius_um", d.lumen_radius_m, h_um, false);
  // One voxel is the least that keeps the forbidden contacts away: face neighbours' centres are h
  // apart, so a layer >= h thick always separates the labels on its two sides (DESIGN §2).
  s.epithelium_m = length_m(vm, "geometry.epithelium_um", d.epithelium_m, h_um, false);
  s.interstitium_m = length_m(vm, "geometry.interstitium_um", d.interstitium_m, h_um, false);
  s.capillary_m = length_m(vm, "geometry.capillary_um", d.capillary_m, h_um, false);
  s.margin_m = length_m(vm, "geometry.margin_um", d.margin_m, 0, false);
  s.capillary_hole_fraction =
      fraction(vm, "geometry.capillary_hole_fraction", d.capillary_hole_fraction, 0, 0.85);
  if (vm.count("geometry.outlet")) s.outlet = vm["geometry.outlet"].as<bool>();
  s.outlet_radius_m = length_m(vm, "geometry.outlet_radius_um", d.outlet_radius_m, h_um / 2, false);
  if (s.kind == "alveolus" && s.outlet &&
      s.outlet_radius_m + s.epithelium_m + s.interstitium_m >= s.lumen_radius_m)
    throw GeometryKeyError("geometry.outlet_radius_um",
                           "geometry.outlet_radius_um + epithelium_um + interstitium_um must be "
                           "smaller than lumen_radius_um, so the duct's sheath starts inside the lumen");
  if (s.kind == "alveolus") alveolus_grid_dims(s);  // too large a grid is refused before any work
  if (s.kind != "file") read_lobule_options(vm, s);  // lobule sizes are checked against h; unused for a file
  read_import_options(vm, config_dir, s);
  return s;
}

std::array<int, 3> grid_dims(const std::array<double, 3>& extent_voxels, const std::string& key,
                             const std::string& what, const std::string& remedy) {
  std::array<double, 3> n{};
  double padded = 1;
  for (int a = 0; a < 3; ++a) {
    n[a] = std::max(1.0, std::ceil(extent_voxels[a]));
    padded *= n[a] + 2;
  }
  if (!(padded <= max_grid_voxels)) {  // also refuses a NaN extent
    char text[160];
    std::snprintf(text, sizeof text, "the grid would have %.10g × %.10g × %.10g voxels, %.3g with the "
                  "solver's halo, more than the %.0e allowed voxels", n[0], n[1], n[2], padded,
                  max_grid_voxels);
    throw GeometryKeyError(key, what + ": " + text + "; " + remedy);
  }
  return {int(n[0]), int(n[1]), int(n[2])};
}

std::optional<std::array<int, 3>> grid_dims_before_build(const GeometrySpec& spec) {
  if (spec.kind == "alveolus") return alveolus_grid_dims(spec);
  if (spec.kind == "lobule") return lobule_grid_dims(spec);  // the plan alone: no voxel yet
  if (spec.kind == "file" && spec.format == "raw") return spec.raw_dims;
  return std::nullopt;
}

LabelGrid build_label_grid(const GeometrySpec& spec) {
  if (spec.kind == "alveolus") return make_alveolus(spec);
  if (spec.kind == "lobule") return make_lobule(spec);
  if (spec.kind == "file") return import_label_volume(spec);
  throw GeometryKeyError("geometry.kind", "geometry.kind = " + spec.kind + " is not known");
}

}  // namespace lactosim::mesh
