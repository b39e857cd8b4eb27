// SPDX-License-Identifier: MIT
// Plain-data tables the executors read: transporters and reactions with their rates already evaluated
// at the current time (schedules live on the host, host/schedule.hpp). SI units throughout:
// concentrations mol/m³ (= mM), permeabilities m/s, membrane rates mol·m⁻²·s⁻¹, volume rates mol·m⁻³·s⁻¹.
#pragma once
#include <cstdint>

#include "host_device.hpp"
#include "transporter_kinds.hpp"

namespace lactosim::physics {

inline constexpr int max_participants = 8;       // species taking part in one transporter
inline constexpr int max_reactants = 3;          // and in one reaction, on either side
inline constexpr int max_region_overrides = 4;   // region factors one rate may carry

// A rate multiplied, on faces or voxels inside a region, by `factor` (already evaluated at time t).
struct RegionOverrides {
  std::int32_t count = 0;
  std::uint32_t region_bit[max_region_overrides] = {};
  double factor[max_region_overrides] = {};
};

// One transporter on one membrane (its kind: transporter_kinds.hpp, its law: transport_laws.hpp).
// Participant i moves stoich[i] mol per cycle from the membrane's first compartment to its second
// (negative: from second to first).
struct TransporterParams {
  TransporterKind kind = TransporterKind::linear_permeability;
  std::int32_t membrane = 0;
  std::int32_t participants = 0;
  std::int32_t species[max_participants] = {};
  double stoich[max_participants] = {};
  double K_mM[max_participants] = {};  // half-saturation (mol/m³); 0 = no saturation factor
  double charge[max_participants] = {};
  double yield[max_participants] = {};  // secretion kinds: mol per cycle delivered to the second side
  double rate = 0.0;  // P (m/s) for linear/GHK/secretion_first_order; Vmax (mol·m⁻²·s⁻¹) otherwise;
                      // schedule applied
  std::int32_t vesicle_water = 0;  // secretion kinds: delivered osmoles carry isosmotic water
  double free_fraction[2] = {1.0, 1.0};  // free_fraction_permeability: f1, f2 (side 1, side 2)
  RegionOverrides regions;
};

enum class ReactionKind : std::int32_t {
  mass_action = 0,       // rate = k Π c_r^ν_r
  michaelis_menten = 1,  // rate = Vmax c_S / (Km + c_S), S the first reactant
};

// One volume reaction inside one compartment: consumes ν_r of each reactant and makes y_p of each
// product per unit of rate.
struct ReactionParams {
  ReactionKind kind = ReactionKind::mass_action;
  std::int32_t compartment = 0;
  std::int32_t reactants = 0;
  std::int32_t reactant[max_reactants] = {};
  double order[max_reactants] = {};  // stoichiometric coefficient, also the mass-action order
  std::int32_t products = 0;
  std::int32_t product[max_reactants] = {};
  double yield[max_reactants] = {};
  double rate = 0.0;  // k (mass action, (mol/m³)^(1−Σν)/s) or Vmax (mol·m⁻³·s⁻¹); schedule applied
  double Km_mM = 0.0;
  RegionOverrides regions;
};

// The product of the factors of every override whose region contains the face or voxel.
LACTOSIM_HD double region_scale(const RegionOverrides& r, std::uint32_t mask) {
  double s = 1.0;
  for (int i = 0; i < r.count; ++i)
    if (mask & r.region_bit[i]) s *= r.factor[i];
  return s;
}

}  // namespace lactosim::physics
