// SPDX-License-Identifier: MIT
// Calcium speciation of milk (issue #19 item 2; docs/human-milk-model.md "Ionised calcium"): given total
// Ca, citrate, inorganic phosphate and casein Ca-binding sites, the milk's pH and ionic strength, the
// mass-action equilibria give the free (ionised) Ca²⁺ and what holds the rest.
//
//   species      citrate  Cit³⁻ HCit²⁻ H₂Cit⁻ H₃Cit        phosphate  PO₄³⁻ HPO₄²⁻ H₂PO₄⁻ H₃PO₄
//   complexes    CaCit⁻ (Ca²⁺ + Cit³⁻)                   CaPO₄⁻, CaHPO₄⁰, CaH₂PO₄⁺ (Ca²⁺ + PO₄³⁻, HPO₄²⁻, H₂PO₄⁻)
//                Ca–casein: sites S, [CaS] = K_S [Ca][S] (one K, concentrations: apparent at milk's I)
//   acids        Ka_j = {H_{j−1}L}{H⁺}/{H_jL}, {H⁺} = 10^(−pH) (a glass electrode reads activity)
//   complexes    K = {CaH_jL}/({Ca²⁺}{H_jL}),  {x} = γ(z_x) [x]
//   activities   Davies: log₁₀ γ(z) = −A z² (√I/(1 + √I) − 0.3 I),  A(T) = 1.82483e6 (ε_r T)^(−3/2)
//                (ε_r of water: Malmberg & Maryott 1956)
//
// For a given free Ca x every ligand's distribution is closed: with its forms relative to the bare
// anion, b_j = [H_jL]/[L], and its complexes' W = Σ_c K'_c b_{j(c)} (K' the conditional constants at I),
//   [L] = L_T / (Σ_j b_j + x W),   Ca bound to L = L_T x W / (Σ_j b_j + x W),
// so the Ca balance is one equation in x:
//   f(x) = x + Σ_L L_T x W_L / (S_L + x W_L) + S_T K_S x / (1 + K_S x) − Ca_T = 0,
// strictly increasing (f' ≥ 1) and concave, with f(0) = −Ca_T ≤ 0 ≤ f(Ca_T): one root in [0, Ca_T].
// Newton from x = 0 climbs monotonically to it (a concave function lies below its tangents); a
// bisection step on the kept bracket replaces any Newton step that leaves it (rounding near the root).
// Every component is conserved by construction: each ligand's forms are L_T times fractions summing to
// one, the bound Ca is the same products, and free + bound Ca differs from Ca_T by f(x) at the root.
//
// Concentrations in mol/L (M) inside, the unit of the constants. Host- and device-callable plain
// functions (LACTOSIM_HD): the outlet milk uses them on the host today; a per-voxel lumen field could
// call the same body from a kernel.
#pragma once
#include <cmath>

#include "host_device.hpp"

namespace lactosim::physics {

// Thermodynamic constants (I = 0) and the Davies A; sources in docs/parameters.md "Milk calcium".
struct CalciumChemistry {
  double pKa_citrate[3] = {3.13, 4.76, 6.40};     // H₃Cit → H₂Cit⁻ → HCit²⁻ → Cit³⁻
  double pKa_phosphate[3] = {2.15, 7.20, 12.35};  // H₃PO₄ → H₂PO₄⁻ → HPO₄²⁻ → PO₄³⁻
  double logK_CaCit = 4.73;                       // Ca²⁺ + Cit³⁻ ⇌ CaCit⁻ (M⁻¹)
  double logK_CaPO4 = 6.46;                       // Ca²⁺ + PO₄³⁻ ⇌ CaPO₄⁻
  double logK_CaHPO4 = 2.77;                      // Ca²⁺ + HPO₄²⁻ ⇌ CaHPO₄⁰
  double logK_CaH2PO4 = 0.87;                     // Ca²⁺ + H₂PO₄⁻ ⇌ CaH₂PO₄⁺
  double logK_casein = 2.0;                       // Ca²⁺ + site ⇌ Ca–site, apparent (M⁻¹)
  double davies_A = 0.5232;                       // at 37 °C (davies_A(310.15))
};

struct MilkCalciumInput {
  double Ca_total_M = 0, citrate_total_M = 0, phosphate_total_M = 0;
  double casein_sites_M = 0;  // Ca-binding sites (mol/L of milk)
  double pH = 7.2;
  double ionic_strength_M = 0;
};

struct CalciumSpeciation {
  double Ca_free_M = 0;
  double CaCit_M = 0, CaPO4_M = 0, CaHPO4_M = 0, CaH2PO4_M = 0, Ca_casein_M = 0;
  double citrate_M[4] = {0, 0, 0, 0};    // free Cit³⁻, HCit²⁻, H₂Cit⁻, H₃Cit (index = protons)
  double phosphate_M[4] = {0, 0, 0, 0};  // free PO₄³⁻, HPO₄²⁻, H₂PO₄⁻, H₃PO₄
  double free_sites_M = 0;
  double ionic_strength_M = 0;  // the I the constants were corrected to
  int iterations = 0;
  bool converged = false;
  // Ca in phosphate complexes (CaPO₄⁻ + CaHPO₄⁰ + CaH₂PO₄⁺).
  LACTOSIM_HD double Ca_phosphate_M() const { return CaPO4_M + CaHPO4_M + CaH2PO4_M; }
  // ½ Σ c z² of the species here (Na⁺, K⁺, Cl⁻ … are the caller's).
  LACTOSIM_HD double half_sum_cz2_M() const {
    const double z2_cit[4] = {9, 4, 1, 0}, z2_p[4] = {9, 4, 1, 0};
    double s = 4 * Ca_free_M + CaCit_M + CaPO4_M + CaH2PO4_M;  // CaHPO₄⁰ is neutral; casein is not counted
    for (int j = 0; j < 4; ++j) s += z2_cit[j] * citrate_M[j] + z2_p[j] * phosphate_M[j];
    return 0.5 * s;
  }
};

// Davies A at temperature T (K): 1.82483e6 (ε_r T)^(−3/2), ε_r of water by Malmberg & Maryott's cubic
// in t (°C). 0.5108 at 25 °C, 0.5232 at 37 °C.
LACTOSIM_HD double davies_A(double T_K) {
  const double t = T_K - 273.15;
  const double eps = 87.740 - 0.40008 * t + 9.398e-4 * t * t - 1.410e-6 * t * t * t;
  return 1.82483e6 * std::pow(eps * T_K, -1.5);
}

// Davies activity coefficient of charge z at ionic strength I (M).
LACTOSIM_HD double davies_gamma(int z, double I_M, double A) {
  const double s = std::sqrt(I_M);
  return std::pow(10.0, -A * z * z * (s / (1.0 + s) - 0.3 * I_M));
}

// One ligand at the milk's pH and I: b_j = [H_jL]/[L] for j = 0..3 (charge z_L + j).
LACTOSIM_HD void ligand_protonation(const double pKa[3], int z_L, double pH, double I_M, double A, double b[4]) {
  const double aH = std::pow(10.0, -pH);
  b[0] = 1.0;
  for (int j = 1; j <= 3; ++j) {
    const double Ka = std::pow(10.0, -pKa[3 - j]);  // H_jL ⇌ H_{j−1}L + H⁺
    b[j] = b[j - 1] * aH * davies_gamma(z_L + j - 1, I_M, A) / (davies_gamma(z_L + j, I_M, A) * Ka);
  }
}

// Conditional (concentration) constant of Ca²⁺ + H_jL ⇌ CaH_jL at I.
LACTOSIM_HD double conditional_K(double logK, int z_ligand_form, double I_M, double A) {
  return std::pow(10.0, logK) * davies_gamma(2, I_M, A) * davies_gamma(z_ligand_form, I_M, A) /
         davies_gamma(2 + z_ligand_form, I_M, A);
}

// Free Ca and every species at a fixed ionic strength.
LACTOSIM_HD CalciumSpeciation speciate_milk_calcium(const MilkCalciumInput& in, const CalciumChemistry& k) {
  const double I = in.ionic_strength_M, A = k.davies_A;
  double bc[4], bp[4];
  ligand_protonation(k.pKa_citrate, -3, in.pH, I, A, bc);
  ligand_protonation(k.pKa_phosphate, -3, in.pH, I, A, bp);
  const double Sc = bc[0] + bc[1] + bc[2] + bc[3], Sp = bp[0] + bp[1] + bp[2] + bp[3];
  const double w_cit = conditional_K(k.logK_CaCit, -3, I, A) * bc[0];
  const double w_po4 = conditional_K(k.logK_CaPO4, -3, I, A) * bp[0];
  const double w_hpo4 = conditional_K(k.logK_CaHPO4, -2, I, A) * bp[1];
  const double w_h2po4 = conditional_K(k.logK_CaH2PO4, -1, I, A) * bp[2];
  const double Wc = w_cit, Wp = w_po4 + w_hpo4 + w_h2po4;
  const double Ks = std::pow(10.0, k.logK_casein);
  const double CaT = in.Ca_total_M, CitT = in.citrate_total_M, PT = in.phosphate_total_M, ST = in.casein_sites_M;

  CalciumSpeciation out;
  out.ionic_strength_M = I;
  double lo = 0.0, hi = CaT, x = 0.0;
  const double tol = 1e-15 * CaT;
  for (int it = 1; it <= 200 && CaT > 0; ++it) {
    out.iterations = it;
    // f(x) and f'(x) of the Ca balance (header).
    const double dc = Sc + x * Wc, dp = Sp + x * Wp, ds = 1.0 + Ks * x;
    const double df = 1.0 + CitT * Wc * Sc / (dc * dc) + PT * Wp * Sp / (dp * dp) + ST * Ks / (ds * ds);
    const double f = x + CitT * x * Wc / dc + PT * x * Wp / dp + ST * Ks * x / ds - CaT;
    if (f == 0.0) {
      out.converged = true;
      break;
    }
    if (f < 0) lo = x;
    else hi = x;
    double next = x - f / df;
    if (!(next >= lo && next <= hi)) next = 0.5 * (lo + hi);  // Newton left the bracket: bisect
    const bool done = std::fabs(next - x) <= tol || hi - lo <= tol;
    x = next;
    if (done) {
      out.converged = true;
      break;
    }
  }
  if (CaT <= 0) out.converged = true;
  out.Ca_free_M = x;
  const double cit_free = CitT / (Sc + x * Wc), p_free = PT / (Sp + x * Wp);  // [Cit³⁻], [PO₄³⁻]
  for (int j = 0; j < 4; ++j) out.citrate_M[j] = cit_free * bc[j], out.phosphate_M[j] = p_free * bp[j];
  out.CaCit_M = cit_free * x * w_cit;
  out.CaPO4_M = p_free * x * w_po4;
  out.CaHPO4_M = p_free * x * w_hpo4;
  out.CaH2PO4_M = p_free * x * w_h2po4;
  out.Ca_casein_M = ST * Ks * x / (1.0 + Ks * x);
  out.free_sites_M = ST / (1.0 + Ks * x);
  return out;
}

// With I computed from the milk itself: I = other_half_sum_cz2_M (the caller's ions: ½ Σ c z² of Na⁺,
// K⁺, Cl⁻ …) + the speciated species' own ½ Σ c z², by fixed-point iteration (each pass changes I by a
// few per cent of the Ca-citrate-phosphate share; |ΔI| ≤ 1e-12 M within ~10 passes).
LACTOSIM_HD CalciumSpeciation speciate_milk_calcium_self_consistent(MilkCalciumInput in, const CalciumChemistry& k,
                                                                    double other_half_sum_cz2_M) {
  in.ionic_strength_M = other_half_sum_cz2_M + 0.5 * (4 * in.Ca_total_M + 9 * in.citrate_total_M + 4 * in.phosphate_total_M);
  CalciumSpeciation s = speciate_milk_calcium(in, k);
  for (int pass = 0; pass < 100; ++pass) {
    const double I = other_half_sum_cz2_M + s.half_sum_cz2_M();
    const bool done = std::fabs(I - in.ionic_strength_M) <= 1e-12;
    in.ionic_strength_M = I;
    s = speciate_milk_calcium(in, k);
    if (done) break;
  }
  return s;
}

}  // namespace lactosim::physics
