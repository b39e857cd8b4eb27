// SPDX-License-Identifier: MIT
// run.json, the run record (issue #18 item 5): it parses with a JSON library, names the process that
// writes it, and after every snapshot tells the truth about that snapshot — even when the process is
// killed with SIGKILL, which no handler can soften. A rewrite that fails is reported, not hidden.
#include "host/app/run_record.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_support.hpp"
#include "tests/unit/io/io_test_support.hpp"
#include "visualization/vtk_output.hpp"

namespace lactosim {
namespace {

using cli_testing::CliFolder;
using cli_testing::Result;
using cli_testing::run_lactosim;
using cli_testing::slurp;
namespace fs = std::filesystem;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string this_host() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

int count(const std::string& text, const std::string& word) {
  int n = 0;
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

// Runs `lactosim run ARGS --quiet --out out` in the background, waits until run.json names the first
// snapshot, then runs `then` (shell, with $pid set), waits for the run and keeps its exit status in
// `exit_status` and its pid in `pid`.
int run_then(const fs::path& dir, const std::string& args, const std::string& then) {
  const std::string command =
      "cd '" + dir.string() + "' && { '" + std::string(LACTOSIM_BINARY) + "' run " + args +
      " --quiet --out out > lactosim.log 2>&1 & pid=$!; echo $pid > pid; "
      "for i in $(seq 600); do grep -q lactosim_000000.vti out/run.json 2>/dev/null && break; sleep 0.1; "
      "done; " + then + "; { wait $pid; echo $? > exit_status; } 2>/dev/null; }";
  return std::system(command.c_str());
}

class RunRecordCli : public CliFolder {};

TEST_F(RunRecordCli, AfterANormalRunParsesAndNamesProcessHostHeartbeatLastStepAndFiles) {
  const double before = unix_now();
  const Result r =
      run_lactosim("run --run.end_time_s=0.02 --run.output_interval_s=0.01 --quiet --out out", dir_);
  const double after = unix_now();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string text = slurp(dir_ / "out" / "run.json");
  const nlohmann::json j = nlohmann::json::parse(text);  // throws, failing the test, if it does not parse
  // The fields scripts read (bench/scenario-times.sh, check_output.py) are all still there.
  for (const char* field : {"status", "version", "git_hash", "backend", "device", "steps", "phase_seconds",
                            "simulated_time_s", "balance_error_relative", "files", "resolved_config"})
    EXPECT_TRUE(j.contains(field)) << field;
  EXPECT_TRUE(j.at("phase_seconds").contains("stepping"));

  const RunRecord record = read_run_record((dir_ / "out" / "run.json").string());
  EXPECT_EQ(record.status, "completed");
  EXPECT_GT(record.pid, 0);
  EXPECT_NE(record.pid, long(::getpid()));  // the binary's, not this test's
  EXPECT_EQ(record.host, this_host());
  EXPECT_GE(record.heartbeat_unix_s, before - 1e-3);  // written to the millisecond
  EXPECT_LE(record.heartbeat_unix_s, after + 1e-3);
  EXPECT_LE(record.started_utc, record.heartbeat_utc);  // ISO 8601 UTC sorts as text
  EXPECT_EQ(record.files, (std::vector<std::string>{"lactosim_000000.vti", "lactosim_000001.vti",
                                                    "lactosim_000002.vti"}));
  for (const std::string& file : record.files) EXPECT_TRUE(fs::exists(dir_ / "out" / file)) << file;
  EXPECT_EQ(record.last_snapshot.file, "lactosim_000002.vti");
  EXPECT_DOUBLE_EQ(record.last_snapshot.time_s, 0.02);
  EXPECT_EQ(record.last_snapshot.steps, record.steps);
  EXPECT_GT(record.steps, 0);
}

TEST_F(RunRecordCli, AfterSigkillItStillParsesAndNamesTheLastSnapshot) {
  // A run far from its end (the next snapshot is 500 s of simulated time away) killed outright once
  // its first snapshot is recorded: no handler runs, so run.json is what the snapshot left.
  ASSERT_EQ(run_then(dir_, "--run.end_time_s=1000 --run.output_interval_s=500",
                     "sleep 0.3; date +%s.%N > kill_time; kill -KILL $pid"),
            0);
  EXPECT_EQ(std::stoi(slurp(dir_ / "exit_status")), 128 + SIGKILL) << slurp(dir_ / "lactosim.log");
  const double kill_time = std::stod(slurp(dir_ / "kill_time"));
  const RunRecord record = read_run_record((dir_ / "out" / "run.json").string());
  EXPECT_EQ(record.status, "running");  // the last thing it could say
  EXPECT_EQ(record.pid, std::stol(slurp(dir_ / "pid")));
  EXPECT_EQ(record.host, this_host());
  EXPECT_LT(record.heartbeat_unix_s, kill_time);
  EXPECT_EQ(record.files, std::vector<std::string>{"lactosim_000000.vti"});
  EXPECT_EQ(record.last_snapshot.file, "lactosim_000000.vti");
  EXPECT_EQ(record.last_snapshot.time_s, 0.0);
  EXPECT_EQ(record.last_snapshot.steps, 0);
  // And the snapshot it names is whole.
  const auto vti = vis::read_vti((dir_ / "out" / record.last_snapshot.file).string());
  for (double v : vti.arrays.at("Na_mM")) ASSERT_TRUE(std::isfinite(v));
}

TEST_F(RunRecordCli, AFailedRewriteIsReportedOnStderrAndTheRunGoesOn) {
  // run.json replaced by a folder while the run is stopped: every later rename onto it fails (EISDIR),
  // for root as for anyone, as a full disk or a vanished file system would make it fail.
  ASSERT_EQ(run_then(dir_, "--run.end_time_s=0.05 --run.output_interval_s=0.01",
                     "kill -STOP $pid; rm out/run.json; mkdir -p out/run.json/in-the-way; kill -CONT $pid"),
            0);
  const std::string log = slurp(dir_ / "lactosim.log");
  EXPECT_GE(count(log, "lactosim: warning: run record not updated ("), 1) << log;
  EXPECT_NE(log.find("/run.json"), std::string::npos) << log;
  // The simulation went on to its end: every snapshot is there.
  EXPECT_NE(slurp(dir_ / "out" / "lactosim.pvd").find("lactosim_000005.vti"), std::string::npos) << log;
  // The final record could not be written either, and the exit status says the run is not clean.
  EXPECT_EQ(std::stoi(slurp(dir_ / "exit_status")), 1) << log;
  EXPECT_NE(log.find("lactosim: error: the failure could not be recorded"), std::string::npos) << log;
  for (const auto& entry : fs::directory_iterator(dir_ / "out"))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST(RunRecordFile, AFullDiskIsReportedWithThePathAndTheRecordOnDiskStaysWhole) {
  io::testing::ScratchDir dir;
  const std::string path = dir / "run.json";
  RunRecord record;
  record.resolved_config = std::string(64 * 1024, 'x');  // larger than the "disk" below
  record.status = "running";
  write_run_record(path, record);
  const std::string before = slurp(path);
  record.status = "completed";
  std::FILE* report = std::tmpfile();
  ASSERT_NE(report, nullptr);
  bool written = true;
  {
    const io::testing::FileSizeLimit full(4096);  // writes past 4 KiB fail, as on a full disk
    written = try_write_run_record(path, record, report);
  }
  EXPECT_FALSE(written);
  std::rewind(report);
  char line[1024] = {};
  std::fgets(line, sizeof line, report);
  std::fclose(report);
  EXPECT_NE(std::string(line).find("run record not updated"), std::string::npos) << line;
  EXPECT_NE(std::string(line).find(path), std::string::npos) << line;
  EXPECT_EQ(slurp(path), before);
  EXPECT_EQ(read_run_record(path).status, "running");
}

TEST(RunRecordFile, ReadsBackWhatItWroteWithNanAsNullAndBadBytesReplaced) {
  io::testing::ScratchDir dir;
  RunRecord out;
  stamp_process(out);
  out.status = "interrupted";
  out.error = "SIGTERM at t = 1.5 s";
  out.command_line = "lactosim run caf\xC3\xA9.ini bad\xFF.ini";
  out.config_files = {"caf\xC3\xA9.ini", "bad\xFF.ini"};
  out.backend = "cpu";
  out.device = "2 OpenMP threads";
  out.integrator = "implicit";
  out.integrator_stats.linear_iterations = 12;
  out.integrator_stats.last_residual = 1.0 / 3.0;
  out.integrator_stats.solver_residual_mol = {1e-300, 0.1};
  out.phase_seconds = {{"stepping", 2.5}, {"output", 0.125}};
  out.steps = 1234567890123;
  out.rejected_steps = 3;
  out.nominal_step_s = 2.4509503560005393e-3;
  out.simulated_time_s = 1.5;
  out.species = {"Na", "K", "Cl"};  // not alphabetical: the order must survive
  out.balance_error_relative = {1e-13, std::numeric_limits<double>::quiet_NaN(), -2e-14};
  out.has_water_balance = true;
  out.lumen_water_in_m3 = 1e-12;
  out.secretion_stats.pressure_iterations = 7;
  out.drug_exposure = {{"drug", "blood", 0.25, 0.0625, 0.25, true, 0.09375, 0.375},
                       {"tracer", "blood", 1.0 / 3.0, 0.5, 1.5, false, 0, 0}};
  out.files = {"lactosim_000000.vti", "lactosim_000001.vti"};
  out.last_snapshot = {"lactosim_000001.vti", 1.5, 600};
  out.resolved_config = "[run]\nend_time_s = 2  # \"quoted\" \\ \t\n";
  out.geometry_summary_json = "{\"voxels\": 64000}";
  write_run_record(dir / "run.json", out);

  const RunRecord in = read_run_record(dir / "run.json");
  EXPECT_EQ(in.status, out.status);
  EXPECT_EQ(in.error, out.error);
  EXPECT_EQ(in.pid, out.pid);
  EXPECT_EQ(in.host, out.host);
  EXPECT_EQ(in.started_utc, out.started_utc);
  EXPECT_EQ(in.command_line, "lactosim run caf\xC3\xA9.ini bad\xEF\xBF\xBD.ini");  // U+FFFD
  EXPECT_EQ(in.config_files[0], out.config_files[0]);
  EXPECT_EQ(in.integrator_stats.linear_iterations, 12);
  EXPECT_EQ(in.integrator_stats.last_residual, 1.0 / 3.0);  // bit for bit
  EXPECT_EQ(in.integrator_stats.solver_residual_mol, out.integrator_stats.solver_residual_mol);
  EXPECT_EQ(in.phase_seconds, out.phase_seconds);
  EXPECT_EQ(in.steps, out.steps);
  EXPECT_EQ(in.nominal_step_s, out.nominal_step_s);
  EXPECT_EQ(in.species, out.species);
  ASSERT_EQ(in.balance_error_relative.size(), 3u);
  EXPECT_EQ(in.balance_error_relative[0], 1e-13);
  EXPECT_TRUE(std::isnan(in.balance_error_relative[1]));
  EXPECT_TRUE(in.has_water_balance);
  EXPECT_EQ(in.lumen_water_in_m3, 1e-12);
  EXPECT_EQ(in.secretion_stats.pressure_iterations, 7);
  ASSERT_EQ(in.drug_exposure.size(), 2u);
  EXPECT_EQ(in.drug_exposure[0].species, "drug");
  EXPECT_EQ(in.drug_exposure[0].plasma_compartment, "blood");
  EXPECT_EQ(in.drug_exposure[0].milk_to_plasma_auc, 0.25);
  EXPECT_TRUE(in.drug_exposure[0].has_whole_milk);
  EXPECT_EQ(in.drug_exposure[0].milk_to_plasma_auc_whole_milk, 0.375);
  EXPECT_EQ(in.drug_exposure[1].auc_plasma_mM_h, 1.0 / 3.0);  // bit for bit
  EXPECT_FALSE(in.drug_exposure[1].has_whole_milk);
  EXPECT_EQ(in.files, out.files);
  EXPECT_EQ(in.last_snapshot.file, out.last_snapshot.file);
  EXPECT_EQ(in.last_snapshot.steps, 600);
  EXPECT_EQ(in.resolved_config, out.resolved_config);
  EXPECT_EQ(in.geometry_summary_json, out.geometry_summary_json);
  EXPECT_NE(slurp(dir / "run.json").find("\"Na\": 1e-13,\n    \"K\": null,"), std::string::npos)
      << slurp(dir / "run.json");
}

TEST(RunRecordFile, AFileThatDoesNotParseIsAnErrorNamingIt) {
  io::testing::ScratchDir dir;
  io::testing::write_plain_file(dir / "run.json", "{\"status\": ");
  try {
    read_run_record(dir / "run.json");
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "run.json"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lactosim
