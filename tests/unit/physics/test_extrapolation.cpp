// SPDX-License-Identifier: MIT
// The positivity limiter of the Richardson-extrapolated step (kernels/physics/extrapolation.hpp): the
// θ it returns keeps the extrapolated value ≥ 0 on every pair it sees, including the binding one,
// and leaves θ alone where the extrapolation moves away from zero.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "host/step/extrapolated_step.hpp"
#include "kernels/physics/extrapolation.hpp"

using namespace lactosim::physics;

TEST(Extrapolation, LimitKeepsTheExtrapolatedValueNonNegativeOnRandomPairsIncludingTheBindingOne) {
  std::mt19937_64 rng(20261126);
  std::uniform_real_distribution<double> exponent(-30.0, 3.0), unit(0.0, 1.0);
  for (int trial = 0; trial < 100000; ++trial) {
    const double fine = std::pow(10.0, exponent(rng)) * unit(rng);
    const double coarse = fine * (1.0 + 10.0 * unit(rng)) + std::pow(10.0, exponent(rng)) * unit(rng);
    const double theta = positive_extrapolation_limit(fine, coarse, 1.0);
    ASSERT_GE(theta, 0.0);
    ASSERT_LE(theta, 1.0);
    ASSERT_GE(extrapolated(fine, coarse, theta), 0.0) << "fine " << fine << " coarse " << coarse;
  }
}

TEST(Extrapolation, ThetaIsUntouchedWhereTheExtrapolationMovesAwayFromZero) {
  EXPECT_EQ(positive_extrapolation_limit(2.0, 1.0, 1.0), 1.0);   // 2c₂ − c₁ = 3
  EXPECT_EQ(positive_extrapolation_limit(2.0, 2.0, 0.7), 0.7);   // no change at all
  EXPECT_EQ(positive_extrapolation_limit(1.0, 1.5, 1.0), 1.0);   // 2c₂ − c₁ = 0.5 ≥ 0
  EXPECT_NEAR(positive_extrapolation_limit(1.0, 4.0, 1.0), 1.0 / 3.0, 1e-12);  // binding: c₂ − θ·3 = 0
  EXPECT_EQ(extrapolated(1.0, 0.5, 1.0), 1.5);
  EXPECT_EQ(extrapolated(0.0, 3.0, positive_extrapolation_limit(0.0, 3.0, 1.0)), 0.0);
}

// ---- the extrapolated implicit Euler of order k ≥ 3 (host/step/extrapolated_step.hpp) ----------------

// Implicit Euler's global error expands in powers of dt, so c_n (n steps of dt/n) = c + Σ_j a_j (dt/n)^j:
// T = Σ w_n c_n is order k when Σ_n w_n n^{−j} = δ_j0 for j < k, and E = Σ e_n c_n must see the
// first term T′ (order k − 1) leaves: Σ e_n n^{−j} = 0 for j < k − 1, not 0 at j = k − 1.
TEST(ExtrapolatedEuler, WeightsCancelImplicitEulersLeadingErrorTermsAndTheEstimateSeesTheNext) {
  for (int k = 2; k <= 4; ++k) {
    const lactosim::step::RichardsonWeights w = lactosim::step::richardson_weights(k);
    ASSERT_EQ(int(w.extrapolated.size()), k);
    for (int j = 0; j < k; ++j) {
      double moment = 0, estimate_moment = 0;
      for (int n = 1; n <= k; ++n) {
        moment += w.extrapolated[n - 1] * std::pow(double(n), -j);
        estimate_moment += w.estimate[n - 1] * std::pow(double(n), -j);
      }
      EXPECT_NEAR(moment, j == 0 ? 1.0 : 0.0, 1e-13) << "k " << k << " j " << j;
      if (j < k - 1) EXPECT_NEAR(estimate_moment, 0.0, 1e-13) << "k " << k << " j " << j;
      else EXPECT_GT(std::abs(estimate_moment), 1e-3) << "k " << k;
    }
  }
  // The published weights (Hairer & Wanner II, §IV.9, harmonic sequence).
  const lactosim::step::RichardsonWeights w3 = lactosim::step::richardson_weights(3), w4 = lactosim::step::richardson_weights(4);
  EXPECT_NEAR(w3.extrapolated[0], 0.5, 1e-15);
  EXPECT_NEAR(w3.extrapolated[1], -4.0, 1e-15);
  EXPECT_NEAR(w3.extrapolated[2], 4.5, 1e-15);
  EXPECT_NEAR(w4.extrapolated[0], -1.0 / 6.0, 1e-15);
  EXPECT_NEAR(w4.extrapolated[3], 32.0 / 3.0, 1e-14);
  EXPECT_EQ(lactosim::step::richardson_weights(2).estimate, (std::vector<double>{-1.0, 1.0}));  // c₂ − c₁
}

// On a diffusion mode of rate λ (z = λ·dt) one step multiplies the amplitude by
// R(z) = Σ w_n (1 + z/n)^{−n}: it must stay inside (−1, 1) for every z > 0 (no mode grows or rings
// undamped, however stiff) and tend to 0 as z → ∞, and track e^{−z} to O(z^{k+1}) near 0.
TEST(ExtrapolatedEuler, AmplificationIsBelowOneOnDiffusionsEigenvalues) {
  for (int k = 2; k <= 4; ++k) {
    const lactosim::step::RichardsonWeights w = lactosim::step::richardson_weights(k);
    const auto R = [&](double z) {
      double r = 0;
      for (int n = 1; n <= k; ++n) r += w.extrapolated[n - 1] * std::pow(1.0 + z / n, -n);
      return r;
    };
    for (double lz = -3.0; lz <= 9.0; lz += 0.001) {
      const double z = std::pow(10.0, lz);
      ASSERT_LT(std::abs(R(z)), 1.0) << "k " << k << " z " << z;
    }
    EXPECT_LT(std::abs(R(1e9)), 1e-8) << k;
    // Local error ∝ z^{k+1}: halving z divides it by ~2^{k+1}.
    const double e1 = std::abs(R(0.02) - std::exp(-0.02)), e2 = std::abs(R(0.01) - std::exp(-0.01));
    EXPECT_NEAR(std::log2(e1 / e2), k + 1.0, 0.1) << k;
  }
}

// A voxel where every member is the same value (clamped, absent, padding) must come out exactly as it
// was: the sums are of differences against c₁, so they stay 0, and the coarse states equal c.
TEST(ExtrapolatedEuler, AVoxelWhereEveryMemberAgreesIsLeftExactlyAsItIs) {
  const lactosim::step::RichardsonWeights w = lactosim::step::richardson_weights(4);
  for (double c : {0.0, 1e-300, 0.1, 3.7, 140.0, 1e12}) {
    double t_sum = std::nan(""), e_sum = std::nan("");  // never read by the first call
    for (int n = 2; n <= 4; ++n) richardson_accumulate(n == 2, n == 4, w.extrapolated[n - 1], w.estimate[n - 1], c, c, t_sum, e_sum);
    EXPECT_EQ(t_sum, c);
    EXPECT_EQ(e_sum, c);
    EXPECT_EQ(extrapolated(c, t_sum, 1.0), c);
  }
}

// Against the weighted sums written out: the coarse states make c_k + θ(c_k − coarse) = c_k + θ(T − c_k)
// and c_k − coarse_E = E.
TEST(ExtrapolatedEuler, AccumulatedSumsGiveTheExtrapolatedValueAndTheEstimate) {
  const lactosim::step::RichardsonWeights w = lactosim::step::richardson_weights(3);
  const double c_n[3] = {1.30, 1.21, 1.19};
  double t_sum = 0, e_sum = 0;
  for (int n = 2; n <= 3; ++n)
    richardson_accumulate(n == 2, n == 3, w.extrapolated[n - 1], w.estimate[n - 1], c_n[n - 1], c_n[0], t_sum, e_sum);
  double T = 0, E = 0;
  for (int n = 1; n <= 3; ++n) T += w.extrapolated[n - 1] * c_n[n - 1], E += w.estimate[n - 1] * c_n[n - 1];
  EXPECT_NEAR(extrapolated(c_n[2], t_sum, 1.0), T, 1e-14);
  EXPECT_NEAR(extrapolated(c_n[2], t_sum, 0.5), c_n[2] + 0.5 * (T - c_n[2]), 1e-14);
  EXPECT_NEAR(c_n[2] - e_sum, E, 1e-14);
}
