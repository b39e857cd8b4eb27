// SPDX-License-Identifier: MIT
// Fields derived once per label grid (DESIGN §2): voxel counts, face areas per label pair, face area
// weights, the local duct radius of lumen voxels (for the lumen permeability k = r²/8, DESIGN §3),
// outlet voxels, lumen connectivity, and junction pairs (the paracellular pathway).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "meshes/label_grid.hpp"

namespace lactosim::mesh {

// Which generator labels play which part. Defaults are the labels the generators write; a model that
// maps other labels (an imported volume) passes its own sets.
struct DerivedOptions {
  std::vector<std::uint8_t> lumen_labels{labels::lumen, labels::outlet};
  std::uint8_t outlet_label = labels::outlet;
  std::vector<std::uint8_t> cell_labels{labels::alveolar_cell, labels::duct_cell};
  std::uint8_t interstitium_label = labels::interstitium;
  // Lumen voxels on this domain face are outlets too: -1 none, 0..5 = -x,+x,-y,+y,-z,+z.
  int outlet_face = -1;
  // Longest walk from an apical face through the cell layer looking for interstitium (m).
  double junction_max_walk_m = 30e-6;
};

struct LabelPairArea {
  std::uint8_t a = 0, b = 0;  // a < b
  long faces = 0;
  double raw_m2 = 0, weighted_m2 = 0;
};

struct LumenComponent {
  long voxels = 0;
  long outlet_voxels = 0;
  std::array<int, 3> first_voxel{0, 0, 0};  // lowest index (x fastest) of the component
};

// One paracellular junction: an apical face and the interstitium voxel behind it (DESIGN §2).
struct JunctionPair {
  long face = 0;               // 3*v + axis, as in face_area_weights()
  long lumen_voxel = 0;        // lumen side of the face
  long interstitium_voxel = 0; // reached along the normal through the cell layer
  float weight = 0;            // area weight of the face: junction area = weight·h²
};

struct DerivedFields {
  std::array<long, 256> voxels_per_label{};
  std::vector<LabelPairArea> pair_areas;      // sorted by (a, b); only pairs that occur
  std::vector<float> face_weight;             // face_area_weights(grid)
  std::vector<float> duct_radius_m;           // per voxel; 0 outside the lumen labels
  std::vector<long> outlet_voxels;            // ascending
  std::vector<LumenComponent> lumen_components;  // in order of first voxel
  std::vector<int> lumen_component_of;        // per voxel; -1 outside the lumen labels
  std::vector<JunctionPair> junctions;        // sorted by (interstitium_voxel, face)
  long junctions_unresolved = 0;              // apical faces with no interstitium within reach
};

// Computes everything above. OpenMP inside; the result does not depend on the thread count.
DerivedFields derive_fields(const LabelGrid& grid, const DerivedOptions& options = {});
// The same with the grid's face area weights already computed (face_area_weights(grid), 3 per voxel):
// they are the costliest part (a smoothed gradient per face; ~40 % of the lobule's derived fields),
// and a run has them from its geometry phase.
DerivedFields derive_fields(const LabelGrid& grid, const DerivedOptions& options, std::vector<float> face_weights);

// The local duct radius alone: for each voxel of `lumen`, the radius of the largest ball inscribed
// in the lumen that covers it (m), from an exact Euclidean distance transform; 0 elsewhere.
std::vector<float> local_duct_radius(const LabelGrid& grid, const std::vector<std::uint8_t>& lumen);

// Throws std::runtime_error if a lumen component has no outlet voxel, naming each such component's
// size and one voxel (i, j, k) so the user can find it (DESIGN §2: milk must be able to leave).
void require_lumen_reaches_outlet(const LabelGrid& grid, const DerivedFields& fields);

// Area of one label pair (either order); zero if the pair never meets.
LabelPairArea pair_area(const DerivedFields& fields, std::uint8_t a, std::uint8_t b);

// Human-readable summary and the same as a JSON object (for run.json / `lactosim mesh`).
std::string summary_text(const LabelGrid& grid, const DerivedFields& fields);
std::string summary_json(const LabelGrid& grid, const DerivedFields& fields);

}  // namespace lactosim::mesh
