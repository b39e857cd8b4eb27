// SPDX-License-Identifier: MIT
// The declared keys of every section kind (DESIGN §5, STYLE "config that explains itself"): one
// Boost.Program_options description per section, typed, with defaults and units in key names or help.
// Sections the user names ([species.Na], [transporter.GLUT1]) get keys built from the declared
// compartment and region names, e.g. species.Na.D_um2_per_s.<compartment>.
#pragma once
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace lactosim::config {

enum class ValueType { number, integer, boolean, text, numbers, integers, texts, schedule, other };

struct OptionInfo {
  std::string key;           // full key: "species.Na.charge"
  ValueType type = ValueType::other;
  std::string default_text;  // "" = no default
  std::string help;
  bool required = false;
};

// Keys that exist once per declared name, so an unknown one can say which names exist.
struct KeyFamily {
  std::string prefix;  // full key prefix, "species.Na.D_um2_per_s."
  std::string what;    // "compartment"
  std::vector<std::string> names;
};

struct SectionSchema {
  boost::program_options::options_description desc;
  std::vector<OptionInfo> options;
  std::vector<KeyFamily> families;
  const OptionInfo* find(const std::string& full_key) const;
};

// Names the other sections declare, from which per-name keys are built.
struct Declared {
  std::vector<std::string> compartments, regions;
};

bool is_section_kind(const std::string& kind);
bool is_named_kind(const std::string& kind);  // [species.NAME]-like, as opposed to [run]
std::vector<std::string> section_kinds();
SectionSchema section_schema(const std::string& kind, const std::string& name, const Declared& d);
std::string describe_type(ValueType t);  // "a number", "a list of integers", …
bool is_list(ValueType t);

}  // namespace lactosim::config
