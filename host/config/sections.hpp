// SPDX-License-Identifier: MIT
// Internal to host/config: the merged sections after every file and override, each validated into a
// Boost variables_map, and the step that turns them into the SI Model.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "config.hpp"
#include "ini_reader.hpp"
#include "schema.hpp"

namespace lactosim::config {

struct Section {
  std::string kind, name;  // name empty for [run], [model], [geometry]
  SourceLocation header;   // first `[...]` line that opened it; missing keys are cited here
  std::vector<Entry> entries;  // effective values, later sources having replaced earlier ones
  std::shared_ptr<SectionSchema> schema;
  boost::program_options::variables_map vm;

  std::string full() const { return name.empty() ? kind : kind + "." + name; }
  std::string full_key(const std::string& key) const { return full() + "." + key; }
  // Set by a file or the command line (not merely defaulted).
  bool has(const std::string& key) const;
  // Where `key` was set, or the section header (with the key named) when it was not.
  SourceLocation where(const std::string& key) const;
  template <class T>
  T get(const std::string& key) const {
    return vm.at(full_key(key)).as<T>();
  }
};

// Sections → Model (all SI), checking ranges and cross-references; throws ConfigError.
Model build_model(const std::vector<Section>& sections);

}  // namespace lactosim::config
