// SPDX-License-Identifier: MIT
// Advection of lumen species by the milk flow (DESIGN §3, §7 "an advected pulse conserved and
// non-negative"): conservative first-order upwind fluxes with the face velocities of the Darcy solve,
// sub-cycled so that no voxel loses more than `courant` of its content per sub-step.
//
// Known answers used here. In a straight duct with constant mobility and water entering only at the
// closed end, the flow is plug flow, u = U along x everywhere. Upwind with Courant number ν = Uτ/h on
// such a grid moves the discrete centroid by exactly ν voxels per sub-step and grows the discrete
// variance along x by exactly ν(1 − ν) voxels² per sub-step (the scheme's numerical diffusion; both
// follow from Σ i c_i' = Σ i c_i + ν Σ c_i and Σ i² c_i' = Σ i² c_i + 2ν Σ i c_i + ν Σ c_i), as long as
// no solute reaches the outlet. With q uniform in a closed-end duct, u(x) = q x and
// ∂c/∂t + ∂(u c)/∂x = 0 has c(x, t) = c_init(x e^{−qt}) e^{−qt} (characteristics x = x₀ e^{qt}).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/lumen_advection.hpp"
#include "kernels/lumen_flow.hpp"
#include "host/step/lumen_pressure.hpp"

using namespace lactosim::kernels;

namespace {

constexpr double h = 2e-6, mu = 2e-3;

// A round duct of `radius` voxels along x, closed at x = 0, outlet voxels in the last slice; every lumen
// voxel has the mobility of the duct's radius (k/μ = R²/(8μ), DESIGN §3), so the flow is 1D wherever
// q is uniform over each slice.
struct Duct {
  Block b;
  std::vector<std::uint8_t> lumen, outlet;
  std::vector<double> mobility, q, p, u;
  int section = 0;  // lumen voxels per slice
  LumenFlowResult flow;

  Duct(double radius, int length, int across) {
    b.nx = length, b.ny = b.nz = across, b.h_m = h;
    const long nv = b.padded_voxels();
    lumen.assign(nv, 0), outlet.assign(nv, 0);
    mobility.assign(nv, 0.0), q.assign(nv, 0.0), p.assign(nv, 0.0), u.assign(3 * nv, 0.0);
    const double centre = 0.5 * across, R = radius * h;
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j) {
        const double dy = j + 0.5 - centre, dz = k + 0.5 - centre;
        if (dy * dy + dz * dz > radius * radius) continue;
        ++section;
        for (int i = 0; i < b.nx; ++i) {
          const long v = b.index(i, j, k);
          lumen[v] = 1;
          outlet[v] = i == b.nx - 1;
          mobility[v] = R * R / (8.0 * mu);
        }
      }
  }
  long nv() const { return b.padded_voxels(); }
  // Water Q (m³/s) entering uniformly over the first slice.
  void source_at_closed_end(double Q) {
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j)
        if (lumen[b.index(0, j, k)]) q[b.index(0, j, k)] = Q / (section * h * h * h);
  }
  void solve() {
    const LumenFlowView view{b, lumen.data(), outlet.data(), mobility.data()};
    flow = lactosim::step::solve_lumen_flow(*make_cpu_executor(0), view, q.data(), p.data(), u.data(), 1e-13, 20000);
  }
  LumenAdvectionView view(int n_species, const std::uint8_t* advected) const {
    return {b, n_species, lumen.data(), outlet.data(), u.data(), q.data(), advected};
  }
  // Mean speed along the duct: all the water crosses every slice.
  double mean_speed() const { return flow.source_m3_per_s / (section * h * h); }
  template <class F>
  void for_lumen(F f) const {
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j)
        for (int i = 0; i < b.nx; ++i)
          if (lumen[b.index(i, j, k)]) f(i, j, k, b.index(i, j, k));
  }
  double amount_mol(const double* c) const {
    double sum = 0;
    for_lumen([&](int, int, int, long v) { sum += c[v] * h * h * h; });
    return sum;
  }
};

// Discrete moments along x (voxel units) of one species over the lumen.
struct Moments {
  double mass, mean, variance, transverse_variance;
};
Moments moments(const Duct& d, const double* c) {
  double m0 = 0, mx = 0, mxx = 0, myy = 0;
  const double centre = 0.5 * d.b.ny - 0.5;
  d.for_lumen([&](int i, int j, int, long v) {
    m0 += c[v], mx += i * c[v], mxx += double(i) * i * c[v], myy += (j - centre) * (j - centre) * c[v];
  });
  const double mean = mx / m0;
  return {m0, mean, mxx / m0 - mean * mean, myy / m0};
}

}  // namespace

TEST(LumenAdvection, PulseAdvectedAlongDuctIsConservedAndNonNegative) {
  Duct d(4.5, 60, 12);  // 9 voxels across, 60 long
  d.source_at_closed_end(1e-15);
  d.solve();
  const double U = d.mean_speed();  // ≈ 4 µm/s
  std::vector<double> c(d.nv(), 0.0), work(d.nv(), 0.0);
  const double x0 = 15, sigma = 3, centre = 0.5 * d.b.ny - 0.5;
  d.for_lumen([&](int i, int j, int k, long v) {
    const double r2 = (i - x0) * (i - x0) + (j - centre) * (j - centre) + (k - centre) * (k - centre);
    c[v] = 5.0 * std::exp(-r2 / (2 * sigma * sigma));
  });
  const Moments before = moments(d, c.data());
  const double total0 = d.amount_mol(c.data());
  const std::uint8_t advected[1] = {1};
  const double t = 25 * h / U;  // the pulse travels 25 voxels: centre 15 → 40 of 60
  const int calls = 10;
  double outflow = 0, expected_spread = 0, min_value = 1e300;
  for (int n = 0; n < calls; ++n) {
    const AdvectionReport r =
        cpu::advect_lumen(d.view(1, advected), t / calls, 0.9, c.data(), work.data(), &outflow);
    const double nu = U * (t / calls / r.substeps) / h;  // Courant number of each sub-step
    expected_spread += r.substeps * nu * (1 - nu);
    min_value = std::min(min_value, r.min_value);
  }
  const Moments after = moments(d, c.data());
  const double balance = (d.amount_mol(c.data()) + outflow - total0) / total0;
  const double shift_error = (after.mean - before.mean) / (U * t / h) - 1;
  const double spread_error = (after.variance - before.variance) / expected_spread - 1;
  std::printf("pulse: balance %.1e, min %.2e, outflow/total %.1e, centroid shift %.6f voxels (error %.1e), "
              "x-variance growth %.4f voxels² (error %.1e), transverse variance %.2e → %.2e\n",
              balance, min_value, outflow / total0, after.mean - before.mean, shift_error,
              after.variance - before.variance, spread_error, before.transverse_variance,
              after.transverse_variance);
  EXPECT_LE(std::abs(balance), 1e-13);  // every face transfer leaves one voxel and enters another
  EXPECT_GE(min_value, 0.0);
  double min_final = 1e300;
  d.for_lumen([&](int, int, int, long v) { min_final = std::min(min_final, c[v]); });
  EXPECT_GE(min_final, 0.0);  // what the report says is what the field holds
  // Centroid and spread obey the exact discrete moment identities of upwind in uniform flow (header);
  // the closed end does not disturb them (nothing enters from upstream, as on an infinite grid), only
  // solute leaving through the outlet does: a fraction f lost ~20 voxels ahead of the mean moves the
  // mean by ~20 f voxels and the variance by ~400 f voxels². With f < 1e-7 (the pulse's smeared tail
  // at the outlet; measured ~7e-9) that is < 1e-7 of the 25-voxel shift and < 1e-5 of the ~4 voxels²
  // growth; the pressure solve's 1e-13 residual adds nothing visible. Hence 1e-5 for both.
  EXPECT_LT(outflow / total0, 1e-7);
  EXPECT_LT(std::abs(shift_error), 1e-5);
  EXPECT_LT(std::abs(spread_error), 1e-5);
  // Plug flow has no transverse velocity: the cross-section profile does not change.
  EXPECT_NEAR(after.transverse_variance, before.transverse_variance, 1e-12 * before.transverse_variance);
}

TEST(LumenAdvection, OutletOutflowEqualsFlowTimesConcentration) {
  Duct d(4.5, 40, 12);
  d.source_at_closed_end(1e-15);
  d.solve();
  const double c0 = 2.0;  // mol/m³ everywhere in the lumen; the source water carries none
  std::vector<double> c(d.nv(), 0.0), work(d.nv(), 0.0);
  d.for_lumen([&](int, int, int, long v) { c[v] = c0; });
  const double total0 = d.amount_mol(c.data());
  const std::uint8_t advected[1] = {1};
  const auto view = d.view(1, advected);

  // One sub-step: what leaves is c0 × (outlet flow of the pressure solve) × dt.
  const double dt0 = 0.5 / (d.mean_speed() / h);
  double outflow = 0;
  const AdvectionReport first = cpu::advect_lumen(view, dt0, 0.9, c.data(), work.data(), &outflow);
  ASSERT_EQ(first.substeps, 1);
  const double rate_error = outflow / dt0 / (c0 * d.flow.outlet_flow_m3_per_s) - 1;

  // Then push 0.6 of the duct's volume through. The fresh water's front (smeared by upwind over a few
  // voxels) stays ~15 voxels upstream of the outlet, so the outlet keeps draining c0: 40 % remains.
  const double push = 0.6 * d.b.nx * h / d.mean_speed() - dt0;
  for (int n = 0; n < 30; ++n) cpu::advect_lumen(view, push / 30, 0.9, c.data(), work.data(), &outflow);
  const double total = d.amount_mol(c.data());
  const double balance = (total + outflow - total0) / total0;
  std::printf("outlet: outflow rate / (c0 Q_outlet) − 1 = %.1e; after 0.6 duct volumes 0.4 %+.1e of the "
              "solute left, balance %.1e\n", rate_error, total / total0 - 0.4, balance);
  // Both are the same face velocities summed in different orders: round-off of ~100 terms.
  EXPECT_LT(std::abs(rate_error), 1e-12);
  EXPECT_LE(std::abs(balance), 1e-13);
  // Exactly 1 − 0.6 Q_outlet/Q_source while the outlet drains c0 (Q_outlet/Q_source − 1 is the pressure
  // solve's water balance); what is left beyond that is round-off of the ~10³ sub-step updates.
  const double water_ratio = d.flow.outlet_flow_m3_per_s / d.flow.source_m3_per_s;
  EXPECT_NEAR(total / total0, 1 - 0.6 * water_ratio, 1e-12);
  EXPECT_NEAR(water_ratio, 1.0, 1e-11);
}

namespace {

// Max error over the non-outlet voxels of a 1D duct of n voxels (physical length fixed) with q uniform,
// after time t, against c(x, t) = c_init(x e^{−qt}) e^{−qt}; `uniform`: c_init = c0, else a cosine.
struct DilutionResult {
  double error, discrete_error;  // vs the closed form; (uniform only) vs c0 (1 − qτ)^substeps
  int substeps;
  double divergence_error;  // max |∇_h·u − q|/q over the non-outlet voxels, from the pressure solve
};
DilutionResult dilution(int n, bool uniform) {
  const double length = 200e-6, q = 0.01, t = 100.0, c0 = 3.0;  // q t = 1
  Duct d(0.5, n, 1);  // a single row of voxels
  d.b.h_m = length / n;
  const double hn = d.b.h_m;
  d.for_lumen([&](int, int, int, long v) { d.q[v] = q; });
  d.solve();
  double divergence_error = 0;
  for (int i = 0; i < n - 1; ++i) {
    const long v = d.b.index(i, 0, 0);
    divergence_error = std::max(divergence_error, std::abs((d.u[3 * v] - d.u[3 * (v - 1)]) / hn - q) / q);
  }
  auto c_init = [&](double x) { return uniform ? c0 : c0 * (1 + 0.5 * std::cos(M_PI * x / length)); };
  std::vector<double> c(d.nv(), 0.0), work(d.nv(), 0.0);
  for (int i = 0; i < n; ++i) c[d.b.index(i, 0, 0)] = c_init((i + 0.5) * hn);
  const std::uint8_t advected[1] = {1};
  double outflow = 0;
  const AdvectionReport r = cpu::advect_lumen(d.view(1, advected), t, 0.9, c.data(), work.data(), &outflow);
  const double decay = std::exp(-q * t), discrete = c0 * std::pow(1 - q * t / r.substeps, r.substeps);
  DilutionResult result{0, 0, r.substeps, divergence_error};
  for (int i = 0; i < n; ++i) {
    const double value = c[d.b.index(i, 0, 0)];
    // The outlet voxel (i = n − 1) drains everything that reaches it plus its own q: uniform there too.
    if (uniform) result.discrete_error = std::max(result.discrete_error, std::abs(value / discrete - 1));
    if (i < n - 1)
      result.error = std::max(result.error, std::abs(value - c_init((i + 0.5) * hn * decay) * decay));
  }
  return result;
}

}  // namespace

TEST(LumenAdvection, DilutionByWaterEnteringMatchesClosedForm) {
  // Uniform c0: the upwind fluxes keep it uniform (voxel i gains q·i·c and loses q·(i+1)·c per unit
  // volume), so each sub-step multiplies it by exactly (1 − qτ); the only error vs c0 e^{−qt} is
  // forward Euler's, first order in τ.
  double previous = 0;
  for (int n : {25, 50, 100, 200}) {
    const DilutionResult u = dilution(n, true);
    std::printf("uniform, %3d voxels: %4d sub-steps, error vs c0 e^-qt %.3e (ratio %.2f), "
                "vs c0 (1 - q tau)^n %.1e (bound %.1e)\n", n, u.substeps, u.error, previous / u.error,
                u.discrete_error, u.divergence_error);
    // Uniformity holds only as far as the solved velocities satisfy ∇_h·u = q: a voxel whose divergence
    // is off by δ drifts by δ·t relatively, and the non-negative weights (maximum principle) keep the
    // drift below q t·max δ/q (q t = 1); the face velocities carry the solve's n²ε conditioning error,
    // so this bound grows from 3e-13 at 25 voxels to 5e-11 at 200. Plus round-off, ~4ε per sub-step.
    EXPECT_LE(u.discrete_error, u.divergence_error + 4 * u.substeps * 2.2e-16);
    if (previous > 0) {
      EXPECT_NEAR(previous / u.error, 2.0, 0.1);  // τ halves with h (τ ≈ courant/(q n))
    }
    previous = u.error;
  }
  // A cosine profile: upwind face values are first order in h and τ ∝ h, so the error halves with h.
  std::vector<double> errors;
  for (int n : {25, 50, 100, 200}) errors.push_back(dilution(n, false).error);
  for (std::size_t m = 1; m < errors.size(); ++m) {
    const double order = std::log2(errors[m - 1] / errors[m]);
    std::printf("cosine profile, %3d voxels: max error %.3e (c0 = 3), observed order %.3f\n", 25 << m,
                errors[m], order);
    if (m + 1 == errors.size()) {
      EXPECT_NEAR(order, 1.0, 0.1);  // asymptotically first order
    }
  }
  EXPECT_LT(errors.back(), 0.01 * 3.0);  // 200 voxels: within 1 % of c0
}

TEST(LumenAdvection, ThreadCountDoesNotChangeTheResult) {
  // Water entering every voxel at uneven rates: transverse flow, outlet drains of different sizes.
  Duct d(5.5, 48, 14);
  unsigned state = 12345;
  auto uniform01 = [&] { return (state = state * 1664525u + 1013904223u) / 4294967296.0; };
  d.for_lumen([&](int, int, int, long v) { d.q[v] = 1e-3 * (0.2 + uniform01()); });
  d.solve();
  const int ns = 3;
  const std::uint8_t advected[ns] = {1, 0, 1};
  std::vector<double> c0(ns * d.nv(), 0.0);
  d.for_lumen([&](int i, int j, int k, long v) {
    for (int s = 0; s < ns; ++s) c0[s * d.nv() + v] = (s + 1) * (1 + std::sin(0.3 * i + j - 0.7 * k + s));
  });
  auto run = [&](int threads, std::vector<double>& c, std::vector<double>& outflow) {
    omp_set_num_threads(threads);
    c = c0;
    outflow.assign(ns, 0.0);
    std::vector<double> work(ns * d.nv(), 0.0);
    for (int n = 0; n < 5; ++n)
      cpu::advect_lumen(d.view(ns, advected), 2.0, 0.9, c.data(), work.data(), outflow.data());
  };
  const int threads_before = omp_get_max_threads();
  std::vector<double> c1, c2, out1, out2;
  run(1, c1, out1);
  run(2, c2, out2);
  omp_set_num_threads(threads_before);
  EXPECT_EQ(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(out1.data(), out2.data(), out1.size() * sizeof(double)), 0);
  EXPECT_GT(out1[0], 0.0);  // the outflow compared is not trivially zero
}

TEST(LumenAdvection, SubstepsKeepCourantBelowLimit) {
  Duct d(4.5, 40, 12);
  d.source_at_closed_end(1e-15);
  d.solve();
  // Plug flow: every voxel passes on U/h of its volume per second (the outlet drains what arrives).
  const double rate = d.mean_speed() / h;
  const std::uint8_t advected[1] = {1};
  for (double courant : {1.0, 0.9, 0.37}) {
    // A sharp front (the worst case for negative overshoots), then a dt of ~25 stable steps.
    std::vector<double> c(d.nv(), 0.0), work(d.nv(), 0.0);
    d.for_lumen([&](int i, int, int, long v) { c[v] = i < 20 ? 1.0 : 0.0; });
    const double dt = 25.3 / rate;
    double outflow = 0;
    const AdvectionReport r = cpu::advect_lumen(d.view(1, advected), dt, courant, c.data(), work.data(),
                                                &outflow);
    const double needed = dt * r.max_outflow_rate_per_s / courant;
    std::printf("courant %.2f: %d sub-steps for dt·rate/courant = %.3f, min %.1e\n", courant, r.substeps,
                needed, r.min_value);
    EXPECT_NEAR(r.max_outflow_rate_per_s, rate, 1e-9 * rate);  // the pressure solve's residual
    EXPECT_GE(r.substeps, needed);
    EXPECT_LT(r.substeps - 1, needed);  // and no more sub-steps than that
    EXPECT_GE(r.min_value, 0.0);        // non-negative combinations: exactly ≥ 0, no round-off below
  }
  std::vector<double> c(d.nv(), 0.0), work(d.nv(), 0.0);
  double outflow = 0;
  EXPECT_THROW(cpu::advect_lumen(d.view(1, advected), 1.0, 1.5, c.data(), work.data(), &outflow),
               std::invalid_argument);
  EXPECT_THROW(cpu::advect_lumen(d.view(1, advected), 1.0, 0.0, c.data(), work.data(), &outflow),
               std::invalid_argument);
}

TEST(LumenAdvection, OnlyAdvectedSpeciesOnLumenVoxelsChange) {
  Duct d(4.5, 30, 12);
  d.source_at_closed_end(1e-15);
  d.solve();
  const int ns = 2;
  const std::uint8_t advected[ns] = {1, 0};
  // Every padded voxel of both species holds a value; only species 0 in the lumen may change.
  std::vector<double> c(ns * d.nv()), work(ns * d.nv(), -7.0);
  for (long v = 0; v < ns * d.nv(); ++v) c[v] = 1.0 + 0.001 * (v % 977);
  const std::vector<double> c0 = c;
  std::vector<double> outflow = {0.0, 0.0};
  const AdvectionReport r =
      cpu::advect_lumen(d.view(ns, advected), 3.0 / (d.mean_speed() / h), 0.9, c.data(), work.data(),
                        outflow.data());
  long changed_lumen = 0, changed_elsewhere = 0;
  for (int s = 0; s < ns; ++s)
    for (long v = 0; v < d.nv(); ++v) {
      const bool changed = c[s * d.nv() + v] != c0[s * d.nv() + v];
      (s == 0 && d.lumen[v] ? changed_lumen : changed_elsewhere) += changed;
    }
  EXPECT_GT(r.substeps, 1);
  EXPECT_GT(changed_lumen, 0);
  EXPECT_EQ(changed_elsewhere, 0);
  EXPECT_GT(outflow[0], 0.0);
  EXPECT_EQ(outflow[1], 0.0);
}
