// SPDX-License-Identifier: MIT
// The transporter kinds, one row each. A kind is this row and its law struct in transport_laws.hpp
// (its flux, current, rate bound and the config keys it takes); everything else is generated from
// this list: the enum below, the switches that call the laws (transport_laws.hpp), the names and keys
// the INI reader accepts (transporter_kind_info.hpp, host only) and the table in
// docs/transporter-kinds.md (checked by a test). How to add one: docs/transporter-kinds.md.
#pragma once
#include <cstdint>

// X(name in [transporter.*] kind = ..., law struct in transport_laws.hpp). A row's position is its
// enum value: append new kinds at the end.
#define LACTOSIM_TRANSPORTER_KINDS(X)                    \
  X(linear_permeability, LinearPermeability)            \
  X(ghk, Ghk)                                           \
  X(facilitated_carrier, FacilitatedCarrier)            \
  X(michaelis_menten, MichaelisMenten)                  \
  X(p_type_pump, PTypePump)                             \
  X(cotransporter, Cotransporter)                       \
  X(stoichiometric, Stoichiometric)                     \
  X(secretion, Secretion)                               \
  X(secretion_first_order, SecretionFirstOrder)         \
  X(free_fraction_permeability, FreeFractionPermeability)

namespace lactosim::physics {

enum class TransporterKind : std::int32_t {
#define LACTOSIM_KIND_ENUMERATOR(name, Law) name,
  LACTOSIM_TRANSPORTER_KINDS(LACTOSIM_KIND_ENUMERATOR)
#undef LACTOSIM_KIND_ENUMERATOR
};

#define LACTOSIM_KIND_COUNT(name, Law) +1
inline constexpr int n_transporter_kinds = 0 LACTOSIM_TRANSPORTER_KINDS(LACTOSIM_KIND_COUNT);
#undef LACTOSIM_KIND_COUNT

// How a kind is written in a [transporter.NAME] section; host/config checks a section against it and
// the schema's help lists the kinds by it. Units are in the key names (DESIGN §5).
enum class RateKey : std::int32_t {
  permeability,  // P_um_per_s
  max_flux,      // Vmax_umol_per_m2_s
  first_order,   // k_um_per_s
};
enum class SpeciesKeys : std::int32_t {
  each,            // species = a list; each listed species becomes its own transporter (channels)
  one,             // species = exactly one
  several,         // species = a list, moved together per cycle
  takes_delivers,  // takes / delivers (+ vesicle_water): a secretion kind (DESIGN §1)
};
enum class KeyUse : std::int32_t { rejected, optional, required };

struct KindForm {
  RateKey rate;
  SpeciesKeys species;
  KeyUse stoich;         // stoich (not with takes_delivers: the coefficients are in takes/delivers)
  KeyUse K_mM;           // half-saturation per species; required means > 0
  bool free_fractions;   // free_fraction_first/second or the pH-partition keys (pKa, drug, pH_*, unbound_*)
};

}  // namespace lactosim::physics
