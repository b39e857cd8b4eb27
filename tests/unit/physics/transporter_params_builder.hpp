// SPDX-License-Identifier: MIT
// A TransporterParams from lists, for the rate-law tests (kernels/physics/transport_laws.hpp).
#pragma once
#include <initializer_list>

#include "kernels/physics/transport_laws.hpp"

namespace lactosim::physics::test_builders {

inline TransporterParams transporter(TransporterKind kind, std::initializer_list<int> species,
                                     std::initializer_list<double> stoich, std::initializer_list<double> K,
                                     double rate) {
  TransporterParams t;
  t.kind = kind;
  int i = 0;
  for (int s : species) t.species[i++] = s;
  t.participants = i;
  i = 0;
  for (double n : stoich) t.stoich[i++] = n;
  i = 0;
  for (double k : K) t.K_mM[i++] = k;
  t.rate = rate;
  return t;
}

}  // namespace lactosim::physics::test_builders
