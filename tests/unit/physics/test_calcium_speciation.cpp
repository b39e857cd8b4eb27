// SPDX-License-Identifier: MIT
// Calcium speciation of milk (kernels/physics/calcium_speciation.hpp): closed forms, conservation,
// monotonicity, and two published comparisons — Holt, Dalgleish & Jenness 1981's calculated bovine
// diffusate and Kent et al. 1992's measured human milk (docs/human-milk-model.md "Ionised calcium").
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/physics/calcium_speciation.hpp"

using namespace lactosim::physics;

namespace {

double sum(const double (&a)[4]) { return a[0] + a[1] + a[2] + a[3]; }

}  // namespace

TEST(CalciumSpeciation, WithNoLigandsFreeCaIsTotal) {
  const CalciumChemistry k;
  for (double I : {0.0, 0.03, 0.2}) {
    MilkCalciumInput in;
    in.Ca_total_M = 7.5e-3;
    in.ionic_strength_M = I;
    const CalciumSpeciation s = speciate_milk_calcium(in, k);
    EXPECT_TRUE(s.converged);
    EXPECT_DOUBLE_EQ(s.Ca_free_M, 7.5e-3);
    EXPECT_EQ(s.CaCit_M + s.Ca_phosphate_M() + s.Ca_casein_M, 0.0);
  }
}

// One ligand (citrate) at I = 0: Ca_T = x + L_T K x / (1 + K x), K = K_CaCit α₀, α₀ the Cit³⁻ fraction
// 1 / (1 + aH/Ka3 + aH²/(Ka3 Ka2) + aH³/(Ka3 Ka2 Ka1)), so K x² + (1 + K (L_T − Ca_T)) x − Ca_T = 0.
TEST(CalciumSpeciation, OneComplexMatchesItsClosedFormQuadratic) {
  const CalciumChemistry k;
  for (double pH : {6.0, 7.2, 8.0})
    for (double cit : {0.5e-3, 4.3e-3, 20e-3}) {
      MilkCalciumInput in;
      in.Ca_total_M = 7.5e-3;
      in.citrate_total_M = cit;
      in.pH = pH;
      const double aH = std::pow(10.0, -pH);
      const double Ka1 = std::pow(10.0, -3.13), Ka2 = std::pow(10.0, -4.76), Ka3 = std::pow(10.0, -6.40);
      const double alpha0 = 1.0 / (1.0 + aH / Ka3 + aH * aH / (Ka3 * Ka2) + aH * aH * aH / (Ka3 * Ka2 * Ka1));
      const double K = std::pow(10.0, 4.73) * alpha0;
      const double b = 1.0 + K * (cit - in.Ca_total_M);
      const double x = 2.0 * in.Ca_total_M / (b + std::sqrt(b * b + 4.0 * K * in.Ca_total_M));  // the + root, no cancellation
      const CalciumSpeciation s = speciate_milk_calcium(in, k);
      ASSERT_TRUE(s.converged);
      EXPECT_NEAR(s.Ca_free_M, x, 1e-12 * x) << "pH " << pH << " citrate " << cit;
      EXPECT_NEAR(s.CaCit_M, cit * K * x / (1.0 + K * x), 1e-12 * in.Ca_total_M);
    }
}

// Random milks, far outside the physiological range included: Ca, citrate, phosphate and the casein
// sites each add up to their totals, and the solver converges from x = 0.
TEST(CalciumSpeciation, ConservesEveryComponentToRoundOff) {
  std::mt19937_64 rng(20261206);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  CalciumChemistry k;
  for (int trial = 0; trial < 20000; ++trial) {
    MilkCalciumInput in;
    in.Ca_total_M = std::pow(10.0, -6 + 5 * u(rng));  // 1 µM … 0.1 M
    in.citrate_total_M = u(rng) < 0.1 ? 0.0 : std::pow(10.0, -6 + 5 * u(rng));
    in.phosphate_total_M = u(rng) < 0.1 ? 0.0 : std::pow(10.0, -6 + 5 * u(rng));
    in.casein_sites_M = u(rng) < 0.1 ? 0.0 : std::pow(10.0, -6 + 5 * u(rng));
    in.pH = 5 + 4 * u(rng);
    in.ionic_strength_M = 0.5 * u(rng);
    k.logK_casein = 5 * u(rng);
    const CalciumSpeciation s = speciate_milk_calcium(in, k);
    ASSERT_TRUE(s.converged) << "trial " << trial;
    ASSERT_LE(s.iterations, 60);
    const double ca = s.Ca_free_M + s.CaCit_M + s.Ca_phosphate_M() + s.Ca_casein_M;
    EXPECT_NEAR(ca, in.Ca_total_M, 1e-12 * in.Ca_total_M) << "trial " << trial;
    EXPECT_NEAR(sum(s.citrate_M) + s.CaCit_M, in.citrate_total_M, 1e-12 * in.citrate_total_M);
    EXPECT_NEAR(sum(s.phosphate_M) + s.Ca_phosphate_M(), in.phosphate_total_M, 1e-12 * in.phosphate_total_M);
    EXPECT_NEAR(s.free_sites_M + s.Ca_casein_M, in.casein_sites_M, 1e-12 * in.casein_sites_M);
    EXPECT_GE(s.Ca_free_M, 0.0);
    EXPECT_LE(s.Ca_free_M, in.Ca_total_M);
  }
}

// Free Ca rises with total Ca and falls as any binder is added.
TEST(CalciumSpeciation, FreeCaRisesWithTotalCaAndFallsWithEachBinder) {
  const CalciumChemistry k;
  MilkCalciumInput base;
  base.Ca_total_M = 7.5e-3, base.citrate_total_M = 4.3e-3, base.phosphate_total_M = 4.9e-3;
  base.casein_sites_M = 0.85e-3, base.ionic_strength_M = 0.03;
  double previous[4] = {0, 1, 1, 1};
  for (int i = 0; i <= 40; ++i) {
    const double f = 0.05 * i;  // 0 … 2 × the base value
    MilkCalciumInput ca = base, cit = base, p = base, sites = base;
    ca.Ca_total_M *= f, cit.citrate_total_M *= f, p.phosphate_total_M *= f, sites.casein_sites_M *= f;
    const double now[4] = {speciate_milk_calcium(ca, k).Ca_free_M, speciate_milk_calcium(cit, k).Ca_free_M,
                           speciate_milk_calcium(p, k).Ca_free_M, speciate_milk_calcium(sites, k).Ca_free_M};
    if (i > 0) {
      EXPECT_GT(now[0], previous[0]) << "total Ca × " << f;
      EXPECT_LT(now[1], previous[1]) << "citrate × " << f;
      EXPECT_LT(now[2], previous[2]) << "phosphate × " << f;
      EXPECT_LT(now[3], previous[3]) << "casein sites × " << f;
    }
    for (int j = 0; j < 4; ++j) previous[j] = now[j];
  }
}

// The Davies A of water: 0.509–0.512 at 25 °C in the tables (molal and molar scales), rising with T.
TEST(CalciumSpeciation, DaviesCoefficientIsWatersAndRisesWithTemperature) {
  EXPECT_NEAR(davies_A(298.15), 0.5105, 0.0025);
  EXPECT_GT(davies_A(310.15), davies_A(298.15));
  EXPECT_NEAR(davies_gamma(0, 0.1, 0.5), 1.0, 0.0);
  EXPECT_NEAR(std::log10(davies_gamma(2, 0.1, 0.5)), -0.5 * 4 * (std::sqrt(0.1) / (1 + std::sqrt(0.1)) - 0.03), 1e-14);
}

// The ionic strength computed from the milk is ½ Σ c z² of the caller's ions and the speciated forms.
TEST(CalciumSpeciation, SelfConsistentIonicStrengthIsHalfTheSumOfCz2) {
  const CalciumChemistry k;
  MilkCalciumInput in;
  in.Ca_total_M = 7.5e-3, in.citrate_total_M = 4.3e-3, in.phosphate_total_M = 4.9e-3, in.casein_sites_M = 0.85e-3;
  const double others = 0.5 * (8.3e-3 + 11.5e-3 + 12.7e-3);  // Na⁺, K⁺, Cl⁻
  const CalciumSpeciation s = speciate_milk_calcium_self_consistent(in, k, others);
  const double I = others + 0.5 * (4 * s.Ca_free_M + s.CaCit_M + s.CaPO4_M + s.CaH2PO4_M + 9 * s.citrate_M[0] +
                                   4 * s.citrate_M[1] + s.citrate_M[2] + 9 * s.phosphate_M[0] + 4 * s.phosphate_M[1] +
                                   s.phosphate_M[2]);
  EXPECT_NEAR(s.ionic_strength_M, I, 1e-12);
}

// Holt, Dalgleish & Jenness 1981 (Anal Biochem 113:154), their calculated "typical milk diffusate" as
// reproduced in Fox & McSweeney, Dairy Chemistry and Biochemistry (1998) Table 5.7: pH 6.7, I ≈ 0.08 M,
// free Ca²⁺ 2.00, HPO₄²⁻ 2.65, H₂PO₄⁻ 7.50, Cit³⁻ 0.26 mM give CaHPO₄⁰ 0.59, CaH₂PO₄⁺ 0.07, CaCit⁻ 6.96 mM.
// Our constants at those free concentrations (Davies A at 20 °C: the reproduction does not give Holt's
// temperature; 37 °C changes the ratios below by < 6 %): CaHPO₄ within 25 %; the others are gaps, reported
// (docs/human-milk-model.md): CaH₂PO₄⁺ 0.044 (−37 %) and CaCit⁻ 1.8 mM, a quarter of Holt's — Holt's
// citrate constant is ~0.6 log units stronger than Martell & Smith's, which this model uses.
TEST(CalciumSpeciation, HoltsBovineDiffusateComplexesAtItsFreeIons) {
  const double A = davies_A(293.15), I = 0.08;
  const CalciumChemistry k;
  const double Ca = 2.00e-3, HPO4 = 2.65e-3, H2PO4 = 7.50e-3, Cit = 0.26e-3;
  const double CaHPO4 = conditional_K(k.logK_CaHPO4, -2, I, A) * Ca * HPO4;
  const double CaH2PO4 = conditional_K(k.logK_CaH2PO4, -1, I, A) * Ca * H2PO4;
  const double CaCit = conditional_K(k.logK_CaCit, -3, I, A) * Ca * Cit;
  EXPECT_NEAR(CaHPO4, 0.59e-3, 0.25 * 0.59e-3);
  // The gaps, pinned so that a change of constants shows here and in the documentation.
  EXPECT_NEAR(CaH2PO4 / 0.07e-3, 0.63, 0.05);
  EXPECT_NEAR(CaCit / 6.96e-3, 0.26, 0.03);
}

// Kent, Arthur, Retallack & Hartmann 1992 (J Dairy Res 59:161), human milk on day 4: diffusible Ca 4.75,
// citrate 5.06, phosphate 1.69 mM; ionised Ca measured 2.33 ± 0.13 (SEM) mM. The diffusate holds no
// casein, so its speciation alone should give the ionised Ca; pH 7.2 (PARAMETERS.md), I from the
// diffusate's Ca, citrate, phosphate and ~32 mM of Na⁺, K⁺, Cl⁻ (the model's mature milk; estimate).
// Accepted: 2.33 ± 0.5 mM (the SEM is not a spread of single samples; ±0.5 is ~2 SD of the mature
// literature's 2–3 mM). The model misses it (~0.56 mM: the citrate constant binds four times more Ca
// than the measurement allows): a known miss, skipped with the numbers; it fails if it starts to pass,
// so that docs/validation.md is corrected.
TEST(CalciumSpeciation, KentDay4HumanMilkDiffusateIonisedCa) {
  CalciumChemistry k;
  k.davies_A = davies_A(310.15);
  MilkCalciumInput in;
  in.Ca_total_M = 4.75e-3, in.citrate_total_M = 5.06e-3, in.phosphate_total_M = 1.69e-3, in.pH = 7.2;
  const CalciumSpeciation s = speciate_milk_calcium_self_consistent(in, k, 0.5 * (8.3e-3 + 11.5e-3 + 12.7e-3));
  const double model_mM = 1e3 * s.Ca_free_M, measured = 2.33;
  const bool inside = std::abs(model_mM - measured) <= 0.5;
  EXPECT_FALSE(inside) << "Kent et al. 1992 day 4 now reproduced (model " << model_mM
                       << " mM): update docs/validation.md and this test";
  EXPECT_NEAR(model_mM, 0.56, 0.05) << "the documented gap moved";
  if (!inside)
    GTEST_SKIP() << "known miss (docs/validation.md): ionised Ca of Kent et al. 1992's day-4 diffusate, model "
                 << model_mM << " mM (CaCit " << 1e3 * s.CaCit_M << ", Ca-phosphate " << 1e3 * s.Ca_phosphate_M()
                 << "), measured 2.33 ± 0.13 (SEM), accepted 1.83–2.83";
}
