// SPDX-License-Identifier: MIT
// Apical and basolateral surfaces as VTK poly data (DESIGN §2). The voxel centres are the image's
// points, so a surface passes half-way between a region's voxel centres and its neighbours', like the
// true interface. These surfaces are for viewing: the engine's membrane areas are the weighted face
// areas (face_area_weights), not these triangles.
#include "meshes/surfaces.hpp"

#include <stdexcept>

#include <vtkAppendPolyData.h>
#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkIntArray.h>
#include <vtkMassProperties.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkCellData.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkXMLPolyDataWriter.h>

namespace lactosim::mesh {

namespace {

bool is_lumen(std::uint8_t l) { return l == labels::lumen || l == labels::outlet; }
bool is_cell(std::uint8_t l) { return l == labels::alveolar_cell || l == labels::duct_cell; }

// The boundary of the region `inside` as triangles, tagged with `tag` in the cell array "surface".
template <class Inside>
vtkSmartPointer<vtkPolyData> region_surface(const LabelGrid& g, Inside inside, int tag, double& area) {
  vtkNew<vtkImageData> image;
  image->SetDimensions(g.nx, g.ny, g.nz);
  image->SetSpacing(g.h_m, g.h_m, g.h_m);
  image->SetOrigin(g.origin_m[0] + 0.5 * g.h_m, g.origin_m[1] + 0.5 * g.h_m, g.origin_m[2] + 0.5 * g.h_m);
  vtkNew<vtkUnsignedCharArray> mask;
  mask->SetName("region");
  mask->SetNumberOfTuples(g.size());
  for (long v = 0; v < g.size(); ++v) mask->SetValue(v, inside(g.label[v]) ? 1 : 0);
  image->GetPointData()->SetScalars(mask);

  vtkNew<vtkDiscreteFlyingEdges3D> contour;
  contour->SetInputData(image);
  contour->SetValue(0, 1);
  contour->ComputeNormalsOff();
  contour->ComputeGradientsOff();
  contour->ComputeScalarsOff();
  contour->Update();
  auto out = vtkSmartPointer<vtkPolyData>::New();
  out->ShallowCopy(contour->GetOutput());
  vtkNew<vtkIntArray> surface;
  surface->SetName("surface");
  surface->SetNumberOfTuples(out->GetNumberOfCells());
  surface->Fill(tag);
  out->GetCellData()->AddArray(surface);
  area = 0;
  if (out->GetNumberOfCells() > 0) {
    vtkNew<vtkMassProperties> mass;
    mass->SetInputData(out);
    mass->Update();
    area = mass->GetSurfaceArea();
  }
  return out;
}

}  // namespace

SurfaceCounts write_surfaces_vtp(const LabelGrid& g, const std::string& path) {
  SurfaceCounts counts;
  auto apical = region_surface(g, is_lumen, 0, counts.apical_area_m2);
  auto baso = region_surface(g, [](std::uint8_t l) { return is_lumen(l) || is_cell(l); }, 1,
                             counts.basolateral_area_m2);
  counts.apical_triangles = apical->GetNumberOfCells();
  counts.basolateral_triangles = baso->GetNumberOfCells();
  vtkNew<vtkAppendPolyData> both;
  both->AddInputData(apical);
  both->AddInputData(baso);
  both->Update();
  vtkNew<vtkXMLPolyDataWriter> writer;
  writer->SetFileName(path.c_str());
  writer->SetInputData(both->GetOutput());
  writer->SetDataModeToBinary();
  if (writer->Write() != 1) throw std::runtime_error("cannot write surfaces to " + path);
  return counts;
}

}  // namespace lactosim::mesh
