// SPDX-License-Identifier: MIT
// Validated sections → the SI Model (host/model.hpp): range checks, cross-references between
// sections, unit conversion done once (µm → m, µm²/s → m²/s, µm/s → m/s, µmol → mol, mV → V, h → s,
// mPa·s → Pa·s).
#include <cmath>

#include "checks.hpp"
#include "values.hpp"

namespace lactosim::config {
namespace {

constexpr double max_D_um2_per_s = 1e4;

RunControl run_control(const Sections& all) {
  RunControl r;
  const Section& s = *of_kind(all, "run").front();
  r.end_time_s = at_least(s, "end_time_s", 0, true);
  r.output_interval_s = at_least(s, "output_interval_s", 0, true);
  r.integrator = choice(s, "integrator", {"explicit", "implicit", "bdf"}, "integrator");
  choice(s, "mode", {"spatial", "well_mixed"}, "mode");  // checked here, read by run_command (well_mixed_mode)
  r.dt_safety = s.get<double>("dt_safety");
  require(r.dt_safety > 0 && r.dt_safety <= 1, s, "dt_safety",
          "must be in (0, 1], got " + format_number(r.dt_safety));
  if (s.has("dt_max_s")) r.dt_max_s = at_least(s, "dt_max_s", 0, true);
  r.implicit_solver = choice(s, "implicit_solver", {"lod", "cg"}, "implicit solver");
  r.rel_tol = at_least(s, "rel_tol", 0, true);
  require(r.rel_tol < 1, s, "rel_tol", "must be < 1, got " + format_number(r.rel_tol));
  r.abs_tol_mM = at_least(s, "abs_tol_mM", 0, true);
  r.decay_in_solve = s.get<bool>("decay_in_solve");
  r.time_order = s.get<int>("time_order");
  require(r.time_order >= 1 && r.time_order <= 4, s, "time_order",
          "must be 1, 2, 3 or 4, got " + std::to_string(r.time_order));
  r.cg_rel_tol = at_least(s, "cg_rel_tol", 0, true);
  require(r.cg_rel_tol <= 1e-3, s, "cg_rel_tol", "must be <= 1e-3, got " + format_number(r.cg_rel_tol));
  r.cg_max_iterations = s.get<int>("cg_max_iterations");
  require(r.cg_max_iterations >= 1, s, "cg_max_iterations",
          "must be >= 1, got " + std::to_string(r.cg_max_iterations));
  r.backend = choice(s, "backend", {"auto", "cpu", "cuda"}, "backend");
  r.layout = choice(s, "layout", {"dense", "sparse"}, "field layout");
  r.threads = s.get<int>("threads");
  require(r.threads >= 0, s, "threads", "must be >= 0, got " + std::to_string(r.threads));
  r.device = s.get<int>("device");
  require(r.device >= 0, s, "device", "must be >= 0, got " + std::to_string(r.device));
  r.temperature_K = within(*of_kind(all, "model").front(), "temperature_K", 273.15, 373.15, "liquid water");
  r.potential_tol_V = at_least(s, "potential_tol_mV", 0, true) * 1e-3;
  r.bdf_preconditioner = choice(s, "bdf_preconditioner", {"cg", "amg", "amg_local", "cg_local", "lod_local", "lod", "local", "none"}, "bdf preconditioner");
  r.bdf_advection_preconditioner = s.get<bool>("bdf_advection_preconditioner");
  r.potential_max_iterations = s.get<int>("potential_max_iterations");
  require(r.potential_max_iterations >= 1, s, "potential_max_iterations",
          "must be >= 1, got " + std::to_string(r.potential_max_iterations));
  r.schedule_offset_s = at_least(s, "schedule_offset_h", 0, false) * 3600.0;
  r.stall_timeout_s = at_least(s, "stall_timeout_s", 0, true);
  r.checkpoint_every_wall_s = at_least(s, "checkpoint_every_wall_s", 0, false);
  r.bdf_restart_at_outputs = s.get<bool>("bdf_restart_at_outputs");
  r.snapshot_piece_bytes = at_least(s, "snapshot_piece_MiB", 0, true) * double(1 << 20);
  if (s.has("max_memory_GB")) r.max_memory_bytes = at_least(s, "max_memory_GB", 0, true) * 1e9;
  return r;
}

GlandScaling gland_scaling(const Sections& all) {
  GlandScaling g;
  const Section& s = *of_kind(all, "model").front();
  if (s.has("secretory_tissue_g")) g.secretory_tissue_g = at_least(s, "secretory_tissue_g", 0, true);
  g.tissue_density_g_per_mL = at_least(s, "tissue_density_g_per_mL", 0, true);
  return g;
}

LumenFlow lumen_flow(const Sections& all) {
  LumenFlow f;
  const Section& s = *of_kind(all, "flow").front();
  f.viscosity_Pa_s = at_least(s, "viscosity_mPa_s", 0, true) * 1e-3;
  f.pressure_rel_tol = at_least(s, "pressure_rel_tol", 0, true);
  require(f.pressure_rel_tol <= 1e-3, s, "pressure_rel_tol",
          "must be <= 1e-3, got " + format_number(f.pressure_rel_tol));
  f.pressure_max_iterations = s.get<int>("pressure_max_iterations");
  require(f.pressure_max_iterations >= 1, s, "pressure_max_iterations",
          "must be >= 1, got " + std::to_string(f.pressure_max_iterations));
  f.pressure_preconditioner = choice(s, "pressure_preconditioner", {"jacobi", "amg"}, "pressure preconditioner");
  f.courant = s.get<double>("courant");
  require(f.courant > 0 && f.courant <= 1, s, "courant",
          "must be in (0, 1], got " + format_number(f.courant));
  return f;
}

void compartments(const Sections& all, Model& m) {
  std::vector<std::string> owner(256);
  for (const Section* s : of_kind(all, "compartment")) {
    Compartment c{s->name, labels(*s, "labels"), s->get<bool>("clamped"),
                  at_least(*s, "background_mOsm_per_L", 0, false)};
    c.solved_potential = choice(*s, "potential", {"ground", "solved"}, "potential") == "solved";
    c.lumen = s->get<bool>("lumen");
    // Blood's concentrations are imposed, not computed: it is the electrical ground and holds no milk.
    require(!(c.clamped && c.solved_potential), *s, "potential",
            "a clamped compartment is at ground; it cannot be solved");
    require(!(c.clamped && c.lumen), *s, "lumen", "a clamped compartment cannot be a lumen");
    for (int l : c.labels) {
      require(owner[l].empty(), *s, "labels",
              "label " + std::to_string(l) + " is already used by compartment '" + owner[l] + "'");
      owner[l] = c.name;
    }
    m.compartments.push_back(std::move(c));
  }
}

std::vector<std::string> names_of(const std::vector<Compartment>& v) {
  std::vector<std::string> out;
  for (const auto& c : v) out.push_back(c.name);
  return out;
}

void membranes(const Sections& all, Model& m) {
  const auto comps = names_of(m.compartments);
  for (const Section* s : of_kind(all, "membrane")) {
    const auto between = s->get<std::vector<std::string>>("between");
    require(between.size() == 2, *s, "between",
            "expected two compartments 'first second', got " + std::to_string(between.size()));
    Membrane mb{s->name, declared_index(*s, "between", between[0], comps, "compartment"),
                declared_index(*s, "between", between[1], comps, "compartment"),
                s->has("potential_mV") ? within(*s, "potential_mV", -500, 500) * 1e-3 : 0.0};
    require(mb.first != mb.second, *s, "between",
            "a membrane joins two different compartments, got '" + between[0] + "' twice");
    for (const auto& o : m.membranes)
      require(!(o.first == mb.first && o.second == mb.second) &&
                  !(o.first == mb.second && o.second == mb.first),
              *s, "between",
              between[0] + " and " + between[1] + " are already joined by membrane '" + o.name + "'");
    // A fixed potential next to a solved one would be silently ignored (host/model.hpp).
    for (int side : {mb.first, mb.second})
      require(!(s->has("potential_mV") && m.compartments[side].solved_potential), *s, "potential_mV",
              "the potential of compartment '" + m.compartments[side].name +
                  "' is solved; remove potential_mV");
    mb.Lp_m_per_s_Pa = at_least(*s, "Lp_m_per_s_Pa", 0, false);  // already SI
    mb.junctions = choice(*s, "pathway", {"faces", "junctions"}, "pathway") == "junctions";
    if (mb.junctions) {
      // Junction pairs run from the interstitium behind the cell layer to a lumen voxel (DESIGN §2).
      require(m.compartments[mb.second].lumen, *s, "pathway",
              "pathway junctions needs a lumen compartment second, got '" + between[1] +
                  "' (set lumen = true in [compartment." + between[1] + "])");
      require(!m.compartments[mb.first].lumen, *s, "pathway",
              "pathway junctions joins a non-lumen compartment to a lumen, but the first, '" +
                  between[0] + "', is a lumen");
    }
    m.membranes.push_back(mb);
  }
}

// Maternal plasma from a dose schedule (host/plasma_pk.hpp): the clamped compartment it sets, the
// disposition model and its constants (1/h → 1/s, L → m³) and the doses (mg → mol).
void plasma_pk(const Section& s, const Model& m, Species& sp) {
  const std::string why = "without plasma_pk.compartment (the compartment a dose schedule sets)";
  if (!s.has("plasma_pk.compartment")) {
    for (const char* key : {"plasma_pk.iv_doses_h_mg", "plasma_pk.oral_doses_h_mg", "plasma_pk.molar_mass_g_per_mol",
                            "plasma_pk.V_L", "plasma_pk.k_el_per_h", "plasma_pk.ka_per_h", "plasma_pk.k12_per_h",
                            "plasma_pk.k21_per_h"})
      not_used(s, key, why);
    // The resolved INI writes the defaults of these for every species: only another value is a mistake.
    require(s.get<std::string>("plasma_pk.model") == "one_compartment", s, "plasma_pk.model", "not used " + why);
    require(s.get<double>("plasma_pk.F") == 1, s, "plasma_pk.F", "not used " + why);
    return;
  }
  PlasmaPk pk;
  const std::string name = s.get<std::string>("plasma_pk.compartment");
  std::vector<std::string> comps;
  for (const auto& c : m.compartments) comps.push_back(c.name);
  pk.compartment = declared_index(s, "plasma_pk.compartment", name, comps, "compartment");
  std::vector<std::string> clamped;
  for (const auto& c : m.compartments)
    if (c.clamped) clamped.push_back(c.name);
  require(m.compartments[pk.compartment].clamped, s, "plasma_pk.compartment",
          "compartment '" + name + "' is not clamped (clamped: " + (clamped.empty() ? "none" : join(clamped)) + ")");
  require(sp.D_m2_per_s[pk.compartment].has_value(), s, "plasma_pk.compartment",
          "species '" + sp.name + "' is absent in compartment '" + name + "' (give D_um2_per_s." + name +
              " to put it there)");
  require(!s.has("clamp_schedule_h_mM." + name), s, "clamp_schedule_h_mM." + name,
          "compartment '" + name + "' follows plasma_pk (a dose schedule); give either it or a clamp schedule");
  pk.model = choice(s, "plasma_pk.model", {"one_compartment", "two_compartment"}, "pharmacokinetic model") ==
                     "two_compartment"
                 ? PlasmaPk::Model::two_compartment
                 : PlasmaPk::Model::one_compartment;
  for (const char* key : {"plasma_pk.molar_mass_g_per_mol", "plasma_pk.V_L", "plasma_pk.k_el_per_h"})
    missing(s, key, "plasma_pk needs the molar mass, volume and elimination rate");
  const double molar_mass = at_least(s, "plasma_pk.molar_mass_g_per_mol", 0, true);
  pk.V_m3 = at_least(s, "plasma_pk.V_L", 0, true) * 1e-3;
  pk.k10_per_s = at_least(s, "plasma_pk.k_el_per_h", 0, true) / 3600.0;
  const bool two = pk.model == PlasmaPk::Model::two_compartment;
  for (const char* key : {"plasma_pk.k12_per_h", "plasma_pk.k21_per_h"})
    if (two) missing(s, key, "plasma_pk.model two_compartment needs k12 and k21");
    else not_used(s, key, "by plasma_pk.model one_compartment");
  if (two) {
    pk.k12_per_s = at_least(s, "plasma_pk.k12_per_h", 0, true) / 3600.0;
    pk.k21_per_s = at_least(s, "plasma_pk.k21_per_h", 0, true) / 3600.0;
  }
  for (const auto& [key, oral] : {std::pair<std::string, bool>{"plasma_pk.iv_doses_h_mg", false}, {"plasma_pk.oral_doses_h_mg", true}}) {
    const Schedule doses = schedule(s, key);
    for (std::size_t i = 0; i < doses.time_s.size(); ++i) {
      require(doses.value[i] >= 0, s, key, "doses must be >= 0 mg, got " + format_number(doses.value[i]));
      pk.doses.push_back({doses.time_s[i], doses.value[i] * 1e-3 / molar_mass, oral});  // mg → g → mol
    }
  }
  if (pk.doses.empty())
    fail(s.header, "missing required key 'plasma_pk.iv_doses_h_mg' or 'plasma_pk.oral_doses_h_mg' (plasma_pk needs doses)");
  const bool oral = s.has("plasma_pk.oral_doses_h_mg");
  if (oral) {
    missing(s, "plasma_pk.ka_per_h", "oral doses need an absorption rate constant");
    pk.ka_per_s = at_least(s, "plasma_pk.ka_per_h", 0, true) / 3600.0;
    pk.F = s.get<double>("plasma_pk.F");
    require(pk.F > 0 && pk.F <= 1, s, "plasma_pk.F", "must be in (0, 1], got " + format_number(pk.F));
  } else {
    not_used(s, "plasma_pk.ka_per_h", "without oral doses");
    require(s.get<double>("plasma_pk.F") == 1, s, "plasma_pk.F", "not used without oral doses");
  }
  // The resolved INI writes initial_mM = 0 everywhere: only a positive value contradicts the doses.
  require(!s.has("initial_mM." + name) || s.get<double>("initial_mM." + name) == 0, s, "initial_mM." + name,
          "compartment '" + name + "' follows plasma_pk: it starts at the dose schedule's concentration");
  sp.plasma_pk = pk;
}

void species(const Sections& all, Model& m) {
  std::vector<std::string> clamped;
  for (const auto& c : m.compartments)
    if (c.clamped) clamped.push_back(c.name);
  for (const Section* s : of_kind(all, "species")) {
    Species sp;
    sp.name = s->name;
    sp.charge = s->get<int>("charge");
    sp.osmotic_reflection = s->get<double>("reflection");
    require(sp.osmotic_reflection >= 0 && sp.osmotic_reflection <= 1, *s, "reflection",
            "must be in [0, 1], got " + format_number(sp.osmotic_reflection));
    sp.unit = choice(*s, "unit", {"mM", "g/L"}, "unit");
    // A mass concentration is not a molar one: it can carry neither charge nor osmotic pressure.
    if (sp.unit == "g/L") {
      require(sp.charge == 0, *s, "charge",
              "unit g/L needs charge 0 (a mass concentration carries no current), got " +
                  std::to_string(sp.charge));
      require(sp.osmotic_reflection == 0, *s, "reflection",
              "unit g/L needs reflection 0 (a mass concentration is not an osmolarity), got " +
                  format_number(sp.osmotic_reflection));
    }
    for (const auto& c : m.compartments) {
      const std::string D = "D_um2_per_s." + c.name, init = "initial_mM." + c.name,
                        clamp = "clamp_schedule_h_mM." + c.name;
      const bool present = s->has(D);
      // Nothing diffuses in water faster than water itself (~3000 um^2/s at 37 C).
      sp.D_m2_per_s.push_back(present ? std::optional<double>(within(*s, D, 0, max_D_um2_per_s) * 1e-12)
                                      : std::nullopt);
      const std::string absent = "species '" + sp.name + "' is absent in compartment '" + c.name +
                                 "' (give " + D + " to put it there)";
      // 0 is what an absent species holds anyway, and the resolved INI writes that default for every
      // compartment: only a positive value where the species is absent is a mistake.
      require(present || !s->has(init) || s->get<double>(init) == 0, *s, init, absent);
      sp.initial_mM.push_back(at_least(*s, init, 0, false));
      if (s->has(clamp)) {
        require(c.clamped, *s, clamp,
                "compartment '" + c.name + "' is not clamped (clamped: " +
                    (clamped.empty() ? "none" : join(clamped)) + ")");
        require(present, *s, clamp, absent);
      }
      sp.clamp_schedule_mM.push_back(schedule(*s, clamp));
      for (double v : sp.clamp_schedule_mM.back().value)
        require(v >= 0, *s, clamp, "concentrations must be >= 0, got " + format_number(v));
    }
    plasma_pk(*s, m, sp);
    if (s->has("milk_fat_partition")) sp.milk_fat_partition = at_least(*s, "milk_fat_partition", 0, false);
    m.species.push_back(std::move(sp));
  }
}

// The fat species, for the whole-milk concentrations of species with a milk_fat_partition.
void milk_fat(const Sections& all, Model& m) {
  const Section& s = *of_kind(all, "model").front();
  m.milk_fat.density_g_per_mL = at_least(s, "milk_fat_density_g_per_mL", 0, true);
  const Section* partitioned = nullptr;
  for (const Section* sp : of_kind(all, "species"))
    if (sp->has("milk_fat_partition")) partitioned = sp;
  if (!partitioned) return;
  const std::string fat = s.get<std::string>("milk_fat_species");
  m.milk_fat.species = m.species_index(fat);
  require(m.milk_fat.species >= 0, *partitioned, "milk_fat_partition",
          "needs the milk fat species '" + fat + "' ([model] milk_fat_species), which is not declared");
  const Species& f = m.species[m.milk_fat.species];
  require(f.is_mass(), *partitioned, "milk_fat_partition",
          "the milk fat species '" + fat + "' must be in g/L (unit = g/L)");
  bool in_lumen = false;
  for (std::size_t c = 0; c < m.compartments.size(); ++c) in_lumen = in_lumen || (m.compartments[c].lumen && f.D_m2_per_s[c]);
  require(in_lumen, *partitioned, "milk_fat_partition",
          "the milk fat species '" + fat + "' is in no lumen compartment (no outlet milk fat)");
}

// [milk_calcium]: the outlet milk's Ca speciation. A species named there must exist; unnamed, the
// defaults (Ca, citrate, phosphate) are used where the model declares them.
void milk_calcium(const Sections& all, Model& m) {
  const Section& s = *of_kind(all, "milk_calcium").front();
  MilkCalcium& mc = m.milk_calcium;
  const auto species = [&](const char* key, const char* fallback) {
    const std::string name = s.has(key) ? s.get<std::string>(key) : fallback;
    const int i = m.species_index(name);
    require(i >= 0 || !s.has(key), s, key, "unknown species '" + name + "' (declared: " + join(species_names(m)) + ")");
    if (i >= 0) require(!m.species[i].is_mass(), s, key, "species '" + name + "' must be in mM, not g/L");
    return i;
  };
  mc.calcium = species("calcium_species", "Ca");
  mc.citrate = species("citrate_species", "citrate");
  mc.phosphate = species("phosphate_species", "phosphate");
  mc.pH = within(s, "pH", 5, 9);
  if (s.has("ionic_strength_M")) {
    mc.ionic_strength_M = at_least(s, "ionic_strength_M", 0, true);
    require(mc.ionic_strength_M <= 0.5, s, "ionic_strength_M",
            "must be <= 0.5 (the Davies equation's range), got " + format_number(mc.ionic_strength_M));
  }
  mc.casein_g_per_L = within(s, "casein_g_per_L", 0, 100);
  mc.casein_sites_mol_per_g = within(s, "casein_Ca_sites_mmol_per_g", 0, 10) * 1e-3;
  physics::CalciumChemistry& k = mc.chemistry;
  k.logK_casein = within(s, "logK_casein_per_M", -5, 20);
  k.logK_CaCit = within(s, "logK_CaCit_per_M", -5, 20);
  k.logK_CaPO4 = within(s, "logK_CaPO4_per_M", -5, 20);
  k.logK_CaHPO4 = within(s, "logK_CaHPO4_per_M", -5, 20);
  k.logK_CaH2PO4 = within(s, "logK_CaH2PO4_per_M", -5, 20);
  for (const auto& [key, pKa] : {std::pair{"pKa_citrate", k.pKa_citrate}, std::pair{"pKa_phosphate", k.pKa_phosphate}}) {
    if (!s.has(key)) continue;
    const auto v = s.get<std::vector<double>>(key);
    require(v.size() == 3, s, key, "needs 3 values (pKa1 pKa2 pKa3), got " + std::to_string(v.size()));
    for (int j = 0; j < 3; ++j) {
      require(v[j] >= 0 && v[j] <= 14, s, key, "values must be in [0, 14], got " + format_number(v[j]));
      require(j == 0 || v[j] > v[j - 1], s, key, "values must ascend (pKa1 < pKa2 < pKa3)");
      pKa[j] = v[j];
    }
  }
  k.davies_A = physics::davies_A(m.run.temperature_K);
}

// [storage] (host/milk_storage.hpp): absent or enabled = false, no store. Whole-gland values in SI.
void storage(const Sections& all, Model& m) {
  const std::vector<const Section*> found = of_kind(all, "storage");
  if (found.empty()) return;
  const Section& s = *found.front();
  MilkStorage& st = m.storage;
  st.enabled = s.get<bool>("enabled");
  if (!st.enabled) return;
  require(m.gland.secretory_tissue_g > 0, s, "enabled",
          "needs [model] secretory_tissue_g > 0: the store is the domain's share of the gland's storage");
  require(m.has_lumen_flow(), s, "enabled", "needs a lumen compartment (lumen = true) to drain into the store");
  st.capacity_m3 = at_least(s, "capacity_mL", 0, true) * 1e-6;
  st.full_pressure_Pa = at_least(s, "full_pressure_kPa", 0, true) * 1e3;
  st.initial_fullness = within(s, "initial_fullness", 0, 1);
  st.ejection_pressure_rise_Pa = at_least(s, "ejection_pressure_rise_kPa", 0, false) * 1e3;
  st.outflow_resistance_Pa_s_per_m3 = at_least(s, "outflow_resistance_kPa_min_per_mL", 0, true) * 1e3 * 60 / 1e-6;
  st.feed_interval_s = at_least(s, "feed_interval_h", 0, true) * 3600;
  st.feed_duration_s = at_least(s, "feed_duration_min", 0, true) * 60;
  st.first_feed_s = at_least(s, "first_feed_h", 0, false) * 3600;
  if (s.has("feed_times_h")) {
    for (double t : s.get<std::vector<double>>("feed_times_h")) {
      require(t >= 0, s, "feed_times_h", "times must be >= 0, got " + format_number(t));
      require(st.feed_times_s.empty() || t * 3600 >= st.feed_times_s.back() + st.feed_duration_s, s, "feed_times_h",
              "times must ascend, each at least feed_duration_min after the one before");
      st.feed_times_s.push_back(t * 3600);
    }
  } else {
    require(st.feed_duration_s < st.feed_interval_s, s, "feed_duration_min",
            "must be shorter than feed_interval_h, got " + format_number(st.feed_duration_s / 60) + " min");
  }
  if (s.has("feedback_transporters"))
    for (const std::string& name : s.get<std::vector<std::string>>("feedback_transporters")) {
      int index = -1;
      for (std::size_t t = 0; t < m.transporters.size(); ++t)
        if (m.transporters[t].name == name) index = int(t);
      require(index >= 0, s, "feedback_transporters", "unknown transporter '" + name + "'");
      st.feedback_transporters.push_back(index);
    }
  st.synthesis_factor_full = within(s, "synthesis_factor_full", 0, 1);
}

void regions(const Sections& all, Model& m) {
  for (const Section* s : of_kind(all, "region")) {
    require(m.regions.size() < 32, *s, "shape", "more than 32 regions (one bit each on the GPU)");
    Region r;
    r.name = s->name;
    const std::string shape = choice(*s, "shape", {"sphere", "box", "label"}, "shape");
    const std::string why = "by shape " + shape;
    if (shape == "sphere") {
      r.shape = Region::Shape::sphere;
      r.center_m = point_m(*s, "center_um");
      require(s->has("radius_um"), *s, "radius_um", "missing required key 'radius_um' for shape sphere");
      r.radius_m = at_least(*s, "radius_um", 0, true) * 1e-6;
    } else if (shape == "box") {
      r.shape = Region::Shape::box;
      r.lo_m = point_m(*s, "lo_um");
      r.hi_m = point_m(*s, "hi_um");
      for (int a = 0; a < 3; ++a)
        require(r.lo_m[a] < r.hi_m[a], *s, "hi_um", "must exceed lo_um on every axis");
    } else {
      r.shape = Region::Shape::label;
      require(s->has("labels"), *s, "labels", "missing required key 'labels' for shape label");
      r.labels = labels(*s, "labels");
    }
    if (shape != "sphere") not_used(*s, "center_um", why), not_used(*s, "radius_um", why);
    if (shape != "box") not_used(*s, "lo_um", why), not_used(*s, "hi_um", why);
    if (shape != "label") not_used(*s, "labels", why);
    r.strength = schedule(*s, "strength_schedule_h");
    for (double v : r.strength.value)
      require(v >= 0 && v <= 1, *s, "strength_schedule_h",
              "strengths must be in [0, 1], got " + format_number(v));
    m.regions.push_back(std::move(r));
  }
}

// [junctions]: the regulated openness of pathway V (host/junction_regulation.hpp). Every key is
// checked whether or not `regulated` is on, so a typo'd value fails before a run that would use it.
void junctions(const Sections& all, Model& m) {
  const Section& s = *of_kind(all, "junctions").front();
  JunctionRegulation& j = m.junctions;
  j.regulated = s.get<bool>("regulated");
  const auto factor = [&](const char* key) {
    const double f = s.get<double>(key);
    require(std::isfinite(f) && f >= 1, s, key, "must be >= 1 (an openness; 1 = closed), got " + format_number(f));
    return f;
  };
  const auto hours = [&](const char* key) { return at_least(s, key, 0, true) * 3600.0; };
  const auto signal = [&](const char* key) {
    Schedule sc = schedule(s, key);
    for (double v : sc.value)
      require(v >= 0 && v <= 1, s, key, "signals must be in [0, 1], got " + format_number(v));
    return sc;
  };
  const auto hormone = [&](const char* key) {
    Schedule sc = schedule(s, key);
    for (double v : sc.value)
      require(v >= 0, s, key, "concentrations must be >= 0, got " + format_number(v));
    return sc;
  };
  JunctionClosure& c = j.closure;
  c.open_factor = factor("open_factor");
  c.fast_fraction = within(s, "closure_fast_fraction", 0, 1);
  c.fast_time_constant_s = hours("closure_fast_time_constant_h");
  c.slow_time_constant_s = hours("closure_slow_time_constant_h");
  c.progesterone_ng_per_mL = hormone("progesterone_schedule_h_ng_per_mL");
  c.progesterone_pregnancy_ng_per_mL = at_least(s, "progesterone_pregnancy_ng_per_mL", 0, true);
  c.prolactin_ng_per_mL = hormone("prolactin_schedule_h_ng_per_mL");
  c.prolactin_permissive_ng_per_mL = at_least(s, "prolactin_permissive_ng_per_mL", 0, true);
  require(c.open_factor == 1 || !c.progesterone_ng_per_mL.empty() || !j.regulated, s, "open_factor",
          "junctions open at birth need progesterone_schedule_h_ng_per_mL (the withdrawal that closes them)");
  c.tabulate_drive();
  j.stasis.signal = signal("stasis_schedule_h");
  j.stasis.open_factor = factor("stasis_open_factor");
  j.stasis.time_constant_s = hours("stasis_time_constant_h");
  const std::string stasis_signal = s.get<std::string>("stasis_signal");
  require(stasis_signal == "schedule" || stasis_signal == "store_fullness", s, "stasis_signal",
          "must be schedule or store_fullness, got '" + stasis_signal + "'");
  j.stasis_from_store = stasis_signal == "store_fullness";
  require(!j.stasis_from_store || j.stasis.signal.empty(), s, "stasis_signal",
          "store_fullness takes the signal from the milk store: remove stasis_schedule_h");
  j.stasis_fullness_threshold = s.get<double>("stasis_fullness_threshold");
  require(j.stasis_fullness_threshold >= 0 && j.stasis_fullness_threshold < 1, s, "stasis_fullness_threshold",
          "must be in [0, 1), got " + format_number(j.stasis_fullness_threshold));
  j.inflammation.signal = signal("inflammation_schedule_h");
  j.inflammation.open_factor = factor("inflammation_open_factor");
  j.inflammation.time_constant_s = hours("inflammation_time_constant_h");
  std::vector<std::string> regions;
  for (const Region& r : m.regions) regions.push_back(r.name);
  if (s.has("inflammation_region"))
    j.inflammation_region =
        declared_index(s, "inflammation_region", s.get<std::string>("inflammation_region"), regions, "region");
  require(j.inflammation.signal.empty() || j.inflammation_region >= 0, s, "inflammation_schedule_h",
          "needs inflammation_region (the region whose junctions it opens)");
  j.pore_radius_m = at_least(s, "pore_radius_nm", 0, true) * 1e-9;
}

}  // namespace

Model build_model(const std::vector<Section>& sections) {
  Model m;
  m.run = run_control(sections);
  m.flow = lumen_flow(sections);
  m.gland = gland_scaling(sections);
  compartments(sections, m);
  membranes(sections, m);
  species(sections, m);
  milk_fat(sections, m);
  milk_calcium(sections, m);
  regions(sections, m);
  junctions(sections, m);  // before the transporters: their sieving reads the pore radius
  transporters(sections, m);
  reactions(sections, m);
  storage(sections, m);
  if (m.junctions.regulated && m.junctions.stasis_from_store && !m.storage.enabled)
    require(false, *of_kind(sections, "junctions").front(), "stasis_signal",
            "store_fullness needs the milk store: [storage] enabled = true");
  return m;
}

}  // namespace lactosim::config
