// SPDX-License-Identifier: MIT
// The corpus in tests/bad_configs/cli/: configurations that pass load_config but describe a geometry
// that cannot be built. Each runs through the real `lactosim` binary (mesh and/or run) and must fail
// with exit status 1, one error line containing every `# expect:` text, and no label volume written.
// Adding a case is adding a file (tests/bad_configs/cli/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct CliCase {
  std::vector<std::string> expect, commands, files;
  std::string args;
};

CliCase read_case(const fs::path& file) {
  CliCase c;
  std::ifstream in(file);
  std::string line;
  bool over_default = false;
  while (std::getline(in, line) && line.rfind("# ", 0) == 0) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string what = line.substr(2, colon - 2), arg = line.substr(colon + 2);
    if (what == "expect") c.expect.push_back(arg);
    else if (what == "over" && arg == "default") over_default = true;
    else if (what == "args") c.args += " " + arg;
    else if (what == "command") {
      std::istringstream words(arg);
      for (std::string w; words >> w;) c.commands.push_back(w);
    }
  }
  if (c.commands.empty()) c.commands.push_back("mesh");
  if (over_default) c.files.push_back(std::string(LACTOSIM_SOURCE_DIR) + "/configs/default.ini");
  c.files.push_back(file.string());
  return c;
}

struct Result {
  int exit_code;
  std::string output;
};

Result run_lactosim(const std::string& args, const fs::path& workdir) {
  const fs::path log = workdir / "lactosim.log";
  const std::string command = "cd '" + workdir.string() + "' && '" + std::string(LACTOSIM_BINARY) + "' " +
                              args + " > '" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

std::vector<std::string> lines_with(const std::string& text, const std::string& word) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(word) != std::string::npos) found.push_back(line);
  return found;
}

}  // namespace

TEST(BadInputs, EveryCaseFailsWithItsExpectedMessage) {
  const fs::path dir = fs::path(LACTOSIM_SOURCE_DIR) / "tests" / "bad_configs" / "cli";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".ini") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << dir;
  const fs::path work = fs::temp_directory_path() / "lactosim_bad_inputs";
  for (const auto& f : files) {
    const CliCase c = read_case(f);
    ASSERT_FALSE(c.expect.empty()) << f << ": no '# expect: ...' line";
    for (const std::string& command : c.commands) {
      SCOPED_TRACE(f.filename().string() + " via lactosim " + command);
      fs::remove_all(work);
      fs::create_directories(work);
      std::string args = command;
      for (const auto& file : c.files) args += " '" + file + "'";
      args += c.args + (command == "mesh" ? " --out mesh.vti" : " --quiet --out out");
      const Result r = run_lactosim(args, work);
      EXPECT_EQ(r.exit_code, 1) << r.output;
      const auto errors = lines_with(r.output, "error");
      ASSERT_EQ(errors.size(), 1u) << "one error line expected:\n" << r.output;
      for (const auto& text : c.expect) EXPECT_NE(errors[0].find(text), std::string::npos) << "got: " << errors[0];
      EXPECT_FALSE(fs::exists(work / "mesh.vti")) << "a label volume was written";
      EXPECT_FALSE(fs::exists(work / "out" / "lactosim.pvd")) << "a time series was written";
    }
  }
  fs::remove_all(work);
}
