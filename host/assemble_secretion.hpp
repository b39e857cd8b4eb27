// SPDX-License-Identifier: MIT
// The secretion mechanics' share of assembly (docs/secretion.md), called by assemble_problem:
//   secretion_derived_fields   the mesh's derived fields the model needs (junction pairs for a
//                              paracellular membrane; duct radius, outlets and lumen components for
//                              milk flow), or nothing when it needs none
//   assemble_secretion         electrical nodes and pairs, water tables, lumen flow fields; run after
//                              the faces (including junction faces) are final
#pragma once
#include <optional>

#include "../kernels/problem.hpp"
#include "../meshes/derived_fields.hpp"
#include "../meshes/label_grid.hpp"
#include "model.hpp"

namespace lactosim {

// `face_weights`: the grid's face_area_weights when the caller has them (empty: computed here).
std::optional<mesh::DerivedFields> secretion_derived_fields(const Model& model, const mesh::LabelGrid& grid,
                                                            const std::vector<float>& face_weights = {});

// Throws std::runtime_error (naming the compartment and a voxel) when a lumen component has no
// outlet voxel, or a lumen has none at all: the pressure solve would have no solution.
void assemble_secretion(const Model& model, const mesh::LabelGrid& grid,
                        const std::optional<mesh::DerivedFields>& derived, kernels::Problem& p);

}  // namespace lactosim
