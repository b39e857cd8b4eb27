// SPDX-License-Identifier: MIT
// The corpus in tests/bad_configs/: every file there must fail with one message that contains its
// `# expect:` line. Adding a case is adding a file (tests/bad_configs/README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "host/config/config.hpp"
#include "host/config/schema.hpp"

namespace fs = std::filesystem;

namespace {

struct BadCase {
  std::string expect;
  std::vector<std::string> files, overrides;
};

// Reads the directives of the leading comment block: expect, over, then, override.
BadCase read_case(const fs::path& file) {
  BadCase c;
  const fs::path dir = file.parent_path();
  std::ifstream in(file);
  std::string line;
  std::vector<std::string> after;
  bool over_default = false;
  while (std::getline(in, line) && line.rfind("# ", 0) == 0) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string what = line.substr(2, colon - 2), arg = line.substr(colon + 2);
    if (what == "expect") c.expect = arg;
    else if (what == "over" && arg == "default") over_default = true;
    else if (what == "then") after.push_back((dir / arg).string());
    else if (what == "override") c.overrides.push_back(arg);
  }
  if (over_default) c.files.push_back(std::string(LACTOSIM_SOURCE_DIR) + "/configs/default.ini");
  c.files.push_back(file.string());
  c.files.insert(c.files.end(), after.begin(), after.end());
  return c;
}

}  // namespace

TEST(ConfigErrors, EveryBadConfigFailsWithItsExpectedMessage) {
  const fs::path dir = fs::path(LACTOSIM_SOURCE_DIR) / "tests" / "bad_configs";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".ini") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 13u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    const BadCase c = read_case(f);
    ASSERT_FALSE(c.expect.empty()) << "no '# expect: ...' line";
    try {
      lactosim::config::load_config(c.files, c.overrides);
      ADD_FAILURE() << "loaded without error";
    } catch (const lactosim::config::ConfigError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(c.expect), std::string::npos) << "got: " << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    }
  }
}

TEST(ConfigErrors, UnknownKeyNamesFileLineAndKey) {
  try {
    lactosim::config::load_config({}, {"run.end_tme_s=5"});
    FAIL() << "no error";
  } catch (const lactosim::config::ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "<command line>: run.end_tme_s: unknown key (did you mean run.end_time_s?)");
  }
}

TEST(ConfigErrors, MissingFileIsNamed) {
  try {
    lactosim::config::load_config({"missing.ini"}, {});
    FAIL() << "no error";
  } catch (const lactosim::config::ConfigError& e) {
    EXPECT_STREQ(e.what(), "missing.ini: cannot open config file");
  }
}

// The finiteness check sits where every value is typed (load_config.cpp, validate), so no numeric
// key can escape it: each one of every section of the default model, a region and the geometry,
// set to inf and to nan on the command line, is refused at that key.
TEST(ConfigErrors, EveryNumericKeyRefusesInfinityAndNan) {
  namespace cfg = lactosim::config;
  namespace po = boost::program_options;
  const fs::path region = fs::temp_directory_path() / "lactosim_finite_region.ini";
  std::ofstream(region) << "[region.spot]\nshape = sphere\ncenter_um = 0 0 0\nradius_um = 5\n";
  const std::vector<std::string> files = {
      std::string(LACTOSIM_SOURCE_DIR) + "/configs/default.ini", region.string()};
  const cfg::LoadedConfig base = cfg::load_config(files, {});
  cfg::Declared declared;
  for (const auto& c : base.model.compartments) declared.compartments.push_back(c.name);
  for (const auto& r : base.model.regions) declared.regions.push_back(r.name);
  std::set<std::string> sections;
  for (const auto& e : base.resolved) sections.insert(e.section);
  sections.insert("region.spot");
  int numeric = 0;
  for (const std::string& section : sections) {
    const auto dot = section.find('.');
    const std::string kind = section.substr(0, dot);
    const std::string name = dot == std::string::npos ? "" : section.substr(dot + 1);
    const cfg::SectionSchema schema = cfg::section_schema(kind, name, declared);
    for (const auto& o : schema.options) {
      const po::value_semantic* v = schema.desc.find(o.key, false).semantic().get();
      const bool is_numeric = dynamic_cast<const po::typed_value<double>*>(v) ||
                              dynamic_cast<const po::typed_value<std::vector<double>>*>(v);
      if (!is_numeric) continue;
      ++numeric;
      for (const std::string bad : {"inf", "nan", "-inf"}) {
        SCOPED_TRACE(o.key + "=" + bad);
        try {
          cfg::load_config(files, {o.key + "=" + bad});
          ADD_FAILURE() << "loaded without error";
        } catch (const cfg::ConfigError& e) {
          EXPECT_STREQ(e.what(), ("<command line>: " + o.key + ": must be a finite number, got '" +
                                  bad + "'").c_str());
        }
      }
    }
  }
  EXPECT_GE(numeric, 100);
  fs::remove(region);
}

// The configs the fuzz target found (tests/fuzz/regressions/config/, named by libFuzzer for what
// they did) load or fail with a ConfigError, as lactosim_fuzz_config runs them.
TEST(ConfigErrors, EveryFuzzFoundConfigEndsWithAConfigError) {
  const fs::path dir = fs::path(LACTOSIM_SOURCE_DIR) / "tests" / "fuzz" / "regressions" / "config";
  int checked = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    SCOPED_TRACE(e.path().string());
    try {
      lactosim::config::load_config({e.path().string()}, {});
    } catch (const lactosim::config::ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(e.path().filename().string()), std::string::npos) << error.what();
    }
    ++checked;
  }
  EXPECT_GE(checked, 1);
}
