// SPDX-License-Identifier: MIT
// Rate laws of the secretion mechanics (DESIGN §1 pathways I–V, §3 water and lumen flow), written once
// for both executors. Units SI: mol/m³, m/s, Pa, V, A/m².
#pragma once
#include <cmath>

#include "constants.hpp"
#include "host_device.hpp"
#include "transport_laws.hpp"

namespace lactosim::physics {

// Electric current density (A/m², positive from side 1 to side 2) carried by the fluxes J[s] of ions
// with valence z[s]: I = F Σ z_s J_s.
LACTOSIM_HD double ionic_current(const double* J, const double* z, int n_species) {
  double sum = 0.0;
  for (int s = 0; s < n_species; ++s) sum += z[s] * J[s];
  return faraday_C_per_mol * sum;
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
