// SPDX-License-Identifier: MIT
// The slabs of a domain decomposition (host/decomposition.hpp) hold, between them, exactly the one
// problem: every face owned once, every interior voxel's gather list the whole one, the halo as
// thick as the longest face, and fields cut and put back unchanged. (The runs on MPI ranks against
// one rank: tests/mpi.)
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "host/assemble.hpp"
#include "host/decomposition.hpp"
#include "secretion_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

kernels::Problem secreting_problem() {
  return assemble_problem(secreting_epithelium_model(), secretory_box_grid(12, true), {});
}

// (i, j, k) in the whole grid of a padded voxel of block b.
std::array<int, 3> global_ijk(const kernels::Block& b, long v) {
  return {int(v % b.px()) - b.halo + b.offset[0], int((v / b.px()) % b.py()) - b.halo + b.offset[1],
          int(v / (b.px() * b.py())) - b.halo + b.offset[2]};
}

}  // namespace

TEST(Decomposition, SlabsCutThePlanesEvenlyAndRefuseSlabsThinnerThanTheHalo) {
  const std::vector<std::pair<int, int>> want = {{0, 4}, {4, 8}, {8, 11}, {11, 14}};
  for (int r = 0; r < 4; ++r) {
    const Slab s = slab_of(2, 14, 4, r);
    EXPECT_EQ(s.begin, want[std::size_t(r)].first);
    EXPECT_EQ(s.end, want[std::size_t(r)].second);
  }
  try {
    slab_of(2, 12, 5, 0, 3);
    FAIL() << "5 slabs of 12 planes with a halo of 3 were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("at most 4"), std::string::npos) << e.what();
  }
}

TEST(Decomposition, TheHaloReachesAcrossTheCellLayerOfTheJunctionFaces) {
  // Interstitium at depth 2, lumen from depth 5: the paracellular faces span 3 voxels.
  EXPECT_EQ(halo_for_faces(secreting_problem(), 2), 3);
}

TEST(Decomposition, EveryFaceIsOwnedByOneSlabAndEveryGatherListIsTheWholeOne) {
  const kernels::Problem whole = secreting_problem();
  const int halo = halo_for_faces(whole, 2);
  // The whole problem's faces by their voxels' grid coordinates, and each interior voxel's gather.
  using Key = std::pair<std::array<int, 3>, std::array<int, 3>>;
  std::map<Key, long> face_of;
  for (long f = 0; f < whole.faces.size(); ++f)
    face_of[{global_ijk(whole.block, whole.faces.first_voxel[f]), global_ijk(whole.block, whole.faces.second_voxel[f])}] = f;
  for (int ranks : {1, 2, 3, 4}) {
    std::vector<int> owned(std::size_t(whole.faces.size()), 0);
    long gathered = 0, reaction_voxels = 0;
    for (int r = 0; r < ranks; ++r) {
      const kernels::Problem p = sub_problem(whole, slab_of(2, whole.block.nz, ranks, r, halo), halo);
      ASSERT_GE(p.faces.owned(), 0);
      for (long f = 0; f < p.faces.size(); ++f) {
        const Key key{global_ijk(p.block, p.faces.first_voxel[f]), global_ijk(p.block, p.faces.second_voxel[f])};
        ASSERT_TRUE(face_of.count(key)) << "a face no one-rank face matches";
        const long g = face_of[key];
        EXPECT_EQ(p.faces.membrane[f], whole.faces.membrane[g]);
        EXPECT_EQ(p.faces.area_weight[f], whole.faces.area_weight[g]);
        if (f < p.faces.owned()) ++owned[std::size_t(g)];
      }
      for (long i = 0; i < p.gather.size(); ++i) {
        ++gathered;
        std::vector<std::pair<long, int>> faces;  // the whole problem's face and sign, in order
        for (long q = p.gather.offset[i]; q < p.gather.offset[i + 1]; ++q) {
          const long f = p.gather.face_of[q];
          faces.emplace_back(face_of[{global_ijk(p.block, p.faces.first_voxel[f]),
                                      global_ijk(p.block, p.faces.second_voxel[f])}],
                             p.gather.sign_of[q]);
        }
        // The same voxel's list in the whole problem.
        const std::array<int, 3> at = global_ijk(p.block, p.gather.voxel[i]);
        const long v = whole.block.index(at[0], at[1], at[2]);
        const auto it = std::find(whole.gather.voxel.begin(), whole.gather.voxel.end(), v);
        ASSERT_NE(it, whole.gather.voxel.end());
        const long w = it - whole.gather.voxel.begin();
        std::vector<std::pair<long, int>> want;
        for (long q = whole.gather.offset[w]; q < whole.gather.offset[w + 1]; ++q)
          want.emplace_back(whole.gather.face_of[q], whole.gather.sign_of[q]);
        EXPECT_EQ(faces, want) << "voxel (" << at[0] << ", " << at[1] << ", " << at[2] << ") on " << ranks << " ranks";
      }
      reaction_voxels += long(p.reaction_voxels.size());
      // Node pairs: the owned faces of each, so the ranks' currents add up to the whole one's.
      ASSERT_EQ(p.electrical.n_pairs(), whole.electrical.n_pairs());
      for (long n : p.electrical.pair_face) EXPECT_LT(n, p.faces.owned());
    }
    for (long f = 0; f < whole.faces.size(); ++f)
      ASSERT_EQ(owned[std::size_t(f)], 1) << "face " << f << " on " << ranks << " ranks";
    EXPECT_EQ(gathered, whole.gather.size());
    EXPECT_EQ(reaction_voxels, long(whole.reaction_voxels.size()));
  }
}

TEST(Decomposition, AFieldCutIntoSlabsAndPutBackIsTheWholeField) {
  const kernels::Problem whole = secreting_problem();
  const kernels::Block& b = whole.block;
  const int halo = halo_for_faces(whole, 2);
  // Three blocks of 3 values per voxel: every value distinct.
  std::vector<double> field(std::size_t(3) * b.padded_voxels() * 3);
  for (std::size_t i = 0; i < field.size(); ++i) field[i] = double(i) + 0.5;
  std::vector<double> back(field.size(), -1.0);
  for (int r = 0; r < 3; ++r) {
    const kernels::Problem p = sub_problem(whole, slab_of(2, b.nz, 3, r, halo), halo, false);
    const std::vector<double> piece = sub_field(b, p.block, field, 3, 3);
    // The slab's halo reads the neighbours' interior values where the grid goes on.
    const int k_below = p.block.offset[2] - 1;
    if (k_below >= 0) {
      EXPECT_EQ(piece[std::size_t(p.block.index(2, 3, -1)) * 3 + 1], field[std::size_t(b.index(2, 3, k_below)) * 3 + 1]);
    }
    put_interior(p.block, piece, b, back, 3, 3);
  }
  for (int bk = 0; bk < 3; ++bk)
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j)
        for (int i = 0; i < b.nx; ++i)
          for (int c = 0; c < 3; ++c) {
            const std::size_t at = (std::size_t(bk) * b.padded_voxels() + b.index(i, j, k)) * 3 + c;
            ASSERT_EQ(back[at], field[at]);
          }
}
