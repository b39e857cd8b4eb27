// SPDX-License-Identifier: MIT
// Volume reactions inside a compartment (DESIGN §3): glucose metabolism in the cell, IgA production by
// plasma cells in the interstitium, drug decay. Rates in mol·m⁻³·s⁻¹.
#pragma once
#include "host_device.hpp"
#include "parameters.hpp"
#include "transport_laws.hpp"

namespace lactosim::physics {

// The reaction's rate at one voxel (c: all species of the voxel, species s at c[s*stride]):
//   mass action:       k Π_r c_r^ν_r   (ν_r = 0 reactants allowed: zeroth-order production)
//   Michaelis–Menten:  Vmax c_S/(Km + c_S), S = first reactant
LACTOSIM_HD double reaction_rate(const ReactionParams& r, const double* c, long stride) {
  if (r.kind == ReactionKind::michaelis_menten) {
    const double cs = c[r.reactant[0] * stride];
    return r.rate * cs / (r.Km_mM + cs);
  }
  double rate = r.rate;
  for (int i = 0; i < r.reactants; ++i) rate *= small_power(c[r.reactant[i] * stride], r.order[i]);
  return rate;
}

// Adds the reaction's net production (mol·m⁻³·s⁻¹) of every species it touches into dcdt[s].
LACTOSIM_HD void add_reaction_source(const ReactionParams& r, const double* c, long stride,
                                     double scale, double* dcdt) {
  const double rate = scale * reaction_rate(r, c, stride);
  for (int i = 0; i < r.reactants; ++i) dcdt[r.reactant[i]] -= r.order[i] * rate;
  for (int i = 0; i < r.products; ++i) dcdt[r.product[i]] += r.yield[i] * rate;
}

}  // namespace lactosim::physics
