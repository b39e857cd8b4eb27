// SPDX-License-Identifier: MIT
#include "well_mixed_model.hpp"

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "../../kernels/host_views.hpp"
#include "../../kernels/physics/reactions.hpp"
#include "../assemble.hpp"
#include "../step/potential_solve.hpp"

namespace lactosim::well_mixed {

void Sources::pack(double* out) const {
  const auto put = [&](const std::vector<double>& v) { out = std::copy(v.begin(), v.end(), out); };
  put(clamped_inflow_mol), put(reaction_source_mol), put(secretion_source_mol), put(outlet_outflow_mol);
  put(membrane_transfer_mol);
  *out = lumen_water_m3;
}

void Sources::unpack(const double* in, int ns, int nm) {
  const auto take = [&](std::vector<double>& v, int n) { v.assign(in, in + n), in += n; };
  take(clamped_inflow_mol, ns), take(reaction_source_mol, ns), take(secretion_source_mol, ns);
  take(outlet_outflow_mol, ns), take(membrane_transfer_mol, nm * ns);
  lumen_water_m3 = *in;
}

struct WellMixedModel::Cvode {
  SUNContext context = nullptr;
  N_Vector y = nullptr, quadrature = nullptr, constraints = nullptr;
  SUNMatrix A = nullptr;
  SUNLinearSolver solver = nullptr;
  void* mem = nullptr;
  std::string last_error;
  ~Cvode() {
    if (mem) CVodeFree(&mem);
    if (solver) SUNLinSolFree(solver);
    if (A) SUNMatDestroy(A);
    if (y) N_VDestroy(y);
    if (quadrature) N_VDestroy(quadrature);
    if (constraints) N_VDestroy(constraints);
    if (context) SUNContext_Free(&context);
  }
  static int rhs(double t, N_Vector y, N_Vector ydot, void* self) {
    return static_cast<WellMixedModel*>(self)->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), nullptr) ? 0 : 1;
  }
  static int quadrature_rhs(double t, N_Vector y, N_Vector q, void* self) {
    auto* m = static_cast<WellMixedModel*>(self);
    Sources rates;
    std::vector<double> scratch(m->unknown_.size());
    if (!m->rhs(t, N_VGetArrayPointer(y), scratch.data(), &rates)) return 1;
    rates.pack(N_VGetArrayPointer(q));
    return 0;
  }
  static void error(int code, const char* module, const char* function, char* message, void* self) {
    static_cast<WellMixedModel*>(self)->cv_->last_error =
        std::string(function) + ": " + message + " (" + std::to_string(code) + ")";
  }
};

WellMixedModel::WellMixedModel(const Model& model, Reduction reduction) : model_(model), red_(std::move(reduction)) {
  view_ = red_.view();
  const int ns = red_.n_species, nc = red_.n_compartments, nm = red_.n_membranes;
  for (int n = 0; n < nc; ++n)
    for (int s = 0; s < ns; ++s)
      if (red_.present(s, n) && !red_.shape.clamped[n] && red_.volume_m3[n] > 0) unknown_.push_back({s, n});
  if (unknown_.empty()) throw std::runtime_error("well-mixed mode: the model has no unknowns (every compartment clamped)");
  psi_.assign(red_.network.n_nodes, 0.0);
  c_.assign(std::size_t(ns) * nc, 0.0);
  face_flux_.assign(std::size_t(red_.n_faces()) * ns, 0.0);
  taken_ = delivered_ = face_flux_;
  water_.assign(red_.n_faces(), 0.0);
  dN_.assign(std::size_t(ns) * nc, 0.0);
  totals_.unpack(std::vector<double>(Sources::size(ns, nm), 0.0).data(), ns, nm);

  // Initial state: each compartment's initial value (host/assemble.cpp initial_concentrations).
  y_now_.resize(unknown_.size());
  for (std::size_t i = 0; i < unknown_.size(); ++i)
    y_now_[i] = model_.species[unknown_[i].first].initial_mM[unknown_[i].second];
  initial_amounts_ = amounts();
  // The potentials at t = 0 (outputs of the first row).
  std::vector<double> f(unknown_.size());
  if (!rhs(0.0, y_now_.data(), f.data(), nullptr))
    throw std::runtime_error("well-mixed mode: the potentials' Newton solve fails at t = 0");

  cv_ = std::make_unique<Cvode>();
  Cvode& cv = *cv_;
  const auto check = [&](int flag, const char* call) {
    if (flag < 0) throw std::runtime_error(std::string("well-mixed mode: CVODE ") + call + " failed (" + std::to_string(flag) + ")");
  };
  if (SUNContext_Create(nullptr, &cv.context) != 0) throw std::runtime_error("SUNContext_Create failed");
  const sunindextype n = sunindextype(unknown_.size());
  cv.y = N_VNew_Serial(n, cv.context);
  std::copy(y_now_.begin(), y_now_.end(), N_VGetArrayPointer(cv.y));
  cv.mem = CVodeCreate(CV_BDF, cv.context);
  check(CVodeSetErrHandlerFn(cv.mem, &Cvode::error, this), "CVodeSetErrHandlerFn");
  check(CVodeInit(cv.mem, &Cvode::rhs, 0.0, cv.y), "CVodeInit");
  check(CVodeSetUserData(cv.mem, this), "CVodeSetUserData");
  check(CVodeSStolerances(cv.mem, model_.run.rel_tol, model_.run.abs_tol_mM), "CVodeSStolerances");
  check(CVodeSetMaxNumSteps(cv.mem, 1000000), "CVodeSetMaxNumSteps");
  if (model_.run.dt_max_s < 1e300) check(CVodeSetMaxStep(cv.mem, model_.run.dt_max_s), "CVodeSetMaxStep");
  cv.constraints = N_VNew_Serial(n, cv.context);
  N_VConst(1.0, cv.constraints);  // every concentration ≥ 0
  check(CVodeSetConstraints(cv.mem, cv.constraints), "CVodeSetConstraints");
  // Dense LU with CVODE's difference-quotient Jacobian: n is a few dozen, so n evaluations of f per
  // Jacobian cost less than any Krylov iteration would.
  cv.A = SUNDenseMatrix(n, n, cv.context);
  cv.solver = SUNLinSol_Dense(cv.y, cv.A, cv.context);
  check(CVodeSetLinearSolver(cv.mem, cv.solver, cv.A), "CVodeSetLinearSolver");
  // Newton to round-off: CVODE's default stop (a correction below 0.1 of the local error test) leaves
  // a residual γλ times larger for a species that turns over fast against a long step, and that
  // residual is the balance's error — pIgR–IgA (released at ~10⁻² /s, steps of 10⁵ s on days 7–14)
  // reached 0.73 of its amount over 14 days of activation at rel_tol 10⁻². The dense direct solve
  // of this small system makes the extra iterations cheap: measured, the 14-day run 84 → 78 steps,
  // 0.33 s, balance 0.73 → 7.6 × 10⁻⁷ (docs/human-milk-model.md "Well-mixed mode").
  check(CVodeSetNonlinConvCoef(cv.mem, 1e-8), "CVodeSetNonlinConvCoef");
  check(CVodeSetMaxNonlinIters(cv.mem, 6), "CVodeSetMaxNonlinIters");
  cv.quadrature = N_VNew_Serial(Sources::size(ns, nm), cv.context);
  N_VConst(0.0, cv.quadrature);
  check(CVodeQuadInit(cv.mem, &Cvode::quadrature_rhs, cv.quadrature), "CVodeQuadInit");
  // Error-controlled with a tolerance that never limits a step or an order, so that CVODES keeps the
  // quadratures' history consistent with the state's through order increases (it stores their
  // correction for an order increase only when they are error-controlled; host/step/bdf_integrator.cpp,
  // docs/numerics.md "The balance test").
  check(CVodeSetQuadErrCon(cv.mem, SUNTRUE), "CVodeSetQuadErrCon");
  check(CVodeQuadSStolerances(cv.mem, 0.0, 1e100), "CVodeQuadSStolerances");
}

WellMixedModel::~WellMixedModel() = default;

void WellMixedModel::fill_concentrations(double t, const double* y, const kernels::StepRates& rates,
                                         std::vector<double>& c) const {
  const int ns = red_.n_species, nc = red_.n_compartments;
  std::fill(c.begin(), c.end(), 0.0);
  for (int s = 0; s < ns; ++s)
    for (int n = 0; n < nc; ++n)
      if (red_.shape.clamped[n] && red_.present(s, n)) c[s * nc + n] = rates.clamp_mM[s * nc + n];
  for (std::size_t i = 0; i < unknown_.size(); ++i) c[unknown_[i].first * nc + unknown_[i].second] = y[i];
}

// Zero net current into every node (step/potential_solve.hpp), from the last solution; the pair
// currents as kernels/cpu's pair_currents sums them, with the group's area for w·h².
bool WellMixedModel::solve_potentials(const kernels::RatesView& rv, const std::vector<double>& c) {
  const kernels::ElectricalNetwork& net = red_.network;
  if (net.n_nodes == 0) return true;
  const long stride = red_.n_compartments;
  const step::PairCurrents currents = [&](const double* psi, double* I_pair, double* dIdu_pair) {
    kernels::SecretionFields sec;
    sec.node_potential_V = psi;
    for (int q = 0; q < net.n_pairs(); ++q) {
      double I = 0.0, slope = 0.0;
      for (long k = net.pair_offset[q]; k < net.pair_offset[q + 1]; ++k) {
        const long f = net.pair_face[k];
        const int m = red_.face_membrane[f];
        const double u = kernels::face_ghk_argument(view_, sec, f);
        double I_f = 0.0, slope_f = 0.0;
        for (int t = 0; t < rv.n_transporters; ++t) {
          const physics::TransporterParams& tp = rv.transporters[t];
          if (tp.membrane != m) continue;
          physics::add_transporter_current(tp, c.data() + red_.face_first[f], c.data() + red_.face_second[f], stride,
                                           u, physics::region_scale(tp.regions, red_.face_region[f]), &I_f, &slope_f);
        }
        I += I_f * red_.face_area_m2[f];
        slope += slope_f * red_.face_area_m2[f];
      }
      I_pair[q] = I;
      dIdu_pair[q] = slope;
    }
  };
  std::vector<double> psi = psi_;
  const step::PotentialSolveReport solve = step::solve_node_potentials(
      net, view_.F_over_RT, currents, red_.shape.potential_tol_V, red_.shape.potential_max_iterations, psi);
  if (!solve.converged) return false;
  psi_ = psi;
  return true;
}

bool WellMixedModel::rhs(double t, const double* y, double* dydt, Sources* rates) {
  const int ns = red_.n_species, nc = red_.n_compartments, nm = red_.n_membranes;
  const kernels::StepRates step_rates = rates_at(model_, red_.shape, t);
  const kernels::RatesView rv = kernels::host_rates_view(step_rates);
  fill_concentrations(t, y, step_rates, c_);
  if (!solve_potentials(rv, c_)) return false;

  // Face fluxes (mol·m⁻²·s⁻¹, m/s) by the executors' own per-face body.
  kernels::SecretionFields sec;
  sec.node_potential_V = psi_.data();
  sec.face_taken = taken_.data();
  sec.face_delivered = delivered_.data();
  sec.face_water = water_.data();
  std::fill(water_.begin(), water_.end(), 0.0);
  for (long f = 0; f < red_.n_faces(); ++f) kernels::membrane_face_fluxes(view_, rv, sec, c_.data(), nc, f, face_flux_.data());

  // Amounts per second: membranes as kernels/cpu apply_membrane_fluxes and membrane_totals count them.
  std::fill(dN_.begin(), dN_.end(), 0.0);
  Sources src;
  src.unpack(std::vector<double>(Sources::size(ns, nm), 0.0).data(), ns, nm);
  std::vector<double> water_in(nc, 0.0);  // m³/s into each lumen node
  const std::uint8_t* clamped = red_.shape.clamped.data();
  for (long f = 0; f < red_.n_faces(); ++f) {
    const int a = int(red_.face_first[f]), b = int(red_.face_second[f]), m = red_.face_membrane[f];
    const double A = red_.face_area_m2[f];
    for (int s = 0; s < ns; ++s) {
      const double J = face_flux_[f * ns + s];
      const double taken = view_.has_secretion ? taken_[f * ns + s] : 0.0;
      const double delivered = view_.has_secretion ? delivered_[f * ns + s] : 0.0;
      if (!clamped[a] && red_.present(s, a)) dN_[s * nc + a] -= (J + taken) * A;
      if (!clamped[b] && red_.present(s, b)) dN_[s * nc + b] += (J + delivered) * A;
      src.membrane_transfer_mol[m * ns + s] += J * A;
      if (clamped[a] && !clamped[b]) src.clamped_inflow_mol[s] += J * A;
      if (clamped[b] && !clamped[a]) src.clamped_inflow_mol[s] -= J * A;
      if (!clamped[b]) src.secretion_source_mol[s] += delivered * A;
      if (!clamped[a]) src.secretion_source_mol[s] -= taken * A;
    }
    if (view_.has_water) {
      if (red_.lumen[b]) water_in[b] += water_[f] * A;
      if (red_.lumen[a]) water_in[a] -= water_[f] * A;
    }
  }
  // Reactions: the mean over the compartment's voxels, group by group (region factors).
  for (std::size_t g = 0; g < red_.reaction_compartment.size(); ++g) {
    const int n = red_.reaction_compartment[g];
    double dcdt[64] = {};
    for (const physics::ReactionParams& q : step_rates.reactions)
      if (q.compartment == n)
        physics::add_reaction_source(q, c_.data() + n, nc,
                                     physics::region_scale(q.regions, red_.reaction_region[g]) *
                                         red_.reaction_volume_fraction[g],
                                     dcdt);
    for (int s = 0; s < ns; ++s)
      if (dcdt[s] != 0.0) {
        dN_[s * nc + n] += dcdt[s] * red_.volume_m3[n];
        src.reaction_source_mol[s] += dcdt[s] * red_.volume_m3[n];
      }
  }
  // Milk out of each rigid lumen at the rate water enters it, at the lumen's concentration.
  for (int n = 0; n < nc; ++n) {
    if (!red_.lumen[n] || clamped[n]) continue;
    src.lumen_water_m3 += water_in[n];
    for (int s = 0; s < ns; ++s)
      if (red_.present(s, n)) {
        const double out = water_in[n] * c_[s * nc + n];
        dN_[s * nc + n] -= out;
        src.outlet_outflow_mol[s] += out;
      }
  }
  bool finite = true;
  for (std::size_t i = 0; i < unknown_.size(); ++i) {
    const auto [s, n] = unknown_[i];
    dydt[i] = dN_[s * nc + n] / red_.volume_m3[n];
    finite = finite && std::isfinite(dydt[i]);
  }
  if (rates) *rates = std::move(src);
  return finite;  // a NaN fails f: CVODE shrinks the step
}

void WellMixedModel::advance_to(double t_s) {
  if (!(t_s > t_)) return;
  Cvode& cv = *cv_;
  double reached = t_;
  const int flag = CVode(cv.mem, t_s, cv.y, &reached, CV_NORMAL);
  if (flag < 0)
    throw std::runtime_error("well-mixed mode: CVODE failed at t = " + std::to_string(reached) + " s: " +
                             (cv.last_error.empty() ? "flag " + std::to_string(flag) : cv.last_error));
  t_ = t_s;
  const double* y = N_VGetArrayPointer(cv.y);
  y_now_.assign(y, y + unknown_.size());
  double tq = 0;
  if (CVodeGetQuad(cv.mem, &tq, cv.quadrature) < 0) throw std::runtime_error("well-mixed mode: CVodeGetQuad failed");
  totals_.unpack(N_VGetArrayPointer(cv.quadrature), red_.n_species, red_.n_membranes);
  // The potentials of the state at t_s (CVODE's last evaluation was at another state).
  std::vector<double> f(unknown_.size());
  if (!rhs(t_, y_now_.data(), f.data(), nullptr))
    throw std::runtime_error("well-mixed mode: the potentials' Newton solve fails at t = " + std::to_string(t_) + " s");
}

long WellMixedModel::steps() const {
  long n = 0;
  CVodeGetNumSteps(cv_->mem, &n);
  return n;
}

double WellMixedModel::last_step() const {
  double h = 0;
  CVodeGetLastStep(cv_->mem, &h);
  return h;
}

std::vector<double> WellMixedModel::concentrations() const {
  std::vector<double> c(c_.size());
  fill_concentrations(t_, y_now_.data(), rates_at(model_, red_.shape, t_), c);
  return c;
}

std::vector<double> WellMixedModel::amounts() const {
  const int ns = red_.n_species, nc = red_.n_compartments;
  const std::vector<double> c = concentrations();
  std::vector<double> out(std::size_t(ns) * nc, 0.0);
  for (int n = 0; n < nc; ++n)
    for (int s = 0; s < ns; ++s) out[n * ns + s] = c[s * nc + n] * red_.volume_m3[n];
  return out;
}

std::vector<double> WellMixedModel::balance_error_mol() const {
  const int ns = red_.n_species, nc = red_.n_compartments;
  const std::vector<double> now = amounts();
  std::vector<double> error(ns, 0.0);
  for (int s = 0; s < ns; ++s) {
    double change = 0.0;
    for (int n = 0; n < nc; ++n)
      if (!red_.shape.clamped[n]) change += now[n * ns + s] - initial_amounts_[n * ns + s];
    error[s] = change - (totals_.clamped_inflow_mol[s] + totals_.reaction_source_mol[s] +
                         totals_.secretion_source_mol[s] - totals_.outlet_outflow_mol[s]);
  }
  return error;
}

std::vector<double> WellMixedModel::balance_error_relative() const {
  const int ns = red_.n_species, nc = red_.n_compartments;
  const std::vector<double> now = amounts(), error = balance_error_mol();
  std::vector<double> rel(ns, 0.0);
  for (int s = 0; s < ns; ++s) {
    double m0 = 0.0, m1 = 0.0;
    for (int n = 0; n < nc; ++n)
      if (!red_.shape.clamped[n]) m0 += initial_amounts_[n * ns + s], m1 += now[n * ns + s];
    const double scale = std::max({std::abs(m0), std::abs(m1), std::abs(totals_.clamped_inflow_mol[s]),
                                   std::abs(totals_.reaction_source_mol[s]), std::abs(totals_.secretion_source_mol[s]),
                                   std::abs(totals_.outlet_outflow_mol[s])});
    rel[s] = scale > 0 ? error[s] / scale : 0.0;
  }
  return rel;
}

}  // namespace lactosim::well_mixed
