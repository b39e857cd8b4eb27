// SPDX-License-Identifier: MIT
// The positivity limiter of the Richardson-extrapolated step (kernels/physics/extrapolation.hpp): the
// θ it returns keeps the extrapolated value ≥ 0 on every pair it sees, including the binding one,
// and leaves θ alone where the extrapolation moves away from zero.
#include <gtest/gtest.h>

#include <random>

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
