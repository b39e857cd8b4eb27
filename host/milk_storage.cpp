// SPDX-License-Identifier: MIT
#include "milk_storage.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace lactosim {

double domain_tissue_g(const kernels::Problem& p, double tissue_density_g_per_mL) {
  long modelled = 0;  // voxels in a compartment (stroma and the halo are not)
  for (std::int8_t c : p.compartment) modelled += c >= 0;
  const double h = p.block.h_m;
  constexpr double mL_per_m3 = 1e6;
  return double(modelled) * h * h * h * mL_per_m3 * tissue_density_g_per_mL;
}

MilkStore::MilkStore(const MilkStorage& params, double gland_scale, int n_species)
    : params_(params), scale_(gland_scale) {
  if (!(gland_scale > 0.0) || !std::isfinite(gland_scale))
    throw std::runtime_error("[storage]: needs the gland scaling ([model] secretory_tissue_g > 0) to give the domain "
                             "its share of the gland's storage");
  capacity_m3_ = params_.capacity_m3 / scale_;
  state_.volume_m3 = params_.initial_fullness * capacity_m3_;
  state_.amount_mol.assign(n_species, 0.0);
  state_.inflow_mol.assign(n_species, 0.0);
  state_.ejected_mol.assign(n_species, 0.0);
}

double MilkStore::fullness() const { return std::clamp(state_.volume_m3 / capacity_m3_, 0.0, 1.0); }

bool MilkStore::feeding(double t) const {
  const double d = params_.feed_duration_s;
  if (!params_.feed_times_s.empty()) {
    for (double start : params_.feed_times_s)
      if (t >= start && t < start + d) return true;
    return false;
  }
  if (t < params_.first_feed_s) return false;
  const double since = std::fmod(t - params_.first_feed_s, params_.feed_interval_s);
  return since < d;
}

double MilkStore::next_feed_boundary(double t) const {
  const double d = params_.feed_duration_s;
  double next = std::numeric_limits<double>::infinity();
  const auto consider = [&](double start) {
    if (start > t) next = std::min(next, start);
    if (start + d > t) next = std::min(next, start + d);
  };
  if (!params_.feed_times_s.empty()) {
    for (double start : params_.feed_times_s) consider(start);
    return next;
  }
  const double I = params_.feed_interval_s, first = params_.first_feed_s;
  const double k = t < first ? 0.0 : std::floor((t - first) / I);
  consider(first + k * I);
  consider(first + (k + 1) * I);
  return next;
}

double MilkStore::pressure_Pa(double t) const {
  const double p_full = params_.full_pressure_Pa + (feeding(t) ? params_.ejection_pressure_rise_Pa : 0.0);
  return store_pressure_Pa(state_.volume_m3, capacity_m3_, p_full);
}

double MilkStore::synthesis_factor() const { return 1.0 - (1.0 - params_.synthesis_factor_full) * fullness(); }

double MilkStore::ejection_time_constant_s() const {
  // R·C_feed, at the gland's scale or the domain's alike: (R·scale)·(V_cap/scale)/(p_full + Δp).
  return params_.outflow_resistance_Pa_s_per_m3 * params_.capacity_m3 /
         (params_.full_pressure_Pa + params_.ejection_pressure_rise_Pa);
}

void MilkStore::add_step(double t0, double t1, double water_in_m3, const std::vector<double>& solutes_in_mol) {
  const double dt = t1 - t0;
  const double volume0 = state_.volume_m3;
  double ejected = 0.0;
  if (dt > 0.0) {
    // dV/dt = Q_in − V/τ in a feed, Q_in between feeds; Q_in constant over the step. Piece by piece
    // between feed boundaries, each exactly: V(t) = Q_in τ + (V₀ − Q_in τ) e^{−t/τ}; a feed piece
    // ejects what came in and is no longer there.
    const double q_in = water_in_m3 / dt, tau = ejection_time_constant_s();
    double V = volume0, t = t0;
    while (t < t1) {
      double end = std::min(t1, next_feed_boundary(t));
      if (!(end > t)) end = t1;  // (a boundary lost to rounding: the rest of the step as one piece)
      const double piece = end - t;
      if (feeding(t) && tau > 0.0) {
        const double after = q_in * tau + (V - q_in * tau) * std::exp(-piece / tau);
        ejected += V + q_in * piece - after;
        V = after;
      } else {
        V += q_in * piece;
      }
      t = end;
    }
  }
  // The solutes: the step's inflow mixed in, then a feed takes that fraction of the mixed milk. The
  // volume from the same sums, so the store's balance closes to round-off.
  const double held = volume0 + water_in_m3;
  const double fraction = held > 0.0 && ejected > 0.0 ? std::min(1.0, ejected / held) : 0.0;
  state_.volume_m3 = held - ejected;
  state_.inflow_m3 += water_in_m3;
  state_.ejected_m3 += ejected;
  for (std::size_t s = 0; s < state_.amount_mol.size() && s < solutes_in_mol.size(); ++s) {
    const double mixed = state_.amount_mol[s] + solutes_in_mol[s];
    const double out = fraction * mixed;
    state_.amount_mol[s] = mixed - out;
    state_.inflow_mol[s] += solutes_in_mol[s];
    state_.ejected_mol[s] += out;
  }
}

double store_balance_error_relative(const MilkStorage& params, const MilkStore& store) {
  const StoreState& s = store.state();
  const double v0 = params.initial_fullness * store.capacity_m3();
  const double scale = std::max({std::abs(s.inflow_m3), std::abs(s.ejected_m3), v0});
  return scale > 0.0 ? (s.volume_m3 - v0 - s.inflow_m3 + s.ejected_m3) / scale : 0.0;
}

void MilkStore::restore(const StoreState& s) {
  const std::size_t ns = state_.amount_mol.size();
  if (s.amount_mol.size() != ns || s.inflow_mol.size() != ns || s.ejected_mol.size() != ns)
    throw std::invalid_argument("restore: the milk store has " + std::to_string(s.amount_mol.size()) +
                                " species, this model " + std::to_string(ns));
  state_ = s;
}

}  // namespace lactosim
