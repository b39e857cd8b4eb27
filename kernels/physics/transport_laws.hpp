// SPDX-License-Identifier: MIT
// Membrane transport rate laws: the flux J (mol·m⁻²·s⁻¹) across one membrane face, positive from the
// membrane's first compartment (side 1) to its second (side 2). DESIGN §1 (pathway III) and §3.
//
// The scalar laws first, then one struct per transporter kind (the rows of transporter_kinds.hpp)
// and the switches generated from that list.
//
// Both voxels of a face call add_transporter_flux with the same arguments in the same order (side 1
// first), so the amount one loses is exactly the amount the other gains: conservation to round-off.
#pragma once
#include <algorithm>
#include <cmath>

#include "constants.hpp"
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

// g'(x) for the GHK kernel g(x) = x/(1 − e^{−x}):
//   g'(x) = (1 − e^{−x} − x e^{−x}) / (1 − e^{−x})²,
// and near 0 its Taylor series 1/2 + x/6 − x³/180 + x⁵/5040 (from g = Σ B⁺_n xⁿ/n!), which avoids
// the numerator's cancellation (relative error ≤ 2ε/|x| beyond |x| = 1e-3).
LACTOSIM_HD double ghk_kernel_slope(double x) {
  if (std::fabs(x) < 1e-3) {
    const double x2 = x * x;
    return 0.5 + x / 6.0 - x * x2 / 180.0 + x * x2 * x2 / 5040.0;
  }
  const double e = std::exp(-x), d = -std::expm1(-x);
  return (d - x * e) / (d * d);
}

// GHK flux in its symmetric form J = P (c1 g(zu) − c2 g(−zu)) (equal to ghk_flux), and its
// derivative with respect to u = F V/(R T), V = ψ1 − ψ2: dJ/du = P z (c1 g'(zu) + c2 g'(−zu)).
// The zero-current potential solve (Newton) needs both.
LACTOSIM_HD double ghk_flux_slope(double P, double z, double u, double c1, double c2) {
  return P * z * (c1 * ghk_kernel_slope(z * u) + c2 * ghk_kernel_slope(-z * u));
}

// ---- One struct per transporter kind (the rows of transporter_kinds.hpp) -----------------------------
// Each holds:
//   form         the [transporter.*] keys it takes (transporter_kinds.hpp, KindForm)
//   law          its rate law in one line, for docs/transporter-kinds.md and the schema's help
//   add_flux     adds J_s (side 1 → side 2, mol·m⁻²·s⁻¹) for every species it moves into J[s]
//   add_current  adds the ionic current density it carries (A/m², side 1 → side 2) to *I and
//                ∂I/∂u to *dIdu, for the zero-current potential solve (host/step/potential_solve.hpp)
//   rate_bound   (host) the largest loss rate per unit concentration it can cause through one face,
//                m/s, at rate `peak` and |u| ≤ u_max: the explicit step's bound (host/assemble.cpp)
// Arguments: c1, c2 the concentrations of all species on side 1 and side 2 (species s at
// c[s*stride]); u = F·V/(R·T), V = ψ1 − ψ2; scale = region factor × area-independent multipliers.
// A kind that moves species from one side to the other derives from TransferLaw; a secretion kind
// (what leaves side 1 need not be what reaches side 2) from SecretionLaw and gives secretion_rate.

struct TransferLaw {
  static constexpr bool secretion = false;
  static LACTOSIM_HD double secretion_rate(const TransporterParams&, const double*, long) { return 0.0; }
};

struct SecretionLaw {
  static constexpr bool secretion = true;
  // Not a transfer (add_secretion_flux), and no current: vesicle cargo leaves with its counter-ions.
  static LACTOSIM_HD void add_flux(const TransporterParams&, const double*, const double*, long, double, double,
                                   double*) {}
  static LACTOSIM_HD void add_current(const TransporterParams&, const double*, const double*, long, double, double,
                                      double*, double*) {}
};

// The current of a kind that does not depend on the potential: I = F Σ_i z_i J_i, a constant for the
// Newton solve (the Na/K-ATPase's 3:2 makes the cell potential differ from E_K).
LACTOSIM_HD void add_constant_current(double charge_moved, double* I) { *I += faraday_C_per_mol * charge_moved; }

// Adds stoich_i · cycles to J of every participant.
LACTOSIM_HD void add_cycle_flux(const TransporterParams& t, double cycles, double* J) {
  for (int i = 0; i < t.participants; ++i) J[t.species[i]] += t.stoich[i] * cycles;
}

// Current of a kind moving whole cycles: (Σ_i z_i n_i) · scale · cycles; the rate law is not evaluated
// when the cycle is electroneutral (NKCC1).
template <class Law>
LACTOSIM_HD void add_cycle_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double scale, double* I) {
  double z_per_cycle = 0.0;  // net charge moved per cycle (+1 for the Na/K-ATPase's 3 Na out, 2 K in)
  for (int i = 0; i < t.participants; ++i) z_per_cycle += t.charge[i] * t.stoich[i];
  double charge_moved = 0.0;
  if (z_per_cycle != 0.0) charge_moved = z_per_cycle * scale * Law::cycle_rate(t, c1, c2, stride);
  add_constant_current(charge_moved, I);
}

// Bound of a saturating law: max_i peak n_i² / K_i over the participants with K_i > 0 (its slope at
// c = 0, once per ion bound).
inline double saturating_rate_bound(const TransporterParams& t, double peak) {
  double per_mM = 0.0;
  for (int i = 0; i < t.participants; ++i)
    if (t.K_mM[i] > 0) per_mM = std::max(per_mM, peak * std::abs(t.stoich[i]) * std::abs(t.stoich[i]) / t.K_mM[i]);
  return per_mM;
}

// Channels (linear, GHK) and the carriers read participant 0 only: host/config gives them one species.
struct LinearPermeability : TransferLaw {
  static constexpr KindForm form{RateKey::permeability, SpeciesKeys::each, KeyUse::optional, KeyUse::optional, false};
  static constexpr const char* law = "J = P (c1 - c2)";
  static LACTOSIM_HD void add_flux(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double u, double scale, double* J) {
    const int s = t.species[0];
    J[s] += scale * linear_permeability_flux(t.rate, c1[s * stride], c2[s * stride]);
  }
  static LACTOSIM_HD void add_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                      double u, double scale, double* I, double* dIdu) {
    const int s = t.species[0];
    add_constant_current(t.charge[0] * scale * linear_permeability_flux(t.rate, c1[s * stride], c2[s * stride]), I);
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) { return peak; }
};

struct Ghk : TransferLaw {
  static constexpr KindForm form{RateKey::permeability, SpeciesKeys::each, KeyUse::optional, KeyUse::optional, false};
  static constexpr const char* law = "J = P (c1 g(zu) - c2 g(-zu)), g(x) = x/(1 - e^-x), u = F(psi1 - psi2)/RT";
  static LACTOSIM_HD void add_flux(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double u, double scale, double* J) {
    const int s = t.species[0];
    J[s] += scale * ghk_flux(t.rate, t.charge[0], u, c1[s * stride], c2[s * stride]);
  }
  // The one kind whose current depends on u: I = F z J and its slope F z ∂J/∂u.
  static LACTOSIM_HD void add_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                      double u, double scale, double* I, double* dIdu) {
    const int s = t.species[0];
    const double z = t.charge[0];
    if (z == 0.0) return;
    *I += faraday_C_per_mol * z * scale * ghk_flux(t.rate, z, u, c1[s * stride], c2[s * stride]);
    *dIdu += faraday_C_per_mol * z * scale * ghk_flux_slope(t.rate, z, u, c1[s * stride], c2[s * stride]);
  }
  // zu/(1 − e^{−zu}) ≤ 1 + |zu|.
  static double rate_bound(const TransporterParams& t, double peak, double u_max) {
    const double z = std::abs(t.charge[0]);
    return peak * (1.0 + z * u_max);
  }
};

struct FacilitatedCarrier : TransferLaw {
  static constexpr KindForm form{RateKey::max_flux, SpeciesKeys::one, KeyUse::optional, KeyUse::required, false};
  static constexpr const char* law = "J = Vmax (c1/(K + c1) - c2/(K + c2))";
  static LACTOSIM_HD void add_flux(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double u, double scale, double* J) {
    const int s = t.species[0];
    J[s] += scale * facilitated_carrier_flux(t.rate, t.K_mM[0], c1[s * stride], c2[s * stride]);
  }
  static LACTOSIM_HD void add_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                      double u, double scale, double* I, double* dIdu) {
    const int s = t.species[0];
    add_constant_current(
        t.charge[0] * scale * facilitated_carrier_flux(t.rate, t.K_mM[0], c1[s * stride], c2[s * stride]), I);
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) {
    return saturating_rate_bound(t, peak);
  }
};

// Irreversible uptake from the side the species leaves (stoich > 0: side 1, < 0: side 2), of the
// fraction f of it the carrier sees there (a drug's unbound fraction, f1 or f2; default 1): drug
// carriers such as OCT1 take up unbound drug (docs/human-milk-model.md "Drug transporters").
struct MichaelisMenten : TransferLaw {
  static constexpr KindForm form{RateKey::max_flux, SpeciesKeys::one, KeyUse::optional, KeyUse::required, true};
  static constexpr const char* law = "J = n Vmax f c_source/(K + f c_source), f the source side's free fraction";
  static LACTOSIM_HD double source(const TransporterParams& t, const double* c1, const double* c2, long stride) {
    const int s = t.species[0];
    return t.stoich[0] >= 0.0 ? t.free_fraction[0] * c1[s * stride] : t.free_fraction[1] * c2[s * stride];
  }
  static LACTOSIM_HD void add_flux(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double u, double scale, double* J) {
    const int s = t.species[0];
    J[s] += scale * t.stoich[0] * michaelis_menten_flux(t.rate, t.K_mM[0], source(t, c1, c2, stride));
  }
  static LACTOSIM_HD void add_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                      double u, double scale, double* I, double* dIdu) {
    const double c_source = source(t, c1, c2, stride);
    add_constant_current(t.charge[0] * scale * t.stoich[0] * michaelis_menten_flux(t.rate, t.K_mM[0], c_source), I);
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) {
    return saturating_rate_bound(t, peak);
  }
};

// The kinds that move whole cycles, J_i = n_i · cycles, with cycles from their cycle_rate.
struct PTypePump : TransferLaw {
  static constexpr KindForm form{RateKey::max_flux, SpeciesKeys::several, KeyUse::optional, KeyUse::optional, false};
  static constexpr const char* law = "cycles = Vmax prod_i (c_i,source/(K_i + c_i,source))^abs(n_i)";
  static LACTOSIM_HD double cycle_rate(const TransporterParams& t, const double* c1, const double* c2, long stride) {
    return p_type_pump_rate(t, c1, c2, stride);
  }
  static LACTOSIM_HD void add_flux(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double u, double scale, double* J) {
    add_cycle_flux(t, scale * cycle_rate(t, c1, c2, stride), J);
  }
  static LACTOSIM_HD void add_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                      double u, double scale, double* I, double* dIdu) {
    add_cycle_current<PTypePump>(t, c1, c2, stride, scale, I);
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) {
    return saturating_rate_bound(t, peak);
  }
};

// Not linearly bounded (a product of activities): the step controller's rejection of steps that go
// negative covers it; the bound only counts its listed K.
struct Cotransporter : TransferLaw {
  static constexpr KindForm form{RateKey::max_flux, SpeciesKeys::several, KeyUse::optional, KeyUse::optional, false};
  static constexpr const char* law = "cycles = Vmax (prod a1^n - prod a2^n)/(1 + prod a1^n + prod a2^n), a = c/K";
  static LACTOSIM_HD double cycle_rate(const TransporterParams& t, const double* c1, const double* c2, long stride) {
    return cotransporter_rate(t, c1, c2, stride);
  }
  static LACTOSIM_HD void add_flux(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double u, double scale, double* J) {
    add_cycle_flux(t, scale * cycle_rate(t, c1, c2, stride), J);
  }
  static LACTOSIM_HD void add_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                      double u, double scale, double* I, double* dIdu) {
    add_cycle_current<Cotransporter>(t, c1, c2, stride, scale, I);
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) {
    return saturating_rate_bound(t, peak);
  }
};

struct Stoichiometric : TransferLaw {
  static constexpr KindForm form{RateKey::max_flux, SpeciesKeys::several, KeyUse::optional, KeyUse::optional, false};
  static constexpr const char* law = "cycles = Vmax prod_i c_i,source/(K_i + c_i,source) (K_i > 0)";
  static LACTOSIM_HD double cycle_rate(const TransporterParams& t, const double* c1, const double* c2, long stride) {
    return stoichiometric_rate(t, c1, c2, stride);
  }
  static LACTOSIM_HD void add_flux(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double u, double scale, double* J) {
    add_cycle_flux(t, scale * cycle_rate(t, c1, c2, stride), J);
  }
  static LACTOSIM_HD void add_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                      double u, double scale, double* I, double* dIdu) {
    add_cycle_current<Stoichiometric>(t, c1, c2, stride, scale, I);
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) {
    return saturating_rate_bound(t, peak);
  }
};

// Secretory pathways (DESIGN §1, I, II, IV): what leaves the first side need not be what reaches the
// second. Pathway I: 2 cytosolic glucose → 1 lactose in the lumen (lactose never exists in the
// cytosol), with citrate, Ca, phosphate and proteins co-secreted by ratio; II: fat from nothing the
// model tracks; IV: interstitial dIgA → cytosolic pIgR–IgA vesicles → luminal sIgA.
// secretion_rate: cycles per area and second before region scaling.
struct Secretion : SecretionLaw {
  static constexpr KindForm form{RateKey::max_flux, SpeciesKeys::takes_delivers, KeyUse::rejected, KeyUse::optional,
                                 false};
  static constexpr const char* law = "cycles = Vmax prod_i c_i/(K_i + c_i) over the taken species with K_i > 0";
  static LACTOSIM_HD double secretion_rate(const TransporterParams& t, const double* c1, long stride) {
    double rate = t.rate;
    for (int i = 0; i < t.participants; ++i)
      if (t.stoich[i] > 0.0) rate *= saturation(t.K_mM[i], c1[t.species[i] * stride]);
    return rate;
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) {
    return saturating_rate_bound(t, peak);
  }
};

// First-order release (pathway IV): k·c of the first participant, k in m/s.
struct SecretionFirstOrder : SecretionLaw {
  static constexpr KindForm form{RateKey::first_order, SpeciesKeys::takes_delivers, KeyUse::rejected,
                                 KeyUse::rejected, false};
  static constexpr const char* law = "cycles = k c(first taken species)";
  static LACTOSIM_HD double secretion_rate(const TransporterParams& t, const double* c1, long stride) {
    return t.rate * c1[t.species[0] * stride];
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) { return peak; }
};

// Passive permeation of the diffusible form only (drug transfer, DESIGN §1).
struct FreeFractionPermeability : TransferLaw {
  static constexpr KindForm form{RateKey::permeability, SpeciesKeys::one, KeyUse::rejected, KeyUse::rejected, true};
  static constexpr const char* law = "J = P (f1 c1 - f2 c2), f the unbound, un-ionised fraction on each side";
  static LACTOSIM_HD void add_flux(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                   double u, double scale, double* J) {
    const int s = t.species[0];
    J[s] += scale * free_fraction_flux(t.rate, t.free_fraction[0], t.free_fraction[1], c1[s * stride], c2[s * stride]);
  }
  static LACTOSIM_HD void add_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                      double u, double scale, double* I, double* dIdu) {
    const int s = t.species[0];
    add_constant_current(t.charge[0] * scale *
                             free_fraction_flux(t.rate, t.free_fraction[0], t.free_fraction[1], c1[s * stride],
                                                c2[s * stride]),
                         I);
  }
  static double rate_bound(const TransporterParams& t, double peak, double u_max) {
    return peak * std::max(t.free_fraction[0], t.free_fraction[1]);
  }
};

// ---- Generated from LACTOSIM_TRANSPORTER_KINDS: one case per kind ------------------------------------

// Adds, for every species the transporter moves, its flux J_s (side 1 → side 2) into J[s]. Secretion
// kinds add nothing here (add_secretion_flux).
LACTOSIM_HD void add_transporter_flux(const TransporterParams& t, const double* c1, const double* c2,
                                      long stride, double u, double scale, double* J) {
  switch (t.kind) {
#define LACTOSIM_KIND_CASE(name, Law) \
  case TransporterKind::name: Law::add_flux(t, c1, c2, stride, u, scale, J); break;
    LACTOSIM_TRANSPORTER_KINDS(LACTOSIM_KIND_CASE)
#undef LACTOSIM_KIND_CASE
  }
}

// Ionic current density (A/m², side 1 → side 2) one transporter carries, added to *I, and its slope
// ∂I/∂u (u = F(ψ1 − ψ2)/(RT)) added to *dIdu — the terms of the zero-current Newton solve
// (host/step/potential_solve.hpp). Only GHK channels depend on u.
LACTOSIM_HD void add_transporter_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                         double u, double scale, double* I, double* dIdu) {
  switch (t.kind) {
#define LACTOSIM_KIND_CASE(name, Law) \
  case TransporterKind::name: Law::add_current(t, c1, c2, stride, u, scale, I, dIdu); break;
    LACTOSIM_TRANSPORTER_KINDS(LACTOSIM_KIND_CASE)
#undef LACTOSIM_KIND_CASE
  }
}

LACTOSIM_HD bool is_secretion(TransporterKind kind) {
#define LACTOSIM_KIND_IS_SECRETION(name, Law) || (Law::secretion && kind == TransporterKind::name)
  return false LACTOSIM_TRANSPORTER_KINDS(LACTOSIM_KIND_IS_SECRETION);
#undef LACTOSIM_KIND_IS_SECRETION
}

// Cycles per area and second of a secretion kind (before region scaling), read on side 1.
LACTOSIM_HD double secretion_cycles(const TransporterParams& t, const double* c1, long stride) {
  switch (t.kind) {
#define LACTOSIM_KIND_CASE(name, Law) \
  case TransporterKind::name: return Law::secretion_rate(t, c1, stride);
    LACTOSIM_TRANSPORTER_KINDS(LACTOSIM_KIND_CASE)
#undef LACTOSIM_KIND_CASE
  }
  return 0.0;
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

// Host only: the largest loss rate per unit concentration (m/s) the transporter causes through one
// face at rate `peak` with |u| ≤ u_max (host/assemble.cpp, explicit_step_limit).
inline double transporter_rate_bound(const TransporterParams& t, double peak, double u_max) {
  switch (t.kind) {
#define LACTOSIM_KIND_CASE(name, Law) \
  case TransporterKind::name: return Law::rate_bound(t, peak, u_max);
    LACTOSIM_TRANSPORTER_KINDS(LACTOSIM_KIND_CASE)
#undef LACTOSIM_KIND_CASE
  }
  return 0.0;
}

}  // namespace lactosim::physics
