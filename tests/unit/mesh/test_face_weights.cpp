// SPDX-License-Identifier: MIT
// Face area weights |n·e| (DESIGN §2): weighted areas converge to the true membrane area.
#include <gtest/gtest.h>

#include <cmath>

#include "meshes/label_grid.hpp"
#include "mesh_test_util.hpp"

namespace lactosim::mesh {
namespace {

constexpr double pi = 3.14159265358979323846;

struct SphereAreas {
  double raw, weighted, exact;
};

// A sphere of radius r (label 1 inside, 0 outside), centre off the voxel lattice so no symmetry helps.
SphereAreas sphere_areas(double r, double h) {
  const int n = int(std::ceil(2 * r / h)) + 8;
  const double c[3] = {0.5 * n * h + 0.31 * h, 0.5 * n * h - 0.17 * h, 0.5 * n * h + 0.07 * h};
  const LabelGrid g = test::make_grid(n, h, [&](double x, double y, double z) {
    const double d2 = (x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1]) + (z - c[2]) * (z - c[2]);
    return std::uint8_t(d2 < r * r ? 1 : 0);
  });
  const std::vector<float> w = face_area_weights(g);
  SphereAreas s{0, 0, 4 * pi * r * r};
  test::for_each_interface_face(g, [&](long v, int a, std::uint8_t, std::uint8_t) {
    s.raw += h * h;
    s.weighted += w[3 * v + a] * h * h;
  });
  return s;
}

TEST(FaceAreaWeights, WeightedSphereAreaConvergesToTrueArea) {
  // The weighted area approaches 4πr² as h shrinks, down to a plateau of a few 0.1 % that the
  // smoothing width (fixed in voxels) leaves; the raw face area stays ~1.5× (DESIGN §2).
  const double r = 20e-6;
  std::vector<double> errors;
  for (double voxels_per_radius : {4.0, 8.0, 16.0, 32.0}) {
    const SphereAreas s = sphere_areas(r, r / voxels_per_radius);
    errors.push_back(std::fabs(s.weighted / s.exact - 1));
    std::printf("r/h = %4.0f  raw/true = %.4f  weighted/true = %.4f\n", voxels_per_radius,
                s.raw / s.exact, s.weighted / s.exact);
    EXPECT_LT(errors.back(), 0.03) << "r/h = " << voxels_per_radius;
  }
  EXPECT_LT(errors.back(), 0.01);
  EXPECT_LE(errors.back(), errors.front());
}

TEST(FaceAreaWeights, RawSphereAreaStaysAboutOneAndAHalfTimesTrue) {
  for (double voxels_per_radius : {8.0, 32.0}) {
    const SphereAreas s = sphere_areas(20e-6, 20e-6 / voxels_per_radius);
    EXPECT_NEAR(s.raw / s.exact, 1.5, 0.08) << "r/h = " << voxels_per_radius;
  }
}

TEST(FaceAreaWeights, AxisAlignedPlaneHasUnitWeightsAndEqualLabelsZero) {
  const LabelGrid g = test::make_grid(12, 1e-6, [](double x, double, double) {
    return std::uint8_t(x < 6e-6 ? 3 : 4);
  });
  const std::vector<float> w = face_area_weights(g);
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const long v = g.index(i, j, k);
        EXPECT_FLOAT_EQ(w[3 * v + 0], i == 5 ? 1.0f : 0.0f);
        EXPECT_EQ(w[3 * v + 1], 0.0f);
        EXPECT_EQ(w[3 * v + 2], 0.0f);
      }
}

TEST(FaceAreaWeights, TiltedPlaneWeightsSumToTrueArea) {
  // Plane x + 2y = const through a 32³ box: the true area is the box cross-section / cos.
  const int n = 32;
  const double h = 1.0;
  const LabelGrid g = test::make_grid(n, h, [&](double x, double y, double) {
    return std::uint8_t(x + 2 * y < 1.5 * n * h ? 1 : 2);
  });
  const std::vector<float> w = face_area_weights(g);
  double weighted = 0, raw = 0;
  test::for_each_interface_face(g, [&](long v, int a, std::uint8_t, std::uint8_t) {
    weighted += w[3 * v + a];
    raw += 1;
  });
  // The plane crosses the box from y = 0.75 n − x/2; its length in the xy-plane is n·√5/2, depth n.
  const double exact = n * h * std::sqrt(5.0) / 2 * n * h;
  EXPECT_NEAR(weighted / exact, 1.0, 0.02);
  EXPECT_GT(raw / exact, 1.3);
}

TEST(FaceAreaWeights, WeightDoesNotDependOnWhichLabelIsBelow) {
  auto ball = [](std::uint8_t in, std::uint8_t out) {
    return test::make_grid(20, 1.0, [=](double x, double y, double z) {
      const double d2 = (x - 10.3) * (x - 10.3) + (y - 9.6) * (y - 9.6) + (z - 10.1) * (z - 10.1);
      return d2 < 49 ? in : out;
    });
  };
  EXPECT_EQ(face_area_weights(ball(1, 2)), face_area_weights(ball(2, 1)));
}

}  // namespace
}  // namespace lactosim::mesh
