// SPDX-License-Identifier: MIT
// Driving the real `lactosim` binary from a test: a scratch folder per test, the command's exit
// status and its stdout and stderr together, whole-file reads.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lactosim::cli_testing {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr together
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline Result run_lactosim(const std::string& args, const fs::path& workdir) {
  const fs::path log = workdir / "lactosim.log";
  const std::string command = "cd '" + workdir.string() + "' && '" + std::string(LACTOSIM_BINARY) + "' " +
                              args + " > '" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(log)};
}

#ifdef LACTOSIM_MPIEXEC
// The binary under mpiexec: oversubscribed (a 2-core machine), root allowed (CI runs as root), one
// OpenMP thread per rank.
inline Result run_on_ranks(int ranks, const std::string& args, const fs::path& workdir) {
  const fs::path log = workdir / ("mpiexec_" + std::to_string(ranks) + ".log");
  const std::string command = "cd '" + workdir.string() + "' && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                              "OMP_NUM_THREADS=1 '" LACTOSIM_MPIEXEC "' -n " + std::to_string(ranks) +
                              " --oversubscribe '" + std::string(LACTOSIM_BINARY) + "' " + args + " > '" +
                              log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(log)};
}
#endif

// A fresh folder named after the test, removed afterwards.
class CliFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lactosim_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

}  // namespace lactosim::cli_testing
