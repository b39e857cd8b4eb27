// SPDX-License-Identifier: MIT
// Membrane transport rate laws: the flux J (mol·m⁻²·s⁻¹) across one membrane face, positive from the
// membrane's first compartment (side 1) to its second (side 2). DESIGN §1 (pathway III) and §3.
//
// Both voxels of a face call transporter_face_flux with the same arguments in the same order (side 1
// first), so the amount one loses is exactly the amount the other gains: conservation to round-off.
#pragma once
#include <cmath>

#include "host_device.hpp"
#include "parameters.hpp"

namespace lactosim::physics {

// Passive permeability: J = P (c1 − c2).
LACTOSIM_HD double linear_permeability_flux(double P, double c1, double c2) { return P * (c1 - c2); }

// Goldman–Hodgkin–Katz flux of an ion of valence z. u = F·V/(R·T) with V = ψ1 − ψ2, the potential of
// side 1 relative to side 2 (so a positive V drives cations from 1 to 2):
//   J = P z u (c1 − c2 e^{−z u}) / (1 − e^{−z u}) = P (c1 g(zu) − c2 g(−zu)),  g(x) = x/(1 − e^{−x}),
// which → P (c1 − c2) as z u → 0. The second form, with g through expm1, has no cancellation near
// zero potential (the first loses ~|log10 zu| digits there).
LACTOSIM_HD double ghk_kernel(double x) { return std::fabs(x) < 1e-300 ? 1.0 : x / -std::expm1(-x); }

LACTOSIM_HD double ghk_flux(double P, double z, double u, double c1, double c2) {
  return P * (c1 * ghk_kernel(z * u) - c2 * ghk_kernel(-z * u));
}

// Only the diffusible (un-ionised, unbound) fraction f of a drug crosses a lipid membrane:
//   J = P (f1 c1 − f2 c2), so at equilibrium c2/c1 = f1/f2 — the milk-to-plasma ratio of the
// pH-partition model (Atkinson & Begg 1990; PARAMETERS.md "Drug transfer").
LACTOSIM_HD double free_fraction_flux(double P, double f1, double f2, double c1, double c2) {
  return P * (f1 * c1 - f2 * c2);
}

// Reversible (facilitated) carrier with equal affinity on both sides, e.g. GLUT1:
//   J = Vmax (c1/(Km + c1) − c2/(Km + c2)) — zero when c1 = c2, never against the gradient.
LACTOSIM_HD double facilitated_carrier_flux(double Vmax, double Km, double c1, double c2) {
  return Vmax * (c1 / (Km + c1) - c2 / (Km + c2));
}

// Irreversible Michaelis–Menten uptake from the source side: J = Vmax c / (Km + c).
LACTOSIM_HD double michaelis_menten_flux(double Vmax, double Km, double c_source) {
  return Vmax * c_source / (Km + c_source);
}

// Saturation of a substrate: c/(K + c), or 1 when K = 0 (the rate does not depend on it).
LACTOSIM_HD double saturation(double K, double c) { return K > 0.0 ? c / (K + c) : 1.0; }

// Integer power for small stoichiometries (3 Na, 2 K): exact products, no pow().
LACTOSIM_HD double small_power(double x, double n) {
  const int k = static_cast<int>(n + 0.5);
  double r = 1.0;
  for (int i = 0; i < k; ++i) r *= x;
  return r;
}

// P-type pump cycle rate (cycles·m⁻²·s⁻¹): Vmax Π_i (c_i,source/(K_i + c_i,source))^|n_i|, each
// substrate read on the side it leaves (Na/K-ATPase: Na inside, K outside; DESIGN §1).
// The power |n_i| is the sequential binding of n_i ions (3 Na⁺, 2 K⁺).
LACTOSIM_HD double p_type_pump_rate(const TransporterParams& t, const double* c1, const double* c2,
                                    long stride) {
  double rate = t.rate;
  for (int i = 0; i < t.participants; ++i) {
    const double n = t.stoich[i];
    const double c = n >= 0.0 ? c1[t.species[i] * stride] : c2[t.species[i] * stride];
    rate *= small_power(saturation(t.K_mM[i], c), std::fabs(n));
  }
  return rate;
}

// Generic stoichiometric flux: Vmax Π_i c_i,source/(K_i + c_i,source) (one factor per listed
// substrate with K_i > 0; K_i = 0 gives a rate independent of that species).
LACTOSIM_HD double stoichiometric_rate(const TransporterParams& t, const double* c1, const double* c2,
                                       long stride) {
  double rate = t.rate;
  for (int i = 0; i < t.participants; ++i) {
    const double c = t.stoich[i] >= 0.0 ? c1[t.species[i] * stride] : c2[t.species[i] * stride];
    rate *= saturation(t.K_mM[i], c);
  }
  return rate;
}

// Electroneutral cotransporter (NKCC1: 1 Na, 1 K, 2 Cl moved together). With activities a = c/K,
//   rate = Vmax (Π a1^n − Π a2^n) / (1 + Π a1^n + Π a2^n),
// which vanishes exactly at thermodynamic equilibrium (Π c1^n = Π c2^n when all K are equal sides),
// runs down the combined chemical gradient and saturates at Vmax. No voltage term: zero net charge.
LACTOSIM_HD double cotransporter_rate(const TransporterParams& t, const double* c1, const double* c2,
                                      long stride) {
  double p1 = 1.0, p2 = 1.0;
  for (int i = 0; i < t.participants; ++i) {
    const double n = std::fabs(t.stoich[i]);
    const double K = t.K_mM[i] > 0.0 ? t.K_mM[i] : 1.0;
    p1 *= small_power(c1[t.species[i] * stride] / K, n);
    p2 *= small_power(c2[t.species[i] * stride] / K, n);
  }
  return t.rate * (p1 - p2) / (1.0 + p1 + p2);
}

// Adds, for every species the transporter moves, its flux J_s (side 1 → side 2) into J[s].
//   c1, c2   concentrations of all species on side 1 and side 2 (species s at c[s*stride])
//   u        F·V/(R·T), V = ψ1 − ψ2 (used by GHK only)
//   scale    region factor × area-independent multipliers for this face
LACTOSIM_HD void add_transporter_flux(const TransporterParams& t, const double* c1, const double* c2,
                                      long stride, double u, double scale, double* J) {
  switch (t.kind) {
    case TransporterKind::linear_permeability: {
      const int s = t.species[0];
      J[s] += scale * linear_permeability_flux(t.rate, c1[s * stride], c2[s * stride]);
      break;
    }
    case TransporterKind::ghk: {
      const int s = t.species[0];
      J[s] += scale * ghk_flux(t.rate, t.charge[0], u, c1[s * stride], c2[s * stride]);
      break;
    }
    case TransporterKind::facilitated_carrier: {
      const int s = t.species[0];
      J[s] += scale * facilitated_carrier_flux(t.rate, t.K_mM[0], c1[s * stride], c2[s * stride]);
      break;
    }
    case TransporterKind::michaelis_menten: {
      const int s = t.species[0];
      const double n = t.stoich[0];
      const double c_source = n >= 0.0 ? c1[s * stride] : c2[s * stride];
      J[s] += scale * n * michaelis_menten_flux(t.rate, t.K_mM[0], c_source);
      break;
    }
    case TransporterKind::p_type_pump: {
      const double cycles = scale * p_type_pump_rate(t, c1, c2, stride);
      for (int i = 0; i < t.participants; ++i) J[t.species[i]] += t.stoich[i] * cycles;
      break;
    }
    case TransporterKind::cotransporter: {
      const double cycles = scale * cotransporter_rate(t, c1, c2, stride);
      for (int i = 0; i < t.participants; ++i) J[t.species[i]] += t.stoich[i] * cycles;
      break;
    }
    case TransporterKind::stoichiometric: {
      const double cycles = scale * stoichiometric_rate(t, c1, c2, stride);
      for (int i = 0; i < t.participants; ++i) J[t.species[i]] += t.stoich[i] * cycles;
      break;
    }
    case TransporterKind::free_fraction_permeability: {
      const int s = t.species[0];
      J[s] += scale * free_fraction_flux(t.rate, t.free_fraction[0], t.free_fraction[1], c1[s * stride], c2[s * stride]);
      break;
    }
    case TransporterKind::secretion:
    case TransporterKind::secretion_first_order:
      break;  // not a transfer: add_secretion_flux
  }
}

// Secretory pathways (DESIGN §1, I, II, IV): what leaves the first side need not be what reaches the
// second. Pathway I: 2 cytosolic glucose → 1 lactose in the lumen (lactose never exists in the
// cytosol), with citrate, Ca, phosphate and proteins co-secreted by ratio; II: fat from nothing the
// model tracks; IV: interstitial dIgA → cytosolic pIgR–IgA vesicles → luminal sIgA.
LACTOSIM_HD bool is_secretion(TransporterKind kind) {
  return kind == TransporterKind::secretion || kind == TransporterKind::secretion_first_order;
}

// Cycles per area and second (before region scaling): secretion: Vmax Π_i c_i/(K_i + c_i) over the
// taken species (stoich > 0) with K_i > 0; secretion_first_order: k·c of the first participant.
LACTOSIM_HD double secretion_cycles(const TransporterParams& t, const double* c1, long stride) {
  if (t.kind == TransporterKind::secretion_first_order) return t.rate * c1[t.species[0] * stride];
  double rate = t.rate;
  for (int i = 0; i < t.participants; ++i)
    if (t.stoich[i] > 0.0) rate *= saturation(t.K_mM[i], c1[t.species[i] * stride]);
  return rate;
}

// Adds stoich·cycles to J_taken (leaves side 1) and yield·cycles to J_delivered (reaches side 2), per
// species; returns the scaled cycles.
LACTOSIM_HD double add_secretion_flux(const TransporterParams& t, const double* c1, long stride, double scale,
                                      double* J_taken, double* J_delivered) {
  const double cycles = scale * secretion_cycles(t, c1, stride);
  for (int i = 0; i < t.participants; ++i) {
    J_taken[t.species[i]] += t.stoich[i] * cycles;
    J_delivered[t.species[i]] += t.yield[i] * cycles;
  }
  return cycles;
}

}  // namespace lactosim::physics
