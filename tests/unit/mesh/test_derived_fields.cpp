// SPDX-License-Identifier: MIT
// Derived fields (DESIGN §2, §3): duct radius, areas, outlets, lumen connectivity, junctions.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "meshes/derived_fields.hpp"
#include "meshes/geometry_options.hpp"
#include "mesh_test_util.hpp"

namespace lactosim::mesh {
namespace {

constexpr double pi = 3.14159265358979323846;

// A straight tube along z (lumen inside radius R, duct cells outside) through the whole grid.
LabelGrid tube(int n, int nz, double h, double radius) {
  LabelGrid g = test::make_grid(n, h, [&](double x, double y, double) {
    const double cx = 0.5 * n * h + 0.2 * h, cy = 0.5 * n * h - 0.3 * h;
    return std::hypot(x - cx, y - cy) < radius ? labels::lumen : labels::duct_cell;
  });
  g.nz = nz;
  g.label.resize(g.size());
  return g;
}

TEST(LocalDuctRadius, EveryVoxelOfATubeGetsTheTubeRadius) {
  const double h = 1e-6;
  for (double radius_vox : {4.0, 7.5, 12.0}) {
    const int n = int(2 * radius_vox) + 6;
    const LabelGrid g = tube(n, 10, h, radius_vox * h);
    const auto r = local_duct_radius(g, {labels::lumen});
    double smallest = 1e9, largest = 0;
    for (long v = 0; v < g.size(); ++v) {
      if (g.label[v] != labels::lumen) {
        EXPECT_EQ(r[v], 0.0f);
        continue;
      }
      smallest = std::min<double>(smallest, r[v]);
      largest = std::max<double>(largest, r[v]);
    }
    // Near-wall voxels too: the covering ball, not their own (sub-voxel) distance to the wall.
    EXPECT_NEAR(smallest, radius_vox * h, h) << "R = " << radius_vox << " voxels";
    EXPECT_NEAR(largest, radius_vox * h, h) << "R = " << radius_vox << " voxels";
  }
}

TEST(LocalDuctRadius, NarrowDuctIntoWideChamberKeepsBothRadii) {
  // A 3-voxel-radius duct along x opening into a 10-voxel-radius ball: the duct keeps its own radius.
  const double h = 1e-6;
  const LabelGrid g = test::make_grid(40, h, [&](double x, double y, double z) {
    const double c = 20e-6;
    const bool ball = std::hypot(x - 12e-6, std::hypot(y - c, z - c)) < 10e-6;
    const bool duct = x > 12e-6 && std::hypot(y - c, z - c) < 3e-6;
    return (ball || duct) ? labels::lumen : labels::alveolar_cell;
  });
  const auto r = local_duct_radius(g, {labels::lumen});
  EXPECT_NEAR(r[g.index(35, 20, 20)], 3e-6, h);
  // The ball's centre sits on a voxel corner: the discrete estimate may fall up to ~1.4 h short.
  EXPECT_NEAR(r[g.index(12, 20, 20)], 10e-6, 1.5 * h);
}

TEST(DerivedFields, DefaultAlveolusAreasCountsAndJunctions) {
  const GeometrySpec spec;
  const auto t0 = std::chrono::steady_clock::now();
  const LabelGrid g = build_label_grid(spec);
  const auto t1 = std::chrono::steady_clock::now();
  const DerivedFields d = derive_fields(g);
  const auto t2 = std::chrono::steady_clock::now();
  std::printf("%s", summary_text(g, d).c_str());
  std::printf("generate %.1f ms, derive %.1f ms\n", std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count());

  long total = 0;
  for (long c : d.voxels_per_label) total += c;
  EXPECT_EQ(total, g.size());

  const double r_apical = spec.lumen_radius_m, r_baso = r_apical + spec.epithelium_m;
  const auto apical = pair_area(d, labels::alveolar_cell, labels::lumen);
  const auto baso = pair_area(d, labels::interstitium, labels::alveolar_cell);
  EXPECT_NEAR(apical.weighted_m2 / (4 * pi * r_apical * r_apical), 1.0, 0.03);
  EXPECT_NEAR(baso.weighted_m2 / (4 * pi * r_baso * r_baso), 1.0, 0.03);
  EXPECT_GT(apical.raw_m2 / apical.weighted_m2, 1.35);
  EXPECT_EQ(pair_area(d, labels::lumen, labels::interstitium).faces, 0);
  EXPECT_EQ(pair_area(d, labels::blood, labels::alveolar_cell).faces, 0);

  // Junctions: one per apical face, each reaching interstitium just outside the cell shell.
  EXPECT_EQ(d.junctions_unresolved, 0);
  EXPECT_EQ(long(d.junctions.size()), apical.faces);
  double junction_area = 0;
  for (std::size_t i = 0; i < d.junctions.size(); ++i) {
    const auto& j = d.junctions[i];
    ASSERT_EQ(g.label[j.interstitium_voxel], labels::interstitium);
    EXPECT_EQ(g.label[j.lumen_voxel], labels::lumen);
    const long v = j.interstitium_voxel;
    const auto c = g.centre_m(int(v % g.nx), int((v / g.nx) % g.ny), int(v / (long(g.nx) * g.ny)));
    EXPECT_LT(std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]), r_baso + 1.5 * g.h_m);
    if (i) {
      EXPECT_LE(d.junctions[i - 1].interstitium_voxel, j.interstitium_voxel);
    }
    junction_area += j.weight * g.h_m * g.h_m;
  }
  EXPECT_NEAR(junction_area, apical.weighted_m2, 1e-6 * apical.weighted_m2);
}

TEST(DerivedFields, ClosedLumenIsAnErrorNamingSizeAndVoxel) {
  const LabelGrid g = build_label_grid(GeometrySpec{});
  const DerivedFields d = derive_fields(g);
  ASSERT_EQ(d.lumen_components.size(), 1u);
  try {
    require_lumen_reaches_outlet(g, d);
    ADD_FAILURE() << "closed lumen accepted";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(std::to_string(d.lumen_components[0].voxels) + " voxels"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(i, j, k) = ("), std::string::npos) << msg;
  }
}

TEST(DerivedFields, OutletLabelOrDomainFaceOpensTheLumen) {
  GeometrySpec spec;
  spec.outlet = true;
  const LabelGrid g = build_label_grid(spec);
  const DerivedFields d = derive_fields(g);
  EXPECT_GT(d.outlet_voxels.size(), 0u);
  EXPECT_NO_THROW(require_lumen_reaches_outlet(g, d));

  // A tube with no outlet label, opened by naming the -z face.
  const LabelGrid t = tube(16, 8, 1e-6, 5e-6);
  DerivedOptions o;
  EXPECT_THROW(require_lumen_reaches_outlet(t, derive_fields(t, o)), std::runtime_error);
  o.outlet_face = 4;
  const DerivedFields dt = derive_fields(t, o);
  EXPECT_NO_THROW(require_lumen_reaches_outlet(t, dt));
  for (long v : dt.outlet_voxels) EXPECT_EQ(v / (16 * 16), 0);
}

TEST(DerivedFields, SameGridGivesIdenticalFieldsAndJson) {
  GeometrySpec spec;
  spec.outlet = true;
  const LabelGrid g = build_label_grid(spec);
  const DerivedFields a = derive_fields(g), b = derive_fields(g);
  EXPECT_EQ(a.duct_radius_m, b.duct_radius_m);
  ASSERT_EQ(a.junctions.size(), b.junctions.size());
  for (std::size_t i = 0; i < a.junctions.size(); ++i) {
    EXPECT_EQ(a.junctions[i].face, b.junctions[i].face);
    EXPECT_EQ(a.junctions[i].interstitium_voxel, b.junctions[i].interstitium_voxel);
  }
  const std::string json = summary_json(g, a);
  EXPECT_EQ(json, summary_json(g, b));
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_NE(json.find("\"voxels_per_label\""), std::string::npos);
}

}  // namespace
}  // namespace lactosim::mesh
