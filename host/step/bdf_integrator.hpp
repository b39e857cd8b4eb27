// SPDX-License-Identifier: MIT
// The stiff integrator (run.integrator = bdf; docs/numerics.md "BDF"): the whole semi-discrete
// system dc/dt = f(c) of DESIGN §3 — diffusion, membrane fluxes at the zero-current potentials,
// reactions, lumen water and advection — integrated by SUNDIALS CVODE's variable-order BDF
// (orders 1–5, step and order from the local error against rel_tol·|c| + abs_tol_mM), implicit in
// every term, with matrix-free Newton–Krylov (GMRES, Jacobian-vector products by differences of f)
// and a right preconditioner that follows the physics (run.bdf_preconditioner):
//
//   amg (default)  P⁻¹ = one BoomerAMG V-cycle per species for (I − γ·L) (diffusion_amg.hpp; hypre)
//   cg             P⁻¹ = (I − γ·L)⁻¹ by Jacobi-CG per species to 1e-2 (flexible GMRES; the default
//                  in a build without hypre)
//   amg_local      P⁻¹ = (I − γ·J_local)⁻¹ · that V-cycle
//   cg_local       P⁻¹ = (I − γ·J_local)⁻¹ · (I − γ·L)⁻¹_CG
//   lod_local, lod the same with the LOD line solves of the split step for (I − γL)⁻¹
//   local          (I − γ·J_local)⁻¹ alone: per-voxel blocks (local_jacobian.hpp)
//
// With run.bdf_advection_preconditioner, every mode with a diffusion solve then applies (I − γ·A)⁻¹
// for the lumen's upwind advection A with the velocities of the set-up state, exactly, by one sweep
// upstream first (advection_sweep.hpp). Measured on the human-milk model it costs more Krylov
// iterations than it saves (docs/numerics.md), so it is off by default.
//
// Jacobian-vector products are differences of f with an increment that moves no unknown by more than
// 10⁻⁶ of its own size (Callbacks::jtimes says why CVODE's own increment failed here).
//
// γ = the BDF coefficient × step. Measured (docs/numerics.md): diffusion at γ·D/h² ≫ 1 is what
// GMRES cannot do alone; LOD's splitting error at such γ makes it a poor approximation of it.
//
// The potentials are an algebraic constraint (zero net current), solved inside every f: the
// integrator sees the index-0 reduction c ↦ f(c, ψ(c)). Positivity: CVODE's inequality constraints
// (c ≥ 0) reject and shrink a step that would leave a value negative; Newton's trial points may dip
// below 0 and f reads them as they are (scatter() says why). Clamped compartments are not unknowns: f is evaluated with their clamps at time t.
//
// Balance: the sources of the balance (inflow from clamped compartments, reaction and secretory
// production, outlet outflow, membrane transfer, water in and out) are CVODE quadratures of their
// rates, advanced by the same BDF formula as c. f's own sums equal those rates exactly, so what a
// step adds to a species' balance error is its summed Newton residual — which the BDF history then
// carries into later steps, grown at every step-size increase (docs/numerics.md "The balance test").
// So after Newton each species' summed residual is cancelled by a small scaling of its amount
// (correct_species_totals); the balance error is reported, not hidden.
//
// Written once over the executor's passes: f is Stepper::tendency (the split step's kernels at
// dt = 1), the diffusion preconditioner Stepper::diffusion_solve (lod_sweep), so the CPU and the
// CUDA executor run the same algorithm. The integrator's vectors (SUNDIALS' serial N_Vector) live on
// the host: each f copies c to the executor and f back (on the CUDA executor, two PCIe transfers
// per evaluation — an N_Vector of the executor's own memory is the next step).
//
// Over MPI ranks (docs/parallel.md): the unknowns are each rank's interior ones, the vectors'
// reductions cross the ranks (rank_reductions.hpp), and every decision that leads to an f — a
// colour of the blocks, a failed set-up or f, "is the last f current" — is agreed, since an f is a
// collective call. AMG is one rank's and refused there; the run agrees with one rank within its
// tolerance (GMRES and Newton stops can flip on rounding), not bit for bit.
#pragma once
#include <csignal>
#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../../kernels/problem.hpp"
#include "stepper.hpp"

namespace lactosim::step {

struct BdfOptions {
  double rel_tol = 1e-4;      // local error relative to |c|
  double abs_tol_mM = 1e-6;   // local error, absolute (mol/m³)
  double dt_max_s = 1e300;    // largest step
  double dt_min_s = 0;        // smallest step before CVODE gives up
  int max_order = 5;          // BDF order limit (1–5)
  int krylov_dimension = 30;  // GMRES restart length
  // P⁻¹ = blocks⁻¹·D⁻¹ with D⁻¹ the diffusion solve by LOD (lod_local) or by CG (cg_local, then
  // flexible GMRES), one half alone, or none (GMRES unpreconditioned).
  enum class Preconditioner { lod_local, cg_local, amg_local, local, lod, cg, amg, none };
  double preconditioner_cg_rel_tol = 1e-6;  // cg_local, cg: CG's stop ‖r‖ ≤ tol·‖b‖
  Preconditioner preconditioner = Preconditioner::lod_local;
  // With a diffusion solve in P⁻¹: then (I − γA)⁻¹ for the lumen's upwind advection A, exact, by one
  // upstream-first sweep (advection_sweep.hpp). Off (the default: measured faster on the human-milk
  // model, docs/numerics.md): advection is left to GMRES.
  bool advection_in_preconditioner = false;
  // Jacobian-vector products: f(y + σv) − f(y) over σ with σ·|v_i| ≤ this × (|y_i| + abs_tol/rel_tol)
  // for every unknown; 0: CVODE's own increment (σv of weighted RMS norm 1).
  double jv_relative_increment = 1e-6;
  // Newton also continues until no species' balance residual of the step exceeds this × rel_tol × its
  // amount (bdf_integrator.cpp, Callbacks::convergence_test); 0: CVODE's test alone.
  // (Measured on 14 simulated days of secretory activation, docs/numerics.md: 0.1 keeps every species
  // within rel_tol at no measurable cost; 0.01 halves the worst error again at twice the cost.)
  double balance_residual_fraction = 0.1;
  // Once CVODE's test has passed, each species whose summed residual exceeds this × rel_tol × its
  // amount has its amount corrected to cancel it, kept only if that helps (correct_species_totals; one
  // f per such species), before the balance test above decides on another Newton iteration; 0: off.
  double balance_correction_fraction = 1e-3;
  int max_newton_iterations = 5;  // per step attempt (CVODE's default 3): room for the balance's iteration
};

// CVODE's counters since the integrator was made.
struct BdfStats {
  long steps = 0, rhs_evaluations = 0, jv_rhs_evaluations = 0, newton_iterations = 0, newton_failures = 0,
       error_test_failures = 0, linear_iterations = 0, linear_failures = 0, preconditioner_setups = 0,
       preconditioner_solves = 0, jacobian_rhs_evaluations = 0;
  long balance_newton_iterations = 0;  // Newton iterations the balance test asked for beyond CVODE's
  long balance_corrections = 0;        // species-total corrections applied (correct_species_totals)
  long balance_corrections_undone = 0; // ... and undone, for leaving a summed residual no smaller
  long rhs_failures = 0;  // f refused a state (the potentials' Newton failed, a value not finite)
  int last_order = 0;
  double last_step_s = 0;
  // The counts of an earlier integrator added to these (a run restarted afresh goes on counting);
  // last_order and last_step_s stay this one's.
  void add_counts(const BdfStats& o) {
    for (auto [sum, more] : {std::pair{&steps, o.steps}, {&rhs_evaluations, o.rhs_evaluations},
                             {&jv_rhs_evaluations, o.jv_rhs_evaluations}, {&newton_iterations, o.newton_iterations},
                             {&newton_failures, o.newton_failures}, {&error_test_failures, o.error_test_failures},
                             {&linear_iterations, o.linear_iterations}, {&linear_failures, o.linear_failures},
                             {&preconditioner_setups, o.preconditioner_setups},
                             {&preconditioner_solves, o.preconditioner_solves},
                             {&jacobian_rhs_evaluations, o.jacobian_rhs_evaluations},
                             {&balance_newton_iterations, o.balance_newton_iterations},
                             {&balance_corrections, o.balance_corrections},
                             {&balance_corrections_undone, o.balance_corrections_undone}, {&rhs_failures, o.rhs_failures}})
      *sum += more;
  }
};

// A step CVODE could not make, with where: the unknown with the largest weighted local error (or,
// when none was estimated, the most negative one).
struct BdfFailure : std::runtime_error {
  BdfFailure(const std::string& what, int species, long voxel)
      : std::runtime_error(what), species(species), voxel(voxel) {}
  int species;  // −1 when no unknown stands out
  long voxel;   // padded voxel
};

class BdfIntegrator {
 public:
  using RatesAt = std::function<kernels::StepRates(double t_s)>;
  // Starts at time t0 from the padded concentrations c0 (the layout of Stepper::load). The stepper
  // must hold the same problem; its concentrations follow the integrator's after every step.
  BdfIntegrator(Stepper& stepper, const kernels::Problem& problem, RatesAt rates_at, const BdfOptions& options,
                double t0, const std::vector<double>& c0);
  ~BdfIntegrator();
  BdfIntegrator(const BdfIntegrator&) = delete;
  BdfIntegrator& operator=(const BdfIntegrator&) = delete;

  // One internal step (its length and order CVODE's choice; t_toward, where the caller is heading,
  // sizes only the first step); returns the time reached, and the
  // stepper holds the state then. Throws BdfFailure when CVODE cannot make a step (its words, the
  // time, the unknown). With the stop flag raised inside the step, returns the time of the last whole
  // step, state as then.
  double step(double t_toward);
  // No step passes t_stop (> time()): the step that would is shortened to end on it, and step()
  // returns t_stop with the state there. For a breakpoint of the rates (rate_breakpoints), where the
  // caller then starts a fresh integrator; outputs are not stop times (interpolate()).
  void set_stop_time(double t_stop);
  // The state at t in [time() − last step, time()], interpolated by CVODE's Nordsieck history, into
  // the stepper (outputs land on their times without cutting a step); sources() then refers to t.
  void interpolate(double t);
  double output_time() const { return output_t_; }
  void set_stop_flag(const volatile std::sig_atomic_t* flag) { stop_flag_ = flag; }
  bool interrupted() const { return interrupted_; }

  double time() const { return t_; }
  // The balance's sources integrated from construction to output_time() (mol; water m³).
  kernels::StepTotals sources() const;
  BdfStats stats() const;

 private:
  struct Callbacks;
  void scatter(const double* y, const kernels::StepRates& rates);
  bool evaluate(double t, const double* y, double* f, kernels::StepTotals& sources, bool frozen = false,
                bool perturbation = false);
  // True on every rank when the stepper's fields are those of f(t, y), its last evaluation (not frozen).
  bool evaluated_at(double t, const double* y) const;
  std::string flag_words(int flag) const;
  int group_of_entry(long i) const;
  int species_of_entry(long i) const;
  void probe_smoothness(double t, const double* y);
  // Diagnostic (LACTOSIM_BDF_TRACE=1): each species' balance at the accepted step itself, not
  // interpolated: h³ Σ y − the quadratures' sources, its change since the last step.
  void trace_balance(double t, const double* y);
  std::vector<double> traced_balance_;
  long balance_iterations_ = 0;  // Newton iterations the balance test added
  long balance_corrections_ = 0, balance_corrections_undone_ = 0;
  long correction_evaluations_ = 0;  // f evaluations of the species-total corrections
  void species_defects(const double* residual, const double* y, std::vector<double>& defect, std::vector<double>& amount);
  bool correct_species_totals(double* ycor, const std::vector<double>& defect, const std::vector<double>& amount);
  std::vector<double> probe_prev_;

  Stepper& stepper_;
  const kernels::Problem& problem_;
  RatesAt rates_at_;
  BdfOptions options_;
  std::vector<long> packed_;   // packed unknown → padded position s·nv + v
  struct Clamp {
    long position;
    int species, compartment;
  };
  std::vector<Clamp> clamped_positions_;
  std::vector<int> group_;     // packed unknown → colour (compartment × n_species + species)
  std::vector<double> padded_c_, padded_f_, last_y_;
  double t_ = 0, last_t_ = -1, output_t_ = 0;  // CVODE's time; the time the stepper's state is at
  kernels::StepTotals last_sources_;  // what the last full evaluation (at last_t_, last_y_) reported
  bool interrupted_ = false;
  int trace_level_ = 0;  // LACTOSIM_BDF_TRACE (bdf_integrator.cpp)
  long rhs_failures_ = 0;
  long jv_evaluations_ = 0;  // f evaluations of our own Jacobian-vector products
  const volatile std::sig_atomic_t* stop_flag_ = nullptr;
  Communicator& comm_;  // the stepper's: sums and extremes of the callbacks over the ranks
  std::string last_error_;
  struct Sundials;
  std::unique_ptr<Sundials> sun_;
  std::unique_ptr<class DiffusionAmg> diffusion_amg_;
  std::unique_ptr<class AdvectionSweep> advection_;
};

}  // namespace lactosim::step
