// SPDX-License-Identifier: MIT
#include "host/io/output_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "io_test_support.hpp"

namespace lactosim::io {
namespace {

namespace fs = std::filesystem;
using testing::names_in;
using testing::ScratchDir;
using testing::write_plain_file;

std::string error_of(const std::string& dir, bool overwrite, std::uintmax_t bytes) {
  try {
    prepare_output_directory(dir, overwrite, bytes);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(OutputDirectory, ARestartClearsTheKilledRunsTemporariesAndKeepsEverythingElse) {
  ScratchDir dir;
  const std::string out = dir / "out";
  fs::create_directories(out);
  {
    OutputManifest manifest(out);
    manifest.add("run.json");
    manifest.add("timeseries.csv");
  }
  write_plain_file(dir / "out/run.json", "{}");
  write_plain_file(dir / "out/.run.json.tmp.123", "half");                 // killed mid-write
  write_plain_file(dir / "out/.lactosim-write-probe.tmp.7", "lactosim");   // killed mid-check
  write_plain_file(dir / "out/notes.txt", "the user's");
  const OutputManifest resumed = resume_output_directory(out);
  EXPECT_EQ(resumed.names(), (std::vector<std::string>{"run.json", "timeseries.csv"}));
  EXPECT_EQ(names_in(dir / "out"), (std::set<std::string>{"lactosim-manifest.json", "run.json", "notes.txt"}));
  // A folder lactosim did not write is no run to continue.
  fs::create_directories(dir / "foreign");
  EXPECT_THROW(resume_output_directory(dir / "foreign"), std::runtime_error);
}

TEST(OutputDirectory, CreatesAMissingFolderWithItsParents) {
  ScratchDir dir;
  prepare_output_directory(dir / "a/b/out", false, 1000);
  EXPECT_TRUE(fs::is_directory(dir / "a/b/out"));
  EXPECT_TRUE(names_in(dir / "a/b/out").empty()) << "the write probe was left behind";
}

TEST(OutputDirectory, AcceptsAnExistingEmptyFolder) {
  ScratchDir dir;
  EXPECT_NO_THROW(prepare_output_directory(dir.path().string(), false, 0));
}

TEST(OutputDirectory, RefusesNonEmptyFolderWithoutOverwrite) {
  ScratchDir dir;
  write_plain_file(dir / "lactosim.pvd", "x");
  write_plain_file(dir / "notes.txt", "x");
  const std::string out = dir.path().string();
  EXPECT_EQ(error_of(out, false, 0), "output folder '" + out +
                                         "' is not empty (2 entries); pass --overwrite or choose "
                                         "another --out");
  EXPECT_EQ(names_in(dir.path()).size(), 2u);
}

// A previous run's folder: what its manifest lists goes, with the temporaries of those names.
TEST(OutputDirectory, OverwriteRemovesWhatTheManifestListsAndThenTheManifest) {
  ScratchDir dir;
  OutputManifest manifest(dir.path().string());
  for (const char* own : {"run.json", "lactosim.pvd", "timeseries.csv", "lactosim_000000.vti", "checkpoints"})
    manifest.add(own);
  for (const char* own : {"run.json", "lactosim.pvd", "timeseries.csv", "lactosim_000000.vti",
                          ".lactosim_000001.vti.tmp.1234.0", ".lactosim-write-probe.tmp.99.0"})
    write_plain_file(dir / own, "old run");
  fs::create_directories(dir / "checkpoints/sub");
  write_plain_file(dir / "checkpoints/sub/ck.bin", "old");
  manifest.add("lactosim_000001.vti");  // recorded before its temporary was made; killed before the rename
  EXPECT_EQ(names_in(dir.path()).count(manifest_name), 1u);

  prepare_output_directory(dir.path().string(), true, 0);
  EXPECT_TRUE(names_in(dir.path()).empty());
}

TEST(OutputDirectory, OverwriteRefusesAFolderHoldingAnythingTheManifestDoesNotListAndDeletesNothing) {
  ScratchDir dir;
  OutputManifest manifest(dir.path().string());
  manifest.add("run.json");
  write_plain_file(dir / "run.json", "old run");
  // Names that look like lactosim's are not lactosim's unless listed.
  const char* users[] = {"alveolus.vti", "timeseries.csv", ".notes.txt.tmp.1.0"};
  for (const char* user : users) write_plain_file(dir / user, "mine");
  fs::create_directories(dir / "analysis");
  const std::set<std::string> before = names_in(dir.path());
  const std::string message = error_of(dir.path().string(), true, 0);
  EXPECT_NE(message.find("holds 4 entries lactosim did not write: '.notes.txt.tmp.1.0', 'alveolus.vti', "
                         "'analysis', 'timeseries.csv'; --overwrite deletes only what lactosim wrote, so "
                         "nothing was deleted"),
            std::string::npos)
      << message;
  EXPECT_EQ(names_in(dir.path()), before);
}

TEST(OutputDirectory, OverwriteRefusesAFolderWithoutAManifestSayingSo) {
  ScratchDir dir;
  write_plain_file(dir / "lactosim.pvd", "from a lactosim before manifests, or not");
  const std::string message = error_of(dir.path().string(), true, 0);
  EXPECT_NE(message.find("'lactosim.pvd' (the folder has no lactosim-manifest.json: it is not a lactosim "
                         "output folder)"),
            std::string::npos)
      << message;
  EXPECT_TRUE(fs::exists(dir / "lactosim.pvd"));
}

TEST(OutputDirectory, AManifestListingAPathOutsideTheFolderIsRefused) {
  ScratchDir dir;
  fs::create_directories(dir / "out");
  write_plain_file(dir / "precious.txt", "keep");
  write_plain_file(dir / "out/lactosim-manifest.json", "{\"names\": [\"../precious.txt\"]}");
  const std::string message = error_of(dir / "out", true, 0);
  EXPECT_NE(message.find("lists '../precious.txt', which is not a name inside the folder"), std::string::npos)
      << message;
  EXPECT_TRUE(fs::exists(dir / "precious.txt"));
  write_plain_file(dir / "out/lactosim-manifest.json", "{\"names\": ");
  EXPECT_NE(error_of(dir / "out", true, 0).find("is not a lactosim manifest"), std::string::npos);
}

// A user may link checkpoints/ to a scratch disk: the link goes, what it points to is left alone.
TEST(OutputDirectory, OverwriteNeverFollowsALinkedCheckpointsFolder) {
  ScratchDir dir;
  fs::create_directories(dir / "elsewhere");
  write_plain_file(dir / "elsewhere/precious.bin", "keep");
  fs::create_directories(dir / "out");
  OutputManifest(dir / "out").add("checkpoints");
  fs::create_directory_symlink(dir / "elsewhere", dir / "out/checkpoints");
  prepare_output_directory(dir / "out", true, 0);
  EXPECT_FALSE(fs::is_symlink(dir / "out/checkpoints"));
  EXPECT_TRUE(fs::exists(dir / "elsewhere/precious.bin"));
}

TEST(OutputDirectory, RefusesAPathUnderARegularFile) {
  ScratchDir dir;
  write_plain_file(dir / "somefile", "x");
  const std::string message = error_of(dir / "somefile/sub", false, 0);
  EXPECT_NE(message.find("output folder '" + (dir / "somefile/sub") + "'"), std::string::npos)
      << message;
}

TEST(OutputDirectory, RefusesAFileWhereTheFolderShouldBe) {
  ScratchDir dir;
  write_plain_file(dir / "out", "x");
  EXPECT_NE(error_of(dir / "out", true, 0).find("is not a folder"), std::string::npos);
}

TEST(OutputDirectory, DetectsAFolderThatCannotBeWrittenTo) {
  // Tests run as root, which permission bits do not stop; /proc/self/fd refuses new files for anyone.
  if (!fs::is_directory("/proc/self/fd")) GTEST_SKIP() << "/proc is not mounted";
  const std::string message = error_of("/proc/self/fd", true, 0);
  EXPECT_NE(message.find("output folder '/proc/self/fd' is not writable"), std::string::npos)
      << message;
}

TEST(OutputDirectory, ReportsNotEnoughFreeSpaceWithBothNumbers) {
  ScratchDir dir;
  const std::uintmax_t huge = std::numeric_limits<std::uintmax_t>::max() / 2;
  const std::string message = error_of(dir.path().string(), false, huge);
  EXPECT_NE(message.find("not enough free space"), std::string::npos) << message;
  EXPECT_NE(message.find(std::to_string(huge) + " bytes"), std::string::npos) << message;
  EXPECT_TRUE(std::regex_search(message, std::regex(R"(, [0-9]+ bytes \([0-9.]+ MiB\) available$)")))
      << message;
}

TEST(OutputDirectory, RefusesTheFolderOfAnInput) {
  ScratchDir dir;
  write_plain_file(dir / "run.ini", "[run]\n");
  fs::create_directories(dir / "out");
  const std::string input = dir / "run.ini";
  try {
    refuse_output_folder_holding_inputs(dir / "out/..", {dir / "missing.ini", input});
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is the folder of the input '" + input + "'"), std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(refuse_output_folder_holding_inputs(dir / "out", {input}));
  EXPECT_NO_THROW(refuse_output_folder_holding_inputs(dir / "not-yet", {input}));
}

}  // namespace
}  // namespace lactosim::io
