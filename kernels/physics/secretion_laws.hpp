// SPDX-License-Identifier: MIT
// Rate laws of the secretion mechanics (DESIGN §1 pathways I–V, §3 water and lumen flow), written once
// for both executors. Units SI: mol/m³, m/s, Pa, V, A/m².
#pragma once
#include <cmath>

#include "constants.hpp"
#include "host_device.hpp"
#include "transport_laws.hpp"

namespace lactosim::physics {

// g'(x) for the GHK kernel g(x) = x/(1 − e^{−x}) of transport_laws.hpp:
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

// Electric current density (A/m², positive from side 1 to side 2) carried by the fluxes J[s] of ions
// with valence z[s]: I = F Σ z_s J_s.
LACTOSIM_HD double ionic_current(const double* J, const double* z, int n_species) {
  double sum = 0.0;
  for (int s = 0; s < n_species; ++s) sum += z[s] * J[s];
  return faraday_C_per_mol * sum;
}

// Ionic current density (A/m², side 1 → side 2) one transporter carries, added to *I, and its slope
// ∂I/∂u (u = F(ψ1 − ψ2)/(RT)) added to *dIdu — the terms of the zero-current Newton solve
// (kernels/potential_solver.hpp). Only GHK channels depend on u; pumps, carriers and charged species
// under linear permeability add a constant current (the Na/K-ATPase's 3:2 makes the cell potential
// differ from E_K). Secretion kinds carry none: vesicle cargo leaves with its counter-ions.
LACTOSIM_HD void add_transporter_current(const TransporterParams& t, const double* c1, const double* c2, long stride,
                                         double u, double scale, double* I, double* dIdu) {
  if (is_secretion(t.kind)) return;
  if (t.kind == TransporterKind::ghk) {
    const int s = t.species[0];
    const double z = t.charge[0];
    if (z == 0.0) return;
    *I += faraday_C_per_mol * z * scale * ghk_flux(t.rate, z, u, c1[s * stride], c2[s * stride]);
    *dIdu += faraday_C_per_mol * z * scale * ghk_flux_slope(t.rate, z, u, c1[s * stride], c2[s * stride]);
    return;
  }
  // The other kinds' current, F Σ z_i J_i, read straight from their rate laws (no copies: this runs
  // once per face, transporter and Newton iteration).
  const int s0 = t.species[0];
  double charge_moved = 0.0;
  switch (t.kind) {
    case TransporterKind::linear_permeability:
      charge_moved = t.charge[0] * scale * linear_permeability_flux(t.rate, c1[s0 * stride], c2[s0 * stride]);
      break;
    case TransporterKind::free_fraction_permeability:
      charge_moved = t.charge[0] * scale *
                     free_fraction_flux(t.rate, t.free_fraction[0], t.free_fraction[1], c1[s0 * stride], c2[s0 * stride]);
      break;
    case TransporterKind::facilitated_carrier:
      charge_moved = t.charge[0] * scale * facilitated_carrier_flux(t.rate, t.K_mM[0], c1[s0 * stride], c2[s0 * stride]);
      break;
    case TransporterKind::michaelis_menten: {
      const double c_source = t.stoich[0] >= 0.0 ? c1[s0 * stride] : c2[s0 * stride];
      charge_moved = t.charge[0] * scale * t.stoich[0] * michaelis_menten_flux(t.rate, t.K_mM[0], c_source);
      break;
    }
    case TransporterKind::p_type_pump:
    case TransporterKind::cotransporter:
    case TransporterKind::stoichiometric: {
      double z_per_cycle = 0.0;  // net charge moved per cycle (+1 for the Na/K-ATPase's 3 Na out, 2 K in)
      for (int i = 0; i < t.participants; ++i) z_per_cycle += t.charge[i] * t.stoich[i];
      if (z_per_cycle == 0.0) break;  // electroneutral (NKCC1): no current, no need for the rate
      const double cycles = t.kind == TransporterKind::p_type_pump     ? p_type_pump_rate(t, c1, c2, stride)
                            : t.kind == TransporterKind::cotransporter ? cotransporter_rate(t, c1, c2, stride)
                                                                        : stoichiometric_rate(t, c1, c2, stride);
      charge_moved = z_per_cycle * scale * cycles;
      break;
    }
    default:
      break;
  }
  *I += faraday_C_per_mol * charge_moved;
}

// Osmolarity that draws water (mol/m³): Σ_s σ_s c_s + the compartment's background osmolarity.
LACTOSIM_HD double effective_osmolarity(const double* c, long stride, int n_species, const double* reflection,
                                        double background_mM) {
  double sum = background_mM;
  for (int s = 0; s < n_species; ++s) sum += reflection[s] * c[s * stride];
  return sum;
}

// Kedem–Katchalsky water flux across an apical face (DESIGN §3), m/s, positive from cell into lumen:
//   J_v = Lp (R T [Σ_s σ_s (c_lumen,s − c_cell,s) + (c_bg,lumen − c_bg,cell)] − p_lumen)
// Water moves toward the higher osmolarity; the lumen pressure opposes it (the cell sits at the
// interstitial reference pressure 0). osmotic_difference_mM is the bracket in mol/m³.
// The same across any membrane face, side 1 → side 2, with each side's effective osmolarity (mol/m³)
// and pressure (Pa): J_v = Lp (R T (Π₂ − Π₁) − (p₂ − p₁)).
LACTOSIM_HD double membrane_water_flux(double Lp_m_per_s_Pa, double RT, double osmolarity1_mM,
                                       double osmolarity2_mM, double p1_Pa, double p2_Pa) {
  return Lp_m_per_s_Pa * (RT * (osmolarity2_mM - osmolarity1_mM) - (p2_Pa - p1_Pa));
}

LACTOSIM_HD double apical_water_flux(double Lp_m_per_s_Pa, double temperature_K, double osmotic_difference_mM,
                                     double p_lumen_Pa) {
  return membrane_water_flux(Lp_m_per_s_Pa, gas_constant_J_per_mol_K * temperature_K, 0.0, osmotic_difference_mM,
                             0.0, p_lumen_Pa);
}

// Water carried by isosmotic exocytosis (pathway I): secreting n mol·m⁻²·s⁻¹ of osmoles into vesicle
// fluid of osmolarity Π (mol/m³) carries n/Π m³·m⁻²·s⁻¹ = m/s of water.
LACTOSIM_HD double vesicle_water_flux(double secreted_osmoles_mol_per_m2_s, double vesicle_osmolarity_mM) {
  return vesicle_osmolarity_mM > 0.0 ? secreted_osmoles_mol_per_m2_s / vesicle_osmolarity_mM : 0.0;
}

// Darcy mobility of a lumen voxel: k/μ with k = r²/8 (Poiseuille in a tube of radius r, DESIGN §3).
LACTOSIM_HD double lumen_mobility(double duct_radius_m, double viscosity_Pa_s) {
  return duct_radius_m * duct_radius_m / (8.0 * viscosity_Pa_s);
}

// Face mobility between two lumen voxels: harmonic mean (series resistances), zero if either is 0.
LACTOSIM_HD double face_mobility(double m_i, double m_j) {
  const double sum = m_i + m_j;
  return sum > 0.0 ? 2.0 * m_i * m_j / sum : 0.0;
}

// Conservative first-order upwind flux of a solute through a face with velocity u (m/s, positive
// from i to j): mol·m⁻²·s⁻¹. Monotone for Courant numbers |u| dt/h ≤ 1 per face.
LACTOSIM_HD double upwind_flux(double u, double c_i, double c_j) { return u >= 0.0 ? u * c_i : u * c_j; }

}  // namespace lactosim::physics
