// SPDX-License-Identifier: MIT
// Internal to host/config: checks shared by the model builders. Each failing check throws the one
// ConfigError, citing where the key was set (or its section header when it was not).
#pragma once
#include <array>
#include <string>
#include <vector>

#include "sections.hpp"

namespace lactosim::config {

using Sections = std::vector<Section>;

std::vector<const Section*> of_kind(const Sections& all, const std::string& kind);
void require(bool ok, const Section& s, const std::string& key, const std::string& what);
// x > lo (strict) or x >= lo, else "must be > lo, got x".
double at_least(const Section& s, const std::string& key, double lo, bool strict);
// lo <= x <= hi, else "must be in [lo, hi], got x" (+ why, when given).
double within(const Section& s, const std::string& key, double lo, double hi, const std::string& why = "");
// A rate multiplier vs time (transporters, reactions): factors >= 0. Empty when unset.
Schedule factor_schedule(const Section& s, const std::string& key);
// One of a fixed set of words: "unknown <what> 'x' (expected: a, b)".
std::string choice(const Section& s, const std::string& key, const std::vector<std::string>& ok,
                   const std::string& what);
// A name another section declared, "unknown <what> 'x' (declared: a, b)"; returns its index.
int declared_index(const Section& s, const std::string& key, const std::string& value,
                   const std::vector<std::string>& names, const std::string& what);
Schedule schedule(const Section& s, const std::string& key);  // empty when unset
std::vector<int> labels(const Section& s, const std::string& key);
std::array<double, 3> point_m(const Section& s, const std::string& key);  // µm → m
void not_used(const Section& s, const std::string& key, const std::string& why);
std::vector<RegionOverride> region_overrides(const Section& s, const Model& m);
// A key required only in some configurations (kind-dependent); cited at the section header.
void missing(const Section& s, const std::string& key, const std::string& why);
std::vector<std::string> species_names(const Model& m);

// build_processes.cpp: need compartments, membranes, species and regions already built.
void transporters(const Sections& all, Model& m);
void reactions(const Sections& all, Model& m);

}  // namespace lactosim::config
