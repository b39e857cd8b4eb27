// SPDX-License-Identifier: MIT
// Physical constants, SI (CODATA 2018 exact values).
#pragma once
namespace lactosim::physics {
inline constexpr double faraday_C_per_mol = 96485.33212;
inline constexpr double gas_constant_J_per_mol_K = 8.314462618;
inline constexpr double body_temperature_K = 310.15;  // 37 °C
}  // namespace lactosim::physics
