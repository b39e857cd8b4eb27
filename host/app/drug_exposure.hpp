// SPDX-License-Identifier: MIT
// Drug exposure of the milk against the maternal plasma (issue #19 item 5; docs/human-milk-model.md
// "Milk-to-plasma ratio from areas under the curve" and "Partition into milk fat"):
//   AUC_plasma = ∫ C_plasma dt           exact: the clamp's own function (PK closed form or schedule)
//   AUC_milk   = Σ_intervals c̄_outlet Δt  c̄ the interval's flow-weighted outlet concentration (moles
//                                       out / water out): what the infant drinks, averaged over the interval
//   M/P_AUC    = AUC_milk / AUC_plasma
//   whole milk = skim × (1 − φ + φ K),  φ = fat (g/L) / (1000 × fat density (g/mL)), K = fat/skim-water
//                                       partition coefficient (the model's lumen water is skim milk)
#pragma once

namespace lactosim {

struct ExposureAuc {
  double plasma_mM_s = 0, milk_mM_s = 0;

  // One output interval of length dt_s: the plasma's exact integral over it and the milk's mean.
  void add_interval(double plasma_integral_mM_s, double milk_mean_mM, double dt_s) {
    plasma_mM_s += plasma_integral_mM_s;
    milk_mM_s += milk_mean_mM * dt_s;
  }
  // M/P from the areas; 0 while the plasma has none.
  double milk_to_plasma() const { return plasma_mM_s > 0 ? milk_mM_s / plasma_mM_s : 0.0; }
};

// Volume fraction of fat in milk holding fat_g_per_L of it.
inline double fat_volume_fraction(double fat_g_per_L, double fat_density_g_per_mL) {
  return fat_g_per_L / (1000.0 * fat_density_g_per_mL);
}

// Whole-milk concentration of a species partitioning into fat with coefficient K (fat over skim water).
inline double whole_milk_concentration(double skim, double fat_volume_fraction, double K) {
  return skim * (1.0 - fat_volume_fraction + fat_volume_fraction * K);
}

}  // namespace lactosim
