// SPDX-License-Identifier: MIT
// The explicit step's passes, the pressure solve's passes, the lumen advection and the advection
// preconditioner's sweep give, in the sparse layout (kernels/problem.hpp, kernels/voxel_layout.hpp),
// the dense layout's values bit for bit on every modelled voxel.
//
// Why bitwise: an unmodelled voxel couples to nothing in either layout (compartment −1, not lumen,
// concentration 0), and each sparse pass takes the dense pass's operations on the same values in the
// same order (slots in the dense index order, neighbours through the table, per-row sums with the
// empty rows kept). Each test runs one pass on a dense problem with stroma punched into it and on its
// sparse copy (host/sparse_layout.hpp), from the same non-uniform state, and compares with EXPECT_EQ.
// The run-level claim (whole runs agree) is tests/verification/test_sparse_layout.cpp's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "host/assemble.hpp"
#include "host/sparse_layout.hpp"
#include "host/step/advection_sweep.hpp"
#include "kernels/host_views.hpp"
#include "kernels/lumen_advection.hpp"
#include "kernels/lumen_flow.hpp"
#include "kernels/step_kernels.hpp"
#include "secretion_builders.hpp"

using namespace lactosim;
using namespace lactosim::testing;

namespace {

// A field that differs from voxel to voxel (so that a stencil read from the wrong neighbour shows),
// zero where the dense layout holds zero.
std::vector<double> varied(const std::vector<double>& base, long box) {
  std::vector<double> out = base;
  for (std::size_t n = 0; n < out.size(); ++n)
    if (out[n] != 0.0) out[n] *= 1.0 + 0.01 * double((long(n % box) * 37) % 11);
  return out;
}

// One model on a punched grid, in both layouts, with a non-uniform state.
struct Pair {
  Model model;
  kernels::Problem dense, sparse;
  kernels::StepRates rates;
  std::vector<double> c_dense, c_sparse;
  int ns = 0;
  long box = 0;

  Pair(Model m, const mesh::LabelGrid& grid)
      : model(std::move(m)), dense(assemble_problem(model, grid, {})), sparse(to_sparse_layout(dense)) {
    rates = rates_at(model, dense, 0.0);
    ns = dense.n_species;
    box = dense.block.padded_voxels();
    c_dense = varied(initial_concentrations(model, dense), box);
    c_sparse = to_slots(sparse, c_dense, ns);
  }
  // Per padded voxel of the dense box (lumen-only fields: zero elsewhere), and the same on the slots.
  std::vector<double> lumen_field(double base, double spread) const {
    std::vector<double> f(std::size_t(box), 0.0);
    for (long v = 0; v < box; ++v)
      if (!dense.lumen.empty() && dense.lumen[v]) f[v] = base * (1.0 + spread * double((v * 13) % 7));
    return f;
  }
  // Species-major fields (`blocks` blocks) equal on every modelled voxel.
  void expect_same(const std::vector<double>& d, const std::vector<double>& s, int blocks, const char* what) const {
    for (int q = 0; q < blocks; ++q) {
      const std::vector<double> a = interior_of(dense, d.data() + std::size_t(q) * box);
      const std::vector<double> b = interior_of(sparse, s.data() + std::size_t(q) * sparse.block.padded_voxels());
      ASSERT_EQ(a.size(), b.size());
      long differ = 0;
      for (std::size_t v = 0; v < a.size(); ++v) differ += !(a[v] == b[v]) && !(std::isnan(a[v]) && std::isnan(b[v]));
      EXPECT_EQ(differ, 0) << what << ", block " << q;
    }
  }
};

Pair secreting() { return Pair(secreting_epithelium_model(), punched(secretory_box_grid(12, true), 2)); }

}  // namespace

TEST(SparseStepKernels, DiffusionStencilGivesTheDenseValues) {
  const Pair p = secreting();
  const std::vector<double> ud = kernels::ghk_arguments(p.dense), us = kernels::ghk_arguments(p.sparse);
  const kernels::ProblemView vd = kernels::host_view(p.dense, ud), vs = kernels::host_view(p.sparse, us);
  ASSERT_NE(vs.neighbour, nullptr);
  const kernels::RatesView r = kernels::host_rates_view(p.rates);
  std::vector<double> nd = p.c_dense, ns = p.c_sparse;
  const double dt = 1e-4;
  const double md = kernels::cpu::diffuse_species(vd, r, dt, p.c_dense.data(), nd.data());
  const double ms = kernels::cpu::diffuse_species(vs, r, dt, p.c_sparse.data(), ns.data());
  EXPECT_EQ(ms, md);
  EXPECT_NE(nd, p.c_dense);  // something diffused
  p.expect_same(nd, ns, p.ns, "c_new");
}

// compute_membrane_fluxes, apply_membrane_fluxes, membrane_totals, pair_currents and
// lumen_water_source, with solved potentials, a lumen pressure, secretion and water.
TEST(SparseStepKernels, MembranePassesGiveTheDenseValues) {
  const Pair p = secreting();
  ASSERT_GT(p.dense.electrical.n_nodes, 0);
  ASSERT_TRUE(p.dense.has_secretion && p.dense.has_water);
  const std::vector<double> ud = kernels::ghk_arguments(p.dense), us = kernels::ghk_arguments(p.sparse);
  const kernels::ProblemView vd = kernels::host_view(p.dense, ud), vs = kernels::host_view(p.sparse, us);
  const kernels::RatesView r = kernels::host_rates_view(p.rates);
  const long nf = p.dense.faces.size();
  ASSERT_GT(nf, 0);
  const int ns = p.ns, nm = p.dense.n_membranes;
  std::vector<double> potential(std::size_t(p.dense.electrical.n_nodes));
  for (std::size_t n = 0; n < potential.size(); ++n) potential[n] = -0.045 + 0.01 * double(n);
  const std::vector<double> pressure_d = p.lumen_field(40.0, 0.1), pressure_s = to_slots(p.sparse, pressure_d, 1);

  struct Out {
    std::vector<double> flux, taken, delivered, water, c_new, inflow, transfer, secreted, I, dIdu, q;
    double min_value = 0;
  };
  const auto run = [&](const kernels::ProblemView& v, const std::vector<double>& c, const std::vector<double>& pr,
                       long nv) {
    Out o;
    o.flux.assign(std::size_t(nf) * ns, 0.0);
    o.taken = o.delivered = o.flux;
    o.water.assign(std::size_t(nf), 0.0);
    kernels::SecretionFields sec;
    sec.node_potential_V = potential.data();
    sec.pressure_Pa = pr.data();
    sec.face_taken = o.taken.data();
    sec.face_delivered = o.delivered.data();
    sec.face_water = o.water.data();
    kernels::cpu::compute_membrane_fluxes(v, r, c.data(), o.flux.data(), sec);
    o.c_new = c;
    o.min_value = kernels::cpu::apply_membrane_fluxes(v, 1e-3, o.flux.data(), sec, o.c_new.data());
    o.inflow.assign(std::size_t(ns), 0.0);
    o.transfer.assign(std::size_t(nm) * ns, 0.0);
    o.secreted.assign(std::size_t(ns), 0.0);
    kernels::cpu::membrane_totals(v, 1e-3, o.flux.data(), sec, o.inflow.data(), o.transfer.data(), o.secreted.data());
    o.I.assign(std::size_t(v.n_pairs), 0.0);
    o.dIdu = o.I;
    kernels::cpu::pair_currents(v, r, c.data(), sec, o.I.data(), o.dIdu.data());
    o.q.assign(std::size_t(nv), 0.0);
    kernels::cpu::lumen_water_source(v, o.water.data(), 0.5, o.q.data());
    return o;
  };
  const Out d = run(vd, p.c_dense, pressure_d, p.box);
  const Out s = run(vs, p.c_sparse, pressure_s, p.sparse.block.padded_voxels());
  // Faces keep their order in both layouts: per-face arrays compare as they are.
  EXPECT_EQ(s.flux, d.flux);
  EXPECT_EQ(s.taken, d.taken);
  EXPECT_EQ(s.delivered, d.delivered);
  EXPECT_EQ(s.water, d.water);
  EXPECT_EQ(s.min_value, d.min_value);
  p.expect_same(d.c_new, s.c_new, ns, "c after the membrane fluxes");
  EXPECT_EQ(s.inflow, d.inflow);
  EXPECT_EQ(s.transfer, d.transfer);
  EXPECT_EQ(s.secreted, d.secreted);
  EXPECT_GT(d.I.size(), 0u);
  EXPECT_EQ(s.I, d.I);
  EXPECT_EQ(s.dIdu, d.dIdu);
  p.expect_same(d.q, s.q, 1, "lumen water source");
}

// react over the reaction voxels, and the per-row amounts, on the nested boxes (a reaction in the
// shell) with stroma punched into the outer box.
TEST(SparseStepKernels, ReactionsAndAmountsGiveTheDenseValues) {
  const Pair p(closed_nested_box_model(), punched(nested_box_grid(10), 1));
  ASSERT_GT(p.dense.reaction_voxels.size(), 0u);
  const std::vector<double> ud = kernels::ghk_arguments(p.dense), us = kernels::ghk_arguments(p.sparse);
  const kernels::ProblemView vd = kernels::host_view(p.dense, ud), vs = kernels::host_view(p.sparse, us);
  const kernels::RatesView r = kernels::host_rates_view(p.rates);
  std::vector<double> nd = p.c_dense, ns = p.c_sparse;
  std::vector<double> sd(std::size_t(p.ns), 0.0), ss = sd;
  const double md = kernels::cpu::react(vd, r, 1e-3, p.c_dense.data(), nd.data(), sd.data());
  const double ms = kernels::cpu::react(vs, r, 1e-3, p.c_sparse.data(), ns.data(), ss.data());
  EXPECT_EQ(ms, md);
  EXPECT_EQ(ss, sd);
  EXPECT_NE(sd, std::vector<double>(std::size_t(p.ns), 0.0));
  p.expect_same(nd, ns, p.ns, "c after the reactions");
  {
    std::vector<double> ad(std::size_t(p.dense.n_compartments) * p.ns), as = ad;
    kernels::cpu::amounts_by_compartment(vd, p.c_dense.data(), ad.data());
    kernels::cpu::amounts_by_compartment(vs, p.c_sparse.data(), as.data());
    EXPECT_EQ(as, ad);
  }
  const Pair e = secreting();  // a second grid, with holes inside rows of the interstitium
  const std::vector<double> ue = kernels::ghk_arguments(e.dense), uf = kernels::ghk_arguments(e.sparse);
  std::vector<double> ad(std::size_t(e.dense.n_compartments) * e.ns), as = ad;
  kernels::cpu::amounts_by_compartment(kernels::host_view(e.dense, ue), e.c_dense.data(), ad.data());
  kernels::cpu::amounts_by_compartment(kernels::host_view(e.sparse, uf), e.c_sparse.data(), as.data());
  EXPECT_EQ(as, ad);
}

namespace {

kernels::LumenFlowView flow_view_of(const kernels::Problem& p, std::vector<std::int64_t>& unknowns) {
  kernels::LumenFlowView v{p.block, p.lumen.data(), p.outlet.data(), p.lumen_mobility.data()};
  if (p.block.sparse()) v.neighbour = p.sparse.neighbour.data(), v.row_start = p.sparse.row_start.data();
  unknowns = kernels::cpu::flow_unknowns(v);
  v.unknowns = unknowns.data();
  v.n_unknowns = long(unknowns.size());
  return v;
}

// The lumen of the secreting epithelium with a hole punched into the lumen too (the duct and outlet
// kept), so that lumen voxels have unmodelled neighbours inside the box.
Pair secreting_with_holed_lumen() {
  mesh::LabelGrid g = punched(secretory_box_grid(12, true), 2);
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx / 2; ++i)
        if (g.label[g.index(i, j, k)] == 4 && (i + 2 * j + 3 * k) % 9 == 0) g.label[g.index(i, j, k)] = 0;
  return Pair(secreting_epithelium_model(), g);
}

}  // namespace

// The pressure solve's passes (a few conjugate-gradient iterations, host/step/lumen_pressure.cpp's
// recurrence written out), then the face velocities and the water budget.
TEST(SparseStepKernels, PressurePassesAndFaceVelocitiesGiveTheDenseValues) {
  const Pair p = secreting_with_holed_lumen();
  ASSERT_TRUE(p.dense.has_flow);
  std::vector<std::int64_t> kd, ks;
  const kernels::LumenFlowView fd = flow_view_of(p.dense, kd), fs = flow_view_of(p.sparse, ks);
  ASSERT_EQ(kd.size(), ks.size());
  ASSERT_GT(kd.size(), 0u);
  for (std::size_t n = 0; n < kd.size(); ++n) ASSERT_EQ(p.sparse.sparse.dense_voxel[std::size_t(ks[n])], kd[n]);
  const long nvs = p.sparse.block.padded_voxels();
  const std::vector<double> qd = p.lumen_field(0.02, 0.3), qs = to_slots(p.sparse, qd, 1);
  struct Out {
    std::vector<double> pressure, work, u;
    std::vector<double> sums;
    kernels::FlowBudget budget;
  };
  const auto run = [&](const kernels::LumenFlowView& v, const std::vector<double>& q, long nv) {
    Out o;
    o.pressure.assign(std::size_t(nv), 0.0);
    o.work.assign(std::size_t(kernels::flow_work_vectors) * nv, 0.0);
    const kernels::FlowStartSums st = kernels::cpu::flow_start(v, q.data(), o.pressure.data(), o.work.data());
    o.sums = {st.qq, st.rz, st.rr};
    double rz = st.rz;
    for (int it = 0; it < 5; ++it) {
      const double dAd = kernels::cpu::flow_apply(v, o.work.data());
      const kernels::FlowUpdateSums up = kernels::cpu::flow_update(v, rz / dAd, o.pressure.data(), o.work.data());
      kernels::cpu::flow_direction(v, up.rz / rz, o.work.data());
      o.sums.insert(o.sums.end(), {dAd, up.rz, up.rr});
      rz = up.rz;
    }
    o.u.assign(std::size_t(3) * nv, 1.0);
    o.budget = kernels::cpu::flow_velocities(v, q.data(), o.pressure.data(), o.u.data());
    return o;
  };
  const Out d = run(fd, qd, p.box), s = run(fs, qs, nvs);
  EXPECT_EQ(s.sums, d.sums);
  p.expect_same(d.pressure, s.pressure, 1, "pressure");
  p.expect_same(d.work, s.work, kernels::flow_work_vectors, "CG work vectors");
  for (int axis = 0; axis < 3; ++axis) {
    EXPECT_EQ(interior_of(p.sparse, s.u.data(), 3, axis), interior_of(p.dense, d.u.data(), 3, axis)) << "axis " << axis;
  }
  EXPECT_GT(d.budget.outlet_flow_m3_per_s, 0.0);
  EXPECT_EQ(s.budget.source_m3_per_s, d.budget.source_m3_per_s);
  EXPECT_EQ(s.budget.outlet_flow_m3_per_s, d.budget.outlet_flow_m3_per_s);
}

// The upwind advection (several sub-steps, outflow at the outlets) and the advection
// preconditioner's upstream-first sweep, with the face velocities of a pressure field.
TEST(SparseStepKernels, AdvectionAndItsSweepGiveTheDenseValues) {
  const Pair p = secreting_with_holed_lumen();
  std::vector<std::int64_t> kd, ks;
  const kernels::LumenFlowView fd = flow_view_of(p.dense, kd), fs = flow_view_of(p.sparse, ks);
  const long nvs = p.sparse.block.padded_voxels();
  const std::vector<double> qd = p.lumen_field(0.02, 0.3), qs = to_slots(p.sparse, qd, 1);
  // A pressure falling towards the outlet (+x), uneven, so that faces carry milk both ways.
  std::vector<double> pd(std::size_t(p.box), 0.0);
  for (long v = 0; v < p.box; ++v)
    if (p.dense.lumen[v]) pd[v] = 1e3 * (1.0 - double(v % p.dense.block.px()) / 20.0) * (1.0 + 0.1 * double((v * 5) % 3));
  const std::vector<double> ps = to_slots(p.sparse, pd, 1);
  std::vector<double> ud(std::size_t(3) * p.box), us(std::size_t(3) * nvs);
  kernels::cpu::flow_velocities(fd, qd.data(), pd.data(), ud.data());
  kernels::cpu::flow_velocities(fs, qs.data(), ps.data(), us.data());

  const kernels::LumenAdvectionView ad{p.dense.block, p.ns, p.dense.lumen.data(), p.dense.outlet.data(),
                                       ud.data(), qd.data(), p.dense.advected.data()};
  const kernels::LumenAdvectionView as{p.sparse.block, p.ns, p.sparse.lumen.data(), p.sparse.outlet.data(),
                                       us.data(), qs.data(), p.sparse.advected.data(), p.sparse.sparse.neighbour.data()};
  std::vector<double> cd = p.c_dense, cs = p.c_sparse, wd(cd.size()), ws(cs.size());
  std::vector<double> od(std::size_t(p.ns), 0.0), os = od;
  const kernels::AdvectionReport rd = kernels::cpu::advect_lumen(ad, 5e-5, 0.9, cd.data(), wd.data(), od.data());
  const kernels::AdvectionReport rs = kernels::cpu::advect_lumen(as, 5e-5, 0.9, cs.data(), ws.data(), os.data());
  EXPECT_GT(rd.substeps, 1);
  std::printf("%d sub-steps\n", rd.substeps);
  EXPECT_EQ(rs.substeps, rd.substeps);
  EXPECT_EQ(rs.max_outflow_rate_per_s, rd.max_outflow_rate_per_s);
  EXPECT_EQ(rs.min_value, rd.min_value);
  EXPECT_NE(od, std::vector<double>(std::size_t(p.ns), 0.0));
  EXPECT_EQ(os, od);
  EXPECT_NE(cd, p.c_dense);
  p.expect_same(cd, cs, p.ns, "c after the advection");

  step::AdvectionSweep sd(p.dense), ss(p.sparse);
  sd.set_flow(ud, qd);
  ss.set_flow(us, qs);
  ASSERT_TRUE(sd.ready());
  EXPECT_EQ(ss.cyclic_voxels(), sd.cyclic_voxels());
  std::vector<double> zd = p.c_dense, zs = p.c_sparse;
  sd.apply(0.3, zd);
  ss.apply(0.3, zs);
  EXPECT_NE(zd, p.c_dense);
  p.expect_same(zd, zs, p.ns, "the advection sweep");
}
