// SPDX-License-Identifier: MIT
// CVODE (SUNDIALS 6.4) driving the model's right-hand side (bdf_integrator.hpp states the method).
#include "bdf_integrator.hpp"

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_spfgmr.h>
#include <sunlinsol/sunlinsol_spgmr.h>
#include <sunnonlinsol/sunnonlinsol_newton.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "advection_sweep.hpp"
#include "diffusion_amg.hpp"
#include "local_jacobian.hpp"
#include "rank_reductions.hpp"
#include "threaded_vector.hpp"
#include "host/sparse_layout.hpp"

namespace lactosim::step {

namespace {

// Quadrature layout: [inflow s][reaction s][secretion s][outflow s][transfer m·s][water in][water out]
struct QuadLayout {
  int ns, nm;
  int inflow(int s) const { return s; }
  int reaction(int s) const { return ns + s; }
  int secretion(int s) const { return 2 * ns + s; }
  int outflow(int s) const { return 3 * ns + s; }
  int transfer(int q) const { return 4 * ns + q; }
  int water_in() const { return 4 * ns + nm * ns; }
  int water_out() const { return water_in() + 1; }
  int size() const { return water_out() + 1; }
};

void put_sources(const QuadLayout& L, const kernels::StepTotals& t, double* q) {
  for (int s = 0; s < L.ns; ++s) {
    q[L.inflow(s)] = t.clamped_inflow_mol[s];
    q[L.reaction(s)] = t.reaction_source_mol[s];
    q[L.secretion(s)] = t.secretion_source_mol[s];
    q[L.outflow(s)] = t.outlet_outflow_mol[s];
  }
  for (int i = 0; i < L.nm * L.ns; ++i) q[L.transfer(i)] = t.membrane_transfer_mol[i];
  q[L.water_in()] = t.lumen_water_in_m3;
  q[L.water_out()] = t.outlet_water_m3;
}

// Whether the preconditioner applies the per-voxel local Jacobian blocks (and so must set them up).
bool uses_blocks(BdfOptions::Preconditioner mode) {
  using P = BdfOptions::Preconditioner;
  return mode == P::lod_local || mode == P::cg_local || mode == P::amg_local || mode == P::local;
}

}  // namespace

struct BdfIntegrator::Sundials {
  SUNContext context = nullptr;
  void* cvode = nullptr;
  N_Vector y = nullptr, quadrature = nullptr, constraints = nullptr;
  SUNLinearSolver gmres = nullptr;
  SUNNonlinearSolver newton = nullptr;
  // CVODE's own convergence test, which Callbacks::convergence_test wraps.
  SUNNonlinSolConvTestFn cvode_test = nullptr;
  void* cvode_test_data = nullptr;
  N_Vector residual = nullptr;
  LocalJacobian local;
  std::vector<double> work;  // packed scratch
  ~Sundials() {
    if (cvode) CVodeFree(&cvode);
    if (gmres) SUNLinSolFree(gmres);
    if (newton) SUNNonlinSolFree(newton);
    if (y) N_VDestroy(y);
    if (quadrature) N_VDestroy(quadrature);
    if (constraints) N_VDestroy(constraints);
    if (residual) N_VDestroy(residual);
    if (context) SUNContext_Free(&context);
  }
};

// CVODE's callbacks: f, the quadratures' rates, the preconditioner's setup and solve.
struct BdfIntegrator::Callbacks {
  static int rhs(realtype t, N_Vector y, N_Vector ydot, void* data) {
    auto* self = static_cast<BdfIntegrator*>(data);
    if (self->stop_flag_ && *self->stop_flag_) return -1;  // unrecoverable: CVode returns at once
    kernels::StepTotals sources;
    return self->evaluate(t, N_VGetArrayPointer(y), N_VGetArrayPointer(ydot), sources) ? 0 : 1;
  }
  static int quadrature(realtype t, N_Vector y, N_Vector qdot, void* data) {
    auto* self = static_cast<BdfIntegrator*>(data);
    if (self->stop_flag_ && *self->stop_flag_) return -1;
    // CVODES asks for the quadratures' rates at the converged state, where the convergence test
    // has just evaluated f (Callbacks::convergence_test): its sources are reused, bitwise the same.
    kernels::StepTotals sources;
    if (self->evaluated_at(t, N_VGetArrayPointer(y))) {
      sources = self->last_sources_;
    } else {
      std::vector<double>& f = self->sun_->work;
      if (!self->evaluate(t, N_VGetArrayPointer(y), f.data(), sources)) return 1;
    }
    put_sources(QuadLayout{self->problem_.n_species, self->problem_.n_membranes}, sources, N_VGetArrayPointer(qdot));
    return 0;
  }
  static int setup(realtype t, N_Vector y, N_Vector, booleantype jok, booleantype* jcur, realtype gamma,
                   void* data) {
    auto* self = static_cast<BdfIntegrator*>(data);
    Sundials& sun = *self->sun_;
    *jcur = SUNFALSE;
    if (self->advection_) {
      // The face velocities of y (the last f CVODE evaluated normally is f(y)), at every set-up: cheap,
      // and CVODE asks for a fresh Jacobian (jok false) only every 51 steps, long enough for the flow
      // of a transient to change.
      const double* yv = N_VGetArrayPointer(y);
      if (!self->evaluated_at(t, yv)) {
        kernels::StepTotals ignored;
        if (!self->evaluate(t, yv, sun.work.data(), ignored)) return 1;
      }
      SecretionSnapshot flow;
      self->stepper_.read_secretion(flow);
      self->advection_->set_flow(flow.face_velocity_m_per_s, flow.lumen_source_per_s);
      *jcur = SUNTRUE;
    }
    // Nothing else to set up without blocks: the diffusion solve takes γ when applied.
    if (!uses_blocks(self->options_.preconditioner)) return 0;
    if (!jok) {
      // Fresh blocks at (t, y): one f per colour, each colour's σ from its mean |c|.
      const std::size_t n = self->packed_.size();
      const double* yv = N_VGetArrayPointer(y);
      std::vector<double> yy(yv, yv + n), f0(n);
      const int ng = sun.local.n_groups();
      std::vector<double> mean(ng, 0.0), count(ng, 0.0);
      for (std::size_t i = 0; i < n; ++i) {
        const int g = self->group_of_entry(long(i));
        mean[g] += std::abs(yy[i]), count[g] += 1.0;
      }
      self->comm_.sum(mean);  // over the ranks: every rank raises a colour by the same σ
      self->comm_.sum(count);
      std::vector<double> sigma(ng);
      for (int g = 0; g < ng; ++g)
        sigma[g] = 1e-7 * std::max(count[g] > 0 ? mean[g] / count[g] : 0.0, 10.0 * self->options_.abs_tol_mM);
      // f0 again at y, solving the potentials and the flow for y; then the raised states with those
      // potentials and velocities frozen (Stepper::tendency says why).
      kernels::StepTotals ignored;
      if (!self->evaluate(t, yy.data(), f0.data(), ignored)) return 1;
      const bool ok = sun.local.evaluate(
          yy, f0, sigma,
          [&](const std::vector<double>& at, std::vector<double>& f) {
            if (self->stop_flag_ && *self->stop_flag_) return false;
            return self->evaluate(t, at.data(), f.data(), ignored, /*frozen=*/true);
          },
          [&](bool any) { return self->comm_.max(any ? 1.0 : 0.0) > 0.0; });  // a colour any rank holds
      if (!ok) return self->stop_flag_ && *self->stop_flag_ ? -1 : 1;
      *jcur = SUNTRUE;
    }
    const bool factored = sun.local.factor(gamma);  // a singular block on any rank fails the set-up on all
    return (self->comm_.size() == 1 ? factored : self->comm_.min(factored ? 1.0 : 0.0) > 0.0) ? 0 : 1;
  }
  static int solve(realtype, N_Vector, N_Vector, N_Vector r, N_Vector z, realtype gamma, realtype, int, void* data) {
    auto* self = static_cast<BdfIntegrator*>(data);
    const std::size_t n = self->packed_.size();
    const double* rv = N_VGetArrayPointer(r);
    double* zv = N_VGetArrayPointer(z);
    // (I − γL)⁻¹ in the padded layout (zero outside the unknowns) by AMG, CG or LOD, then the local
    // blocks — or one of them alone (run.bdf_preconditioner; measured: docs/numerics.md).
    using P = BdfOptions::Preconditioner;
    const P mode = self->options_.preconditioner;
    std::copy(rv, rv + n, zv);
    if (mode != P::local && mode != P::none) {
      std::vector<double>& padded = self->padded_f_;
      std::fill(padded.begin(), padded.end(), 0.0);
      for (std::size_t i = 0; i < n; ++i) padded[self->packed_[i]] = rv[i];
      if (mode == P::amg || mode == P::amg_local)
        self->diffusion_amg_->apply(gamma, padded);
      else
        self->stepper_.diffusion_solve(gamma, padded,
                                       mode == P::cg_local || mode == P::cg ? self->options_.preconditioner_cg_rel_tol : 0.0);
      if (self->advection_) self->advection_->apply(gamma, padded);
      for (std::size_t i = 0; i < n; ++i) zv[i] = padded[self->packed_[i]];
    }
    if (uses_blocks(mode)) self->sun_->local.solve(zv);
    return 0;
  }
  // Jv by a difference of f along v, with the increment scaled so that no unknown moves by more than
  // jv_relative_increment of its own size (|y_i| + abs_tol/rel_tol): CVODE's own increment makes σv
  // of weighted RMS norm 1, which for a v concentrated on a few voxels moves them by √N tolerances —
  // at rel_tol = 1e-2 several times their value, where the difference quotient of a nonlinear f is no
  // Jacobian (measured: docs/numerics.md "The Jacobian-vector product").
  static int jtimes(N_Vector v, N_Vector jv, realtype t, N_Vector y, N_Vector fy, void* data, N_Vector) {
    auto* self = static_cast<BdfIntegrator*>(data);
    if (self->stop_flag_ && *self->stop_flag_) return -1;
    const std::size_t n = self->packed_.size();
    const double* vv = N_VGetArrayPointer(v);
    const double* yv = N_VGetArrayPointer(y);
    const double floor = self->options_.abs_tol_mM / self->options_.rel_tol;
    double largest = 0;
    for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, std::abs(vv[i]) / (std::abs(yv[i]) + floor));
    largest = self->comm_.max(largest);  // one σ for the whole vector
    double* jvv = N_VGetArrayPointer(jv);
    if (!(largest > 0)) {
      std::fill(jvv, jvv + n, 0.0);
      return 0;
    }
    const double sigma = self->options_.jv_relative_increment / largest;
    std::vector<double>& at = self->sun_->work;
    for (std::size_t i = 0; i < n; ++i) at[i] = yv[i] + sigma * vv[i];
    kernels::StepTotals ignored;
    ++self->jv_evaluations_;
    if (!self->evaluate(t, at.data(), jvv, ignored, false, /*perturbation=*/true)) return 1;  // recoverable: CVODE shrinks the step
    const double* f0 = N_VGetArrayPointer(fy);
    for (std::size_t i = 0; i < n; ++i) jvv[i] = (jvv[i] - f0[i]) / sigma;
    return 0;
  }
  // The trace's line per Newton iteration: ‖δ‖ (weighted RMS), how many unknowns moved by more than
  // their tolerance, and the one that moved most (species, compartment, voxel and its i j k).
  static void trace_newton(BdfIntegrator* self, SUNNonlinearSolver nls, N_Vector del, N_Vector ewt, int verdict) {
    const double* d = N_VGetArrayPointer(del);
    const double* w = N_VGetArrayPointer(ewt);
    double worst = 0;
    std::size_t at = 0;
    long above_one = 0;
    for (std::size_t i = 0; i < self->packed_.size(); ++i) {
      if (std::abs(d[i] * w[i]) > 1) ++above_one;
      if (std::abs(d[i] * w[i]) > worst) worst = std::abs(d[i] * w[i]), at = i;
    }
    const kernels::Block& b = self->problem_.block;
    const long v = self->packed_[at] % b.padded_voxels();
    const auto ijk = interior_ijk(b, dense_index_of(self->problem_, v));
    int iter = 0;
    SUNNonlinSolGetCurIter(nls, &iter);
    N_Vector ynow = nullptr;
    CVodeGetCurrentState(self->sun_->cvode, &ynow);
    std::fprintf(stderr,
                 "bdf-trace newton %d |del|=%.3e n>1 %ld worst=%.3e species %d compartment %d voxel %ld (%ld %ld %ld) "
                 "y %.4g del %.4g -> %s\n",
                 iter, N_VWrmsNorm(del, ewt), above_one, worst, self->species_of_entry(long(at)), self->problem_.compartment[v], v, ijk[0],
                 ijk[1], ijk[2], ynow ? N_VGetArrayPointer(ynow)[at] : NAN, d[at],
                 verdict == SUN_NLS_SUCCESS ? "converged" : verdict == SUN_NLS_CONTINUE ? "continue" : "FAIL");
  }
  // Newton's convergence test: CVODE's own (the weighted RMS norm of the correction, with its rate
  // estimate), then — once that passes — the balance's: the residual r of the BDF equation at the
  // converged iterate, summed over each species' unknowns, is the defect this step's corrector leaves
  // in that species' balance (the quadratures are advanced by the same formula, explicitly; measured,
  // a budget on the running sum of these defects did not bound the run's total, so they are not the
  // whole of it: docs/numerics.md "The balance test"). For a
  // species that turns over fast against a long step (pIgR–IgA in the cells: release ~10⁻² /s, steps
  // of 10⁵ s) a correction below CVODE's tolerance leaves a residual γλ ≈ 10³ times larger, and the
  // balance error grew to 0.8 of its amount over 14 simulated days (docs/numerics.md). So: continue
  // Newton while |Σ_s r_i| > balance_residual_fraction · rel_tol · Σ_s |y_i| (+ abs_tol per unknown)
  // for some species s. One more f per converged step.
  static int convergence_test(SUNNonlinearSolver nls, N_Vector ycor, N_Vector del, realtype tol, N_Vector ewt,
                              void* data) {
    auto* self = static_cast<BdfIntegrator*>(data);
    Sundials& sun = *self->sun_;
    const int r = sun.cvode_test(nls, ycor, del, tol, ewt, sun.cvode_test_data);
    if (self->trace_level_ >= 1) trace_newton(self, nls, del, ewt, r);
    if (r != SUN_NLS_SUCCESS || !(self->options_.balance_residual_fraction > 0)) return r;
    auto* content = static_cast<SUNNonlinearSolverContent_Newton>(nls->content);
    // CVODE's residual function: r = rl1·zn[1] + ycor − γ f(zn[0] + ycor) (it also leaves y and f(y)
    // in CVODE's work vectors, which CVODE recomputes after a converged solve).
    if (content->Sys(ycor, sun.residual, sun.cvode_test_data) != 0) return SUN_NLS_CONV_RECVR;
    N_Vector ynow = nullptr;
    CVodeGetCurrentState(sun.cvode, &ynow);
    const int ns = self->problem_.n_species;
    std::vector<double> defect(ns), amount(ns);
    self->species_defects(N_VGetArrayPointer(sun.residual), N_VGetArrayPointer(ynow), defect, amount);
    const double bound = self->options_.balance_residual_fraction * self->options_.rel_tol;
    const auto worst_ratio = [&] {
      double w = 0;
      for (int s = 0; s < ns; ++s) w = std::max(w, std::abs(defect[s]) / (bound * amount[s]));
      return w;
    };
    // First the species' totals: a correction of the amounts that cancels their summed residuals
    // (correct_species_totals), at most twice, each kept only if it left the worst summed residual
    // smaller than before (near a drained species the residual is not linear in the amount: there the
    // step stays as Newton left it). Then, if a species' summed residual is still above the bound,
    // one more Newton iteration.
    std::vector<double> kept;
    for (int round = 0; round < 2; ++round) {
      const double before = worst_ratio();
      kept.assign(N_VGetArrayPointer(ycor), N_VGetArrayPointer(ycor) + self->packed_.size());
      if (!self->correct_species_totals(N_VGetArrayPointer(ycor), defect, amount)) break;
      if (content->Sys(ycor, sun.residual, sun.cvode_test_data) != 0) return SUN_NLS_CONV_RECVR;
      self->species_defects(N_VGetArrayPointer(sun.residual), N_VGetArrayPointer(ynow), defect, amount);
      if (!(worst_ratio() < before)) {
        std::copy(kept.begin(), kept.end(), N_VGetArrayPointer(ycor));
        ++self->balance_corrections_undone_;
        if (content->Sys(ycor, sun.residual, sun.cvode_test_data) != 0) return SUN_NLS_CONV_RECVR;
        self->species_defects(N_VGetArrayPointer(sun.residual), N_VGetArrayPointer(ynow), defect, amount);
        break;
      }
    }
    // (A Newton iteration whose linear solve returned no correction at all would only repeat itself:
    // there the summed residual is below what GMRES resolves, and the step stands as it is.)
    if (!(N_VMaxNorm(del) > 0)) return SUN_NLS_SUCCESS;
    for (int s = 0; s < ns; ++s)
      if (std::abs(defect[s]) > bound * amount[s]) {
        ++self->balance_iterations_;
        if (self->trace_level_ >= 1)
          std::fprintf(stderr, "bdf-trace balance: species %d residual %.3e of amount %.3e: one more Newton iteration\n",
                       s, defect[s], amount[s]);
        return SUN_NLS_CONTINUE;
      }
    return SUN_NLS_SUCCESS;
  }
  static void error(int, const char*, const char* function, char* message, void* data) {
    auto* self = static_cast<BdfIntegrator*>(data);
    self->last_error_ = std::string(function) + ": " + message;
  }
};

// Each species' residual summed over its unknowns (Σ_s r_i, mM) and its amount Σ_s |y_i| + abs_tol (mM),
// over every rank.
void BdfIntegrator::species_defects(const double* residual, const double* y, std::vector<double>& defect,
                                    std::vector<double>& amount) {
  const int ns = problem_.n_species;
  defect.assign(ns, 0.0);
  amount.assign(ns, 0.0);
  for (std::size_t i = 0; i < packed_.size(); ++i) {
    const int s = species_of_entry(long(i));
    defect[s] += residual[i];
    amount[s] += std::abs(y[i]) + options_.abs_tol_mM;
  }
  comm_.sum(defect);
  comm_.sum(amount);
  if (trace_level_ >= 1) {
    std::fprintf(stderr, "bdf-trace defect");
    for (int s = 0; s < ns; ++s) std::fprintf(stderr, " s%d %+.3e", s, defect[s] / amount[s]);
    std::fprintf(stderr, "\n");
  }
}

// The species-total correction (docs/numerics.md "The balance test"). What a step adds to species s's
// balance error is its summed residual D_s = Σ_s r_i of the BDF equation r = rl1·zn[1] + ycor − γ f(y)
// (the quadratures obey the same formula exactly), and the BDF history then carries it into the next
// steps, grown by every step-size increase (measured: the balance's Nordsieck columns). Newton's
// corrections leave D_s at up to balance_residual_fraction × rel_tol × the amount per step, and over
// 14 simulated days these add up past rel_tol. So, once Newton has converged, each species s whose
// |D_s| exceeds balance_correction_fraction × rel_tol × its amount gets its own profile scaled,
// y_i → (1 + α_s) y_i for its unknowns (positive stays positive, where it is stays where it is), with
// the α of the chosen species solving the linear equations of their summed residuals
//   D_s + Σ_t [δ_st Σ_t y_i − γ ∂(Σ_s f_i)/∂α_t] α_t = 0,
// the derivatives by differences of f along each profile (one f per chosen species). The change is of
// the order of the residual, far below CVODE's tolerance. Returns false when nothing was changed.
bool BdfIntegrator::correct_species_totals(double* ycor, const std::vector<double>& defect,
                                           const std::vector<double>& amount) {
  const double bound = options_.balance_correction_fraction * options_.rel_tol;
  if (!(bound > 0)) return false;
  const int ns = problem_.n_species;
  std::vector<int> chosen;
  for (int s = 0; s < ns; ++s)
    if (std::abs(defect[s]) > bound * amount[s]) chosen.push_back(s);
  if (chosen.empty()) return false;
  N_Vector ynow = nullptr;
  CVodeGetCurrentState(sun_->cvode, &ynow);
  const double* y = N_VGetArrayPointer(ynow);
  realtype gamma = 0, t = 0;
  CVodeGetCurrentGamma(sun_->cvode, &gamma);
  CVodeGetCurrentTime(sun_->cvode, &t);
  const std::size_t n = packed_.size();
  // f(y): the residual just evaluated left it in padded_f_ (evaluate()).
  std::vector<double> f0(n), f1(n), at(n);
  for (std::size_t i = 0; i < n; ++i) f0[i] = padded_f_[packed_[i]];
  const int m = int(chosen.size());
  std::vector<double> a(std::size_t(m) * m), rhs(m);
  constexpr double increment = 1e-6;  // of each unknown's own value, as the Jacobian-vector products
  kernels::StepTotals ignored;
  for (int col = 0; col < m; ++col) {
    const int sp = chosen[col];
    std::vector<double> sums(ns + 1, 0.0);  // Σ_s ∂f_i/∂α for every s, then Σ_sp y_i
    for (std::size_t i = 0; i < n; ++i) {
      const bool own = species_of_entry(long(i)) == sp;
      at[i] = own ? y[i] + increment * std::max(y[i], 0.0) : y[i];
      if (own) sums[ns] += std::max(y[i], 0.0);
    }
    ++correction_evaluations_;
    if (!evaluate(t, at.data(), f1.data(), ignored)) return false;
    for (std::size_t i = 0; i < n; ++i) sums[species_of_entry(long(i))] += (f1[i] - f0[i]) / increment;
    comm_.sum(sums);
    for (int row = 0; row < m; ++row)
      a[std::size_t(row) * m + col] = (row == col ? sums[ns] : 0.0) - gamma * sums[chosen[row]];
  }
  for (int row = 0; row < m; ++row) rhs[row] = -defect[chosen[row]];
  // Gaussian elimination with partial pivoting (m ≤ the number of species).
  for (int k = 0; k < m; ++k) {
    int p = k;
    for (int r = k + 1; r < m; ++r)
      if (std::abs(a[std::size_t(r) * m + k]) > std::abs(a[std::size_t(p) * m + k])) p = r;
    if (!(std::abs(a[std::size_t(p) * m + k]) > 0)) return false;
    if (p != k) {
      for (int c = 0; c < m; ++c) std::swap(a[std::size_t(k) * m + c], a[std::size_t(p) * m + c]);
      std::swap(rhs[k], rhs[p]);
    }
    for (int r = k + 1; r < m; ++r) {
      const double factor = a[std::size_t(r) * m + k] / a[std::size_t(k) * m + k];
      for (int c = k; c < m; ++c) a[std::size_t(r) * m + c] -= factor * a[std::size_t(k) * m + c];
      rhs[r] -= factor * rhs[k];
    }
  }
  std::vector<double> alpha(m);
  for (int k = m - 1; k >= 0; --k) {
    double v = rhs[k];
    for (int c = k + 1; c < m; ++c) v -= a[std::size_t(k) * m + c] * alpha[c];
    alpha[k] = v / a[std::size_t(k) * m + k];
    // A scaling by more than the tolerance is no small correction: leave the step to Newton.
    if (!(std::abs(alpha[k]) <= options_.rel_tol)) return false;
  }
  std::vector<double> scale(ns, 0.0);
  for (int k = 0; k < m; ++k) scale[chosen[k]] = alpha[k];
  for (std::size_t i = 0; i < n; ++i) ycor[i] += scale[species_of_entry(long(i))] * std::max(y[i], 0.0);
  ++balance_corrections_;
  if (trace_level_ >= 1) {
    std::fprintf(stderr, "bdf-trace correction of %d species:", m);
    for (int k = 0; k < m; ++k) std::fprintf(stderr, " s%d %+.3e", chosen[k], alpha[k]);
    std::fprintf(stderr, "\n");
  }
  return true;
}

BdfIntegrator::BdfIntegrator(Stepper& stepper, const kernels::Problem& problem, RatesAt rates_at,
                             const BdfOptions& options, double t0, const std::vector<double>& c0)
    : stepper_(stepper), problem_(problem), rates_at_(std::move(rates_at)), options_(options), t_(t0), output_t_(t0),
      comm_(stepper.communicator()) {
  const long nv = problem.block.padded_voxels();
  const int ns = problem.n_species, nc = problem.n_compartments;
  if (c0.size() != std::size_t(ns) * nv)
    throw std::invalid_argument("BdfIntegrator: " + std::to_string(c0.size()) + " concentrations, the problem has " +
                                std::to_string(std::size_t(ns) * nv));
  if (!(options.rel_tol > 0) || !(options.abs_tol_mM > 0))
    throw std::invalid_argument("BdfIntegrator: rel_tol and abs_tol_mM must be > 0");
  // The unknowns: species s in voxel v where v's compartment holds s and is not clamped. Their
  // colour (compartment × species) and their voxel's block.
  // Interior voxels only: on one rank the halo is padding (compartment −1) anyway; over MPI ranks it
  // holds the neighbours' voxels, which are their unknowns, not this rank's.
  std::vector<long> block_of_voxel(std::size_t(nv), -1);
  std::vector<std::vector<long>> blocks;
  std::vector<std::uint8_t> interior(std::size_t(nv), 0);
  const kernels::Block& b = problem.block;
  if (b.sparse()) {
    std::fill(interior.begin(), interior.end() - 1, 1);  // every slot but the ghost (the order is the dense one)
  } else {
    for (int k = 0; k < b.nz; ++k)
      for (int j = 0; j < b.ny; ++j)
        for (int i = 0; i < b.nx; ++i) interior[std::size_t(b.index(i, j, k))] = 1;
  }
  for (int s = 0; s < ns; ++s)
    for (long v = 0; v < nv; ++v) {
      const int c = problem.compartment[v];
      if (c < 0 || !problem.present(s, c) || !interior[std::size_t(v)]) continue;
      if (problem.clamped[c]) {
        clamped_positions_.push_back({long(s) * nv + v, s, c});
        continue;
      }
      const long i = long(packed_.size());
      packed_.push_back(long(s) * nv + v);
      group_.push_back(c * ns + s);
      if (block_of_voxel[v] < 0) block_of_voxel[v] = long(blocks.size()), blocks.emplace_back();
      blocks[block_of_voxel[v]].push_back(i);
    }
  const std::size_t n = packed_.size();
  double global_n = double(n);
  comm_.sum(&global_n, 1);
  if (!(global_n > 0)) throw std::invalid_argument("BdfIntegrator: the model has no unknowns");
  if (comm_.size() > 1 && options.advection_in_preconditioner)
    throw std::runtime_error("run.bdf_advection_preconditioner is not decomposed over MPI ranks yet (issue #16)");
  padded_c_ = c0;
  padded_f_.assign(c0.size(), 0.0);

  sun_ = std::make_unique<Sundials>();
  Sundials& sun = *sun_;
  sun.work.assign(n, 0.0);
  sun.local.set_layout(std::move(blocks), group_, nc * ns);
  if (SUNContext_Create(nullptr, &sun.context) != 0) throw std::runtime_error("SUNContext_Create failed");
  sun.y = N_VNew_Serial(sunindextype(n), sun.context);
  use_threaded_vector_ops(sun.y);  // the executor's threads (threaded_vector.hpp), before anything clones it
  if (comm_.size() > 1) use_rank_reductions(sun.y, comm_, long(global_n));  // before anything clones it
  double* y = N_VGetArrayPointer(sun.y);
  for (std::size_t i = 0; i < n; ++i) y[i] = c0[packed_[i]];
  sun.cvode = CVodeCreate(CV_BDF, sun.context);
  const auto check = [&](int flag, const char* call) {
    if (flag < 0) throw std::runtime_error(std::string("CVODE ") + call + " failed: " + flag_words(flag));
  };
  check(CVodeSetErrHandlerFn(sun.cvode, &Callbacks::error, this), "CVodeSetErrHandlerFn");
  check(CVodeInit(sun.cvode, &Callbacks::rhs, t0, sun.y), "CVodeInit");
  check(CVodeSetUserData(sun.cvode, this), "CVodeSetUserData");
  check(CVodeSStolerances(sun.cvode, options.rel_tol, options.abs_tol_mM), "CVodeSStolerances");
  check(CVodeSetMaxOrd(sun.cvode, options.max_order), "CVodeSetMaxOrd");
  sun.newton = SUNNonlinSol_Newton(sun.y, sun.context);
  check(CVodeSetNonlinearSolver(sun.cvode, sun.newton), "CVodeSetNonlinearSolver");
  // LACTOSIM_BDF_TRACE=1: a line per step and per Newton iteration on stderr; =2 adds, after every
  // step, difference quotients of f along the step at shrinking increments (is f smooth there?).
  if (const char* e = std::getenv("LACTOSIM_BDF_TRACE"); e && (*e == '1' || *e == '2')) trace_level_ = *e - '0';
  {
    auto* content = static_cast<SUNNonlinearSolverContent_Newton>(sun.newton->content);
    sun.cvode_test = content->CTest, sun.cvode_test_data = content->ctest_data;
    SUNNonlinSolSetConvTestFn(sun.newton, &Callbacks::convergence_test, this);
    sun.residual = N_VClone(sun.y);
    // Room for the balance test's extra iteration (CVODE's default is 3).
    check(CVodeSetMaxNonlinIters(sun.cvode, options_.max_newton_iterations), "CVodeSetMaxNonlinIters");
  }
  check(CVodeSetMaxNumSteps(sun.cvode, 1000000), "CVodeSetMaxNumSteps");
  if (options.dt_max_s < 1e300) check(CVodeSetMaxStep(sun.cvode, options.dt_max_s), "CVodeSetMaxStep");
  if (options.dt_min_s > 0) check(CVodeSetMinStep(sun.cvode, options.dt_min_s), "CVodeSetMinStep");
  sun.constraints = N_VClone(sun.y);  // its constraint test is over every rank's unknowns
  N_VConst(1.0, sun.constraints);  // every unknown ≥ 0
  check(CVodeSetConstraints(sun.cvode, sun.constraints), "CVodeSetConstraints");
  const bool precondition = options.preconditioner != BdfOptions::Preconditioner::none;
  if (options.preconditioner == BdfOptions::Preconditioner::amg ||
      options.preconditioner == BdfOptions::Preconditioner::amg_local)
  {
    // Decomposed: one matrix per species over the ranks (diffusion_amg.hpp).
    kernels::Executor& x = stepper_.executor();
    const AmgRanks ranks{&comm_, [this, &x](double* field, int n_blocks) { comm_.exchange_halo(x, field, n_blocks, 1); }};
    diffusion_amg_ = std::make_unique<DiffusionAmg>(problem, &ranks);
  }
  if (options.advection_in_preconditioner && problem.has_flow && precondition &&
      options.preconditioner != BdfOptions::Preconditioner::local)
    advection_ = std::make_unique<AdvectionSweep>(problem);
  // Right preconditioning: GMRES then bounds the true residual. (Left, with the LOD factor, let Newton
  // stop with large high-frequency residuals the preconditioner damps: measured, docs/numerics.md.)
  // A CG diffusion solve is not a fixed linear operator: flexible GMRES then.
  const bool flexible = options.preconditioner == BdfOptions::Preconditioner::cg_local ||
                        options.preconditioner == BdfOptions::Preconditioner::cg;
  const int side = precondition ? SUN_PREC_RIGHT : SUN_PREC_NONE;
  sun.gmres = flexible ? SUNLinSol_SPFGMR(sun.y, side, options.krylov_dimension, sun.context)
                       : SUNLinSol_SPGMR(sun.y, side, options.krylov_dimension, sun.context);
  // Classical Gram–Schmidt (with SUNDIALS' conditional second pass): its k dot products and its update
  // are one pass each over the Krylov basis (threaded_vector.hpp), where the modified one makes 2k.
  check(flexible ? SUNLinSol_SPFGMRSetGSType(sun.gmres, SUN_CLASSICAL_GS)
                 : SUNLinSol_SPGMRSetGSType(sun.gmres, SUN_CLASSICAL_GS),
        "SUNLinSol_SPGMRSetGSType");
  check(CVodeSetLinearSolver(sun.cvode, sun.gmres, nullptr), "CVodeSetLinearSolver");
  if (options.jv_relative_increment > 0) check(CVodeSetJacTimes(sun.cvode, nullptr, &Callbacks::jtimes), "CVodeSetJacTimes");
  if (precondition)
    check(CVodeSetPreconditioner(sun.cvode, &Callbacks::setup, &Callbacks::solve), "CVodeSetPreconditioner");
  sun.quadrature = N_VNew_Serial(QuadLayout{ns, problem.n_membranes}.size(), sun.context);
  N_VConst(0.0, sun.quadrature);
  check(CVodeQuadInit(sun.cvode, &Callbacks::quadrature, sun.quadrature), "CVodeQuadInit");
  // The quadratures take part in CVODES's error control, with a tolerance so loose (absolute 1e100)
  // that they never limit a step or an order: CVODES stores the correction an order increase builds
  // its new Nordsieck column from for the quadratures only when they are error-controlled
  // (cvChooseEta: `if (cv_quadr && cv_errconQ)`), so without it the quadratures' new column came
  // from an older step's correction than the state's, and every order increase broke the balance
  // between them — measured: the README default's worst balance error 1.15e-4 (rel_tol 1e-4),
  // 7.7e-6 with this, the same 123 steps (docs/numerics.md "The balance test").
  check(CVodeSetQuadErrCon(sun.cvode, SUNTRUE), "CVodeSetQuadErrCon");
  check(CVodeQuadSStolerances(sun.cvode, 0.0, 1e100), "CVodeQuadSStolerances");
}

BdfIntegrator::~BdfIntegrator() = default;

int BdfIntegrator::group_of_entry(long i) const { return group_[std::size_t(i)]; }
int BdfIntegrator::species_of_entry(long i) const { return group_of_entry(i) % problem_.n_species; }

// The padded concentrations f reads: the unknowns as Newton gives them, the clamps at time t, zero
// elsewhere. Newton's trial values may dip below 0; f is not clipped there (a clip is a kink that
// made the error test fail repeatedly at a Michaelis–Menten sink draining to 0: test_bdf.cpp), the
// rate laws continue smoothly through 0, and a law that cannot (a NaN) fails f, which shrinks the
// step. Accepted states are ≥ 0 by CVODE's constraints.
void BdfIntegrator::scatter(const double* y, const kernels::StepRates& rates) {
  const std::size_t n = packed_.size();
  for (std::size_t i = 0; i < n; ++i) padded_c_[packed_[i]] = y[i];
  const int nc = problem_.n_compartments;
  for (const Clamp& c : clamped_positions_)
    padded_c_[c.position] = rates.clamp_mM.empty() ? padded_c_[c.position]
                                                   : rates.clamp_mM[std::size_t(c.species) * nc + c.compartment];
}

// (Over MPI ranks every rank must make the same call: an f is a collective one. A rank's own piece
// of y can equal its piece of the last f's argument while another rank's does not.)
bool BdfIntegrator::evaluated_at(double t, const double* y) const {
  const std::size_t n = packed_.size();
  const bool same = last_t_ == t && last_y_.size() == n && std::memcmp(last_y_.data(), y, n * sizeof(double)) == 0;
  return comm_.size() == 1 ? same : comm_.min(same ? 1.0 : 0.0) > 0.0;
}

bool BdfIntegrator::evaluate(double t, const double* y, double* f, kernels::StepTotals& sources, bool frozen,
                             bool perturbation) {
  const kernels::StepRates rates = rates_at_(t);
  scatter(y, rates);
  if (!stepper_.tendency(rates, padded_c_, padded_f_, sources, frozen, perturbation)) {
    ++rhs_failures_;
    return false;
  }
  const std::size_t n = packed_.size();
  for (std::size_t i = 0; i < n; ++i) f[i] = padded_f_[packed_[i]];
  if (frozen) {
    last_t_ = -1;  // the stepper's potentials and velocities are not y's: never "the last f"
  } else {
    last_y_.assign(y, y + n);
    last_t_ = t;
    last_sources_ = sources;
  }
  return true;
}

double BdfIntegrator::step(double t_toward) {
  Sundials& sun = *sun_;
  interrupted_ = false;
  double t_reached = t_;
  last_error_.clear();
  // One internal step, free of any output time (outputs between steps are interpolated:
  // interpolate()), cut only at a stop time (set_stop_time). t_toward only sizes CVODE's very first
  // step.
  const int flag = CVode(sun.cvode, std::max(t_toward, t_ + 1e-12), sun.y, &t_reached, CV_ONE_STEP);
  const std::size_t n = packed_.size();
  if (flag < 0) {
    if (stop_flag_ && *stop_flag_) {
      // Back to the last whole step: CVODE restored its history before returning.
      interrupted_ = true;
      realtype t_now = t_;
      CVodeGetCurrentTime(sun.cvode, &t_now);
      CVodeGetDky(sun.cvode, t_now, 0, sun.y);
      kernels::StepTotals sources;
      evaluate(t_now, N_VGetArrayPointer(sun.y), sun.work.data(), sources);
      t_ = t_now;
      output_t_ = t_;
      return t_;
    }
    // Where: the unknown with the largest weighted local error CVODE estimated.
    int worst_s = -1;
    long worst_v = 0;
    N_Vector ele = N_VClone(sun.y), w = N_VClone(sun.y);
    if (CVodeGetEstLocalErrors(sun.cvode, ele) == CV_SUCCESS && CVodeGetErrWeights(sun.cvode, w) == CV_SUCCESS) {
      const double* e = N_VGetArrayPointer(ele);
      const double* wv = N_VGetArrayPointer(w);
      double worst = 0;
      for (std::size_t i = 0; i < n; ++i)
        if (std::abs(e[i] * wv[i]) > worst) worst = std::abs(e[i] * wv[i]), worst_s = int(packed_[i] / problem_.block.padded_voxels()),
                                         worst_v = packed_[i] % problem_.block.padded_voxels();
    }
    N_VDestroy(ele);
    N_VDestroy(w);
    realtype t_now = t_;
    CVodeGetCurrentTime(sun.cvode, &t_now);
    std::ostringstream msg;
    msg << "CVODE (BDF) could not step past t = " << t_now << " s: " << flag_words(flag);
    if (!last_error_.empty()) msg << " (" << last_error_ << ")";
    throw BdfFailure(msg.str(), worst_s, worst_v);
  }
  // The stepper's fields must be those of the accepted state: the last f CVODE asked for (the
  // quadratures' rates at the corrected y) normally is; if not, evaluate once more.
  const double* y = N_VGetArrayPointer(sun.y);
  if (!evaluated_at(t_reached, y)) {
    kernels::StepTotals sources;
    if (!evaluate(t_reached, y, sun.work.data(), sources))
      throw BdfFailure("the right-hand side failed at the accepted state at t = " + std::to_string(t_reached) + " s",
                       -1, 0);
  }
  if (trace_level_ >= 2) probe_smoothness(t_reached, y);
  if (trace_level_ >= 1) trace_balance(t_reached, y);
  stepper_.commit_tendency_state();
  if (trace_level_ >= 1) {
    const BdfStats st = stats();
    std::fprintf(stderr, "bdf-trace step %ld t=%.6g h=%.4g q=%d newton %ld (fail %ld) errtest fail %ld gmres %ld (fail %ld) f %ld\n",
                 st.steps, t_reached, st.last_step_s, st.last_order, st.newton_iterations, st.newton_failures,
                 st.error_test_failures, st.linear_iterations, st.linear_failures, st.rhs_evaluations + st.jv_rhs_evaluations);
  }
  t_ = t_reached;
  output_t_ = t_;
  return t_;
}

void BdfIntegrator::set_stop_time(double t_stop) {
  if (!(t_stop > t_)) throw std::logic_error("BdfIntegrator::set_stop_time: the stop time must lie ahead");
  const int flag = CVodeSetStopTime(sun_->cvode, t_stop);
  if (flag < 0) throw std::runtime_error("CVodeSetStopTime: " + flag_words(flag));
}

void BdfIntegrator::trace_balance(double t, const double* y) {
  const int ns = problem_.n_species;
  const QuadLayout L{ns, problem_.n_membranes};
  N_Vector q = N_VClone(sun_->quadrature);
  realtype tq = t;
  CVodeGetQuad(sun_->cvode, &tq, q);
  const double* v = N_VGetArrayPointer(q);
  const double volume = problem_.block.h_m * problem_.block.h_m * problem_.block.h_m;
  std::vector<double> amount(ns, 0.0);
  for (std::size_t i = 0; i < packed_.size(); ++i) amount[species_of_entry(long(i))] += y[i] * volume;
  std::vector<double> balance(ns);
  for (int s = 0; s < ns; ++s)
    balance[s] = amount[s] - (v[L.inflow(s)] + v[L.reaction(s)] + v[L.secretion(s)] - v[L.outflow(s)]);
  N_VDestroy(q);
  if (trace_level_ >= 2) {
    // f's sums against the sources tendency() reports at this state (they agree to round-off).
    std::vector<double> f(packed_.size());
    kernels::StepTotals src;
    evaluate(t, y, f.data(), src);
    std::vector<double> sum(ns, 0.0);
    for (std::size_t i = 0; i < packed_.size(); ++i) sum[species_of_entry(long(i))] += f[i] * volume;
    std::fprintf(stderr, "bdf-trace rates t=%.6g", t);
    for (int s = 0; s < ns; ++s) {
      const double rate = src.clamped_inflow_mol[s] + src.reaction_source_mol[s] +
                          (src.secretion_source_mol.empty() ? 0.0 : src.secretion_source_mol[s]) -
                          (src.outlet_outflow_mol.empty() ? 0.0 : src.outlet_outflow_mol[s]);
      std::fprintf(stderr, " s%d %+.3e (f %.3e)", s, sum[s] - rate, sum[s]);
    }
    std::fprintf(stderr, "\n");
  }
  {
    // Diagnostic: the balance's Nordsieck columns h^k/k! B^(k)(t), B = h³Σy − sources (0 for a clean history).
    int q = 0;
    realtype h = 0;
    CVodeGetLastOrder(sun_->cvode, &q);
    CVodeGetLastStep(sun_->cvode, &h);
    N_Vector dy = N_VClone(sun_->y), dq = N_VClone(sun_->quadrature);
    std::fprintf(stderr, "bdf-trace columns t=%.6g q=%d", t, q);
    double scale = 1;
    for (int k = 1; k <= q; ++k) {
      scale *= h / k;
      CVodeGetDky(sun_->cvode, t, k, dy);
      CVodeGetQuadDky(sun_->cvode, t, k, dq);
      const double* a = N_VGetArrayPointer(dy);
      const double* b = N_VGetArrayPointer(dq);
      std::vector<double> col(ns, 0.0);
      for (std::size_t i = 0; i < packed_.size(); ++i) col[species_of_entry(long(i))] += a[i] * volume;
      for (int s = 0; s < ns; ++s) col[s] -= b[L.inflow(s)] + b[L.reaction(s)] + b[L.secretion(s)] - b[L.outflow(s)];
      std::fprintf(stderr, " k%d", k);
      for (int s = 0; s < ns; ++s) std::fprintf(stderr, " s%d %+.3e", s, col[s] * scale / std::max(amount[s], 1e-300));
    }
    std::fprintf(stderr, "\n");
    N_VDestroy(dy);
    N_VDestroy(dq);
  }
  if (traced_balance_.size() == std::size_t(ns)) {
    std::fprintf(stderr, "bdf-trace balance-step t=%.6g", t);
    for (int s = 0; s < ns; ++s)
      std::fprintf(stderr, " s%d %+.3e (of %.3e)", s, balance[s] - traced_balance_[s], amount[s]);
    std::fprintf(stderr, "\n");
  }
  traced_balance_ = balance;
}

// Diagnostic (LACTOSIM_BDF_TRACE=2): is f smooth and deterministic near y? Along v = the last step's
// change, difference quotients at shrinking σ should agree to O(σ) down to f's rounding.
void BdfIntegrator::probe_smoothness(double t, const double* y) {
  const std::size_t n = packed_.size();
  if (probe_prev_.size() != n) {
    probe_prev_.assign(y, y + n);
    return;
  }
  std::vector<double> v(n), f0(n), f0b(n), fs(n), at(n), w(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = y[i] - probe_prev_[i], w[i] = 1.0 / (options_.rel_tol * std::abs(y[i]) + options_.abs_tol_mM);
  kernels::StepTotals ignored;
  evaluate(t, y, f0.data(), ignored);
  const long nv = problem_.block.padded_voxels();
  std::vector<double> previous;
  for (double sigma : {1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8}) {
    for (std::size_t i = 0; i < n; ++i) at[i] = y[i] + sigma * v[i];
    evaluate(t, at.data(), fs.data(), ignored);
    std::vector<double> jv(n);
    for (std::size_t i = 0; i < n; ++i) jv[i] = (fs[i] - f0[i]) / sigma;
    if (!previous.empty()) {
      double worst = 0, norm = 0;
      std::size_t wi = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double d = std::abs(jv[i] - previous[i]) * w[i];
        norm += jv[i] * w[i] * jv[i] * w[i];
        if (d > worst) worst = d, wi = i;
      }
      std::fprintf(stderr, "bdf-probe t=%.6g sigma=%.0e |Jv|w=%.3e max|dJv|w=%.3e species %d compartment %d voxel %ld\n", t, sigma,
                   std::sqrt(norm / n), worst, int(packed_[wi] / nv), problem_.compartment[packed_[wi] % nv], long(packed_[wi] % nv));
    }
    previous = jv;
  }
  evaluate(t, y, f0b.data(), ignored);
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(f0b[i] - f0[i]) * w[i]);
  std::fprintf(stderr, "bdf-probe t=%.6g f(y) twice: max weighted difference %.3e\n", t, worst);
  probe_prev_.assign(y, y + n);
}

void BdfIntegrator::interpolate(double t) {
  if (t == output_t_) return;
  Sundials& sun = *sun_;
  N_Vector y = N_VClone(sun.y);
  const int flag = CVodeGetDky(sun.cvode, t, 0, y);
  if (flag < 0) {
    N_VDestroy(y);
    throw std::runtime_error("CVODE cannot interpolate at t = " + std::to_string(t) + " s: " + flag_words(flag));
  }
  // CVODE's constraints keep every accepted step ≥ 0, but the interpolating polynomial between two
  // of them may dip below 0 by a fraction of abs_tol near a species drained to 0 (measured: −3e-12 mM
  // at abs_tol 1e-8, test_bdf.cpp): the output state is cut at 0 there. The balance sees the cut
  // values; what the cut adds is < abs_tol × the volume of those voxels.
  double* yv = N_VGetArrayPointer(y);
  for (std::size_t i = 0; i < packed_.size(); ++i) yv[i] = std::max(yv[i], 0.0);
  kernels::StepTotals sources;
  const bool ok = evaluate(t, yv, sun.work.data(), sources);
  N_VDestroy(y);
  if (!ok) throw std::runtime_error("the right-hand side failed at the interpolated state at t = " + std::to_string(t) + " s");
  output_t_ = t;
}

kernels::StepTotals BdfIntegrator::sources() const {
  const int ns = problem_.n_species, nm = problem_.n_membranes;
  const QuadLayout L{ns, nm};
  N_Vector q = N_VClone(sun_->quadrature);
  if (output_t_ == t_) {
    realtype t = t_;
    CVodeGetQuad(sun_->cvode, &t, q);
  } else {
    CVodeGetQuadDky(sun_->cvode, output_t_, 0, q);
  }
  const double* v = N_VGetArrayPointer(q);
  kernels::StepTotals out;
  out.clamped_inflow_mol.resize(ns);
  out.reaction_source_mol.resize(ns);
  out.secretion_source_mol.resize(ns);
  out.outlet_outflow_mol.resize(ns);
  out.membrane_transfer_mol.resize(std::size_t(nm) * ns);
  for (int s = 0; s < ns; ++s) {
    out.clamped_inflow_mol[s] = v[L.inflow(s)];
    out.reaction_source_mol[s] = v[L.reaction(s)];
    out.secretion_source_mol[s] = v[L.secretion(s)];
    out.outlet_outflow_mol[s] = v[L.outflow(s)];
  }
  for (int i = 0; i < nm * ns; ++i) out.membrane_transfer_mol[i] = v[L.transfer(i)];
  out.lumen_water_in_m3 = v[L.water_in()];
  out.outlet_water_m3 = v[L.water_out()];
  N_VDestroy(q);
  return out;
}

BdfStats BdfIntegrator::stats() const {
  BdfStats s;
  void* m = sun_->cvode;
  long v = 0;
  CVodeGetNumSteps(m, &v), s.steps = v;
  CVodeGetNumRhsEvals(m, &v), s.rhs_evaluations = v;
  CVodeGetNumLinRhsEvals(m, &v), s.jv_rhs_evaluations = v + jv_evaluations_;
  CVodeGetNumNonlinSolvIters(m, &v), s.newton_iterations = v;
  CVodeGetNumNonlinSolvConvFails(m, &v), s.newton_failures = v;
  CVodeGetNumErrTestFails(m, &v), s.error_test_failures = v;
  CVodeGetNumLinIters(m, &v), s.linear_iterations = v;
  CVodeGetNumLinConvFails(m, &v), s.linear_failures = v;
  CVodeGetNumPrecEvals(m, &v), s.preconditioner_setups = v;
  CVodeGetNumPrecSolves(m, &v), s.preconditioner_solves = v;
  s.jacobian_rhs_evaluations = uses_blocks(options_.preconditioner) ? s.preconditioner_setups * sun_->local.n_groups() : 0;
  s.rhs_failures = rhs_failures_;
  s.balance_newton_iterations = balance_iterations_;
  s.balance_corrections = balance_corrections_;
  s.balance_corrections_undone = balance_corrections_undone_;
  s.jv_rhs_evaluations += correction_evaluations_;
  int order = 0;
  CVodeGetLastOrder(m, &order), s.last_order = order;
  realtype h = 0;
  CVodeGetLastStep(m, &h), s.last_step_s = h;
  return s;
}

std::string BdfIntegrator::flag_words(int flag) const {
  char* name = CVodeGetReturnFlagName(flag);  // malloc'd by SUNDIALS
  std::string out = name ? name : "unknown flag";
  std::free(name);
  switch (flag) {
    case CV_TOO_MUCH_WORK: return out + ": too many steps";
    case CV_TOO_MUCH_ACC: return out + ": the tolerance is below what double precision can give";
    case CV_ERR_FAILURE: return out + ": the local error test failed repeatedly or at the smallest step";
    case CV_CONV_FAILURE: return out + ": Newton's iteration failed repeatedly or at the smallest step";
    case CV_LSETUP_FAIL: return out + ": the preconditioner's setup failed (a singular block)";
    case CV_LSOLVE_FAIL: return out + ": the Krylov solve failed";
    case CV_RHSFUNC_FAIL: return out + ": the right-hand side kept failing (the potentials' Newton solve)";
    case CV_CONSTR_FAIL: return out + ": a concentration kept going negative";
    default: return out;
  }
}

}  // namespace lactosim::step
