// SPDX-License-Identifier: MIT
// Size sieving through a cylindrical pore (the open tight junctions' leak pathway, issue #19 item 1;
// docs/human-milk-model.md "Regulated junctions"): a solute of radius a in a pore of radius r,
// λ = a/r. Used by the configuration (host/config/build_processes.cpp: a junction transporter's
// sieving_radius_nm scales its permeability by the hindrance).
#pragma once
#include "host_device.hpp"

namespace lactosim::physics {

// Renkin (1954, J Gen Physiol 38:225): restricted diffusion of a sphere of radius a through a
// cylindrical pore of radius r, λ = a/r: steric partition (1 − λ)² × wall drag
// (1 − 2.104 λ + 2.09 λ³ − 0.95 λ⁵); 0 for λ ≥ 1 (the solute does not fit).
LACTOSIM_HD double renkin_diffusive_hindrance(double lambda) {
  if (lambda >= 1.0) return 0.0;
  if (lambda <= 0.0) return 1.0;
  const double l2 = lambda * lambda, l3 = l2 * lambda, l5 = l3 * l2;
  return (1.0 - lambda) * (1.0 - lambda) * (1.0 - 2.104 * lambda + 2.09 * l3 - 0.95 * l5);
}

// Reflection coefficient of the same pore (Ferry 1936; Renkin 1954 eq. for σ): the solvent drag a
// solute escapes, σ = (1 − Φ)², Φ = (1 − λ)²; 1 for λ ≥ 1, 0 for a point solute.
LACTOSIM_HD double pore_reflection(double lambda) {
  if (lambda >= 1.0) return 1.0;
  if (lambda <= 0.0) return 0.0;
  const double phi = (1.0 - lambda) * (1.0 - lambda);
  return (1.0 - phi) * (1.0 - phi);
}

}  // namespace lactosim::physics
