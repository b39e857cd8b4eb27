// SPDX-License-Identifier: MIT
// Domain decomposition (DESIGN §6, issue #16): the grid cut into slabs along one axis, one per MPI
// rank, each a Problem of its own whose Block carries the slab's global offset and a halo thick
// enough for every membrane face that touches its interior.
//
// What a rank holds (sub_problem):
//   - its interior planes [begin, end) along `axis`, the whole grid across the other two axes;
//   - halo planes on both sides along `axis` filled with the neighbours' labels, compartments and
//     lumen tables (so a stencil or a face reads across the cut exactly as one rank would) — and, like
//     the one-rank block, no-flux padding (compartment −1) where the halo lies outside the grid;
//   - every membrane face with a voxel in its interior: the ones it owns (first voxel in its
//     interior) first, in the global order, then the others (MembraneFaces::n_owned), so a face that
//     crosses the cut is computed by both ranks from the same values and counted by one;
//   - the gather lists and reaction voxels of its interior, the node-pair face lists of its owned
//     faces; every per-model table as the global Problem has it.
// No pass writes a halo: the halo is refreshed by Communicator::exchange_halo before a pass reads it.
//
// The slab is the simplest cut that keeps the LOD lines along the other two axes whole; the lines
// along `axis` cross ranks and are solved by transposes (host/step/mpi_communicator.cpp).
#pragma once
#include <vector>

#include "../kernels/problem.hpp"

namespace lactosim {

struct Slab {
  int axis = 2;             // the axis cut (0 x, 1 y, 2 z)
  int begin = 0, end = 0;   // interior planes [begin, end) of the global interior along axis
};

// The balanced cut of n planes into `parts` slabs: the first n % parts get one plane more.
// Throws std::invalid_argument when a slab would be thinner than min_planes (a halo must come from
// one neighbour's interior).
Slab slab_of(int axis, int n_planes, int parts, int part, int min_planes = 1);

// The halo a slab along `axis` needs: the largest distance along it between a face's two voxels
// (junction pairs reach across the cell layer), at least 1.
int halo_for_faces(const kernels::Problem& global, int axis);

// The slab's Problem (above). with_faces = false leaves out faces, gather lists, reactions and the
// electrical network (a problem for the diffusion line solves alone).
kernels::Problem sub_problem(const kernels::Problem& global, const Slab& slab, int halo, bool with_faces = true);

// The slab's part of a global padded field of n_blocks blocks of values_per_voxel values per padded
// voxel ([b][v][k] = field[(b * padded + v) * values_per_voxel + k]), in the slab's padded layout;
// voxels outside the global padded block read 0.
std::vector<double> sub_field(const kernels::Block& global, const kernels::Block& local, const std::vector<double>& field,
                              int n_blocks, int values_per_voxel = 1);

// The slab's interior written into a global padded field of the same shape (the gather's half).
void put_interior(const kernels::Block& local, const std::vector<double>& local_field, const kernels::Block& global,
                  std::vector<double>& field, int n_blocks, int values_per_voxel = 1);

}  // namespace lactosim
