// SPDX-License-Identifier: MIT
// Milk-to-plasma ratio from areas under the curve and the whole-milk concentration
// (host/app/drug_exposure.hpp) on synthetic series with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "host/app/drug_exposure.hpp"
#include "host/plasma_pk.hpp"

using namespace lactosim;

namespace {

constexpr double hour = 3600.0;

PlasmaPk bolus(bool oral) {
  PlasmaPk pk;
  pk.V_m3 = 40e-3;
  pk.k10_per_s = 0.2 / hour;
  pk.ka_per_s = 0.7 / hour;
  pk.doses.push_back({0.0, 1e-3, oral});
  return pk;
}

// Uneven output intervals, as a run cut short or a changed output_interval_s would give.
std::vector<double> output_times() {
  std::vector<double> t = {0.0};
  for (int i = 1; t.back() < 200 * hour; ++i) t.push_back(t.back() + (i % 3 + 1) * 0.25 * hour);
  return t;
}

}  // namespace

TEST(ExposureAuc, MilkAProportionOfPlasmaGivesThatProportionWhateverTheIntervals) {
  const PlasmaPk plasma = bolus(false);
  ExposureAuc auc;
  const auto t = output_times();
  for (std::size_t i = 1; i < t.size(); ++i) {
    const double area = plasma.integral_mM_s(t[i - 1], t[i]);
    auc.add_interval(area, 0.3 * area / (t[i] - t[i - 1]), t[i] - t[i - 1]);  // milk mean = 0.3 × plasma mean
  }
  EXPECT_NEAR(auc.milk_to_plasma(), 0.3, 1e-14);
  EXPECT_NEAR(auc.plasma_mM_s, 1e-3 / 40e-3 / (0.2 / hour), 1e-12 * auc.plasma_mM_s);  // D/(V k) to ~∞
}

// A milk curve that lags the plasma (absorbed first, as an oral dose) but holds the same area: M/P from
// the areas is 1, although the ratio of the two concentrations runs from 0.31 at the first output
// (half an hour) to ka/(ka − k) = 1.4 late.
TEST(ExposureAuc, ALaggingMilkCurveWithThePlasmasAreaGivesOne) {
  const PlasmaPk plasma = bolus(false), milk = bolus(true);
  ExposureAuc auc;
  const auto t = output_times();
  double lowest = 1e300, highest = 0;
  for (std::size_t i = 1; i < t.size(); ++i) {
    const double dt = t[i] - t[i - 1];
    auc.add_interval(plasma.integral_mM_s(t[i - 1], t[i]), milk.integral_mM_s(t[i - 1], t[i]) / dt, dt);
    const double ratio = milk.concentration_mM(t[i]) / plasma.concentration_mM(t[i]);
    lowest = std::min(lowest, ratio), highest = std::max(highest, ratio);
  }
  EXPECT_NEAR(auc.milk_to_plasma(), 1.0, 1e-10);
  EXPECT_NEAR(lowest, 1.4 * (1 - std::exp(-0.5 * 0.5)), 1e-12);  // ka (1 − e^{−(ka − k) t})/(ka − k)
  EXPECT_NEAR(highest, 1.4, 1e-12);
}

TEST(ExposureAuc, NoPlasmaAreaYetGivesZero) {
  ExposureAuc auc;
  auc.add_interval(0.0, 0.5, 0.0);
  EXPECT_EQ(auc.milk_to_plasma(), 0.0);
}

TEST(WholeMilk, FatVolumeFractionAndPartitionByHand) {
  // 46 g/L of fat at 0.92 g/mL is 5 % of the volume; K = 10: whole = skim × (0.95 + 0.05 × 10).
  const double phi = fat_volume_fraction(46.0, 0.92);
  EXPECT_DOUBLE_EQ(phi, 0.05);
  EXPECT_DOUBLE_EQ(whole_milk_concentration(2.0, phi, 10.0), 2.0 * 1.45);
  EXPECT_DOUBLE_EQ(whole_milk_concentration(2.0, phi, 1.0), 2.0);  // K = 1: fat holds what water does
  EXPECT_DOUBLE_EQ(whole_milk_concentration(2.0, phi, 0.0), 2.0 * 0.95);  // excluded from fat
}

// Phenytoin (configs/scenarios/drug_transfer.ini): K = 10.1 at the model's 38 g/L milk fat gives
// skim/whole = 0.727 (Fleishaker et al. 1987), from which K was derived: a check of the arithmetic,
// not a validation.
TEST(WholeMilk, PhenytoinPartitionGivesFleishakersSkimToWholeRatio) {
  const double whole = whole_milk_concentration(1.0, fat_volume_fraction(38.0, 0.92), 10.1);
  EXPECT_NEAR(1.0 / whole, 0.727, 0.0005);
}
