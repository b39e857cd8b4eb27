// SPDX-License-Identifier: MIT
// Surfaces for ParaView: written, readable, and of about the right size.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include <vtkNew.h>
#include <vtkPolyData.h>
#include <vtkXMLPolyDataReader.h>

#include "meshes/geometry_options.hpp"
#include "meshes/surfaces.hpp"

namespace lactosim::mesh {
namespace {

TEST(Surfaces, AlveolusApicalAndBasolateralSurfacesReadBack) {
  const GeometrySpec spec;
  const LabelGrid g = build_label_grid(spec);
  const std::string path = ::testing::TempDir() + "alveolus_surfaces.vtp";
  const SurfaceCounts c = write_surfaces_vtp(g, path);
  const double pi = 3.14159265358979323846;
  const double r_a = spec.lumen_radius_m, r_b = r_a + spec.epithelium_m;
  EXPECT_NEAR(c.apical_area_m2 / (4 * pi * r_a * r_a), 1.0, 0.1);
  EXPECT_NEAR(c.basolateral_area_m2 / (4 * pi * r_b * r_b), 1.0, 0.1);
  vtkNew<vtkXMLPolyDataReader> reader;
  reader->SetFileName(path.c_str());
  reader->Update();
  EXPECT_EQ(reader->GetOutput()->GetNumberOfCells(), c.apical_triangles + c.basolateral_triangles);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace lactosim::mesh
