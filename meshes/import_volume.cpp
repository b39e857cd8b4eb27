// SPDX-License-Identifier: MIT
#include <stdexcept>

#include "meshes/generators.hpp"

namespace lactosim::mesh {
void add_import_options(boost::program_options::options_description&) {}
void read_import_options(const boost::program_options::variables_map&, const std::string&, GeometrySpec&) {}
// Import of labelled volumes (.vti, .nrrd, TIFF, raw) is planned (DESIGN §2) and not written yet.
LabelGrid import_label_volume(const GeometrySpec&) {
  throw std::runtime_error("geometry.kind = file: importing labelled volumes is not implemented yet");
}
}  // namespace lactosim::mesh
