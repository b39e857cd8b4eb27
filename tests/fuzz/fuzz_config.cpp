// SPDX-License-Identifier: MIT
// libFuzzer target: the INI reader and the config builder, as `lactosim run` calls them
// (load_config with Use::run). The input is a config file; the lines after a line `--` are
// command-line overrides (`section.key=value`). Every input must load or be refused with a
// ConfigError: another exception (a bare std::bad_alloc, a std::stod message), a crash, a hang or a
// sanitizer report is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "host/config/config.hpp"

namespace fs = std::filesystem;

namespace {
// <tmp>/lactosim_fuzz_config_<pid>/configs/examples/fuzz.ini beside a link to the source's meshes/,
// so the seeds' relative volume paths (../../meshes/samples/…) resolve as from configs/examples/.
fs::path config_file;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const fs::path root = fs::temp_directory_path() / ("lactosim_fuzz_config_" + std::to_string(::getpid()));
  fs::create_directories(root / "configs" / "examples");
  std::error_code ec;
  fs::create_directory_symlink(fs::path(LACTOSIM_SOURCE_DIR) / "meshes", root / "meshes", ec);
  config_file = root / "configs" / "examples" / "fuzz.ini";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  const auto cut = text.find("\n--\n");
  if (cut != std::string::npos) {
    std::istringstream rest(text.substr(cut + 4));
    for (std::string line; std::getline(rest, line);)
      if (!line.empty()) overrides.push_back(line);
    text.resize(cut + 1);
  }
  {
    std::ofstream out(config_file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), std::streamsize(text.size()));
  }
  try {
    lactosim::config::load_config({config_file.string()}, overrides, lactosim::config::Use::run);
  } catch (const lactosim::config::ConfigError&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "load_config threw a non-ConfigError exception: %s\n", e.what());
    std::abort();
  }
  return 0;
}
