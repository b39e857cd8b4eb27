// SPDX-License-Identifier: MIT
#include "model.hpp"

namespace lactosim {

std::string SourceLocation::str() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  if (!key.empty()) s += ": " + key;
  return s;
}

int Model::compartment_index(const std::string& name) const {
  for (std::size_t i = 0; i < compartments.size(); ++i)
    if (compartments[i].name == name) return int(i);
  return -1;
}

int Model::species_index(const std::string& name) const {
  for (std::size_t i = 0; i < species.size(); ++i)
    if (species[i].name == name) return int(i);
  return -1;
}

}  // namespace lactosim
