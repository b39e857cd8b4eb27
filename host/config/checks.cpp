// SPDX-License-Identifier: MIT
#include "checks.hpp"

#include <algorithm>

#include "values.hpp"

namespace lactosim::config {

std::vector<const Section*> of_kind(const Sections& all, const std::string& kind) {
  std::vector<const Section*> out;
  for (const auto& s : all)
    if (s.kind == kind) out.push_back(&s);
  return out;
}

void require(bool ok, const Section& s, const std::string& key, const std::string& what) {
  if (!ok) fail(s.where(key), what);
}

double at_least(const Section& s, const std::string& key, double lo, bool strict) {
  const double x = s.get<double>(key);
  require(strict ? x > lo : x >= lo, s, key,
          std::string("must be ") + (strict ? "> " : ">= ") + format_number(lo) + ", got " +
              format_number(x));
  return x;
}

double within(const Section& s, const std::string& key, double lo, double hi, const std::string& why) {
  const double x = s.get<double>(key);
  require(x >= lo && x <= hi, s, key,
          "must be in [" + format_number(lo) + ", " + format_number(hi) + "], got " + format_number(x) +
              (why.empty() ? "" : " (" + why + ")"));
  return x;
}

Schedule factor_schedule(const Section& s, const std::string& key) {
  Schedule out = schedule(s, key);
  for (double v : out.value)
    require(v >= 0, s, key, "factors must be >= 0, got " + format_number(v));
  return out;
}

// One of a fixed set of words, "unknown <what> 'x' (expected: a, b)".
std::string choice(const Section& s, const std::string& key, const std::vector<std::string>& ok,
                   const std::string& what) {
  const std::string v = s.get<std::string>(key);
  require(std::find(ok.begin(), ok.end(), v) != ok.end(), s, key,
          "unknown " + what + " '" + v + "' (expected: " + join(ok) + ")");
  return v;
}

// A name another section declared, "unknown <what> 'x' (declared: a, b)"; returns its index.
int declared_index(const Section& s, const std::string& key, const std::string& value,
                   const std::vector<std::string>& names, const std::string& what) {
  const auto it = std::find(names.begin(), names.end(), value);
  if (it == names.end()) {
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    fail(s.where(key), "unknown " + what + " '" + value + "' (declared: " +
                           (sorted.empty() ? "none" : join(sorted)) + ")");
  }
  return int(it - names.begin());
}

Schedule schedule(const Section& s, const std::string& key) {
  if (!s.has(key)) return {};
  try {
    return parse_schedule_h(s.get<std::string>(key));
  } catch (const std::invalid_argument& e) {
    fail(s.where(key), e.what());
  }
}

std::vector<int> labels(const Section& s, const std::string& key) {
  const auto v = s.get<std::vector<int>>(key);
  for (int l : v)
    require(l >= 0 && l <= 255, s, key, "label " + std::to_string(l) + " out of range (0-255)");
  return v;
}

std::array<double, 3> point_m(const Section& s, const std::string& key) {
  require(s.has(key), s, key, "missing required key '" + key + "' for shape " +
                                  s.get<std::string>("shape"));
  const auto v = s.get<std::vector<double>>(key);
  require(v.size() == 3, s, key, "expected 3 numbers x y z, got " + std::to_string(v.size()));
  return {v[0] * 1e-6, v[1] * 1e-6, v[2] * 1e-6};
}

void not_used(const Section& s, const std::string& key, const std::string& why) {
  require(!s.has(key), s, key, "not used " + why);
}

std::vector<RegionOverride> region_overrides(const Section& s, const Model& m) {
  std::vector<RegionOverride> out;
  for (std::size_t r = 0; r < m.regions.size(); ++r) {
    const std::string key = "region." + m.regions[r].name;
    if (!s.has(key)) continue;
    require(out.size() < std::size_t(physics::max_region_overrides), s, key,
            "more than " + std::to_string(physics::max_region_overrides) + " region factors");
    out.push_back({int(r), at_least(s, key, 0, false)});
  }
  return out;
}

void missing(const Section& s, const std::string& key, const std::string& why) {
  if (!s.has(key)) fail(s.header, "missing required key '" + key + "' (" + why + ")");
}

std::vector<std::string> species_names(const Model& m) {
  std::vector<std::string> out;
  for (const auto& s : m.species) out.push_back(s.name);
  return out;
}

}  // namespace lactosim::config
