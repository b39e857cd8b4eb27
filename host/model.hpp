// SPDX-License-Identifier: MIT
// The model as the configuration describes it, in SI units (DESIGN §1–3): compartments, species,
// membranes with their transporters, volume reactions, regions and run controls. host/config builds
// it from INI files; host/assemble turns it and a label grid into the executors' flat tables.
//
// Units inside: m, s, mol/m³ (= mM), m/s, mol·m⁻²·s⁻¹, mol·m⁻³·s⁻¹, V, K. The config's keys carry
// the user's units (µm, µm²/s, µmol·m⁻²·s⁻¹, mV, mOsm/L) and the reader converts once.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../kernels/physics/calcium_speciation.hpp"
#include "../kernels/physics/parameters.hpp"
#include "junction_regulation.hpp"
#include "plasma_pk.hpp"
#include "schedule.hpp"

namespace lactosim {

// Where a value came from, so every error can cite it ("file.ini:12 key species.Na.D_um2_per_s.cell").
struct SourceLocation {
  std::string file;  // "<command line>", "<embedded default>" or a path
  int line = 0;
  std::string key;   // full key, section.key
  std::string str() const;
};

struct Compartment {
  std::string name;
  std::vector<int> labels;             // label values of the grid that belong to it
  bool clamped = false;                // concentrations fixed (or scheduled): blood
  double background_osmolarity_mM = 0; // osmoles the model does not track (mOsm/L = mol/m³)
  // Secretion mechanics (DESIGN §3, docs/secretion.md):
  //   solved_potential  one intracellular (or luminal) potential per electrically connected
  //                     component of this compartment, set each step so that its net ionic current
  //                     is zero; compartments without it are the electrical ground (interstitium, blood)
  //   lumen             milk flows here: Darcy flow to the outlet voxels, solutes advected with it
  bool solved_potential = false;
  bool lumen = false;
};

struct Species {
  std::string name;
  int charge = 0;
  double osmotic_reflection = 1.0;  // σ (DESIGN §3): weight of this species in the water flux
  // "mM" (a solute) or "g/L" (a quantity such as milk fat: numbers are stored as they are read,
  // so a rate in µmol·m⁻²·s⁻¹ reads mg·m⁻²·s⁻¹; it must have charge 0 and reflection 0).
  std::string unit = "mM";
  // How outputs name and scale this species. A stored amount is concentration × volume in m³: mol for
  // mM (mol/m³), kg for g/L (kg/m³); outputs report mol and g.
  bool is_mass() const { return unit == "g/L"; }
  std::string concentration_suffix() const { return is_mass() ? "_g_per_L" : "_mM"; }
  std::string amount_suffix() const { return is_mass() ? "_g" : "_mol"; }
  double output_amount(double stored) const { return is_mass() ? 1e3 * stored : stored; }
  // Per compartment (index as Model::compartments); absent = the species does not exist there.
  std::vector<std::optional<double>> D_m2_per_s;
  std::vector<double> initial_mM;          // 0 where absent
  std::vector<Schedule> clamp_schedule_mM; // clamped compartments: concentration vs time (empty =
                                           // constant initial value)
  // Maternal plasma from a dose schedule (host/plasma_pk.hpp) instead of a clamp schedule: sets the
  // clamped compartment plasma_pk->compartment, from the start (host/assemble.cpp).
  std::optional<PlasmaPk> plasma_pk;
  // Fat/skim-water partition coefficient (dimensionless): whole milk = skim × (1 − φ + φ K), φ the
  // fat volume fraction of the outlet milk (MilkFat below; docs/human-milk-model.md).
  std::optional<double> milk_fat_partition;

  // The concentration a clamped compartment c holds at model time t (s): the PK model's plasma, the
  // clamp schedule, or the constant initial value; and its integral from t0 to t1 (mM·s), exact.
  // (Inline: the engine library reads them and does not link host/model.cpp.)
  double clamp_mM(int c, double t) const {
    if (plasma_pk && plasma_pk->compartment == c) return plasma_pk->concentration_mM(t);
    return clamp_schedule_mM[c].empty() ? initial_mM[c] : clamp_schedule_mM[c].at(t);
  }
  double clamp_integral_mM_s(int c, double t0, double t1) const {
    if (plasma_pk && plasma_pk->compartment == c) return plasma_pk->integral_mM_s(t0, t1);
    return clamp_schedule_mM[c].empty() ? initial_mM[c] * (t1 - t0) : clamp_schedule_mM[c].integral(t0, t1);
  }
  // Whether that concentration changes with time (a PK model or a clamp schedule).
  bool clamp_varies(int c) const {
    return (plasma_pk && plasma_pk->compartment == c) || !clamp_schedule_mM[c].empty();
  }
};

struct Region {
  enum class Shape { sphere, box, label };
  std::string name;
  Shape shape = Shape::sphere;
  std::array<double, 3> center_m{};  // sphere
  double radius_m = 0;
  std::array<double, 3> lo_m{}, hi_m{};  // box
  std::vector<int> labels;               // label
  Schedule strength;  // 0…1 over time: factor applied = 1 + (factor − 1)·strength(t); empty = 1
};

// A rate that a region multiplies by `factor` (ramped by the region's strength schedule).
struct RegionOverride {
  int region = 0;
  double factor = 1.0;
};

struct Membrane {
  std::string name;
  int first = 0, second = 0;  // compartment indices; J > 0 from first to second
  double potential_V = 0;     // fixed potential of `second` relative to `first` (ψ2 − ψ1); ignored
                              // where a side's potential is solved
  double Lp_m_per_s_Pa = 0;   // hydraulic conductivity: water flux by Kedem–Katchalsky (DESIGN §3),
                              // positive from first to second; 0 = no water crosses
  // Paracellular (pathway V): the membrane's faces are junction pairs — each apical face's lumen
  // voxel joined to the interstitium voxel behind the cell layer (DESIGN §2) — instead of voxel
  // faces. `first` must be the interstitium side, `second` a lumen compartment.
  bool junctions = false;
};

struct Participant {
  int species = 0;
  double stoich = 1.0;  // mol per cycle from first to second compartment (negative: reverse);
                        // kind secretion: mol per cycle taken from the first side
  double K_mM = 0.0;    // half-saturation; 0 = none
  double yield = 1.0;   // kind secretion only: mol per cycle delivered to the second side
};

struct Transporter {
  std::string name;
  physics::TransporterKind kind = physics::TransporterKind::linear_permeability;
  int membrane = 0;
  std::vector<Participant> participants;
  double rate = 0;  // P (m/s) for linear/GHK and secretion_first_order, Vmax (mol·m⁻²·s⁻¹) otherwise
  Schedule schedule;  // multiplier vs time (empty = 1)
  std::vector<RegionOverride> region_overrides;
  // Kinds secretion / secretion_first_order: the delivered osmotically active species carry their
  // own water, isosmotic with the first side (pathway I's vesicle water, DESIGN §1).
  bool vesicle_water = false;
  // Kind free_fraction_permeability: the un-ionised, unbound fraction of the species on each side.
  double free_fraction_first = 1.0, free_fraction_second = 1.0;
};

struct Reaction {
  std::string name;
  physics::ReactionKind kind = physics::ReactionKind::mass_action;
  int compartment = 0;
  std::vector<std::pair<int, double>> reactants;  // species, order/stoichiometry
  std::vector<std::pair<int, double>> products;   // species, yield
  double rate = 0;   // k or Vmax (mol·m⁻³·s⁻¹)
  double Km_mM = 0;  // Michaelis–Menten only
  Schedule schedule;
  std::vector<RegionOverride> region_overrides;
};

struct RunControl {
  double end_time_s = 60;
  double output_interval_s = 10;
  double dt_safety = 0.9;      // fraction of the explicit stability limit
  double dt_max_s = 1e300;     // user cap on the step
  // Models built in code (tests, benchmarks) default to the explicit reference; the configuration
  // default is "implicit" (host/config/schema.cpp).
  std::string integrator = "explicit";  // explicit | implicit (host/simulation.hpp, docs/numerics.md)
  // Implicit integrator: backward Euler diffusion, explicit membrane/reaction substeps, step doubling.
  std::string implicit_solver = "lod";  // lod (line solves by direction) | cg (exact reference)
  double rel_tol = 1e-4;                // local error per step, relative to |c|
  double abs_tol_mM = 1e-6;             // local error per step, absolute (mol/m³)
  // 2: the accepted state is the Richardson extrapolation c₂ + θ(c₂ − c₁) of the step-doubled pair
  // (second order; physics/extrapolation.hpp); 1: c₂ itself (first order). The step size is chosen
  // from |c₂ − c₁| either way.
  int time_order = 2;
  // First-order decays (X → ∅, rate k·c) inside the backward-Euler diffusion solve, as BioFVM does,
  // instead of in the explicit local phase (kernels/implicit_kernels.hpp split_linear_decay).
  bool decay_in_solve = true;
  double cg_rel_tol = 1e-10;            // CG: stop at ‖r‖₂ ≤ cg_rel_tol·‖b‖₂
  int cg_max_iterations = 10000;
  std::string backend = "auto";  // auto | cpu | cuda
  // Field layout (kernels/problem.hpp, docs/sparse-layout.md): dense (the bounding box) | sparse (the
  // modelled voxels only: memory follows the tissue; CPU, one rank).
  std::string layout = "dense";
  int threads = 0;               // OpenMP threads, 0 = runtime default
  int device = 0;                // CUDA device number (cuda, auto)
  double temperature_K = 310.15;
  // Schedules are evaluated at (run time + schedule_offset_s): a run can start at any point of a
  // scenario (e.g. 72 h after birth) and settle there — quasi-steady snapshots of slow regulation.
  double schedule_offset_s = 0;
  // Solved membrane potentials (compartments with solved_potential): Newton on the net ionic current
  // of each component, stopped when every update is below potential_tol_V.
  double potential_tol_V = 1e-9;
  int potential_max_iterations = 50;
  // run.integrator = bdf (host/step/bdf_integrator.hpp): its preconditioner — amg (one BoomerAMG
  // V-cycle per species for the diffusion solve; the default where the build has hypre), cg (the
  // diffusion solve by CG; the default without), amg_local, cg_local, lod_local, lod, local or none.
  std::string bdf_preconditioner = LACTOSIM_HAVE_HYPRE ? "amg" : "cg";
  // ... and whether it also inverts the lumen's upwind advection (host/step/advection_sweep.hpp).
  bool bdf_advection_preconditioner = false;
  // The species-total correction after Newton (step::BdfOptions::balance_correction_fraction; 0: off).
  // Not a configuration key: the tests turn it off to measure what it does (docs/numerics.md).
  double bdf_balance_correction_fraction = 1e-3;
  // Whether CVODE stops at every breakpoint of the rates (rate_breakpoints: schedule points, doses)
  // and starts afresh there (Simulation::advance_bdf). Not a configuration key: the tests turn it
  // off to show the failure it prevents (test_bdf_balance.cpp, docs/numerics.md).
  bool bdf_restart_at_breakpoints = true;
  // Watchdog (host/simulation.cpp): simulated time that has not moved for this much wall time —
  // every attempt rejected — stops the run with an error naming the time, step and what limits it.
  double stall_timeout_s = 600;
  // Checkpoints (host/app/checkpoint.hpp): every this much wall time (s); 0 = only at the start and
  // on SIGTERM/SIGUSR1. bdf: CVODE started afresh at every output time, so a restart is bitwise.
  double checkpoint_every_wall_s = 900;
  // A one-rank snapshot larger than this as a dense image (bytes) is written as z-slab pieces of at
  // most this size (host/app/run_outputs.hpp): the memory output needs, whatever the box.
  double snapshot_piece_bytes = 256.0 * (1 << 20);
  bool bdf_restart_at_outputs = false;
  // Memory the run may use (bytes); 0: the machine's available memory or the cgroup limit, whichever
  // is lower (host/app/memory_estimate.hpp). A run whose estimate exceeds it is refused before
  // anything large is allocated.
  double max_memory_bytes = 0;
};

// Milk flow in the lumen (DESIGN §3): on when a compartment is `lumen`.
struct LumenFlow {
  double viscosity_Pa_s = 2.0e-3;     // mature human milk at 37 °C ~1.5–3 mPa·s (docs/secretion.md)
  double pressure_rel_tol = 1e-10;    // CG on the pressure: stop at ‖r‖ ≤ tol ‖q‖
  int pressure_max_iterations = 20000;
  // Preconditioner of that CG: jacobi (the diagonal; on the executor) | amg (BoomerAMG, hypre, on
  // the host: iterations nearly flat with the lumen's size — the full lobule needs it).
  std::string pressure_preconditioner = "jacobi";
  double courant = 0.9;               // upwind advection sub-steps: max outflow fraction per sub-step
};

// The outlet flow scaled to the whole gland (DESIGN §5; host/app/milk_outputs.hpp): gland milk =
// outlet flow × secretory_tissue_g / domain tissue mass, the domain's mass being the volume of its
// modelled (non-stroma) voxels × tissue_density. secretory_tissue_g = 0: no scaling.
struct GlandScaling {
  double secretory_tissue_g = 0;          // g, both breasts
  double tissue_density_g_per_mL = 1.04;  // g/mL
};

// Milk fat, for the whole-milk concentration of species with a milk_fat_partition: the fat volume
// fraction of the outlet milk is φ = fat (g/L) / (1000 × density in g/mL).
struct MilkFat {
  int species = -1;                     // the g/L species that is milk fat; −1: none
  double density_g_per_mL = 0.92;
};

// Calcium speciation of the outlet milk ([milk_calcium]; kernels/physics/calcium_speciation.hpp): the
// species that hold total Ca, citrate and inorganic phosphate in the lumen (−1: absent; no Ca, no
// columns), the milk's pH, its ionic strength (0: computed from the outlet milk), casein's Ca-binding
// sites and the constants (Davies A from [model] temperature_K).
struct MilkCalcium {
  int calcium = -1, citrate = -1, phosphate = -1;
  double pH = 7.2;
  double ionic_strength_M = 0;
  double casein_g_per_L = 0, casein_sites_mol_per_g = 0;
  physics::CalciumChemistry chemistry;
};

// Milk storage and ejection ([storage]; host/milk_storage.hpp, docs/human-milk-model.md "Storage and
// ejection"). Whole-gland values (both breasts, lumped); the store scales them to the domain by the
// gland-scaling factor (GlandScaling). Off: no store, outlets at p = 0, every result as before.
struct MilkStorage {
  bool enabled = false;
  double capacity_m3 = 420e-6;          // storage capacity, both breasts (Kent et al. 1999: 210 mL each)
  double full_pressure_Pa = 3300;       // store pressure at capacity (goat, Peaker 1980): p = p_full V/V_cap
  double initial_fullness = 0;          // V(0) / capacity
  double ejection_pressure_rise_Pa = 3300;  // oxytocin's rise at capacity (∝ V): p_feed = (p_full + Δp) V/V_cap
  double outflow_resistance_Pa_s_per_m3 = 0.165e3 * 60 / 1e-6;  // nipple + ducts, whole gland
  double feed_interval_s = 2.18 * 3600;      // Kent et al. 2006: 11 ± 3 feeds a day (24 h / 11)
  double feed_duration_s = 15 * 60;
  double first_feed_s = 2.18 * 3600;         // model clock (run time + schedule offset)
  std::vector<double> feed_times_s;           // a list instead of the periodic schedule (model clock)
  std::vector<int> feedback_transporters;     // their rates × (1 − (1 − synthesis_factor_full)·fullness)
  double synthesis_factor_full = 0.3;
};

struct Model {
  std::vector<Compartment> compartments;
  std::vector<Species> species;
  std::vector<Membrane> membranes;
  std::vector<Transporter> transporters;
  std::vector<Reaction> reactions;
  std::vector<Region> regions;
  LumenFlow flow;
  RunControl run;
  GlandScaling gland;
  MilkFat milk_fat;
  MilkCalcium milk_calcium;
  MilkStorage storage;
  JunctionRegulation junctions;  // [junctions]: regulated openness of pathway V (host/junction_regulation.hpp)

  bool solves_potentials() const {  // some compartment has solved_potential
    for (const Compartment& c : compartments)
      if (c.solved_potential) return true;
    return false;
  }
  bool has_lumen_flow() const {  // some compartment is a lumen
    for (const Compartment& c : compartments)
      if (c.lumen) return true;
    return false;
  }

  int compartment_index(const std::string& name) const;  // −1 when unknown
  int species_index(const std::string& name) const;
};

}  // namespace lactosim
