// SPDX-License-Identifier: MIT
// [transporter.*] and [reaction.*] → Model: the rate laws' parameters, checked against the kinds
// that use them (kernels/physics/parameters.hpp) and against where each species exists.
#include "checks.hpp"
#include "values.hpp"

namespace lactosim::config {
namespace {

using physics::ReactionKind;
using physics::TransporterKind;

const std::vector<std::string> transporter_kinds = {
    "linear_permeability", "ghk", "facilitated_carrier", "michaelis_menten",
    "p_type_pump", "cotransporter", "stoichiometric"};  // order of physics::TransporterKind

// A per-species list: same length as `species`, else "expected N values (one per species), got M".
std::vector<double> per_species(const Section& s, const std::string& key, std::size_t n,
                                double fill) {
  if (!s.has(key)) return std::vector<double>(n, fill);
  const auto v = s.get<std::vector<double>>(key);
  require(v.size() == n, s, key,
          "expected " + std::to_string(n) + " value" + (n == 1 ? "" : "s") +
              " (one per species), got " + std::to_string(v.size()));
  return v;
}

void transporter(const Section& s, Model& m) {
  Transporter t;
  t.name = s.name;
  std::vector<std::string> membranes;
  for (const auto& mb : m.membranes) membranes.push_back(mb.name);
  t.membrane = declared_index(s, "membrane", s.get<std::string>("membrane"), membranes, "membrane");
  const std::string kind = choice(s, "kind", transporter_kinds, "transporter kind");
  t.kind = TransporterKind(std::find(transporter_kinds.begin(), transporter_kinds.end(), kind) -
                           transporter_kinds.begin());
  // Channels (linear, GHK) act on each listed species independently, so one section may list
  // several (default.ini's capillary wall); the carriers' laws are written for one substrate.
  const bool channel =
      t.kind == TransporterKind::linear_permeability || t.kind == TransporterKind::ghk;
  const bool single = t.kind == TransporterKind::facilitated_carrier ||
                      t.kind == TransporterKind::michaelis_menten;
  const auto species = s.get<std::vector<std::string>>("species");
  require(!single || species.size() == 1, s, "species",
          "kind " + kind + " moves exactly one species, got " + std::to_string(species.size()));
  require(species.size() <= std::size_t(physics::max_participants), s, "species",
          "at most " + std::to_string(physics::max_participants) + " species, got " +
              std::to_string(species.size()));

  const bool saturating = t.kind == TransporterKind::facilitated_carrier ||
                          t.kind == TransporterKind::michaelis_menten;
  if (saturating) missing(s, "K_mM", "kind " + kind + " needs a half-saturation constant");
  const auto stoich = per_species(s, "stoich", species.size(), 1.0);
  const auto K = per_species(s, "K_mM", species.size(), 0.0);
  for (double k : K)
    require(saturating ? k > 0 : k >= 0, s, "K_mM",
            std::string("must be ") + (saturating ? "> 0" : ">= 0") + ", got " + format_number(k));

  const Membrane& mb = m.membranes[t.membrane];
  const auto names = species_names(m);
  for (std::size_t i = 0; i < species.size(); ++i) {
    const int sp = declared_index(s, "species", species[i], names, "species");
    for (const auto& p : t.participants)
      require(p.species != sp, s, "species", "species '" + species[i] + "' listed twice");
    for (int side : {mb.first, mb.second})
      require(m.species[sp].D_m2_per_s[side].has_value(), s, "species",
              "species '" + species[i] + "' is absent in compartment '" +
                  m.compartments[side].name + "' (membrane '" + mb.name + "' joins " +
                  m.compartments[mb.first].name + " and " + m.compartments[mb.second].name + ")");
    t.participants.push_back({sp, stoich[i], K[i]});
  }

  // Channels are parametrised by a permeability, everything else by a maximal flux.
  const bool by_P = channel;
  const std::string rate_key = by_P ? "P_um_per_s" : "Vmax_umol_per_m2_s";
  const std::string other_key = by_P ? "Vmax_umol_per_m2_s" : "P_um_per_s";
  not_used(s, other_key, "by kind " + kind + " (give " + rate_key + ")");
  missing(s, rate_key, "kind " + kind);
  t.rate = at_least(s, rate_key, 0, false) * 1e-6;
  t.schedule = schedule(s, "schedule_h");
  t.region_overrides = region_overrides(s, m);
  if (!channel || t.participants.size() == 1) {
    m.transporters.push_back(std::move(t));
    return;
  }
  // The channel rate laws read participant 0 only (kernels/physics/transport_laws.hpp): a channel
  // listing several species becomes one transporter per species, named "NAME[species]".
  for (const Participant& p : t.participants) {
    Transporter one = t;
    one.name = t.name + "[" + m.species[p.species].name + "]";
    one.participants = {p};
    m.transporters.push_back(std::move(one));
  }
}

// "glucose" or "glucose:2" → (species index, coefficient > 0), present in compartment `c`.
std::vector<std::pair<int, double>> participants(const Section& s, const std::string& key,
                                                 const Model& m, int c) {
  std::vector<std::pair<int, double>> out;
  if (!s.has(key)) return out;
  const auto names = species_names(m);
  for (const std::string& item : s.get<std::vector<std::string>>(key)) {
    const auto colon = item.find(':');
    const std::string name = item.substr(0, colon);
    double coef = 1.0;
    if (colon != std::string::npos) {
      std::size_t used = 0;
      const std::string text = item.substr(colon + 1);
      try {
        coef = std::stod(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      require(used == text.size() && used > 0 && coef > 0, s, key,
              "bad coefficient in '" + item + "' (expected species or species:coefficient > 0)");
    }
    const int sp = declared_index(s, key, name, names, "species");
    require(m.species[sp].D_m2_per_s[c].has_value(), s, key,
            "species '" + name + "' is absent in compartment '" + m.compartments[c].name + "'");
    out.emplace_back(sp, coef);
  }
  require(out.size() <= std::size_t(physics::max_reactants), s, key,
          "at most " + std::to_string(physics::max_reactants) + " species, got " +
              std::to_string(out.size()));
  return out;
}

void reaction(const Section& s, Model& m) {
  Reaction r;
  r.name = s.name;
  r.compartment = declared_index(s, "compartment", s.get<std::string>("compartment"),
                                 [&] {
                                   std::vector<std::string> n;
                                   for (const auto& c : m.compartments) n.push_back(c.name);
                                   return n;
                                 }(),
                                 "compartment");
  const std::string kind =
      choice(s, "kind", {"mass_action", "michaelis_menten"}, "reaction kind");
  r.reactants = participants(s, "reactants", m, r.compartment);
  r.products = participants(s, "products", m, r.compartment);
  require(!r.reactants.empty() || !r.products.empty(), s, "reactants",
          "a reaction needs reactants or products");
  if (kind == "mass_action") {
    r.kind = ReactionKind::mass_action;
    for (const char* key : {"Vmax_mM_per_s", "Km_mM"}) not_used(s, key, "by kind mass_action");
    missing(s, "k", "kind mass_action");
    r.rate = at_least(s, "k", 0, false);  // (mM)^(1−Σν)/s is the SI value: mM = mol/m³
  } else {
    r.kind = ReactionKind::michaelis_menten;
    not_used(s, "k", "by kind michaelis_menten (give Vmax_mM_per_s and Km_mM)");
    missing(s, "Vmax_mM_per_s", "kind michaelis_menten");
    missing(s, "Km_mM", "kind michaelis_menten");
    require(!r.reactants.empty(), s, "reactants",
            "kind michaelis_menten needs a reactant (its substrate)");
    r.rate = at_least(s, "Vmax_mM_per_s", 0, false);
    r.Km_mM = at_least(s, "Km_mM", 0, true);
  }
  r.schedule = schedule(s, "schedule_h");
  r.region_overrides = region_overrides(s, m);
  m.reactions.push_back(std::move(r));
}

}  // namespace

void transporters(const Sections& all, Model& m) {
  for (const Section* s : of_kind(all, "transporter")) transporter(*s, m);
}

void reactions(const Sections& all, Model& m) {
  for (const Section* s : of_kind(all, "reaction")) reaction(*s, m);
}

}  // namespace lactosim::config
