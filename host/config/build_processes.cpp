// SPDX-License-Identifier: MIT
// [transporter.*] and [reaction.*] → Model: the rate laws' parameters, checked against the kinds
// that use them (kernels/physics/parameters.hpp) and against where each species exists.
#include <algorithm>
#include <cmath>

#include "checks.hpp"
#include "kernels/physics/transporter_kind_info.hpp"
#include "values.hpp"

namespace lactosim::config {
namespace {

using physics::KeyUse;
using physics::KindForm;
using physics::RateKey;
using physics::ReactionKind;
using physics::SpeciesKeys;

const std::vector<std::string> partition_keys = {"pKa", "drug", "pH_first", "pH_second"};

// A per-species list: same length as `species`, else "expected N values (one per species), got M".
std::vector<double> per_species(const Section& s, const std::string& key, std::size_t n,
                                double fill, const std::string& per = "species") {
  if (!s.has(key)) return std::vector<double>(n, fill);
  const auto v = s.get<std::vector<double>>(key);
  require(v.size() == n, s, key,
          "expected " + std::to_string(n) + " value" + (n == 1 ? "" : "s") + " (one per " + per +
              "), got " + std::to_string(v.size()));
  return v;
}

// "glucose" or "glucose:2" → (name, coefficient > 0).
std::pair<std::string, double> name_and_coefficient(const Section& s, const std::string& key,
                                                    const std::string& item) {
  const auto colon = item.find(':');
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
  return {item.substr(0, colon), coef};
}

// takes / delivers of a secretion transporter: species present on `side` of the membrane, each
// listed once.
std::vector<std::pair<int, double>> secretion_list(const Section& s, const std::string& key,
                                                   const Model& m, const Membrane& mb, int side) {
  std::vector<std::pair<int, double>> out;
  if (!s.has(key)) return out;
  const auto names = species_names(m);
  const int c = side == 0 ? mb.first : mb.second;
  for (const std::string& item : s.get<std::vector<std::string>>(key)) {
    const auto [name, coef] = name_and_coefficient(s, key, item);
    const int sp = declared_index(s, key, name, names, "species");
    for (const auto& p : out)
      require(p.first != sp, s, key, "species '" + name + "' listed twice");
    require(m.species[sp].D_m2_per_s[c].has_value(), s, key,
            "species '" + name + "' is absent in compartment '" + m.compartments[c].name +
                "', the " + (side == 0 ? "first" : "second") + " side of membrane '" + mb.name + "' (" +
                m.compartments[mb.first].name + " -> " + m.compartments[mb.second].name + ")");
    out.emplace_back(sp, coef);
  }
  return out;
}

// Kinds secretion and secretion_first_order: what is taken from the first side need not be what is
// delivered to the second (DESIGN §1), so the species come from takes/delivers, not species/stoich.
void secretion(const Section& s, const std::string& kind, const KindForm& form, Transporter& t, const Model& m) {
  const bool first_order = form.rate == RateKey::first_order;
  const std::string why = "by kind " + kind + " (give takes and delivers)";
  not_used(s, "species", why);
  not_used(s, "stoich", why);
  const Membrane& mb = m.membranes[t.membrane];
  const auto takes = secretion_list(s, "takes", m, mb, 0);
  const auto delivers = secretion_list(s, "delivers", m, mb, 1);
  require(!takes.empty() || !delivers.empty(), s, "takes",
          "kind " + kind + " needs takes or delivers (species:mol per cycle)");
  require(!first_order || !takes.empty(), s, "takes",
          "kind " + kind + " is first order in the first taken species; give takes");

  // First-order release has no saturation (kernels/physics/transport_laws.hpp).
  if (form.K_mM == KeyUse::rejected)
    not_used(s, "K_mM", "by kind " + kind + " (its rate is k_um_per_s times the first taken concentration)");
  const auto K = per_species(s, "K_mM", takes.size(), 0.0, "taken species");
  for (double k : K) require(k >= 0, s, "K_mM", "must be >= 0, got " + format_number(k));
  // Participants: the taken species in their order, then the delivered ones not yet listed.
  for (std::size_t i = 0; i < takes.size(); ++i)
    t.participants.push_back({takes[i].first, takes[i].second, K[i], 0.0});
  for (const auto& [sp, yield] : delivers) {
    auto it = std::find_if(t.participants.begin(), t.participants.end(),
                           [sp = sp](const Participant& p) { return p.species == sp; });
    if (it != t.participants.end()) it->yield = yield;
    else t.participants.push_back({sp, 0.0, 0.0, yield});
  }
  require(t.participants.size() <= std::size_t(physics::max_participants), s,
          takes.size() > std::size_t(physics::max_participants) ? "takes" : "delivers",
          "at most " + std::to_string(physics::max_participants) +
              " distinct species in takes and delivers together, got " +
              std::to_string(t.participants.size()));

  const std::string rate_key(physics::rate_key_name(form.rate));
  for (RateKey other : physics::rate_keys)
    if (other != form.rate)
      not_used(s, std::string(physics::rate_key_name(other)), "by kind " + kind + " (give " + rate_key + ")");
  missing(s, rate_key, "kind " + kind);
  t.rate = at_least(s, rate_key, 0, false) * 1e-6;  // µm/s → m/s, µmol·m⁻²·s⁻¹ → mol·m⁻²·s⁻¹
  t.vesicle_water = s.get<bool>("vesicle_water");
}

// A fraction 0 < f <= 1, or `fallback` when the key is absent.
double fraction(const Section& s, const std::string& key, double fallback) {
  if (!s.has(key)) return fallback;
  const double f = s.get<double>(key);
  require(f > 0 && f <= 1, s, key, "must be in (0, 1], got " + format_number(f));
  return f;
}

// Kind free_fraction_permeability (drug transfer, DESIGN §1): only the unbound, un-ionised drug
// crosses, J = P (f1 c1 − f2 c2); kind michaelis_menten carries f c of its source side (a drug
// carrier sees the unbound drug). f per side is given (free_fraction_first/second) or computed:
//   f = unbound × un-ionised fraction,
//   un-ionised fraction (Henderson–Hasselbalch): acid 1/(1 + 10^(pH − pKa)), base 1/(1 + 10^(pKa − pH)),
// the pH-partition model of drug transfer into milk (Atkinson & Begg 1990; Fleishaker et al. 1987),
// whose equilibrium milk-to-plasma ratio is f1/f2 (docs/human-milk-model.md).
void free_fractions(const Section& s, Transporter& t) {
  const bool direct = s.has("free_fraction_first") || s.has("free_fraction_second");
  bool partition = false;
  for (const auto& key : partition_keys) partition = partition || s.has(key);
  if (direct) {
    for (std::string_view key : physics::free_fraction_keys)
      if (key != "free_fraction_first" && key != "free_fraction_second")
        not_used(s, std::string(key),
                 "with free_fraction_first/free_fraction_second (give either the fractions or the "
                 "pH-partition inputs pKa, drug, pH_first, pH_second, unbound_first, unbound_second)");
    t.free_fraction_first = fraction(s, "free_fraction_first", 1.0);
    t.free_fraction_second = fraction(s, "free_fraction_second", 1.0);
    return;
  }
  double ionisable_first = 1.0, ionisable_second = 1.0;  // un-ionised fractions
  if (partition) {
    for (const auto& key : partition_keys)
      missing(s, key, "the pH partition needs pKa, drug, pH_first and pH_second");
    const bool base = choice(s, "drug", {"acid", "base"}, "drug") == "base";
    const double pKa = s.get<double>("pKa");
    const auto unionised = [&](const std::string& key) {
      const double pH = s.get<double>(key);
      require(pH >= 0 && pH <= 14, s, key, "must be in [0, 14], got " + format_number(pH));
      return 1.0 / (1.0 + std::pow(10.0, base ? pKa - pH : pH - pKa));
    };
    ionisable_first = unionised("pH_first");
    ionisable_second = unionised("pH_second");
  }
  // Without pKa the drug is taken as not ionisable: f = unbound (default 1).
  t.free_fraction_first = fraction(s, "unbound_first", 1.0) * ionisable_first;
  t.free_fraction_second = fraction(s, "unbound_second", 1.0) * ionisable_second;
}

void transporter(const Section& s, Model& m) {
  Transporter t;
  t.name = s.name;
  std::vector<std::string> membranes;
  for (const auto& mb : m.membranes) membranes.push_back(mb.name);
  t.membrane = declared_index(s, "membrane", s.get<std::string>("membrane"), membranes, "membrane");
  const std::string kind = choice(s, "kind", physics::transporter_kind_names(), "transporter kind");
  t.kind = *physics::transporter_kind_named(kind);
  // What the section may hold follows from the kind's form (kernels/physics/transport_laws.hpp).
  const KindForm& form = physics::kind_info(t.kind).form;
  if (!form.free_fractions)
    for (std::string_view key : physics::free_fraction_keys)
      not_used(s, std::string(key),
               "by kind " + kind + " (free fractions: " +
                   physics::kinds_where([](const physics::TransporterKindInfo& k) { return k.form.free_fractions; }) + " only)");
  if (form.species == SpeciesKeys::takes_delivers) {
    not_used(s, "sieving_radius_nm", "by kind " + kind + " (a permeability's size sieving)");
    secretion(s, kind, form, t, m);
    t.schedule = factor_schedule(s, "schedule_h");
    t.region_overrides = region_overrides(s, m);
    m.transporters.push_back(std::move(t));
    return;
  }
  // The schema cannot require `species` (the secretion kinds do without): same message as if it did.
  if (!s.has("species")) fail(s.header, "missing required key 'species'");
  for (const char* key : {"takes", "delivers"})
    not_used(s, key, "by kind " + kind + " (secretion kinds only)");
  // The resolved INI writes the default vesicle_water = false for every transporter: only true is
  // a mistake.
  require(!s.get<bool>("vesicle_water"), s, "vesicle_water",
          "not used by kind " + kind + " (secretion kinds only)");
  // Channels (linear, GHK) act on each listed species independently, so one section may list
  // several (default.ini's capillary wall); the carriers' laws are written for one substrate.
  const bool channel = form.species == SpeciesKeys::each;
  const bool single = form.species == SpeciesKeys::one;
  const std::string why = "by kind " + kind +
                          (form.free_fractions ? " (one species, its rate and its free fractions)" : "");
  if (form.stoich == KeyUse::rejected) not_used(s, "stoich", why);
  if (form.K_mM == KeyUse::rejected) not_used(s, "K_mM", why);
  if (form.free_fractions) free_fractions(s, t);
  const auto species = s.get<std::vector<std::string>>("species");
  require(!single || species.size() == 1, s, "species",
          "kind " + kind + " moves exactly one species, got " + std::to_string(species.size()));
  require(species.size() <= std::size_t(physics::max_participants), s, "species",
          "at most " + std::to_string(physics::max_participants) + " species, got " +
              std::to_string(species.size()));

  const bool saturating = form.K_mM == KeyUse::required;
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
    t.participants.push_back({sp, stoich[i], K[i], stoich[i]});  // yield: what reaches the second side
  }

  const std::string rate_key(physics::rate_key_name(form.rate));
  for (RateKey other : physics::rate_keys)
    if (other != form.rate)
      not_used(s, std::string(physics::rate_key_name(other)), "by kind " + kind + " (give " + rate_key + ")");
  missing(s, rate_key, "kind " + kind);
  t.rate = at_least(s, rate_key, 0, false) * 1e-6;
  if (s.has("sieving_radius_nm")) {  // size sieving through the junctions' pores (Renkin 1954)
    require(mb.junctions, s, "sieving_radius_nm",
            "only on a pathway = junctions membrane ('" + mb.name + "' is not one)");
    const double a_m = at_least(s, "sieving_radius_nm", 0, false) * 1e-9;
    t.rate *= renkin_diffusive_hindrance(a_m / m.junctions.pore_radius_m);
  }
  t.schedule = factor_schedule(s, "schedule_h");
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
    const auto [name, coef] = name_and_coefficient(s, key, item);
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
  r.schedule = factor_schedule(s, "schedule_h");
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
