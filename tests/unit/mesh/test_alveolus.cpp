// SPDX-License-Identifier: MIT
// kind = alveolus (DESIGN §2): layers in order, no forbidden contacts, deterministic, optional outlet.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "meshes/geometry_options.hpp"
#include "mesh_test_util.hpp"

namespace lactosim::mesh {
namespace {

using test::count_faces;

void expect_no_forbidden_contacts(const LabelGrid& g) {
  const std::uint8_t lumen_like[2] = {labels::lumen, labels::outlet};
  for (std::uint8_t l : lumen_like) {
    EXPECT_EQ(count_faces(g, l, labels::interstitium), 0) << "label " << int(l) << " | interstitium";
    EXPECT_EQ(count_faces(g, l, labels::blood), 0) << "label " << int(l) << " | blood";
    EXPECT_EQ(count_faces(g, l, labels::stroma), 0) << "label " << int(l) << " | stroma";
  }
  EXPECT_EQ(count_faces(g, labels::alveolar_cell, labels::blood), 0);
  EXPECT_EQ(count_faces(g, labels::duct_cell, labels::blood), 0);
}

TEST(Alveolus, LayersFollowEachOtherOutwardInOrder) {
  const GeometrySpec spec;
  const LabelGrid g = build_label_grid(spec);
  // Walk the +z ray from the centre through a hole-free direction (+z is between icosahedron
  // vertices) and record the sequence of labels met.
  const int c = g.nx / 2;
  std::vector<std::uint8_t> seq;
  for (int k = c; k < g.nz; ++k)
    if (seq.empty() || seq.back() != g.at(c, c, k)) seq.push_back(g.at(c, c, k));
  const std::vector<std::uint8_t> expected = {labels::lumen, labels::alveolar_cell, labels::interstitium,
                                              labels::blood, labels::stroma};
  EXPECT_EQ(seq, expected);
  // Layer thicknesses in voxels along that ray: 3 cell, 3 interstitium, 2 blood at h = 2 µm.
  int count[7] = {};
  for (int k = c; k < g.nz; ++k) ++count[g.at(c, c, k)];
  EXPECT_EQ(count[labels::alveolar_cell], 3);
  EXPECT_EQ(count[labels::interstitium], 3);
  EXPECT_EQ(count[labels::blood], 2);
  EXPECT_GE(count[labels::stroma], 2);
}

TEST(Alveolus, BoxJustHoldsTheShellsAndMargin) {
  const GeometrySpec spec;
  const LabelGrid g = build_label_grid(spec);
  const double outer = spec.lumen_radius_m + spec.epithelium_m + spec.interstitium_m + spec.capillary_m;
  EXPECT_EQ(g.nx, int(std::ceil(2 * (outer + spec.margin_m) / spec.voxel_m - 1e-9)));
  EXPECT_EQ(g.nx, g.ny);
  EXPECT_EQ(g.nx, g.nz);
  EXPECT_DOUBLE_EQ(g.h_m, spec.voxel_m);
  // The domain boundary is stroma only.
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j) {
      EXPECT_EQ(g.at(0, j, k), labels::stroma);
      EXPECT_EQ(g.at(g.nx - 1, j, k), labels::stroma);
    }
}

TEST(Alveolus, NoForbiddenContactsAtDefaultAndThinLayers) {
  GeometrySpec spec;
  expect_no_forbidden_contacts(build_label_grid(spec));
  spec.epithelium_m = spec.interstitium_m = spec.capillary_m = spec.voxel_m;  // the thinnest allowed
  spec.lumen_radius_m = 13e-6;
  expect_no_forbidden_contacts(build_label_grid(spec));
}

TEST(Alveolus, CapillaryShellIsPerforatedSoBloodTouchesOnlyInterstitium) {
  GeometrySpec spec;
  const LabelGrid closed = [&] { GeometrySpec s = spec; s.capillary_hole_fraction = 0; return build_label_grid(s); }();
  const LabelGrid holed = build_label_grid(spec);
  long blood_closed = 0, blood_holed = 0;
  for (auto l : closed.label) blood_closed += l == labels::blood;
  for (auto l : holed.label) blood_holed += l == labels::blood;
  const double removed = 1 - double(blood_holed) / blood_closed;
  EXPECT_GT(removed, 0.30);
  EXPECT_LT(removed, 0.50);
  EXPECT_GT(count_faces(holed, labels::blood, labels::interstitium), 0);
}

TEST(Alveolus, LumenIsClosedWithoutOutletFlag) {
  const LabelGrid g = build_label_grid(GeometrySpec{});
  for (auto l : g.label) EXPECT_NE(l, labels::outlet);
}

TEST(Alveolus, OutletDuctReachesThePlusXFaceLinedByCells) {
  GeometrySpec spec;
  spec.outlet = true;
  const LabelGrid g = build_label_grid(spec);
  expect_no_forbidden_contacts(g);
  long outlets = 0;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        if (g.at(i, j, k) == labels::outlet) {
          EXPECT_EQ(i, g.nx - 1);
          ++outlets;
        }
  EXPECT_GT(outlets, 0);
  // The duct is continuous lumen from the alveolus to the outlet along the axis.
  const int c = g.ny / 2;
  for (int i = g.nx / 2; i < g.nx - 1; ++i) EXPECT_EQ(g.at(i, c, c), labels::lumen) << "i = " << i;
}

TEST(Alveolus, SameSpecGivesIdenticalGrid) {
  GeometrySpec spec;
  spec.outlet = true;
  const LabelGrid a = build_label_grid(spec), b = build_label_grid(spec);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.origin_m, b.origin_m);
  EXPECT_EQ(face_area_weights(a), face_area_weights(b));
}

}  // namespace
}  // namespace lactosim::mesh
