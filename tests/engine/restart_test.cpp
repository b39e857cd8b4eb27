// SPDX-License-Identifier: MIT
// Checkpoint/restart through the real binary (issue #16 item 3; docs/restart.md): a run killed with
// SIGKILL at random moments — or stopped by SIGTERM/SIGUSR1 — and continued with `lactosim run
// --restart DIR` ends with the uninterrupted run's files, byte for byte; a checkpoint of another build
// or configuration, or an override that would change the model, is refused with a message that says so.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "cli_support.hpp"
#include "host/app/checkpoint.hpp"
#include "host/app/run_record.hpp"
#include "host/config/config.hpp"

using namespace lactosim::cli_testing;
using lactosim::read_run_record;

namespace {

// The embedded default (one alveolus) with the split integrator (implicit LOD), at 4 µm: 2 simulated
// seconds in ~1–2 s of wall on 2 cores; outputs every 0.25 s, so a kill falls between snapshots as
// often as inside a step.
const std::string split_run =
    "--geometry.voxel_um=4 --run.integrator=implicit --run.end_time_s=2 --run.output_interval_s=0.25 --quiet";
const std::string bdf_run = split_run + " --run.integrator=bdf";

// Every file of the reference run but the records of the process (run.json, the checkpoint, the
// manifest, logs) is in `dir` with the same bytes, and `dir` holds no snapshot the reference lacks.
void expect_same_files(const fs::path& reference, const fs::path& dir, const std::string& trial) {
  std::set<std::string> compared;
  for (const auto& entry : fs::directory_iterator(reference)) {
    const std::string name = entry.path().filename().string();
    if (name == "run.json" || name == lactosim::checkpoint_name || name == "lactosim-manifest.json") continue;
    compared.insert(name);
    ASSERT_TRUE(fs::exists(dir / name)) << trial << ": " << name << " missing";
    EXPECT_TRUE(slurp(entry.path()) == slurp(dir / name)) << trial << ": " << name << " differs";
  }
  EXPECT_GE(compared.size(), 10u);  // 9 snapshots, the .pvd, the CSV
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(name.find(".vti") != std::string::npos && !compared.count(name)) << trial << ": extra " << name;
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << trial << ": leftover " << name;
  }
}

// Starts `lactosim run ARGS --out out` in `dir`, waits for `out/<wait_for>` (its first checkpoint by
// default; polled every 10 ms, at most 30 s), lets it run `after_s` more, then sends `signal`; returns the exit status.
int run_and_signal(const fs::path& dir, const std::string& args, double after_s, int signal,
                   const std::string& wait_for = lactosim::checkpoint_name) {
  const std::string command = "cd '" + dir.string() + "' && { '" + std::string(LACTOSIM_BINARY) + "' " + args +
                              " > lactosim.log 2>&1 & pid=$!; "
                              "for i in $(seq 3000); do [ -f out/" + wait_for + " ] && break; sleep 0.01; done; "
                              "sleep " + std::to_string(after_s) + "; kill -" + std::to_string(signal) +
                              " $pid 2>/dev/null; wait $pid; echo $? > exit_status; } 2>/dev/null";
  if (std::system(command.c_str()) != 0) return -1;
  return std::stoi(slurp(dir / "exit_status"));
}

class Restart : public CliFolder {
 protected:
  fs::path reference(const std::string& args) {
    const Result r = run_lactosim("run " + args + " --out reference", dir_);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return dir_ / "reference";
  }
};

}  // namespace

TEST_F(Restart, KilledAtTwentyRandomMomentsAndRestartedEndsWithTheUninterruptedRunsFilesBitwise) {
  const fs::path ref = reference(split_run);
  // Kills placed by the run's progress, so that they fall inside the run on a fast machine as on a
  // loaded one: a random 0-10 % of the reference's running time after snapshot 2..6 (of 8) is written.
  // (Kill moments drawn from the clock alone let a loaded CI machine put most of them before the
  // first checkpoint after t = 0 or after the end, in the MPI twin of this test.)
  const auto phases = read_run_record((ref / "run.json").string()).phase_seconds;
  const double running_s = phases.at("stepping") + phases.at("output") + phases.at("checkpoint");
  std::mt19937 random(20261206);
  std::uniform_int_distribution<int> snapshot(2, 6);
  std::uniform_real_distribution<double> delay(0.0, 0.1 * running_s), moment(0.0, 0.9 * running_s);
  int continued_from_later_than_start = 0;
  for (int trial = 1; trial <= 20; ++trial) {
    const std::string name = "trial " + std::to_string(trial);
    fs::remove_all(dir_ / "out");
    const std::string args = "run " + split_run + " --run.checkpoint_every_wall_s=0.05 --out out";
    run_and_signal(dir_, args, delay(random), SIGKILL, "lactosim_00000" + std::to_string(snapshot(random)) + ".vti");
    const bool finished_before_the_kill = read_run_record((dir_ / "out/run.json").string()).status == "completed";
    // Every third trial the first restart is killed too; then restarts until one completes.
    int attempts = 0;
    Result r{-1, ""};
    while (r.exit_code != 0 && attempts++ < 6) {
      if (trial % 3 == 0 && attempts == 1) {
        run_and_signal(dir_, "run --restart out", moment(random) * 0.5, SIGKILL);
        continue;
      }
      r = run_lactosim("run --restart out --quiet", dir_);
    }
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.output;
    const auto record = read_run_record((dir_ / "out/run.json").string());
    EXPECT_EQ(record.status, "completed") << name;
    if (finished_before_the_kill) {
      EXPECT_EQ(record.restart.count, 0) << name << ": a finished run is left as it is";
    } else {
      EXPECT_GE(record.restart.count, 1) << name;
      EXPECT_TRUE(record.restart.bitwise) << name;
      continued_from_later_than_start += record.restart.from_time_s > 0;
    }
    expect_same_files(ref, dir_ / "out", name);
  }
  // The kills fell inside the run, not only before its first step or after its end.
  std::printf("%d of 20 trials continued from a checkpoint after t = 0\n", continued_from_later_than_start);
  EXPECT_GE(continued_from_later_than_start, 16);
}

TEST_F(Restart, SigtermAndSigusr1WriteACheckpointTheRunContinuesFromBitwise) {
  const fs::path ref = reference(split_run);
  for (int signal : {SIGTERM, SIGUSR1}) {
    fs::remove_all(dir_ / "out");
    // Signalled as soon as the second snapshot (t = 0.25 s of 2) is written: surely mid-run.
    const int status = run_and_signal(dir_, "run " + split_run + " --run.checkpoint_every_wall_s=0 --out out", 0.0,
                                      signal, "lactosim_000001.vti");
    ASSERT_EQ(status, 128 + signal) << slurp(dir_ / "lactosim.log");
    const auto stopped = read_run_record((dir_ / "out/run.json").string());
    EXPECT_EQ(stopped.status, "interrupted");
    const Result r = run_lactosim("run --restart out --quiet", dir_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto record = read_run_record((dir_ / "out/run.json").string());
    EXPECT_EQ(record.restart.count, 1);
    // Continued from where the signal stopped it (checkpoint_every_wall_s = 0: no periodic checkpoint).
    EXPECT_NEAR(record.restart.from_time_s, stopped.simulated_time_s, 1e-12);
    EXPECT_GT(record.restart.from_time_s, 0.0);
    expect_same_files(ref, dir_ / "out", signal == SIGTERM ? "SIGTERM" : "SIGUSR1");
  }
}

TEST_F(Restart, ACompletedRunHasNothingToDoUntilExtendedAndThenEqualsTheLongerRun) {
  const fs::path ref = reference(split_run);
  ASSERT_EQ(run_lactosim("run " + split_run + " --run.end_time_s=1 --out out", dir_).exit_code, 0);
  // Restarted as it is, a finished run has nothing to do: it says so and changes nothing.
  const std::string record_before = slurp(dir_ / "out/run.json");
  Result r = run_lactosim("run --restart out", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("has reached its end time"), std::string::npos) << r.output;
  EXPECT_EQ(slurp(dir_ / "out/run.json"), record_before);
  // Killed after its last checkpoint, before its record said "completed": the restart finishes the record.
  std::string killed_record = record_before;
  const std::string completed = "\"status\": \"completed\"";
  const std::size_t at = killed_record.find(completed);
  ASSERT_NE(at, std::string::npos) << killed_record;
  killed_record.replace(at, completed.size(), "\"status\": \"running\"");
  std::ofstream(dir_ / "out/run.json", std::ios::trunc) << killed_record;
  ASSERT_EQ(read_run_record((dir_ / "out/run.json").string()).status, "running");  // a whole record, as a kill leaves it
  r = run_lactosim("run --restart out --quiet", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_run_record((dir_ / "out/run.json").string()).status, "completed");
  r = run_lactosim("run --restart out --run.end_time_s=2 --quiet", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_same_files(ref, dir_ / "out", "extended");
}

TEST_F(Restart, ARunContinuedOnAnotherThreadCountGivesTheSameFiles) {
  // The CPU executor's results do not depend on its thread count (fixed chunking, sums in a fixed
  // order), so a job may resume on a node with other cores.
  const fs::path ref = reference(split_run + " --threads 2");
  ASSERT_EQ(run_lactosim("run " + split_run + " --threads 2 --run.end_time_s=1 --out out", dir_).exit_code, 0);
  const Result r = run_lactosim("run --restart out --run.end_time_s=2 --threads 1 --quiet", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_same_files(ref, dir_ / "out", "2 threads, then 1");
}

TEST_F(Restart, BdfRestartingAtOutputsContinuesBitwiseAfterKills) {
  const std::string args = bdf_run + " --run.bdf_restart_at_outputs=true";
  const fs::path ref = reference(args);
  std::mt19937 random(7);
  std::uniform_real_distribution<double> moment(0.0, 0.8);
  for (int trial = 1; trial <= 4; ++trial) {
    fs::remove_all(dir_ / "out");
    run_and_signal(dir_, "run " + args + " --run.checkpoint_every_wall_s=0.01 --out out", moment(random), SIGKILL);
    const Result r = run_lactosim("run --restart out --quiet", dir_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(read_run_record((dir_ / "out/run.json").string()).restart.bitwise);
    expect_same_files(ref, dir_ / "out", "bdf trial " + std::to_string(trial));
  }
}

TEST_F(Restart, BdfWithoutRestartPointsContinuesWithinItsToleranceAndSaysItIsNotBitwise) {
  // CVODE's history is not in the checkpoint: the continued run starts it afresh at the last output
  // time. Its results then agree with the uninterrupted run's to the integrator's tolerance.
  const fs::path ref = reference(bdf_run);
  const int status = run_and_signal(dir_, "run " + bdf_run + " --run.checkpoint_every_wall_s=0 --out out", 0.0,
                                    SIGTERM, "lactosim_000002.vti");
  ASSERT_EQ(status, 128 + SIGTERM) << slurp(dir_ / "lactosim.log");
  const Result r = run_lactosim("run --restart out --quiet", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto record = read_run_record((dir_ / "out/run.json").string());
  EXPECT_FALSE(record.restart.bitwise);
  const auto a = lactosim::vis::read_vti((ref / "lactosim_000008.vti").string());
  const auto b = lactosim::vis::read_vti((dir_ / "out/lactosim_000008.vti").string());
  const std::vector<double>& na_ref = a.arrays.at("Na_mM");
  const std::vector<double>& na = b.arrays.at("Na_mM");
  ASSERT_EQ(na.size(), na_ref.size());
  double worst = 0;
  for (std::size_t i = 0; i < na.size(); ++i)
    worst = std::max(worst, std::abs(na[i] - na_ref[i]) / (1e-4 * std::abs(na_ref[i]) + 1e-6));  // default tolerances
  EXPECT_LT(worst, 10.0) << "largest difference in units of the local tolerance";  // global error: a few local ones
}

TEST_F(Restart, ADrugRunsAreasUnderTheCurveCarryOverARestart) {
  // The milk columns' interval start and the drugs' running areas are outputs' state, not the State's:
  // the checkpoint carries them, so the restarted run's M/P columns equal the uninterrupted run's.
  const std::string src = LACTOSIM_SOURCE_DIR;
  const std::string args = src + "/configs/models/human_milk.ini " + src +
                           "/configs/scenarios/drug_transfer.ini --run.integrator=bdf --run.bdf_restart_at_outputs=true "
                           "--run.end_time_s=1800 --run.output_interval_s=300 --quiet";
  const fs::path ref = reference(args);
  ASSERT_NE(slurp(ref / "timeseries.csv").find("milk_to_plasma_auc_drug"), std::string::npos);
  const int status = run_and_signal(dir_, "run " + args + " --run.checkpoint_every_wall_s=0 --out out", 0.0, SIGTERM,
                                    "lactosim_000003.vti");
  ASSERT_EQ(status, 128 + SIGTERM) << slurp(dir_ / "lactosim.log");
  const Result r = run_lactosim("run --restart out --quiet", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(slurp(ref / "timeseries.csv") == slurp(dir_ / "out/timeseries.csv"));
  EXPECT_TRUE(slurp(ref / "lactosim_000006.vti") == slurp(dir_ / "out/lactosim_000006.vti"));
}

TEST_F(Restart, AFeedingRunsMilkStoreCarriesOverARestart) {
  // The milk store (V, its solutes, the ejected totals) is in the State, and the store columns' interval
  // start in the checkpoint's extras: a run stopped between feeds continues with the uninterrupted
  // run's store, pressures and ejected volumes, byte for byte. Feeds every 15 min here, so the half
  // hour holds two, one on each side of the stop.
  const std::string src = LACTOSIM_SOURCE_DIR;
  const std::string args = src + "/configs/models/human_milk.ini " + src +
                           "/configs/scenarios/feeding.ini --run.bdf_restart_at_outputs=true --run.end_time_s=1800 "
                           "--run.output_interval_s=300 --storage.first_feed_h=0.2 --storage.feed_interval_h=0.25 "
                           "--storage.feed_duration_min=5 --quiet";
  const fs::path ref = reference(args);
  ASSERT_NE(slurp(ref / "timeseries.csv").find("gland_ejected_mL_per_day"), std::string::npos);
  ASSERT_TRUE(read_run_record((ref / "run.json").string()).storage.ejected_m3 > 0);
  const int status = run_and_signal(dir_, "run " + args + " --run.checkpoint_every_wall_s=0 --out out", 0.0, SIGTERM,
                                    "lactosim_000003.vti");
  ASSERT_EQ(status, 128 + SIGTERM) << slurp(dir_ / "lactosim.log");
  const Result r = run_lactosim("run --restart out --quiet", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(slurp(ref / "timeseries.csv") == slurp(dir_ / "out/timeseries.csv"));
  EXPECT_TRUE(slurp(ref / "lactosim_000006.vti") == slurp(dir_ / "out/lactosim_000006.vti"));
  EXPECT_EQ(read_run_record((ref / "run.json").string()).storage.ejected_m3,
            read_run_record((dir_ / "out/run.json").string()).storage.ejected_m3);
}

TEST_F(Restart, RegulatedJunctionsContinueBitwise) {
  // The regulated junctions' openness is a function of model time (host/junction_regulation.hpp), not
  // stepped state: a restarted mastitis run (inflamed region opening over the first hours) ends with the
  // uninterrupted run's files.
  const std::string src = LACTOSIM_SOURCE_DIR;
  const std::string args = src + "/configs/models/human_milk.ini " + src +
                           "/configs/scenarios/mastitis.ini --run.bdf_restart_at_outputs=true "
                           "--run.end_time_s=3600 --run.output_interval_s=600 --quiet";
  const fs::path ref = reference(args);
  const int status = run_and_signal(dir_, "run " + args + " --run.checkpoint_every_wall_s=0 --out out", 0.0, SIGTERM,
                                    "lactosim_000003.vti");
  ASSERT_EQ(status, 128 + SIGTERM) << slurp(dir_ / "lactosim.log");
  const Result r = run_lactosim("run --restart out --quiet", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(read_run_record((dir_ / "out/run.json").string()).restart.bitwise);
  EXPECT_TRUE(slurp(ref / "timeseries.csv") == slurp(dir_ / "out/timeseries.csv"));
  EXPECT_TRUE(slurp(ref / "lactosim_000006.vti") == slurp(dir_ / "out/lactosim_000006.vti"));
}

TEST_F(Restart, RefusesWhatItCannotContinue) {
  // No checkpoint.
  fs::create_directories(dir_ / "empty");
  Result r = run_lactosim("run --restart empty", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("holds no lactosim.checkpoint"), std::string::npos) << r.output;
  // A run from a config file that has changed since.
  const std::string model = lactosim::config::embedded_default_config();
  write("model.ini", model);
  // The split integrator: no hypre, hence no Open MPI start-up, whose own allocations the sanitizer
  // build's leak check would report (this suite runs there too, scripts/test-sanitize.sh).
  write("short.ini",
        "[run]\nend_time_s = 0.5\noutput_interval_s = 0.25\nintegrator = implicit\n[geometry]\nvoxel_um = 4\n");
  ASSERT_EQ(run_lactosim("run model.ini short.ini --out out -q", dir_).exit_code, 0);
  std::string changed = model;
  const std::size_t na_cell = changed.find("D_um2_per_s.cell = 480");  // Na in the cytosol
  ASSERT_NE(na_cell, std::string::npos);
  changed.replace(na_cell, 22, "D_um2_per_s.cell = 300");
  write("model.ini", changed);
  r = run_lactosim("run --restart out --run.end_time_s=1", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("has changed since it started"), std::string::npos) << r.output;
  write("model.ini", model);
  // An override that would change the model, and configuration files beside --restart.
  r = run_lactosim("run --restart out --species.Na.D_um2_per_s.cell=300", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("would change the model"), std::string::npos) << r.output;
  r = run_lactosim("run model.ini --restart out", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("takes no configuration files"), std::string::npos) << r.output;
  r = run_lactosim("run --restart out --out elsewhere", dir_);
  EXPECT_EQ(r.exit_code, 2);
  // A checkpoint another build wrote: its build name changed in place (same length) and the file's
  // checksum (docs/state-format.md) recomputed, so only the name differs.
  const std::string path = (dir_ / "out" / lactosim::checkpoint_name).string();
  std::string bytes = slurp(path);
  const std::string build = lactosim::build_identity();
  const std::size_t at = bytes.find(build);
  ASSERT_NE(at, std::string::npos);
  bytes[at + build.size() - 2] = bytes[at + build.size() - 2] == 'x' ? 'y' : 'x';  // the hash's last character
  std::uint64_t h = 0xcbf29ce484222325ull;  // docs/state-format.md: over 64-bit words, the tail zero-padded
  const std::size_t body = bytes.size() - 8;
  for (std::size_t i = 0; i < body; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, std::min<std::size_t>(8, body - i));
    h = (h ^ w) * 0x100000001b3ull;
  }
  std::memcpy(&bytes[body], &h, 8);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  r = run_lactosim("run --restart out", dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("written by lactosim"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("only on the build that started it"), std::string::npos) << r.output;
}
