// SPDX-License-Identifier: MIT
#include "schema.hpp"

#include <algorithm>
#include <optional>

#include "config.hpp"
#include "kernels/physics/transporter_kind_info.hpp"
#include "values.hpp"

namespace po = boost::program_options;

namespace lactosim::config {

const OptionInfo* SectionSchema::find(const std::string& full_key) const {
  for (const auto& o : options)
    if (o.key == full_key) return &o;
  return nullptr;
}

namespace {

const std::vector<std::string> unnamed_kinds = {"run", "model", "geometry", "flow", "milk_calcium", "storage", "junctions", "output"};
const std::vector<std::string> named_kinds = {"compartment", "species",  "membrane",
                                              "transporter", "reaction", "region"};

// Declares options under one section prefix and records what Boost cannot tell us back (type name
// for messages, default text, required) beside them.
class Builder {
 public:
  Builder(SectionSchema& s, std::string prefix) : s_(s), prefix_(std::move(prefix)) {}

  void number(const std::string& key, const std::string& help, std::optional<double> def = {},
              bool required = false) {
    auto* v = po::value<double>();
    if (def) v->default_value(*def, format_number(*def));
    add(key, v, ValueType::number, def ? format_number(*def) : "", help, required);
  }
  void integer(const std::string& key, const std::string& help, int def) {
    add(key, po::value<int>()->default_value(def), ValueType::integer, std::to_string(def), help,
        false);
  }
  void boolean(const std::string& key, const std::string& help, bool def) {
    const std::string text = def ? "true" : "false";
    add(key, po::value<bool>()->default_value(def, text), ValueType::boolean, text, help, false);
  }
  void text(const std::string& key, const std::string& help, const std::string& def = "",
            bool required = false) {
    auto* v = po::value<std::string>();
    if (!def.empty()) v->default_value(def);
    add(key, v, ValueType::text, def, help, required);
  }
  void numbers(const std::string& key, const std::string& help, bool required = false) {
    add(key, po::value<std::vector<double>>()->multitoken(), ValueType::numbers, "", help, required);
  }
  void integers(const std::string& key, const std::string& help, bool required = false) {
    add(key, po::value<std::vector<int>>()->multitoken(), ValueType::integers, "", help, required);
  }
  void texts(const std::string& key, const std::string& help, bool required = false) {
    add(key, po::value<std::vector<std::string>>()->multitoken(), ValueType::texts, "", help,
        required);
  }
  void schedule(const std::string& key, const std::string& help) {
    add(key, po::value<std::string>(), ValueType::schedule, "", help, false);
  }
  void family(const std::string& stem, const std::string& what,
              const std::vector<std::string>& names) {
    s_.families.push_back({prefix_ + stem + ".", what, names});
  }

 private:
  void add(const std::string& key, const po::value_semantic* v, ValueType t, std::string def,
           const std::string& help, bool required) {
    const std::string full = prefix_ + key;
    s_.desc.add_options()(full.c_str(), v, help.c_str());
    s_.options.push_back({full, t, std::move(def), help, required});
  }
  SectionSchema& s_;
  std::string prefix_;
};

void run_keys(Builder& b) {
  b.number("end_time_s", "simulated time (s), > 0", 60.0);
  b.number("output_interval_s", "time between outputs (s), > 0", 10.0);
  b.text("mode",
         "spatial (the 3-D model on the grid) | well_mixed (the same model, one node per compartment with the "
         "geometry's volumes and membrane areas, integrated by CVODE at rel_tol / abs_tol_mM; timeseries.csv and "
         "run.json, no .vti; docs/human-milk-model.md \"Well-mixed mode\")",
         "spatial");
  b.text("integrator",
         "implicit (split: backward Euler diffusion, explicit membrane substeps, adaptive step) | bdf "
         "(CVODE BDF implicit in every term, Newton-Krylov; docs/numerics.md) | explicit (reference)",
         "implicit");
  b.number("dt_safety", "fraction of the explicit stability limit, 0 < x <= 1", 0.9);
  b.number("dt_max_s", "largest time step (s), > 0; default unlimited");
  b.text("implicit_solver", "lod (line solves by direction) | cg (conjugate gradients, exact reference)",
         "lod");
  b.number("rel_tol", "implicit, bdf: local error per step relative to |c|, 0 < x < 1", 1e-4);
  b.number("abs_tol_mM", "implicit, bdf: local error per step, absolute (mM), > 0", 1e-6);
  b.boolean("decay_in_solve",
            "implicit: first-order decays (one reactant, order 1, no products) inside the diffusion solve",
            true);
  b.integer("time_order",
            "implicit: 2 = step doubling with Richardson extrapolation (second order), 1 = without; 3, 4 = "
            "extrapolated implicit Euler of that order (n steps of dt/n for n = 1..k; 6 and 10 solves per step)",
            2);
  b.number("cg_rel_tol", "implicit cg: stop at |r| <= cg_rel_tol |b|, 0 < x <= 1e-3", 1e-10);
  b.integer("cg_max_iterations", "implicit cg: iteration limit per solve, >= 1", 10000);
  b.text("backend", "auto | cpu | cuda", "auto");
  b.text("layout",
         "field layout: dense (every voxel of the bounding box) | sparse (the modelled voxels only, so memory "
         "follows the tissue, not the box; docs/sparse-layout.md; CPU backend, one MPI rank)",
         "dense");
  b.integer("threads", "OpenMP threads, >= 0 (0 = runtime default)", 0);
  b.integer("device", "cuda: which GPU, >= 0 (lactosim info lists them)", 0);
  b.number("potential_tol_mV",
           "solved potentials: Newton stops when every update is below this (mV), > 0", 1e-6);
  b.text("bdf_preconditioner",
         "bdf: GMRES preconditioner, cg (diffusion solve by CG) | amg (one BoomerAMG V-cycle per species; "
         "needs hypre) | amg_local (the V-cycle, then per-voxel local Jacobian blocks) | cg_local (CG, then per-voxel local Jacobian blocks) | lod_local | lod (LOD line solves "
         "instead of CG) | local (the blocks alone) | none; default amg where the build has hypre, else cg",
         LACTOSIM_HAVE_HYPRE ? "amg" : "cg");
  b.boolean("bdf_advection_preconditioner",
            "bdf: the preconditioner also inverts the lumen's upwind advection exactly (one upstream-first "
            "sweep, velocities frozen at set-up); false (measured faster on the human-milk model, "
            "docs/numerics.md) leaves advection to GMRES",
            false);
  b.integer("potential_max_iterations", "solved potentials: Newton iteration limit per step, >= 1",
            50);
  b.number("stall_timeout_s",
           "watchdog: stop the run with an error when simulated time has not advanced for this much "
           "wall time (s, every step rejected), > 0",
           600.0);
  b.number("checkpoint_every_wall_s",
           "write the checkpoint lactosim run --restart DIR continues from (DIR/lactosim.checkpoint, docs/restart.md) "
           "every this much wall time (s), >= 0; 0: only at the start and on SIGTERM/SIGUSR1 (always written then)",
           900.0);
  b.number("snapshot_piece_MiB",
           "largest dense image (MiB) a one-rank snapshot is written as: a larger grid's snapshot becomes a .pvti of "
           "z-slab .vti pieces of at most this size, written one at a time, so output needs one piece's memory, "
           "not the bounding box's (host/app/run_outputs.hpp), > 0",
           256.0);
  b.boolean("bdf_restart_at_outputs",
            "bdf: start CVODE afresh (order 1) at every output time, where bdf checkpoints are taken, so that a run "
            "restarted from one continues bit for bit; false: a restarted bdf run agrees within the tolerance "
            "(CVODE's history cannot be saved)",
            false);
  b.number("max_memory_GB",
           "refuse a run whose memory estimate exceeds this (GB = 1e9 bytes), > 0; default: the "
           "machine's available memory (MemAvailable) or its cgroup limit, whichever is lower");
  b.number("schedule_offset_h",
           "every schedule is read at (run time + this offset) (h), >= 0: a run that starts at a point of "
           "a scenario, e.g. 72 h after birth (quasi-steady snapshots)",
           0.0);
}

void model_keys(Builder& b) {
  b.number("temperature_K", "temperature (K), 273.15 to 373.15 (liquid water)", 310.15);
  b.number("secretory_tissue_g",
           "mass of secretory tissue the outlet flow is scaled to (g, both breasts), > 0; adds the "
           "timeseries column gland_milk_mL_per_day = outlet flow x this / the domain's tissue mass");
  b.number("tissue_density_g_per_mL",
           "density of the modelled (non-stroma) voxels, giving the domain's tissue mass (g/mL), > 0",
           1.04);
  b.text("milk_fat_species",
         "the g/L species that is milk fat; needed by a species' milk_fat_partition (whole-milk concentrations)",
         "fat");
  b.number("milk_fat_density_g_per_mL",
           "density of milk fat (g/mL), > 0: fat volume fraction = fat (g/L) / (1000 x this)", 0.92);
}

void compartment_keys(Builder& b) {
  b.integers("labels", "grid label values (0-255) that make up this compartment", true);
  b.boolean("clamped", "concentrations fixed or scheduled (blood)", false);
  b.number("background_mOsm_per_L", "osmolarity of untracked solutes (mOsm/L), >= 0", 0.0);
  b.text("potential",
         "ground (the electrical reference) | solved (set each step for zero net ionic current); "
         "not for clamped",
         "ground");
  b.boolean("lumen", "milk flows here to the outlet voxels, carrying its solutes; not for clamped",
            false);
}

void species_keys(Builder& b, const Declared& d) {
  b.integer("charge", "valence z", 0);
  b.number("reflection", "osmotic reflection coefficient sigma, 0..1", 1.0);
  b.text("unit",
         "mM (a solute) | g/L (a quantity such as milk fat, rates then read mg for umol; needs charge 0 "
         "and reflection 0)",
         "mM");
  for (const auto& c : d.compartments) {
    b.number("D_um2_per_s." + c, "diffusion coefficient in " + c +
                                     " (um^2/s), 0 to 10000 (water self-diffuses at ~3000); its presence puts "
                                     "the species there");
    b.number("initial_mM." + c, "initial concentration in " + c + " (mM), >= 0", 0.0);
    b.schedule("clamp_schedule_h_mM." + c,
               "clamped compartments: concentration vs time, 't_h:mM, ...' (hours, mM)");
  }
  for (const char* stem : {"D_um2_per_s", "initial_mM", "clamp_schedule_h_mM"})
    b.family(stem, "compartment", d.compartments);
  // Maternal plasma from a dose schedule (host/plasma_pk.hpp), instead of a clamp schedule.
  b.text("plasma_pk.compartment",
         "pharmacokinetics: the clamped compartment (maternal plasma) whose concentration a dose schedule "
         "sets, instead of clamp_schedule_h_mM there; the other plasma_pk keys need it");
  b.text("plasma_pk.model",
         "pharmacokinetics: one_compartment (C = dose/V e^(-k t)) | two_compartment (central and "
         "peripheral, micro-constants k12, k21; biexponential)",
         "one_compartment");
  b.schedule("plasma_pk.iv_doses_h_mg",
             "pharmacokinetics: intravenous boluses, 't_h:mg, ...' (model time in hours, as the schedules; mg), "
             "doses >= 0");
  b.schedule("plasma_pk.oral_doses_h_mg",
             "pharmacokinetics: oral doses, first-order absorption ka and bioavailability F, 't_h:mg, ...' "
             "(hours, mg), doses >= 0");
  b.number("plasma_pk.molar_mass_g_per_mol", "pharmacokinetics: molar mass (g/mol), > 0: mg/L / this = mM");
  b.number("plasma_pk.V_L", "pharmacokinetics: volume of distribution of the central compartment (L), > 0");
  b.number("plasma_pk.k_el_per_h", "pharmacokinetics: elimination rate constant from the central compartment (1/h), > 0");
  b.number("plasma_pk.ka_per_h", "pharmacokinetics: oral absorption rate constant (1/h), > 0; required with oral doses");
  b.number("plasma_pk.F", "pharmacokinetics: oral bioavailability, 0 < F <= 1", 1.0);
  b.number("plasma_pk.k12_per_h", "pharmacokinetics, two_compartment: central to peripheral rate constant (1/h), > 0");
  b.number("plasma_pk.k21_per_h", "pharmacokinetics, two_compartment: peripheral to central rate constant (1/h), > 0");
  b.number("milk_fat_partition",
           "fat/skim-water partition coefficient (dimensionless), >= 0: adds the outlet columns "
           "outlet_<species>_whole_milk_mM = skim x (1 - phi + phi K), phi the fat volume fraction of the "
           "outlet milk ([model] milk_fat_species)");
}

void region_factor_keys(Builder& b, const Declared& d) {
  b.schedule("schedule_h", "rate multiplier vs time, 't_h:factor, ...' (hours), factors >= 0");
  for (const auto& r : d.regions)
    b.number("region." + r, "rate factor inside region " + r + ", >= 0");
  b.family("region", "region", d.regions);
}

void membrane_keys(Builder& b) {
  b.texts("between", "two declared compartments: first second (J > 0 from first to second)", true);
  // No default: a value written out (even 0) contradicts a solved side, and the resolved INI of a
  // model with solved potentials must load again.
  b.number("potential_mV",
           "fixed potential of the second relative to the first (mV), -500 to 500; 0 when absent; not "
           "where a side is solved");
  b.number("Lp_m_per_s_Pa", "hydraulic conductivity (m s^-1 Pa^-1, e.g. 2e-12), >= 0; 0 = no water",
           0.0);
  b.text("pathway",
         "faces (voxel faces between the two) | junctions (paracellular: each lumen face to the "
         "interstitium behind the cell layer; second a lumen, first not)",
         "faces");
}

// The kinds, and which of them take a key, come from the kinds' table (kernels/physics/
// transporter_kinds.hpp); TransporterKinds.SchemaAcceptsExactlyTheKeysOfTheKinds checks the two agree.
void transporter_keys(Builder& b, const Declared& d) {
  using physics::KeyUse;
  using physics::RateKey;
  using physics::TransporterKindInfo;
  const auto rate_is = [](RateKey key) { return [key](const TransporterKindInfo& k) { return k.form.rate == key; }; };
  std::string kinds;
  for (const auto& k : physics::transporter_kinds) kinds += (kinds.empty() ? "" : " | ") + std::string(k.name);
  const std::string free_fraction_kinds =
      physics::kinds_where([](const TransporterKindInfo& k) { return k.form.free_fractions; });
  b.text("membrane", "membrane it sits in (a declared [membrane.NAME])", "", true);
  b.text("kind", kinds, "", true);
  // Not required by the schema: the secretion kinds name their species in takes/delivers instead.
  b.texts("species",
          "transported species (one for linear/ghk/carriers); required except for secretion kinds");
  b.numbers("stoich", "mol per cycle from first to second compartment, per species (default 1)");
  b.texts("takes", "secretion kinds: species:mol per cycle taken from the first side (default 1)");
  b.texts("delivers", "secretion kinds: species:mol per cycle delivered to the second side (default 1)");
  b.numbers("K_mM", "half-saturation per species (mM), >= 0; > 0 for " +
                        physics::kinds_where([](const TransporterKindInfo& k) { return k.form.K_mM == KeyUse::required; }) +
                        "; kind secretion: one per taken species (0 = none)");
  b.number("P_um_per_s", "permeability (um/s), >= 0; " + physics::kinds_where(rate_is(RateKey::permeability)));
  b.number("Vmax_umol_per_m2_s",
           "maximal flux (umol m^-2 s^-1), >= 0; " + physics::kinds_where(rate_is(RateKey::max_flux)));
  b.number("k_um_per_s", physics::kinds_where(rate_is(RateKey::first_order)) +
                             ": rate constant (um/s), >= 0; cycles = k c(first taken species)");
  b.boolean("vesicle_water",
            "secretion kinds: the delivered osmoles carry their own water, isosmotic with the first side",
            false);
  // Kind free_fraction_permeability (drug transfer): J = P (f1 c1 - f2 c2), f given, or from the pH
  // partition (Henderson-Hasselbalch) and protein binding: f = unbound x un-ionised fraction; kind
  // michaelis_menten carries f c of its source side.
  const std::string& ff = free_fraction_kinds;
  b.number("free_fraction_first", ff + ": the fraction on the first side that crosses (free_fraction_permeability: "
                                       "unbound, un-ionised) or that the carrier sees (michaelis_menten, on its source "
                                       "side: e.g. unbound), 0 < f <= 1; or give pKa, drug, pH_first, unbound_first");
  b.number("free_fraction_second", ff + ": the same on the second side, 0 < f <= 1");
  b.number("pKa", ff + ": the drug's pKa (with drug, pH_first, pH_second)");
  b.text("drug", ff + ": acid (un-ionised 1/(1 + 10^(pH - pKa))) | base (un-ionised 1/(1 + 10^(pKa - pH)))");
  b.number("pH_first", ff + ": pH on the first side (plasma 7.4), 0 to 14");
  b.number("pH_second", ff + ": pH on the second side (milk ~7.2), 0 to 14");
  b.number("unbound_first", ff + ": fraction not bound to protein on the first side, 0 < x <= 1 (default 1)");
  b.number("unbound_second", ff + ": fraction not bound to protein on the second side, 0 < x <= 1 (default 1)");
  b.number("sieving_radius_nm",
           "on a pathway = junctions membrane: the species' Stokes radius (nm), >= 0; the permeability x Renkin's "
           "hindrance in a pore of [junctions] pore_radius_nm (host/junction_regulation.hpp)");
  region_factor_keys(b, d);
}

void reaction_keys(Builder& b, const Declared& d) {
  b.text("compartment", "compartment it runs in", "", true);
  b.text("kind", "mass_action | michaelis_menten", "mass_action");
  b.texts("reactants", "species or species:coefficient");
  b.texts("products", "species or species:coefficient");
  b.number("k", "mass-action rate constant ((mM)^(1-sum nu)/s), >= 0");
  b.number("Vmax_mM_per_s", "Michaelis-Menten maximal rate (mM/s), >= 0");
  b.number("Km_mM", "Michaelis-Menten constant (mM), > 0");
  region_factor_keys(b, d);
}

void region_keys(Builder& b) {
  b.text("shape", "sphere | box | label", "", true);
  b.numbers("center_um", "sphere centre x y z (um)");
  b.number("radius_um", "sphere radius (um), > 0");
  b.numbers("lo_um", "box lower corner x y z (um)");
  b.numbers("hi_um", "box upper corner x y z (um)");
  b.integers("labels", "label values (0-255) inside the region");
  b.schedule("strength_schedule_h", "0..1 vs time, 't_h:strength, ...' (hours); default 1");
}

// Calcium speciation of the outlet milk (kernels/physics/calcium_speciation.hpp; docs/parameters.md
// "Milk calcium" for the sources of the defaults).
void milk_calcium_keys(Builder& b) {
  b.text("calcium_species",
         "the species holding total Ca in the lumen; with it (and lumen flow) timeseries.csv gets "
         "outlet_Ca_ionised_mM and what binds the rest; default: Ca where declared (else no columns)");
  b.text("citrate_species", "the species holding total citrate in the lumen; default: citrate where declared (else none)");
  b.text("phosphate_species",
         "the species holding total inorganic phosphate in the lumen; default: phosphate where declared (else none)");
  b.number("pH", "pH of the milk (activity of H+), 5 to 9; mature human milk 7.0-7.4", 7.2);
  b.number("ionic_strength_M",
           "ionic strength for the Davies activity coefficients (mol/L), 0 < x <= 0.5; default: computed "
           "from the outlet milk (1/2 sum c z^2 of its charged species, Ca, citrate and phosphate as speciated)");
  b.number("casein_g_per_L", "casein in the milk (g/L), 0 to 100 (0: no Ca bound to casein)", 2.5);
  b.number("casein_Ca_sites_mmol_per_g", "Ca-binding sites per g of casein (mmol/g), 0 to 10", 0.34);
  b.number("logK_casein_per_M", "log10 of the apparent Ca-site association constant (1/M), -5 to 20", 2.0);
  b.numbers("pKa_citrate", "citric acid pKa1 pKa2 pKa3 at I = 0 (ascending, 0 to 14); default 3.13 4.76 6.40");
  b.numbers("pKa_phosphate", "phosphoric acid pKa1 pKa2 pKa3 at I = 0 (ascending, 0 to 14); default 2.15 7.20 12.35");
  b.number("logK_CaCit_per_M", "log10 K of Ca2+ + Cit3- = CaCit- at I = 0 (1/M), -5 to 20", 4.73);
  b.number("logK_CaPO4_per_M", "log10 K of Ca2+ + PO4 3- = CaPO4- at I = 0 (1/M), -5 to 20", 6.46);
  b.number("logK_CaHPO4_per_M", "log10 K of Ca2+ + HPO4 2- = CaHPO4 at I = 0 (1/M), -5 to 20", 2.77);
  b.number("logK_CaH2PO4_per_M", "log10 K of Ca2+ + H2PO4- = CaH2PO4+ at I = 0 (1/M), -5 to 20", 0.87);
}

// Milk storage and ejection (host/milk_storage.hpp; docs/parameters.md "Storage and ejection" for the
// sources of the defaults). Whole-gland values, both breasts lumped.
void storage_keys(Builder& b) {
  b.boolean("enabled",
            "a compliant milk store downstream of the outlets, feeds that empty it and fullness feedback on "
            "synthesis; needs [model] secretory_tissue_g (its share of the gland); a closed lumen then fills "
            "its own distension",
            false);
  b.number("capacity_mL", "storage capacity of the gland, both breasts (mL), > 0; Kent 1999: 210 mL a breast", 420);
  b.number("full_pressure_kPa", "store pressure at capacity (kPa), > 0: p = p_full V / capacity (goat 3.3)", 3.3);
  b.number("initial_fullness", "store volume at t = 0 / capacity, 0 to 1", 0);
  b.number("ejection_pressure_rise_kPa",
           "oxytocin: pressure added during a feed at capacity (kPa, proportional to V), >= 0", 3.3);
  b.number("outflow_resistance_kPa_min_per_mL",
           "nipple and ducts, whole gland (kPa min/mL), > 0: a feed empties with tau = R capacity / "
           "(full_pressure + ejection_pressure_rise)",
           0.165);
  b.number("feed_interval_h", "time between feed starts (h), > 0; Kent 2006: 11 +- 3 feeds a day (24 h / 11 = 2.18)", 2.18);
  b.number("feed_duration_min", "duration of each feed (min), > 0 and < the interval", 15);
  b.number("first_feed_h", "start of the first feed on the model clock (h, run time + schedule_offset_h), >= 0",
           2.18);
  b.numbers("feed_times_h",
            "feed start times on the model clock (h, ascending) instead of the interval; default: periodic");
  b.texts("feedback_transporters",
          "transporters whose rate falls with fullness: x (1 - (1 - synthesis_factor_full) fullness); default none");
  b.number("synthesis_factor_full", "rate factor of feedback_transporters when the store is full, 0 to 1", 0.3);
}

// What a run writes per snapshot (host/app/run_outputs.hpp, docs/parallel.md "One file per snapshot").
void output_keys(Builder& b) {
  b.text("format",
         "snapshot files: vti (one .vti, or under mpiexec a .pvti indexing one .vti piece per rank; indexed by "
         "lactosim.pvd) | vtkhdf (one VTKHDF 1.0 image file lactosim_NNNNNN.hdf per snapshot, written "
         "collectively by every rank with parallel HDF5; indexed by lactosim.hdf.series, which ParaView 5.11 "
         "opens; the arrays are point data at the voxel centres, docs/parallel.md)",
         "vti");
}

// Regulated junctions (host/junction_regulation.hpp; docs/parameters.md "Regulated junctions" for
// the sources of the defaults).
void junction_keys(Builder& b) {
  b.boolean("regulated",
            "the junction permeabilities (transporters on a pathway = junctions membrane) x an openness J(t) >= 1 "
            "driven by the signals below; false: only their own schedules and region factors",
            false);
  b.number("open_factor", "J at model time 0 (birth: the open junctions of pregnancy), >= 1 (1: closed)", 1.0);
  b.number("closure_fast_fraction", "share of J - 1 that closes in the fast phase, 0 to 1", 1.0);
  b.number("closure_fast_time_constant_h", "fast phase's time constant at full drive (h), > 0", 24.0);
  b.number("closure_slow_time_constant_h", "slow tail's time constant at full drive (h), > 0", 24.0);
  b.schedule("progesterone_schedule_h_ng_per_mL",
             "plasma progesterone vs model time, 't_h:ng/mL, ...'; its withdrawal 1 - P/progesterone_pregnancy "
             "(clamped to 0..1) drives the closure; none: no closure");
  b.number("progesterone_pregnancy_ng_per_mL", "progesterone at which the withdrawal is 0 (ng/mL), > 0", 150.0);
  b.schedule("prolactin_schedule_h_ng_per_mL",
             "plasma prolactin vs model time, 't_h:ng/mL, ...'; permissive factor PRL/prolactin_permissive "
             "(clamped to 0..1) multiplies the drive; none: 1");
  b.number("prolactin_permissive_ng_per_mL", "prolactin above which it fully permits closure (ng/mL), > 0", 20.0);
  b.schedule("stasis_schedule_h",
             "milk stasis (fullness) 0..1 vs model time, 't_h:signal, ...'; opens the junctions towards "
             "stasis_open_factor with stasis_time_constant_h");
  b.number("stasis_open_factor", "J with the stasis signal held at 1, >= 1", 1.0);
  b.number("stasis_time_constant_h", "time constant of stasis opening and reclosing (h), > 0", 24.0);
  b.text("stasis_signal",
         "schedule (stasis_schedule_h) | store_fullness (the [storage] milk store's fullness above "
         "stasis_fullness_threshold, stepped with the store)",
         "schedule");
  b.number("stasis_fullness_threshold",
           "store_fullness: the fullness (V/capacity) above which the store signals stasis, 0 to < 1; the signal "
           "rises linearly to 1 at a full store",
           0.8);
  b.text("inflammation_region", "the declared region whose junctions the inflammation signal opens");
  b.schedule("inflammation_schedule_h", "inflammation 0..1 vs model time in inflammation_region, 't_h:signal, ...'");
  b.number("inflammation_open_factor", "J in the region with the inflammation signal held at 1, >= 1", 1.0);
  b.number("inflammation_time_constant_h", "time constant of inflammatory opening (h), > 0", 2.0);
  b.number("pore_radius_nm",
           "radius of the open junctions' pores for size sieving (nm), > 0: a junction transporter's "
           "sieving_radius_nm multiplies its permeability by Renkin's hindrance",
           10.0);
}

void flow_keys(Builder& b) {
  b.number("viscosity_mPa_s", "lumen: milk viscosity (mPa s), > 0; mature human milk ~1.5-3 at 37 C",
           2.0);
  b.number("pressure_rel_tol", "lumen: pressure CG stops at |r| <= pressure_rel_tol |q|, 0 < x <= 1e-3",
           1e-10);
  b.integer("pressure_max_iterations", "lumen: pressure CG iteration limit per solve, >= 1", 20000);
  b.text("pressure_preconditioner",
         "lumen: jacobi (diagonal, on the executor) | amg (BoomerAMG via hypre, host; for large lumens)",
         "jacobi");
  b.number("courant", "lumen: advection sub-step, largest outflow fraction of a voxel, 0 < x <= 1", 0.9);
}

}  // namespace

bool is_section_kind(const std::string& kind) {
  return is_named_kind(kind) ||
         std::find(unnamed_kinds.begin(), unnamed_kinds.end(), kind) != unnamed_kinds.end();
}

bool is_named_kind(const std::string& kind) {
  return std::find(named_kinds.begin(), named_kinds.end(), kind) != named_kinds.end();
}

std::vector<std::string> section_kinds() {
  std::vector<std::string> all = unnamed_kinds;
  all.insert(all.end(), named_kinds.begin(), named_kinds.end());
  return all;
}

SectionSchema section_schema(const std::string& kind, const std::string& name, const Declared& d) {
  SectionSchema s;
  const std::string prefix = name.empty() ? kind + "." : kind + "." + name + ".";
  Builder b(s, prefix);
  if (kind == "run") run_keys(b);
  else if (kind == "model") model_keys(b);
  else if (kind == "compartment") compartment_keys(b);
  else if (kind == "species") species_keys(b, d);
  else if (kind == "membrane") membrane_keys(b);
  else if (kind == "transporter") transporter_keys(b, d);
  else if (kind == "reaction") reaction_keys(b, d);
  else if (kind == "region") region_keys(b);
  else if (kind == "flow") flow_keys(b);
  else if (kind == "milk_calcium") milk_calcium_keys(b);
  else if (kind == "storage") storage_keys(b);
  else if (kind == "junctions") junction_keys(b);
  else if (kind == "output") output_keys(b);
  else if (kind == "geometry") {
    // meshes/ declares these; we only mirror them for messages and the listing.
    s.desc.add(mesh::geometry_options());
    for (const auto& o : s.desc.options()) {
      std::string def = o->format_parameter();  // "arg (=2)" when there is a default
      const auto at = def.find("(=");
      def = at == std::string::npos ? "" : def.substr(at + 2, def.size() - at - 3);
      s.options.push_back({o->long_name(), ValueType::other, def, o->description(), false});
    }
  }
  return s;
}

std::string describe_type(ValueType t) {
  switch (t) {
    case ValueType::number: return "a number";
    case ValueType::integer: return "an integer";
    case ValueType::boolean: return "true or false";
    case ValueType::text: return "a word";
    case ValueType::numbers: return "a list of numbers";
    case ValueType::integers: return "a list of integers";
    case ValueType::texts: return "a list of names";
    case ValueType::schedule: return "a schedule 't_h:value, ...'";
    case ValueType::other: break;
  }
  return "a valid value";
}

bool is_list(ValueType t) {
  return t == ValueType::numbers || t == ValueType::integers || t == ValueType::texts;
}

std::string describe_options() {
  std::string out;
  const Declared d{{"<compartment>"}, {"<REGION>"}};
  for (const auto& kind : section_kinds()) {
    const bool named = is_named_kind(kind);
    out += "[" + kind + (named ? ".<NAME>" : "") + "]\n";
    const SectionSchema s = section_schema(kind, named ? "<NAME>" : "", d);
    for (const auto& o : s.options) {
      const std::string key = o.key.substr(o.key.find('.', named ? kind.size() + 1 : 0) + 1);
      std::string line = "  " + key;
      line.resize(std::max<std::size_t>(line.size() + 1, 36), ' ');
      line += o.required ? "(required) " : o.default_text.empty() ? "" : "(=" + o.default_text + ") ";
      out += line + o.help + "\n";
    }
  }
  return out;
}

}  // namespace lactosim::config
