// SPDX-License-Identifier: MIT
// Host-side view of the transporter kinds (transporter_kinds.hpp): each kind's name, rate law and the
// [transporter.NAME] keys it takes, generated from LACTOSIM_TRANSPORTER_KINDS and the law structs'
// `form` — host/config reads kinds and checks sections with it, docs/transporter-kinds.md lists it.
// Not for device code (std::string_view, std::vector).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport_laws.hpp"

namespace lactosim::physics {

struct TransporterKindInfo {
  TransporterKind kind;
  std::string_view name;  // the value of kind = in a [transporter.NAME] section
  std::string_view law;   // its rate law in one line
  KindForm form;
};

inline constexpr std::array<TransporterKindInfo, n_transporter_kinds> transporter_kinds = {{
#define LACTOSIM_KIND_INFO(name, Law) {TransporterKind::name, #name, Law::law, Law::form},
    LACTOSIM_TRANSPORTER_KINDS(LACTOSIM_KIND_INFO)
#undef LACTOSIM_KIND_INFO
}};

inline const TransporterKindInfo& kind_info(TransporterKind kind) {
  return transporter_kinds[static_cast<std::size_t>(kind)];
}

inline std::optional<TransporterKind> transporter_kind_named(std::string_view name) {
  for (const auto& k : transporter_kinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

inline std::vector<std::string> transporter_kind_names() {
  std::vector<std::string> out;
  for (const auto& k : transporter_kinds) out.emplace_back(k.name);
  return out;
}

// The key that carries a kind's rate (its unit in the name: µm/s or µmol·m⁻²·s⁻¹).
inline std::string_view rate_key_name(RateKey key) {
  switch (key) {
    case RateKey::permeability: return "P_um_per_s";
    case RateKey::max_flux: return "Vmax_umol_per_m2_s";
    case RateKey::first_order: return "k_um_per_s";
  }
  return "";
}
inline constexpr std::array<RateKey, 3> rate_keys = {RateKey::permeability, RateKey::max_flux, RateKey::first_order};

// The free-fraction keys: the fractions given, or the pH partition (pKa, drug, pH_*) and binding.
inline constexpr std::array<std::string_view, 8> free_fraction_keys = {
    "free_fraction_first", "free_fraction_second", "pKa", "drug",
    "pH_first", "pH_second", "unbound_first", "unbound_second"};

// Keys every kind takes: where it sits, what it is, its rate's time and region factors, and (on a
// junctions membrane) the size sieving of its species (host/junction_regulation.hpp).
inline constexpr std::array<std::string_view, 5> common_transporter_keys = {"membrane", "kind", "schedule_h",
                                                                            "region.<REGION>", "sieving_radius_nm"};

// The keys `info`'s kind takes beyond common_transporter_keys, in schema order.
inline std::vector<std::string_view> transporter_kind_keys(const TransporterKindInfo& info) {
  const KindForm& f = info.form;
  std::vector<std::string_view> keys;
  if (f.species == SpeciesKeys::takes_delivers) {
    keys = {"takes", "delivers"};
  } else {
    keys = {"species"};
    if (f.stoich != KeyUse::rejected) keys.push_back("stoich");
  }
  if (f.K_mM != KeyUse::rejected) keys.push_back("K_mM");
  keys.push_back(rate_key_name(f.rate));
  if (f.species == SpeciesKeys::takes_delivers) keys.push_back("vesicle_water");
  if (f.free_fractions) keys.insert(keys.end(), free_fraction_keys.begin(), free_fraction_keys.end());
  return keys;
}

// "a, b and c": the kinds for which `pred(info)` holds, for help texts.
template <class Pred>
std::string kinds_where(Pred pred) {
  std::vector<std::string_view> names;
  for (const auto& k : transporter_kinds)
    if (pred(k)) names.push_back(k.name);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace lactosim::physics
