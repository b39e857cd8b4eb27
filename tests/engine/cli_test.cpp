// SPDX-License-Identifier: MIT
// End to end: the real `lactosim` binary, as a user runs it (issue 2 §5–§7, DESIGN §5).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "host/step/stepper.hpp"
#include "visualization/vtk_output.hpp"

namespace fs = std::filesystem;

namespace {

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr together
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

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lactosim_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_F(Cli, DefaultRunWritesAPvdWhoseVtiFilesOpenInVtkWithFiniteValues) {
  const Result r = run_lactosim("run --run.end_time_s=0.02 --run.output_interval_s=0.01 --quiet --out out", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string pvd = slurp(dir_ / "out" / "lactosim.pvd");
  for (const char* file : {"lactosim_000000.vti", "lactosim_000001.vti", "lactosim_000002.vti"}) {
    EXPECT_NE(pvd.find(file), std::string::npos) << file;
    const auto vti = lactosim::vis::read_vti((dir_ / "out" / file).string());
    EXPECT_EQ(vti.geometry.nx, 40);
    for (const char* array : {"label", "Na_mM", "K_mM", "Cl_mM", "glucose_mM"}) {
      ASSERT_TRUE(vti.arrays.count(array)) << file << " lacks " << array;
      for (double v : vti.arrays.at(array)) ASSERT_TRUE(std::isfinite(v)) << file << " " << array;
    }
    double k_max = 0;
    for (double v : vti.arrays.at("K_mM")) k_max = std::max(k_max, v);
    EXPECT_GT(k_max, 100.0);  // cytosolic K⁺ ~ 129 mM is really there
  }
  const std::string csv = slurp(dir_ / "out" / "timeseries.csv");
  EXPECT_EQ(csv.rfind("time_s,", 0), 0u);
  EXPECT_NE(csv.find("balance_error_Na_rel"), std::string::npos);
  const std::string json = slurp(dir_ / "out" / "run.json");
  EXPECT_NE(json.find("\"status\": \"completed\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"backend\": \"cpu\""), std::string::npos);
  EXPECT_NE(json.find("\"resolved_config\""), std::string::npos);
}

TEST_F(Cli, BadConfigExitsNonZeroNamingFileLineAndKeyAndWritesNothing) {
  write("bad.ini", "[run]\nend_time_s = 1\nend_tme_s = 2\n");
  const Result r = run_lactosim("run bad.ini --out out", dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("bad.ini:3: run.end_tme_s: unknown key"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(Cli, CommandLineOverrideWithAnUnknownKeyIsRejectedBeforeAnyOutput) {
  const Result r = run_lactosim("run --species.Na.D_um2_per_s.cel=5 --out out", dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("<command line>"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown compartment 'cel'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(Cli, NonEmptyOutputFolderIsRefusedWithoutOverwriteAndKeptIntact) {
  fs::create_directories(dir_ / "out");
  write("out/notes.txt", "my notes\n");
  Result r = run_lactosim("run --run.end_time_s=0.01 --run.output_interval_s=0.01 --quiet --out out", dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("not empty"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "lactosim.pvd"));
  // --overwrite deletes only what lactosim wrote, and notes.txt is the user's (output_folder_test.cpp).
  r = run_lactosim("run --run.end_time_s=0.01 --run.output_interval_s=0.01 --quiet --out out --overwrite", dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("lactosim did not write: 'notes.txt'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "lactosim.pvd"));
  EXPECT_EQ(slurp(dir_ / "out" / "notes.txt"), "my notes\n");
}

TEST_F(Cli, CudaBackendWithoutAUsableGpuFailsWithAClearMessage) {
  std::string why;
  if (!lactosim::kernels::cuda_devices(why).empty()) GTEST_SKIP() << "a CUDA device is present";
  const Result r = run_lactosim("run --backend cuda --run.end_time_s=0.01 --quiet --out out", dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--backend cuda"), std::string::npos) << r.output;
}

TEST_F(Cli, InfoReportsVersionAndWhyNoDeviceWasFound) {
  const Result r = run_lactosim("info", dir_);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("lactosim 0."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("CUDA devices"), std::string::npos) << r.output;
}

TEST_F(Cli, EveryCommandAnswersHelp) {
  for (const char* cmd : {"run --help", "mesh --help", "config --help", "--help"}) {
    const Result r = run_lactosim(cmd, dir_);
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.output;
  }
}

TEST_F(Cli, MeshWritesTheLabelVolumeAndItsSummary) {
  const Result r = run_lactosim("mesh --out alveolus.vti", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto vti = lactosim::vis::read_vti((dir_ / "alveolus.vti").string());
  EXPECT_EQ(vti.arrays.at("label").size(), 40u * 40u * 40u);
  EXPECT_TRUE(fs::exists(dir_ / "alveolus.json"));
  // The membranes as surfaces: a polydata file VTK opens, with apical and basolateral triangles.
  const std::string vtp = slurp(dir_ / "alveolus_surfaces.vtp");
  EXPECT_NE(vtp.find("<PolyData>"), std::string::npos);
  EXPECT_NE(vtp.find("Name=\"surface\""), std::string::npos);
  EXPECT_NE(r.output.find("apical"), std::string::npos) << r.output;
}

TEST_F(Cli, RunThatFailsMidwayKeepsEveryFinishedFileAndRecordsTheFailure) {
  // A zero-order drain (K = 0: the rate ignores the concentration) empties cytosolic glucose in
  // ~4 ms; past that no step can stay non-negative and the run must stop with a clear error.
  write("drain.ini",
        "[transporter.drain]\nmembrane = apical\nkind = stoichiometric\nspecies = glucose\n"
        "stoich = 1\nK_mM = 0\nVmax_umol_per_m2_s = 500\n");
  const std::string default_ini = std::string(LACTOSIM_SOURCE_DIR) + "/configs/default.ini";
  const Result r = run_lactosim("run '" + default_ini + "' drain.ini --run.integrator=implicit --run.end_time_s=0.02 "
                                "--run.output_interval_s=0.001 --quiet --out out", dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("became negative"), std::string::npos) << r.output;
  // The watchdog names the step, the time and where: the species and voxel of the negative value.
  EXPECT_NE(r.output.find("implicit step "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" at t = 0.00"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(glucose in cell at voxel ("), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("below the floor of"), std::string::npos) << r.output;
  const std::string json = slurp(dir_ / "out" / "run.json");
  EXPECT_NE(json.find("\"status\": \"failed\""), std::string::npos) << json;
  // Every snapshot the .pvd lists was finished before the failure and still opens.
  const std::string pvd = slurp(dir_ / "out" / "lactosim.pvd");
  int listed = 0;
  for (std::size_t at = pvd.find("file=\""); at != std::string::npos; at = pvd.find("file=\"", at + 1)) {
    const std::size_t end = pvd.find('"', at + 6);
    const auto vti = lactosim::vis::read_vti((dir_ / "out" / pvd.substr(at + 6, end - at - 6)).string());
    EXPECT_EQ(vti.arrays.at("glucose_mM").size(), 40u * 40u * 40u);
    ++listed;
  }
  EXPECT_GE(listed, 2);
  EXPECT_LT(listed, 21);  // it did stop early
  for (const auto& entry : fs::directory_iterator(dir_ / "out"))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST_F(Cli, SigtermStopsTheRunBetweenStepsWithALastSnapshotAndAnInterruptedRecord) {
  // As a batch scheduler does at its wall-time limit: SIGTERM once the run is stepping (its first
  // snapshot exists), long before its end time.
  const std::string command =
      "cd '" + dir_.string() + "' && { '" + std::string(LACTOSIM_BINARY) +
      "' run --run.integrator=implicit --run.end_time_s=1000 --run.output_interval_s=500 --quiet --out out > lactosim.log 2>&1 & "
      "pid=$!; for i in $(seq 600); do [ -f out/lactosim_000000.vti ] && break; sleep 0.1; done; "
      "sleep 0.5; kill -TERM $pid; wait $pid; echo $? > exit_status; }";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(std::stoi(slurp(dir_ / "exit_status")), 128 + SIGTERM) << slurp(dir_ / "lactosim.log");
  const std::string json = slurp(dir_ / "out" / "run.json");
  EXPECT_NE(json.find("\"status\": \"interrupted\""), std::string::npos) << json;
  EXPECT_NE(json.find("SIGTERM at t = "), std::string::npos) << json;
  // The initial snapshot and one at the moment of the signal, both whole; a CSV row for each.
  const std::string pvd = slurp(dir_ / "out" / "lactosim.pvd");
  for (const char* file : {"lactosim_000000.vti", "lactosim_000001.vti"}) {
    ASSERT_NE(pvd.find(file), std::string::npos) << file;
    const auto vti = lactosim::vis::read_vti((dir_ / "out" / file).string());
    for (double v : vti.arrays.at("Na_mM")) ASSERT_TRUE(std::isfinite(v)) << file;
  }
  EXPECT_EQ(pvd.find("lactosim_000002.vti"), std::string::npos);
  std::istringstream csv(slurp(dir_ / "out" / "timeseries.csv"));
  std::string line, last;
  int rows = -1;  // the header
  while (std::getline(csv, line)) ++rows, last = line;
  EXPECT_EQ(rows, 2);
  const double t_stop = std::stod(last.substr(0, last.find(',')));
  EXPECT_GT(t_stop, 0.0);
  EXPECT_LT(t_stop, 500.0);
  for (const auto& entry : fs::directory_iterator(dir_ / "out"))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

namespace {

// Starts the embedded default with every membrane substep cut to 10⁻⁶ of its stable length — its
// first implicit step alone takes over 40 s (measured: still at t = 0 after 40 s on 2 cores) — sends
// `signal` one second after the first snapshot appears, so the run is inside that step, and
// returns the exit status and the wall time from the signal to the exit.
struct StoppedRun {
  int exit_status = -1;
  double seconds_to_exit = 1e9;
};

StoppedRun stop_a_stiff_run(const fs::path& dir, const char* signal) {
  const std::string command =
      "cd '" + dir.string() + "' && { '" + std::string(LACTOSIM_BINARY) +
      "' run --run.integrator=implicit --run.dt_safety=1e-6 --run.end_time_s=10 --run.output_interval_s=5 --out out > lactosim.log 2>&1 & "
      "pid=$!; for i in $(seq 600); do [ -f out/lactosim_000000.vti ] && break; sleep 0.1; done; "
      "sleep 1; t0=$(date +%s.%N); kill -" + signal + " $pid; "
      // A run that ignored the signal would step for hours: killed after 60 s (the test then fails).
      "for i in $(seq 600); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done; kill -KILL $pid 2>/dev/null; "
      "wait $pid; echo $? > exit_status; "
      "t1=$(date +%s.%N); awk \"BEGIN { print $t1 - $t0 }\" > seconds_to_exit; }";
  if (std::system(command.c_str()) != 0) return {};
  return {std::stoi(slurp(dir / "exit_status")), std::stod(slurp(dir / "seconds_to_exit"))};
}

// The run stopped inside its first step: it went back to t = 0 and wrote a last snapshot there,
// whole, beside the first; run.json says interrupted, naming the signal; no temporary file is left.
void expect_a_whole_interrupted_run(const fs::path& out, const std::string& signal) {
  const std::string json = slurp(out / "run.json");
  EXPECT_NE(json.find("\"status\": \"interrupted\""), std::string::npos) << json;
  EXPECT_NE(json.find(signal + " at t = 0 s"), std::string::npos) << json;
  const std::string pvd = slurp(out / "lactosim.pvd");
  for (const char* file : {"lactosim_000000.vti", "lactosim_000001.vti"}) {
    ASSERT_NE(pvd.find(file), std::string::npos) << file;
    const auto vti = lactosim::vis::read_vti((out / file).string());
    ASSERT_EQ(vti.arrays.at("K_mM").size(), 40u * 40u * 40u) << file;
    for (double v : vti.arrays.at("K_mM")) ASSERT_TRUE(std::isfinite(v)) << file;
  }
  for (const auto& entry : fs::directory_iterator(out))
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

}  // namespace

TEST_F(Cli, SigtermInsideAStiffStepStopsTheRunWithinFiveSeconds) {
  const StoppedRun r = stop_a_stiff_run(dir_, "TERM");
  EXPECT_EQ(r.exit_status, 128 + SIGTERM) << slurp(dir_ / "lactosim.log");
  EXPECT_LT(r.seconds_to_exit, 5.0) << slurp(dir_ / "lactosim.log");
  expect_a_whole_interrupted_run(dir_ / "out", "SIGTERM");
}

TEST_F(Cli, Sigusr1AsABatchSchedulersWarningStopsTheRunAsSigtermDoes) {
  const StoppedRun r = stop_a_stiff_run(dir_, "USR1");
  EXPECT_EQ(r.exit_status, 128 + SIGUSR1) << slurp(dir_ / "lactosim.log");
  EXPECT_LT(r.seconds_to_exit, 5.0) << slurp(dir_ / "lactosim.log");
  expect_a_whole_interrupted_run(dir_ / "out", "SIGUSR1");
}

TEST_F(Cli, ARunWhoseStepsAreAllRejectedStopsAfterTheStallTimeoutNamingTimeAndStep) {
  // The zero-order drain of the test above: once glucose runs out every step is rejected. With a
  // stall timeout far below one attempt's wall time, the first rejection trips the watchdog — the
  // same check that stops a run whose time stays put for run.stall_timeout_s (default 600 s).
  write("drain.ini",
        "[transporter.drain]\nmembrane = apical\nkind = stoichiometric\nspecies = glucose\n"
        "stoich = 1\nK_mM = 0\nVmax_umol_per_m2_s = 500\n");
  const std::string default_ini = std::string(LACTOSIM_SOURCE_DIR) + "/configs/default.ini";
  const Result r = run_lactosim("run '" + default_ini + "' drain.ini --run.integrator=implicit --run.end_time_s=0.02 "
                                "--run.stall_timeout_s=1e-6 --quiet --out out", dir_);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the run stalled: simulated time has not advanced for "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(run.stall_timeout_s = 1e-06 s) at the implicit step 1 at t = 0 s"), std::string::npos)
      << r.output;
  const std::string json = slurp(dir_ / "out" / "run.json");
  EXPECT_NE(json.find("\"status\": \"failed\""), std::string::npos) << json;
  EXPECT_NE(json.find("stalled"), std::string::npos) << json;
}

namespace {

// A number after `key` in a JSON text (the first match), NaN when absent.
double json_number(const std::string& json, const std::string& key) {
  const std::size_t at = json.find("\"" + key + "\": ");
  return at == std::string::npos ? std::nan("") : std::stod(json.substr(at + key.size() + 4));
}

}  // namespace

TEST_F(Cli, AGridTooLargeForTheMemoryLimitIsRefusedBeforeAllocationNamingEstimateAndLimit) {
  // 1143³ voxels: 1.5e9 labels alone, ~300 GB with four species' fields. Refused from the
  // configuration, before the grid is generated (which would take minutes) and before any output.
  const auto t0 = std::chrono::steady_clock::now();
  const Result r = run_lactosim("run --geometry.voxel_um=0.07 --max-memory 100 --out out", dir_);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the run needs at least an estimated "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" GB of memory, more than the limit of 100 GB (run.max_memory_GB)"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("4 species"), std::string::npos) << r.output;
  EXPECT_LT(wall, 5.0) << "refused only after the grid was made?";
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(Cli, ARunPrintsItsMemoryEstimateWithinAFactorOfOneAndAHalfOfItsMeasuredPeak) {
  // 64³ voxels (~1.5e5 cell-voxels of fields): large enough that the arrays, not the libraries,
  // make the peak. Measured on this machine: 0.97 at 80³, 0.99 at 115³ (estimate / VmHWM).
  const Result r = run_lactosim("run --geometry.voxel_um=1.25 --run.end_time_s=0.001 --run.output_interval_s=0.001 "
                                "--out out", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("lactosim: memory estimate "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" (limit "), std::string::npos) << r.output;
  const std::string json = slurp(dir_ / "out" / "run.json");
  const double estimate = json_number(json, "estimate_bytes"), peak = json_number(json, "peak_resident_bytes");
  ASSERT_GT(peak, 0.0) << json;
  EXPECT_GT(estimate / peak, 1.0 / 1.5) << json;
  EXPECT_LT(estimate / peak, 1.5) << json;
  EXPECT_GT(json_number(json, "limit_bytes"), 0.0) << json;
}

TEST_F(Cli, AnUnreachableToleranceStopsTheRunNamingTheSpeciesVoxelAndErrorRatio) {
  // rel_tol = abs_tol = 1e-300: no step passes error control, so the step shrinks ×0.2 per rejection
  // until it would fall below the floor; the error names the worst species and voxel and by how much.
  const Result r = run_lactosim("run --run.integrator=implicit --run.rel_tol=1e-300 --run.abs_tol_mM=1e-300 --quiet --out out", dir_);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the implicit step 1 at t = 0 s failed: the error estimate stays above tolerance "
                          "(largest: "),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(" at voxel ("), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" mM in one step against "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" times the tolerance) even at dt = "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("below the floor of"), std::string::npos) << r.output;
}
