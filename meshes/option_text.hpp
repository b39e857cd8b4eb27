// SPDX-License-Identifier: MIT
// Defaults of [geometry] keys as a user would type them ("0.4", "true"), not Boost's lexical form
// ("0.40000000000000002", "1"): they appear in `lactosim config --list`, docs/configuration.md and
// the resolved configuration in run.json.
#pragma once
#include <cstdio>
#include <string>

namespace lactosim::mesh {

inline std::string default_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", v);
  return text;
}
inline std::string default_text(bool v) { return v ? "true" : "false"; }

}  // namespace lactosim::mesh
