// SPDX-License-Identifier: MIT
#pragma once
#include <string>
#include <vector>

namespace lactosim {

// `lactosim mesh CONFIG... --out FILE.vti`: the configuration's geometry as a label volume for
// ParaView, with its derived-field summary printed and written beside it as FILE.json, and the
// apical and basolateral membranes as surfaces in FILE_surfaces.vtp.
int mesh_command(const std::vector<std::string>& config_files, const std::vector<std::string>& overrides,
                 const std::string& out_path);

}  // namespace lactosim
