// SPDX-License-Identifier: MIT
// --overwrite deletes only what lactosim wrote (issue #18 item 6), through the real binary. Found by a
// user: `lactosim run cfg/run.ini --out cfg --overwrite` deleted cfg/alveolus.vti, the geometry that
// config imports, because it ended in .vti.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"

namespace lactosim {
namespace {

using cli_testing::CliFolder;
using cli_testing::Result;
using cli_testing::run_lactosim;
using cli_testing::slurp;
namespace fs = std::filesystem;

const std::string short_run = "run --run.end_time_s=0.02 --run.output_interval_s=0.01 --quiet";

// Every file in `dir` (recursively) with its content.
std::map<std::string, std::string> contents(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = slurp(e.path());
  return files;
}

class OutputFolderCli : public CliFolder {};

TEST_F(OutputFolderCli, OverwriteOnAFolderWithAForeignFileIsRefusedNamingItAndDeletesNothing) {
  ASSERT_EQ(run_lactosim(short_run + " --out out", dir_).exit_code, 0);
  write("out/notes.txt", "my notes\n");
  write("out/my.vti", "looks like ours, is not\n");
  const auto before = contents(dir_ / "out");
  const Result r = run_lactosim(short_run + " --out out --overwrite", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("holds 2 entries lactosim did not write: 'my.vti', 'notes.txt'"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("nothing was deleted"), std::string::npos) << r.output;
  EXPECT_EQ(contents(dir_ / "out"), before);
}

TEST_F(OutputFolderCli, OverwriteReplacesAPreviousRunsOutputsListedInItsManifest) {
  ASSERT_EQ(run_lactosim(short_run + " --out out", dir_).exit_code, 0);  // 3 snapshots
  EXPECT_TRUE(fs::exists(dir_ / "out" / "lactosim_000002.vti"));
  const Result r = run_lactosim("run --run.end_time_s=0.01 --run.output_interval_s=0.01 --quiet --out out "
                                "--overwrite", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "lactosim_000002.vti")) << "the old run's last snapshot is left";
  EXPECT_EQ(slurp(dir_ / "out" / "lactosim.pvd").find("lactosim_000002.vti"), std::string::npos);
  // The manifest names exactly what is in the folder now.
  const auto manifest = nlohmann::json::parse(slurp(dir_ / "out" / "lactosim-manifest.json"));
  std::set<std::string> listed{"lactosim-manifest.json"}, present;
  for (const auto& name : manifest.at("names")) listed.insert(name.get<std::string>());
  for (const auto& e : fs::directory_iterator(dir_ / "out")) present.insert(e.path().filename().string());
  EXPECT_EQ(listed, present);
}

TEST_F(OutputFolderCli, OutIsRefusedWhenItIsTheFolderOfAConfigOrOfAnImportedVolume) {
  // The user's layout: cfg/run.ini imports vols/alveolus.vti.
  const fs::path sample = fs::path(LACTOSIM_SOURCE_DIR) / "meshes" / "samples" / "alveolus.vti";
  fs::create_directories(dir_ / "vols");
  fs::copy_file(sample, dir_ / "vols" / "alveolus.vti");
  std::string ini = slurp(fs::path(LACTOSIM_SOURCE_DIR) / "configs" / "examples" / "imported_alveolus.ini");
  const std::string line = "file = ../../meshes/samples/alveolus.vti";
  ASSERT_NE(ini.find(line), std::string::npos) << "the example config changed";
  ini.replace(ini.find(line), line.size(), "file = ../vols/alveolus.vti");
  write("cfg/run.ini", ini);
  const auto before = contents(dir_);

  Result r = run_lactosim("run cfg/run.ini --run.end_time_s=0.01 --quiet --out cfg --overwrite", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("output folder 'cfg' is the folder of the input 'cfg/run.ini'"), std::string::npos)
      << r.output;
  r = run_lactosim("run cfg/run.ini --run.end_time_s=0.01 --quiet --out vols/ --overwrite", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("output folder 'vols/' is the folder of the input"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("alveolus.vti"), std::string::npos) << r.output;

  auto after = contents(dir_);
  after.erase("lactosim.log");
  EXPECT_EQ(after, before) << "an input was touched";
}

}  // namespace
}  // namespace lactosim
