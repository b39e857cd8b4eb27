// SPDX-License-Identifier: MIT
#include "decomposition.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace lactosim {
namespace {

using kernels::Block;

// Padded coordinates (interior voxel 0 at 0, the halo at −halo … −1) of a padded index.
struct Coord {
  int c[3];
};
Coord coord_of(const Block& b, long v) {
  const long px = b.px(), py = b.py();
  return {{int(v % px) - b.halo, int((v / px) % py) - b.halo, int(v / (px * py)) - b.halo}};
}

bool inside_padded(const Block& b, const int c[3]) {
  const int n[3] = {b.nx, b.ny, b.nz};
  for (int a = 0; a < 3; ++a)
    if (c[a] < -b.halo || c[a] >= n[a] + b.halo) return false;
  return true;
}

long padded_index(const Block& b, const int c[3]) {
  return (long(c[2] + b.halo) * b.py() + (c[1] + b.halo)) * b.px() + (c[0] + b.halo);
}

// For every padded voxel of `local`, the global padded voxel it stands for, or −1 outside the
// global padded block.
std::vector<long> global_of_local(const Block& global, const Block& local, int axis, int begin) {
  std::vector<long> map(std::size_t(local.padded_voxels()), -1);
  for (long v = 0; v < local.padded_voxels(); ++v) {
    Coord c = coord_of(local, v);
    c.c[axis] += begin;
    if (inside_padded(global, c.c)) map[std::size_t(v)] = padded_index(global, c.c);
  }
  return map;
}

template <class T>
std::vector<T> slice(const std::vector<T>& global, const std::vector<long>& map, T outside) {
  std::vector<T> out(map.size(), outside);
  if (global.empty()) return {};
  for (std::size_t v = 0; v < map.size(); ++v)
    if (map[v] >= 0) out[v] = global[std::size_t(map[v])];
  return out;
}

int axis_coord(const Block& b, long v, int axis) { return coord_of(b, v).c[axis]; }

}  // namespace

Slab slab_of(int axis, int n_planes, int parts, int part, int min_planes) {
  if (axis < 0 || axis > 2) throw std::invalid_argument("slab_of: axis must be 0, 1 or 2");
  if (parts < 1 || part < 0 || part >= parts) throw std::invalid_argument("slab_of: part out of range");
  const int base = n_planes / parts, extra = n_planes % parts;
  Slab s;
  s.axis = axis;
  s.begin = part * base + std::min(part, extra);
  s.end = s.begin + base + (part < extra ? 1 : 0);
  if (base < min_planes) {
    const char* name[3] = {"x", "y", "z"};
    throw std::invalid_argument("the grid has " + std::to_string(n_planes) + " voxels along " + name[axis] +
                                ": cut into " + std::to_string(parts) + " slabs, some would hold fewer than " +
                                std::to_string(min_planes) + " planes (the halo the membrane faces need); run on " +
                                "fewer ranks (at most " + std::to_string(std::max(1, n_planes / min_planes)) + ")");
  }
  return s;
}

int halo_for_faces(const kernels::Problem& global, int axis) {
  int reach = 1;
  const Block& b = global.block;
  for (long f = 0; f < global.faces.size(); ++f)
    reach = std::max(reach, std::abs(axis_coord(b, global.faces.first_voxel[f], axis) -
                                     axis_coord(b, global.faces.second_voxel[f], axis)));
  return reach;
}

kernels::Problem sub_problem(const kernels::Problem& g, const Slab& slab, int halo, bool with_faces) {
  if (g.faces.n_owned >= 0) throw std::invalid_argument("sub_problem: the problem is already a slab");
  const int axis = slab.axis;
  kernels::Problem p = g;  // every per-model table as it is; the per-voxel and per-face ones below
  Block& b = p.block;
  b.halo = halo;
  int* n[3] = {&b.nx, &b.ny, &b.nz};
  *n[axis] = slab.end - slab.begin;
  b.offset[axis] = g.block.offset[axis] + slab.begin;
  b.origin_m[axis] = g.block.origin_m[axis] + slab.begin * g.block.h_m;
  const std::vector<long> map = global_of_local(g.block, b, axis, slab.begin);

  p.compartment = slice<std::int8_t>(g.compartment, map, -1);
  p.label = slice<std::uint8_t>(g.label, map, 0);
  p.lumen = slice<std::uint8_t>(g.lumen, map, 0);
  p.outlet = slice<std::uint8_t>(g.outlet, map, 0);
  p.lumen_mobility = slice<double>(g.lumen_mobility, map, 0.0);
  p.electrical.node_of_voxel = slice<std::int32_t>(g.electrical.node_of_voxel, map, -1);

  // Global padded index → local padded index, for the voxels this slab holds.
  std::unordered_map<long, long> local_of;
  local_of.reserve(map.size());
  for (std::size_t v = 0; v < map.size(); ++v)
    if (map[v] >= 0) local_of.emplace(map[v], long(v));
  const auto in_interior = [&](long global_voxel) {
    const int c = axis_coord(g.block, global_voxel, axis);
    return c >= slab.begin && c < slab.end;
  };

  p.faces = {};
  p.gather = {};
  p.reaction_voxels.clear();
  p.reaction_region_mask.clear();
  p.electrical.pair_offset.assign(1, 0);
  p.electrical.pair_face.clear();
  if (!with_faces) {
    p.faces.n_owned = 0;
    p.electrical.pair_offset.assign(std::size_t(g.electrical.n_pairs()) + 1, 0);
    return p;
  }

  // Faces: the owned ones (first voxel in the interior), then those owned by a neighbour whose
  // second voxel lies here — each in the global order.
  const kernels::MembraneFaces& gf = g.faces;
  std::vector<long> local_face(std::size_t(gf.size()), -1);
  const auto take = [&](long f) {
    const auto first = local_of.find(gf.first_voxel[f]), second = local_of.find(gf.second_voxel[f]);
    if (first == local_of.end() || second == local_of.end())
      throw std::logic_error("sub_problem: a membrane face reaches beyond the halo of " + std::to_string(halo) +
                             " planes");
    local_face[std::size_t(f)] = p.faces.size();
    p.faces.first_voxel.push_back(first->second);
    p.faces.second_voxel.push_back(second->second);
    p.faces.membrane.push_back(gf.membrane[f]);
    p.faces.area_weight.push_back(gf.area_weight[f]);
    p.faces.region_mask.push_back(gf.region_mask[f]);
  };
  for (long f = 0; f < gf.size(); ++f)
    if (in_interior(gf.first_voxel[f])) take(f);
  p.faces.n_owned = p.faces.size();
  for (long f = 0; f < gf.size(); ++f)
    if (!in_interior(gf.first_voxel[f]) && in_interior(gf.second_voxel[f])) take(f);

  // Gather lists of the interior's voxels, each in its global face order.
  const kernels::MembraneGather& gg = g.gather;
  p.gather.offset.push_back(0);
  for (long i = 0; i < gg.size(); ++i) {
    if (!in_interior(gg.voxel[i])) continue;
    p.gather.voxel.push_back(local_of.at(gg.voxel[i]));
    for (long q = gg.offset[i]; q < gg.offset[i + 1]; ++q) {
      p.gather.face_of.push_back(local_face[std::size_t(gg.face_of[q])]);
      p.gather.sign_of.push_back(gg.sign_of[q]);
    }
    p.gather.offset.push_back(long(p.gather.face_of.size()));
  }
  for (std::size_t i = 0; i < g.reaction_voxels.size(); ++i)
    if (in_interior(g.reaction_voxels[i])) {
      p.reaction_voxels.push_back(local_of.at(g.reaction_voxels[i]));
      p.reaction_region_mask.push_back(g.reaction_region_mask[i]);
    }
  // Node pairs: the owned faces only (a pair's current is summed over the ranks).
  const kernels::ElectricalNetwork& ge = g.electrical;
  for (int q = 0; q < ge.n_pairs(); ++q) {
    for (long k = ge.pair_offset[q]; k < ge.pair_offset[q + 1]; ++k) {
      const long f = ge.pair_face[std::size_t(k)];
      if (in_interior(gf.first_voxel[f])) p.electrical.pair_face.push_back(local_face[std::size_t(f)]);
    }
    p.electrical.pair_offset.push_back(long(p.electrical.pair_face.size()));
  }
  return p;
}

std::vector<double> sub_field(const Block& global, const Block& local, const std::vector<double>& field, int n_blocks,
                              int values_per_voxel) {
  const long gv = global.padded_voxels(), lv = local.padded_voxels();
  if (field.size() != std::size_t(n_blocks) * gv * values_per_voxel)
    throw std::invalid_argument("sub_field: the field does not match the global block");
  // The slab's axis and first plane, from the offsets.
  int axis = 2, begin = 0;
  for (int a = 0; a < 3; ++a)
    if (local.offset[a] != global.offset[a] || (a == 0 ? local.nx != global.nx : a == 1 ? local.ny != global.ny
                                                                                         : local.nz != global.nz))
      axis = a, begin = local.offset[a] - global.offset[a];
  const std::vector<long> map = global_of_local(global, local, axis, begin);
  std::vector<double> out(std::size_t(n_blocks) * lv * values_per_voxel, 0.0);
  for (int bk = 0; bk < n_blocks; ++bk)
    for (long v = 0; v < lv; ++v) {
      if (map[std::size_t(v)] < 0) continue;
      for (int k = 0; k < values_per_voxel; ++k)
        out[(std::size_t(bk) * lv + v) * values_per_voxel + k] =
            field[(std::size_t(bk) * gv + map[std::size_t(v)]) * values_per_voxel + k];
    }
  return out;
}

void put_interior(const Block& local, const std::vector<double>& local_field, const Block& global,
                  std::vector<double>& field, int n_blocks, int values_per_voxel) {
  const long gv = global.padded_voxels(), lv = local.padded_voxels();
  if (local_field.size() != std::size_t(n_blocks) * lv * values_per_voxel ||
      field.size() != std::size_t(n_blocks) * gv * values_per_voxel)
    throw std::invalid_argument("put_interior: a field does not match its block");
  const int d[3] = {local.offset[0] - global.offset[0], local.offset[1] - global.offset[1],
                    local.offset[2] - global.offset[2]};
  for (int bk = 0; bk < n_blocks; ++bk)
    for (int k = 0; k < local.nz; ++k)
      for (int j = 0; j < local.ny; ++j)
        for (int i = 0; i < local.nx; ++i) {
          const long from = local.index(i, j, k), to = global.index(i + d[0], j + d[1], k + d[2]);
          for (int c = 0; c < values_per_voxel; ++c)
            field[(std::size_t(bk) * gv + to) * values_per_voxel + c] =
                local_field[(std::size_t(bk) * lv + from) * values_per_voxel + c];
        }
}

}  // namespace lactosim
