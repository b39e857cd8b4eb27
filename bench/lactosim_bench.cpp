// SPDX-License-Identifier: MIT
// lactosim_bench: how fast the explicit and implicit steps run, judged against this machine's own copy
// bandwidth and against the BioFVM peer (DESIGN §8). A benchmark, not a test: it prints numbers, never fails
// on a time, and exits 0 when a backend is unavailable (saying why).
//
// Sample runs:
//   lactosim_bench                                   all cases, CPU, 128³ × 8 species
//   lactosim_bench --case explicit --size 256        the fused step on 256³ (≈ 3 GB)
//   lactosim_bench --case peer                       BioFVM's 200³ × 8 problem, explicit and implicit
//   lactosim_bench --backend cuda --case implicit --size 256   the LOD step on 256³ × 8 on the GPU
//   lactosim_bench --backend cuda --markdown         rows ready for bench/RESULTS.md
//
// Steps in main: 1. options, 2. machine and build, 3. copy bandwidth, 4. explicit cases,
// 4b. implicit cases, 5. peer case, 6. the summary table (and markdown rows).
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_models.hpp"
#include "build_info.hpp"
#include "copy_bandwidth.hpp"
#include "host/assemble.hpp"
#include "host/step/stepper.hpp"
#include "kernels/host_views.hpp"
#include "kernels/implicit_kernels.hpp"
#include "kernels/physics/constants.hpp"
#include "kernels/step_kernels.hpp"
#include "timing.hpp"

namespace lactosim::bench {
namespace {

// --- 1. options ------------------------------------------------------------------------------------

struct Options {
  std::string backend = "cpu";
  int size = 128;
  int species = 8;
  int repeats = 5;
  int warmup = 2;
  int threads = 0;  // 0: the OpenMP default
  std::string which = "all";  // copy | explicit | implicit | peer | all, or a comma-separated list
  double implicit_dt_factor = 10;  // implicit cases: the step is this × the explicit step
  bool markdown = false;
  double copy_MiB = 512;  // per array; two arrays
  int peer_size = 200;
  int peer_steps = 5;         // timed steps on the full peer grid
  double peer_time_s = 300;   // simulated time of the error runs (column, see run_peer_column)
  std::vector<double> peer_implicit_dt_s = {0.6, 6.0, 60.0};
  // Steps of the implicit step doubled and Richardson-extrapolated, as `lactosim run` takes them
  // (run.time_order = 2): three solves per step, second order.
  std::vector<double> peer_extrapolated_dt_s = {6.0, 15.0, 30.0};
  // The extrapolated step's order (run.time_order): 2 = the doubled step above; 3, 4 = the
  // extrapolated implicit Euler of that order, 6 and 10 solves per step (host/step/extrapolated_step.hpp).
  int peer_time_order = 2;
  bool peer_explicit = true;
  std::string peer_variant = "base";  // base | mixed | sources (bench_models.hpp)
  std::string peer_reference_out;      // sources: write the reference column here (for a peer)
};

const char* usage =
    "usage: lactosim_bench [options]\n"
    "  --backend cpu|cuda     executor (default cpu)\n"
    "  --case copy|explicit|implicit|peer|all, or a list such as explicit,implicit (default all)\n"
    "  --size N               explicit and implicit cases on N³ voxels (default 128)\n"
    "  --species S            species in the explicit and implicit cases (default 8; the peer has 8)\n"
    "  --implicit-dt-factor F implicit cases: step = F × the explicit step (default 10)\n"
    "  --repeats R            timed repeats, median reported (default 5)\n"
    "  --warmup W             untimed steps before timing (default 2)\n"
    "  --threads T            OpenMP threads (default: OpenMP's choice)\n"
    "  --copy-MiB M           size of each copy array in MiB (default 512; keep ≫ last-level cache)\n"
    "  --peer-size N          peer grid N³ (default 200, BioFVM's)\n"
    "  --peer-steps K         timed steps on the full peer grid (default 5, after the warm-up)\n"
    "  --peer-time-s T        simulated seconds of the peer error runs (default 300)\n"
    "  --peer-implicit-dt LIST  comma-separated implicit steps in s (default 0.6,6,60; 'none' skips)\n"
    "  --peer-extrapolated-dt LIST  steps of the doubled, Richardson-extrapolated implicit step\n"
    "                         (default 6,15,30; 'none' skips)\n"
    "  --peer-time-order K    those steps' order, as run.time_order: 2 (the doubled step, 3 solves), 3 or 4\n"
    "                         (extrapolated implicit Euler, 6 or 10 solves) (default 2)\n"
    "  --peer-explicit on|off the peer's explicit rows (default on; ~1 s a step, 33 000 column steps)\n"
    "  --peer-variant base|mixed|sources  base = BioFVM's problem (8 × the same D, λ); mixed = 8\n"
    "                         different D and λ; sources = base + agents switched every 0.6 s, the\n"
    "                         error against a fine-step reference (bench_models.hpp) (default base)\n"
    "  --peer-reference-out F sources: write the reference column (x, species, value) to F\n"
    "  --markdown             also print rows for bench/RESULTS.md\n";

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    if (arg == "--markdown") {
      o.markdown = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value (or is unknown)\n" + usage);
    const std::string value = argv[++i];
    const auto to_int = [&](int low) {
      std::size_t used = 0;
      const int v = std::stoi(value, &used);
      if (used != value.size() || v < low)
        throw std::invalid_argument(arg + " " + value + ": want an integer ≥ " + std::to_string(low));
      return v;
    };
    const auto to_double = [&] {
      std::size_t used = 0;
      const double v = std::stod(value, &used);
      if (used != value.size() || !(v > 0)) throw std::invalid_argument(arg + " " + value + ": want a number > 0");
      return v;
    };
    if (arg == "--backend") o.backend = value;
    else if (arg == "--case") o.which = value;
    else if (arg == "--size") o.size = to_int(4);
    else if (arg == "--species") o.species = to_int(1);
    else if (arg == "--repeats") o.repeats = to_int(1);
    else if (arg == "--warmup") o.warmup = to_int(0);
    else if (arg == "--threads") o.threads = to_int(1);
    else if (arg == "--copy-MiB") o.copy_MiB = to_double();
    else if (arg == "--implicit-dt-factor") o.implicit_dt_factor = to_double();
    else if (arg == "--peer-size") o.peer_size = to_int(4);
    else if (arg == "--peer-steps") o.peer_steps = to_int(1);
    else if (arg == "--peer-time-s") o.peer_time_s = to_double();
    else if (arg == "--peer-time-order") {
      o.peer_time_order = to_int(2);
      if (o.peer_time_order > 4) throw std::invalid_argument("--peer-time-order: 2, 3 or 4");
    }
    else if (arg == "--peer-implicit-dt" || arg == "--peer-extrapolated-dt") {
      std::vector<double>& steps = arg == "--peer-implicit-dt" ? o.peer_implicit_dt_s : o.peer_extrapolated_dt_s;
      steps.clear();
      std::stringstream list(value);
      for (std::string item; value != "none" && std::getline(list, item, ',');) {
        const double dt = std::stod(item);
        if (!(dt > 0)) throw std::invalid_argument(arg + ": steps must be > 0");
        steps.push_back(dt);
      }
    }
    else if (arg == "--peer-variant") {
      if (value != "base" && value != "mixed" && value != "sources")
        throw std::invalid_argument("--peer-variant base|mixed|sources");
      o.peer_variant = value;
    }
    else if (arg == "--peer-reference-out") o.peer_reference_out = value;
    else if (arg == "--peer-explicit") {
      if (value != "on" && value != "off") throw std::invalid_argument("--peer-explicit on|off");
      o.peer_explicit = value == "on";
    }
    else throw std::invalid_argument("unknown option " + arg + "\n" + usage);
  }
  if (o.backend != "cpu" && o.backend != "cuda") throw std::invalid_argument("--backend cpu|cuda");
  {
    std::stringstream list(o.which);
    for (std::string item; std::getline(list, item, ',');)
      if (item != "copy" && item != "explicit" && item != "implicit" && item != "peer" && item != "all")
        throw std::invalid_argument("--case " + o.which + ": want copy|explicit|implicit|peer|all or a list");
  }
  if (o.species > max_species) throw std::invalid_argument("--species: at most " + std::to_string(max_species));
  return o;
}

// Whether --case asks for case c ("all", c itself, or a comma-separated list naming it).
bool wants(const Options& o, const std::string& c) {
  std::stringstream list(o.which);
  for (std::string item; std::getline(list, item, ',');)
    if (item == "all" || item == c) return true;
  return false;
}

// --- 2. machine and build --------------------------------------------------------------------------

std::string shell_line(const char* command) {
  std::string out;
  if (FILE* f = popen(command, "r")) {
    char buf[256];
    if (std::fgets(buf, sizeof buf, f)) out = buf;
    pclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// The commit at run time (the configure-time hash goes stale between reconfigures); "+dirty" when
// the working tree differs from it, since then the numbers belong to uncommitted code.
std::string commit() {
  std::string hash = shell_line("git rev-parse --short HEAD 2>/dev/null");
  if (hash.empty()) return build_info::git_hash;
  if (!shell_line("git status --porcelain --untracked-files=no 2>/dev/null").empty()) hash += "+dirty";
  return hash;
}

std::string today() {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", std::localtime(&now));
  return buf;
}

// --- results ---------------------------------------------------------------------------------------

struct Row {
  std::string which, grid, metric, value;
};

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

// --- executor access -------------------------------------------------------------------------------

std::unique_ptr<step::Stepper> make_backend(const Options& o) {
  return o.backend == "cuda" ? step::make_cuda_stepper() : step::make_cpu_stepper(o.threads);
}

// The fewest bytes a step must move (DESIGN §8): every active voxel-species read once and written
// once in double (16 B), plus one label byte per voxel. Active = modelled compartment × species
// present there; stroma and absent species cost nothing in this count.
struct Work {
  long active_voxel_species = 0;
  long voxels = 0;
  double bytes() const { return 16.0 * double(active_voxel_species) + double(voxels); }
};

Work count_work(const kernels::Problem& p) {
  Work w;
  const kernels::Block& b = p.block;
  w.voxels = b.interior_voxels();
  for (int k = 0; k < b.nz; ++k)
    for (int j = 0; j < b.ny; ++j)
      for (int i = 0; i < b.nx; ++i) {
        const int comp = p.compartment[b.index(i, j, k)];
        for (int s = 0; s < p.n_species; ++s) w.active_voxel_species += p.present(s, comp) ? 1 : 0;
      }
  return w;
}

// Median wall time of `repeats` calls of `pass` after one untimed call.
double time_pass(int repeats, const std::function<void()>& pass) {
  pass();
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const double t0 = omp_get_wtime();
    pass();
    t.push_back(omp_get_wtime() - t0);
  }
  return median(t);
}

// The CPU executor's passes one by one (kernels::cpu, as CpuBackend::explicit_step calls them), on
// private copies. The passes that add into c_new accumulate over the repeats; that changes the
// values, not the work.
std::vector<std::pair<std::string, double>> time_cpu_passes(const kernels::Problem& p,
                                                            const kernels::StepRates& rates, double dt,
                                                            const std::vector<double>& c0, int repeats) {
  const std::vector<double> membrane_u = kernels::ghk_arguments(p);
  const kernels::ProblemView view = kernels::host_view(p, membrane_u);
  const kernels::RatesView r = kernels::host_rates_view(rates);
  std::vector<double> c_new(c0), face_flux(std::size_t(p.faces.size()) * p.n_species);
  std::vector<double> reaction_mol(p.n_species), inflow_mol(p.n_species),
      transfer_mol(std::size_t(p.n_membranes) * p.n_species);
  namespace cpu = kernels::cpu;
  std::vector<std::pair<std::string, double>> passes;
  passes.push_back({"membrane faces", time_pass(repeats, [&] { cpu::compute_membrane_fluxes(view, r, c0.data(), face_flux.data(), kernels::SecretionFields{}); })});
  passes.push_back({"diffusion", time_pass(repeats, [&] { cpu::diffuse_species(view, r, dt, c0.data(), c_new.data()); })});
  passes.push_back({"reactions", time_pass(repeats, [&] { cpu::react(view, r, dt, c0.data(), c_new.data(), reaction_mol.data()); })});
  passes.push_back({"membrane apply", time_pass(repeats, [&] { cpu::apply_membrane_fluxes(view, dt, face_flux.data(), kernels::SecretionFields{}, c_new.data()); })});
  passes.push_back({"membrane totals", time_pass(repeats, [&] { cpu::membrane_totals(view, dt, face_flux.data(), kernels::SecretionFields{}, inflow_mol.data(), transfer_mol.data(), nullptr); })});
  return passes;
}

// The LOD solve's three factors one by one (kernels::cpu::lod_sweep), then x and y in one pass
// (lod_sweep_xy, as host/step/line_solves.cpp calls it), on a private copy: median seconds of each.
// The factors are applied again and again to the same copy; that changes the values, not the work.
std::vector<double> time_cpu_lod_sweeps(const kernels::Problem& p, const kernels::StepRates& rates, double dt,
                                        const std::vector<double>& c0, int repeats) {
  std::vector<std::uint8_t> clamped(p.clamped.begin(), p.clamped.end());
  const kernels::SplitRates split = kernels::split_linear_decay(rates, true, p.n_species, p.n_compartments, clamped);
  const std::vector<double> membrane_u = kernels::ghk_arguments(p);
  const kernels::ProblemView view = kernels::host_view(p, membrane_u);
  const double* decay = split.decay_per_s.empty() ? nullptr : split.decay_per_s.data();
  std::vector<double> c(c0), decayed(p.n_species);
  std::vector<double> seconds;
  for (int axis = 0; axis < 3; ++axis)
    seconds.push_back(time_pass(repeats, [&] { kernels::cpu::lod_sweep(view, axis, dt, decay, c.data(), decayed.data()); }));
  seconds.push_back(time_pass(repeats, [&] { kernels::cpu::lod_sweep_xy(view, dt, decay, c.data(), decayed.data()); }));
  return seconds;
}

void print_lod_sweeps(const std::vector<double>& seconds, const Work& work, double copy_GBps) {
  if (seconds.empty()) return;
  std::printf("   LOD factors one by one (CPU):");
  for (int axis = 0; axis < 3; ++axis) {
    const double GBps = work.bytes() / seconds[axis] * 1e-9;  // one read + write of the state
    std::printf(" %c %.4f s (%.2f GB/s%s)", "xyz"[axis], seconds[axis], GBps,
                copy_GBps > 0 ? fmt(", %.0f %% of copy", 100.0 * GBps / copy_GBps).c_str() : "");
  }
  const double GBps = work.bytes() / seconds[3] * 1e-9;
  std::printf("; x and y in one pass %.4f s (%.2f GB/s%s)\n", seconds[3], GBps,
              copy_GBps > 0 ? fmt(", %.0f %% of copy", 100.0 * GBps / copy_GBps).c_str() : "");
}

// --- 3. copy bandwidth -----------------------------------------------------------------------------

double run_copy(const Options& o, std::vector<Row>& rows) {
  const std::size_t bytes = std::size_t(o.copy_MiB * 1024 * 1024);
  std::printf("\n== copy: a[i] = b[i], 2 × %.0f MiB, %d repeats, backend %s\n", o.copy_MiB, o.repeats,
              o.backend.c_str());
  try {
    if (o.backend == "cpu") {
      const CopyMeasurement m = measure_host_copy(bytes, o.repeats);
      std::printf("   samples GB/s:");
      for (double g : m.samples_GBps) std::printf(" %.2f", g);
      std::printf("\n   median %.2f GB/s, best %.2f GB/s (read + write bytes)\n", m.median_GBps, m.best_GBps);
      rows.push_back({"copy", "2×" + fmt("%.0f", o.copy_MiB) + " MiB", "copy bandwidth (median)", fmt("%.2f GB/s", m.median_GBps)});
      return m.median_GBps;
    }
    const double g = measured_copy_bandwidth_GBps(o.backend, bytes, o.repeats);
    rows.push_back({"copy", "2×" + fmt("%.0f", o.copy_MiB) + " MiB", "copy bandwidth (median)", fmt("%.2f GB/s", g)});
    return g;
  } catch (const std::exception& e) {
    std::printf("   copy bandwidth unavailable: %s\n", e.what());
    rows.push_back({"copy", "-", "copy bandwidth", std::string("unavailable: ") + e.what()});
    return 0.0;
  }
}

// --- 4. explicit cases -----------------------------------------------------------------------------

void run_explicit(const Options& o, const std::string& name, const BenchModel& bm, double copy_GBps,
                  std::vector<Row>& rows) {
  const Model& model = bm.model;
  const std::string grid = std::to_string(bm.grid.nx) + "³×" + std::to_string(model.species.size());
  std::printf("\n== explicit step, %s: %s voxels × species, backend %s\n", name.c_str(), grid.c_str(),
              o.backend.c_str());
  const double assembly_start = omp_get_wtime();
  kernels::Problem p = assemble_problem(model, bm.grid, {});  // face weights 1: staircase areas
  const Work work = count_work(p);
  const double dt = std::min(model.run.dt_safety * explicit_step_limit(model, p), model.run.dt_max_s);
  const kernels::StepRates rates = rates_at(model, p, 0.0);
  std::printf("   assembled in %.2f s: %ld membrane faces, %ld reaction voxels, %ld active voxel-species "
              "(%.1f %% of the box), dt = %.3g s\n",
              omp_get_wtime() - assembly_start, p.faces.size(), long(p.reaction_voxels.size()), work.active_voxel_species,
              100.0 * double(work.active_voxel_species) / (double(work.voxels) * p.n_species), dt);

  std::unique_ptr<step::Stepper> backend;
  try {
    backend = make_backend(o);
  } catch (const std::exception& e) {
    std::printf("   backend %s unavailable: %s\n", o.backend.c_str(), e.what());
    rows.push_back({name, grid, "explicit step", "backend unavailable"});
    return;
  }
  std::printf("   device: %s\n", backend->device().c_str());
  std::vector<double> c0 = initial_concentrations(model, p);

  // Per pass (CPU executor only: these are the kernels::cpu functions).
  std::vector<std::pair<std::string, double>> passes;
  if (o.backend == "cpu") passes = time_cpu_passes(p, rates, dt, c0, o.repeats);

  backend->load(p, c0);
  c0 = std::vector<double>();  // the backend holds its own copy; free ours before timing
  long rejected = 0;
  std::vector<double> step_s;
  for (int r = -o.warmup; r < o.repeats; ++r) {
    const double t_start = omp_get_wtime();
    const kernels::StepTotals totals = backend->explicit_step(rates, dt);
    const double seconds = omp_get_wtime() - t_start;
    if (!(totals.min_concentration >= 0.0)) ++rejected;
    if (r >= 0) step_s.push_back(seconds);
  }
  const double t_step = median(step_s);
  const double updates = double(work.active_voxel_species) / t_step;
  const double GBps = work.bytes() / t_step * 1e-9;
  std::printf("   step times (s):");
  for (double t : step_s) std::printf(" %.4f", t);
  std::printf("\n   median step %.4f s; %.3g active voxel-species updates/s; %.2f GB/s achieved "
              "(%.1f MB minimal per step)",
              t_step, updates, GBps, work.bytes() * 1e-6);
  if (copy_GBps > 0) std::printf(" = %.0f %% of copy %.2f GB/s", 100.0 * GBps / copy_GBps, copy_GBps);
  std::printf("\n");
  if (rejected) std::printf("   WARNING: %ld of %d steps were rejected (negative concentration)\n", rejected, o.warmup + o.repeats);
  double pass_sum = 0;
  for (const auto& [pass, t] : passes) pass_sum += t;
  for (const auto& [pass, t] : passes)
    std::printf("   pass %-16s %.4f s  (%4.1f %% of the passes' sum %.4f s)\n", pass.c_str(), t,
                100.0 * t / pass_sum, pass_sum);

  rows.push_back({name, grid, "median step", fmt("%.4f s", t_step)});
  rows.push_back({name, grid, "active updates/s", fmt("%.3g", updates)});
  rows.push_back({name, grid, "achieved bandwidth", fmt("%.2f GB/s", GBps) +
                                     (copy_GBps > 0 ? fmt(" (%.0f %% of copy)", 100.0 * GBps / copy_GBps) : "")});
  if (!passes.empty()) {
    std::string split;
    for (const auto& [pass, t] : passes) split += (split.empty() ? "" : ", ") + pass + fmt(" %.0f%%", 100.0 * t / pass_sum);
    rows.push_back({name, grid, "passes", split});
  }
}

// --- 4b. implicit cases ----------------------------------------------------------------------------

// Backend::implicit_step with the LOD solver at a fixed step (implicit_dt_factor × the explicit
// step): the membrane + reaction substeps (none in pure diffusion), the clamps, then three directional
// sweeps of Thomas solves per species. Timed as the explicit step is (host wall-clock around a call
// that returns its minimum to the host, so complete on CUDA too). Bytes: the same minimal model
// (16 B per active voxel-species + 1 B per voxel), so the ratio to copy reads as the explicit one's;
// a sweep per direction that reads and writes the state moves at least 3× that, printed beside it.
void run_implicit(const Options& o, const std::string& name, const BenchModel& bm, double copy_GBps,
                  std::vector<Row>& rows) {
  const Model& model = bm.model;
  const std::string grid = std::to_string(bm.grid.nx) + "³×" + std::to_string(model.species.size());
  const std::string label = "implicit " + name;
  std::printf("\n== implicit step (LOD), %s: %s voxels × species, backend %s\n", name.c_str(), grid.c_str(),
              o.backend.c_str());
  const double assembly_start = omp_get_wtime();
  const kernels::Problem p = assemble_problem(model, bm.grid, {});
  const Work work = count_work(p);
  const double dt_explicit =
      std::min(model.run.dt_safety * explicit_step_limit(model, p), model.run.dt_max_s);
  const double dt = o.implicit_dt_factor * dt_explicit;
  const kernels::StepRates rates = rates_at(model, p, 0.0);
  step::ImplicitOptions implicit;
  implicit.solver = step::ImplicitOptions::Solver::lod;
  implicit.local_dt_max_s = model.run.dt_safety * local_step_limit(model, p);
  std::printf("   assembled in %.2f s: %ld active voxel-species; dt = %.3g s (%g × the explicit %.3g s), "
              "local substeps %s\n", omp_get_wtime() - assembly_start, work.active_voxel_species, dt,
              o.implicit_dt_factor, dt_explicit,
              implicit.local_dt_max_s < 1e100 ? fmt("≤ %.3g s", implicit.local_dt_max_s).c_str() : "none");
  std::vector<double> sweeps;  // the LOD factors one by one (CPU)
  if (o.backend == "cpu") sweeps = time_cpu_lod_sweeps(p, rates, dt, initial_concentrations(model, p), o.repeats);
  std::unique_ptr<step::Stepper> backend;
  try {
    backend = make_backend(o);
    backend->load(p, initial_concentrations(model, p));
  } catch (const std::exception& e) {
    std::printf("   backend %s unavailable: %s\n", o.backend.c_str(), e.what());
    rows.push_back({label, grid, "median LOD step", std::string("unavailable: ") + e.what()});
    return;
  }
  std::printf("   device: %s\n", backend->device().c_str());
  long failed = 0, substeps = 0;
  std::vector<double> step_s;
  for (int r = -o.warmup; r < o.repeats; ++r) {
    const double t_start = omp_get_wtime();
    const step::ImplicitStepReport report = backend->implicit_step(rates, dt, implicit);
    const double seconds = omp_get_wtime() - t_start;
    if (!(report.converged && report.totals.min_concentration >= 0.0)) ++failed;
    substeps += report.local_substeps;
    if (r >= 0) step_s.push_back(seconds);
  }
  const double t_step = median(step_s);
  const double updates = double(work.active_voxel_species) / t_step;
  const double GBps = work.bytes() / t_step * 1e-9;
  std::printf("   step times (s):");
  for (double t : step_s) std::printf(" %.4f", t);
  std::printf("\n   median step %.4f s (%.3g local substeps/step); %.3g active voxel-species updates/s; "
              "%.2f GB/s achieved (%.1f MB minimal per step; ≥ %.2f GB/s counting a read + write per sweep)",
              t_step, double(substeps) / double(o.warmup + o.repeats), updates, GBps, work.bytes() * 1e-6,
              3.0 * GBps);
  if (copy_GBps > 0) std::printf(" = %.0f %% of copy %.2f GB/s", 100.0 * GBps / copy_GBps, copy_GBps);
  std::printf("\n");
  print_lod_sweeps(sweeps, work, copy_GBps);
  if (failed)
    std::printf("   WARNING: %ld of %d steps failed (negative concentration)\n", failed, o.warmup + o.repeats);
  rows.push_back({label, grid, "median LOD step", fmt("%.4f s", t_step) + fmt(" (dt %.3g s)", dt)});
  rows.push_back({label, grid, "active updates/s", fmt("%.3g", updates)});
  const std::string of_copy = copy_GBps > 0 ? fmt(" (%.0f %% of copy)", 100.0 * GBps / copy_GBps) : "";
  rows.push_back({label, grid, "achieved bandwidth", fmt("%.2f GB/s", GBps) + of_copy});
}

// --- 5. the BioFVM peer ----------------------------------------------------------------------------

// BioFVM 1.1.7 LOD on these machines (DESIGN §8), measured in another session: ratios to these are
// not side-by-side results (bench/RESULTS.md, 2026-12-04); bench/peer-compare.sh measures one.
constexpr double biofvm_hours_per_day = 46.0;
constexpr double biofvm_updates_per_s_8 = 5e7;

// One peer run: `n_steps` steps of length dt (the first `warmup` untimed) on nx × nyz × nyz voxels
// from c = 1 + cos(πx/L), then the cosine mode's amplitude against exp(−(Dk² + λ)t).
struct PeerRun {
  long steps = 0, failed = 0;
  double t_end_s = 0;
  double median_step_s = 0, wall_s = 0;
  double amplitude_error = 0;  // |A/A_exact − 1|, worst species
  double mean_error = 0;       // |mean/exp(−λt) − 1|, worst species
  double local_substeps_per_step = 0;  // implicit: membrane + reaction substeps
  double theta_min = 1;                // extrapolated: smallest θ taken
  Work work;
  std::vector<std::pair<std::string, double>> passes;
  std::vector<double> lod_sweeps;  // implicit, CPU: seconds per LOD factor (x, y, z)
};

PeerRun run_peer_steps(const Options& o, int nx, int nyz, const step::ImplicitOptions* implicit,
                       double dt, long n_steps, int warmup, bool time_passes_too, bool extrapolated = false,
                       std::vector<double>* final_c = nullptr) {
  constexpr int ns = 8;
  const PeerCoefficients coefficients = peer_coefficients(o.peer_variant, ns);
  const BenchModel bm = biofvm_peer(nx, nyz, nyz, ns, &coefficients);
  const kernels::Problem p = assemble_problem(bm.model, bm.grid, {});
  PeerRun run;
  run.work = count_work(p);
  const kernels::StepRates rates = rates_at(bm.model, p, 0.0);
  std::unique_ptr<step::Stepper> backend = make_backend(o);  // throws when unavailable
  {
    const std::vector<double> c0 = peer_initial_state(p);
    if (time_passes_too && !implicit && o.backend == "cpu") run.passes = time_cpu_passes(p, rates, dt, c0, o.repeats);
    if (time_passes_too && implicit && !extrapolated && o.backend == "cpu")
      run.lod_sweeps = time_cpu_lod_sweeps(p, rates, dt, c0, o.repeats);
    backend->load(p, c0);
  }
  // sources: after every 0.6 s of steps the agents update their voxels. lactosim has no per-voxel
  // source input, so the coupling goes through the whole state (read, update, load), as a user's
  // agent code would have to today; it is timed with the step that ends the interval.
  const bool sources = o.peer_variant == "sources";
  const PeerAgents agents = sources ? peer_agents(p) : PeerAgents{};
  const long steps_per_interval = std::max(1L, std::lround(peer_agent_interval_s / dt));
  if (sources && std::abs(double(steps_per_interval) * dt - peer_agent_interval_s) > 1e-9)
    throw std::invalid_argument("--peer-variant sources: the step must divide 0.6 s (got " + fmt("%g s)", dt));
  std::vector<double> coupled;
  std::vector<double> step_s;
  long substeps = 0;
  const double wall0 = omp_get_wtime();
  for (long q = 0; q < n_steps; ++q) {
    const double t0 = omp_get_wtime();
    double min_c = 0;
    if (implicit && extrapolated) {
      // The error estimate (state_difference) is the controller's; timed with it.
      const ExtrapolatedStep e = extrapolated_step(*backend, rates, dt, *implicit, o.peer_time_order);
      run.theta_min = std::min(run.theta_min, e.theta);
      min_c = e.ok() ? 0.0 : -1.0;
      substeps += e.local_substeps;
    } else if (implicit) {
      const step::ImplicitStepReport r = backend->implicit_step(rates, dt, *implicit);
      min_c = r.converged ? r.totals.min_concentration : -1.0;
      substeps += r.local_substeps;
    } else {
      min_c = backend->explicit_step(rates, dt).min_concentration;
    }
    if (sources && (q + 1) % steps_per_interval == 0) {
      backend->read_concentrations(coupled);
      apply_peer_agents(p, agents, (q + 1) / steps_per_interval - 1, coupled);
      backend->load(p, coupled);
    }
    if (q >= warmup) step_s.push_back(omp_get_wtime() - t0);
    if (!(min_c >= 0.0)) ++run.failed;
  }
  run.wall_s = omp_get_wtime() - wall0;
  run.steps = n_steps;
  run.t_end_s = dt * double(n_steps);
  run.median_step_s = median(step_s);
  run.local_substeps_per_step = double(substeps) / double(n_steps);

  std::vector<double> c;
  backend->read_concentrations(c);
  const PeerErrors e = peer_errors(p, c, run.t_end_s, &coefficients);
  run.amplitude_error = sources ? std::nan("") : e.amplitude;  // sources: no closed form (run_peer_column)
  run.mean_error = sources ? std::nan("") : e.mean;
  if (final_c) *final_c = std::move(c);
  return run;
}

// sources: max over species of ‖c − ref‖₂/‖ref‖₂ over the column's voxels.
double column_error(const kernels::Problem& p, const std::vector<double>& c, const std::vector<double>& ref) {
  const kernels::Block& b = p.block;
  const long nv = b.padded_voxels();
  double worst = 0;
  for (int s = 0; s < p.n_species; ++s) {
    double d2 = 0, r2 = 0;
    for (int kz = 0; kz < b.nz; ++kz)
      for (int j = 0; j < b.ny; ++j)
        for (int i = 0; i < b.nx; ++i) {
          const double r = ref[std::size_t(s * nv + b.index(i, j, kz))];
          const double d = c[std::size_t(s * nv + b.index(i, j, kz))] - r;
          d2 += d * d;
          r2 += r * r;
        }
    worst = std::max(worst, std::sqrt(d2 / r2));
  }
  return worst;
}

// The error runs use a column nx × 4 × 4: the cosine mode is uniform in y and z and the walls are
// zero-flux, so the n³ solution is this column repeated (the full-grid runs report their own error
// at their shorter time as a check). One thread: the column is too small to share.
PeerRun run_peer_column(const Options& o, const step::ImplicitOptions* implicit, double dt,
                        bool extrapolated = false) {
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  // Whole steps to T: the step is adjusted to land on T; say so when that changes it by > 1 %.
  const long n_steps = std::max(1L, long(std::llround(o.peer_time_s / dt)));
  const double dt_used = o.peer_time_s / double(n_steps);
  if (std::abs(dt_used - dt) > 0.01 * dt)
    std::printf("   note: the column runs %ld step(s) of %g s, not %g s, to land on T = %g s\n", n_steps,
                dt_used, dt, o.peer_time_s);
  std::vector<double> c;
  PeerRun run = run_peer_steps(o, o.peer_size, 4, implicit, dt_used, n_steps, 0, false, extrapolated, &c);
  if (o.peer_variant == "sources" && !implicit) {
    run.amplitude_error = std::nan("");  // the reference is an implicit run; --peer-explicit off
  } else if (o.peer_variant == "sources") {
    // The reference: the same coupled problem with 20 extrapolated steps per 0.6 s interval (one
    // side's fine-step run, issue #20; its error against a 40-step run is printed once).
    static std::vector<double> reference;
    const kernels::Problem column = [&] {
      const PeerCoefficients co = peer_coefficients(o.peer_variant, 8);
      const BenchModel bm = biofvm_peer(o.peer_size, 4, 4, 8, &co);
      return assemble_problem(bm.model, bm.grid, {});
    }();
    if (reference.empty()) {
      const long per = 20, intervals = std::lround(o.peer_time_s / peer_agent_interval_s);
      run_peer_steps(o, o.peer_size, 4, implicit, peer_agent_interval_s / per, per * intervals, 0, false, true, &reference);
      std::vector<double> finer;
      run_peer_steps(o, o.peer_size, 4, implicit, peer_agent_interval_s / (2 * per), 2 * per * intervals, 0, false,
                     true, &finer);
      std::printf("   sources: reference = %ld extrapolated steps of %g s to T = %g s; its own error (against "
                  "steps of half that) %.2e\n", per * intervals, peer_agent_interval_s / per,
                  double(intervals) * peer_agent_interval_s, column_error(column, reference, finer));
      if (!o.peer_reference_out.empty()) {
        std::ofstream out(o.peer_reference_out);
        const kernels::Block& b = column.block;
        out.precision(17);
        for (int s = 0; s < column.n_species; ++s)
          for (int i = 0; i < b.nx; ++i) out << i << ' ' << s << ' ' << reference[std::size_t(s * b.padded_voxels() + b.index(i, 0, 0))] << '\n';
        if (!out) throw std::runtime_error("cannot write " + o.peer_reference_out);
      }
    }
    run.amplitude_error = column_error(column, c, reference);
  }
  omp_set_num_threads(threads);
  return run;
}

void run_peer(const Options& o, double copy_GBps, std::vector<Row>& rows) {
  const int n = o.peer_size, ns = 8;
  const std::string grid = std::to_string(n) + "³×" + std::to_string(ns);
  const PeerCoefficients coefficients = peer_coefficients(o.peer_variant, ns);
  std::printf("\n== peer (BioFVM): %s, dx = 10 µm, %s, zero-flux walls, "
              "c0 = 1 + cos(πx/L), backend %s\n", grid.c_str(),
              o.peer_variant == "base" ? "D = 1e5 µm²/min, λ = 0.1/min each"
                                       : "variant mixed: 8 different D and λ (bench_models.hpp)",
              o.backend.c_str());
  const BenchModel bm = biofvm_peer(n, 4, 4, ns, &coefficients);
  const kernels::Problem column = assemble_problem(bm.model, bm.grid, {});
  const double dt_limit = explicit_step_limit(bm.model, column);
  const double dt_explicit = bm.model.run.dt_safety * dt_limit;
  const double steps_per_day = 86400.0 / dt_explicit;
  std::printf("   explicit step limit %.5g s (1/(6D/h² + λ)); step %.5g s (%.2f × limit) → %.3g steps per "
              "simulated day\n", dt_limit, dt_explicit, bm.model.run.dt_safety, steps_per_day);
  std::printf("   BioFVM LOD (DESIGN §8, another session: ratios to it are not side by side, see "
              "bench/peer-compare.sh): %.0f h wall per simulated day, %.0e voxel-substrate updates/s\n",
              biofvm_hours_per_day, biofvm_updates_per_s_8);

  // BioFVM's own error on this problem at its 0.6 s step, from its scheme's amplification of the
  // cosine mode (diffusion_decay_solver__constant_coefficients_LOD_3D, as read in BioFVM 1.0.4 and as
  // 1.1.7 measures, 2.04e-3 on the base problem (issue #20): per direction (1 + dt·λ/3 + 2dt·D/h²) on the diagonal, so the mode's factor per step is
  // 1/[(1 + dt·λ/3)²(1 + dt·λ/3 + dt·σ)], σ = (4D/h²) sin²(kh/2) the discrete eigenvalue); the worst
  // species.
  {
    const double dt_biofvm = 0.6, k = M_PI / (n * peer_h_m);
    const double steps = std::round(o.peer_time_s / dt_biofvm);
    double err = 0;
    for (int s = 0; s < ns; ++s) {
      const double D = coefficients.D_m2_per_s[s], lambda = coefficients.decay_per_s[s];
      const double sigma = 4.0 * D / (peer_h_m * peer_h_m) * std::pow(std::sin(k * peer_h_m / 2), 2);
      const double factor = 1.0 / (std::pow(1.0 + dt_biofvm * lambda / 3, 2) * (1.0 + dt_biofvm * lambda / 3 + dt_biofvm * sigma));
      err = std::max(err, std::abs(std::pow(factor, steps) / std::exp(-(D * k * k + lambda) * o.peer_time_s) - 1.0));
    }
    std::printf("   BioFVM's scheme at its 0.6 s step: amplitude error %.2e after %g s (its amplification factor, exact)\n",
                err, o.peer_time_s);
    rows.push_back({"peer BioFVM LOD dt=0.6 s", grid, "amplitude error (its scheme, analytic)", fmt("%.2e", err) + fmt(" at T = %g s", o.peer_time_s)});
  }

  if (o.peer_explicit) {
    // Explicit: timed on the full grid, error from the column over the longer time.
    PeerRun full, col;
    try {
      full = run_peer_steps(o, n, n, nullptr, dt_explicit, o.warmup + o.peer_steps, o.warmup, true);
      col = run_peer_column(o, nullptr, dt_explicit);
    } catch (const std::exception& e) {
      std::printf("   backend %s unavailable: %s\n", o.backend.c_str(), e.what());
      rows.push_back({"peer", grid, "explicit", std::string("unavailable: ") + e.what()});
      return;
    }
    const double hours = steps_per_day * full.median_step_s / 3600.0;
    const double updates = double(full.work.active_voxel_species) / full.median_step_s;
    const double GBps = full.work.bytes() / full.median_step_s * 1e-9;
    std::printf("   explicit, %s: median step %.4f s over %d steps%s; %.3g voxel-substrate updates/s (×%.2f "
                "BioFVM); %.2f GB/s achieved%s\n", grid.c_str(), full.median_step_s, o.peer_steps,
                full.failed ? " (WARNING: failed steps)" : "", updates, updates / biofvm_updates_per_s_8, GBps,
                copy_GBps > 0 ? fmt(" = %.0f %% of copy", 100.0 * GBps / copy_GBps).c_str() : "");
    for (const auto& [pass, t] : full.passes) std::printf("   pass %-16s %.4f s\n", pass.c_str(), t);
    std::printf("   explicit, %s: amplitude error %.2e after %.3g s (mean: %.2e)\n", grid.c_str(),
                full.amplitude_error, full.t_end_s, full.mean_error);
    std::printf("   explicit, column %d×4×4: amplitude error %.2e after %.3g s (%ld steps; mean: %.2e)\n", n,
                col.amplitude_error, col.t_end_s, col.steps, col.mean_error);
    std::printf("   explicit: projected wall per simulated day %.3g steps × %.4f s = %.1f h = %.2f × BioFVM's %.0f h\n",
                steps_per_day, full.median_step_s, hours, hours / biofvm_hours_per_day, biofvm_hours_per_day);
    rows.push_back({"peer explicit", grid, "step limit / step", fmt("%.4g s", dt_limit) + fmt(" / %.4g s", dt_explicit)});
    rows.push_back({"peer explicit", grid, "median step", fmt("%.4f s", full.median_step_s)});
    rows.push_back({"peer explicit", grid, "updates/s", fmt("%.3g", updates) + fmt(" (×%.2f BioFVM 5e7)", updates / biofvm_updates_per_s_8)});
    rows.push_back({"peer explicit", grid, "achieved bandwidth", fmt("%.2f GB/s", GBps) + (copy_GBps > 0 ? fmt(" (%.0f %% of copy)", 100.0 * GBps / copy_GBps) : "")});
    rows.push_back({"peer explicit", grid, "wall per simulated day", fmt("%.1f h", hours) + fmt(" (×%.2f BioFVM 46 h)", hours / biofvm_hours_per_day)});
    rows.push_back({"peer explicit", grid, "amplitude error", fmt("%.2e", col.amplitude_error) + fmt(" at T = %g s", col.t_end_s)});
  }

  // Implicit (backward-Euler LOD, the engine's implicit_step) at fixed steps: BioFVM's own 0.6 s
  // (0.01 min), then 10× and 100× — wall per simulated day against the error each step costs.
  step::ImplicitOptions implicit;
  implicit.solver = step::ImplicitOptions::Solver::lod;
  implicit.local_dt_max_s = bm.model.run.dt_safety * local_step_limit(bm.model, column);
  for (double dt : o.peer_implicit_dt_s) {
    const std::string label = "peer implicit LOD dt=" + fmt("%g s", dt);
    try {
      const PeerRun f = run_peer_steps(o, n, n, &implicit, dt, o.warmup + o.peer_steps, o.warmup, true);
      const PeerRun c = run_peer_column(o, &implicit, dt);
      const double h = 86400.0 / dt * f.median_step_s / 3600.0;
      const double u = double(f.work.active_voxel_species) / f.median_step_s;
      std::printf("   implicit LOD dt = %g s, %s: median step %.4f s%s (%.3g local substeps/step); %.3g "
                  "voxel-substrate updates/s (×%.2f BioFVM)\n", dt, grid.c_str(), f.median_step_s,
                  f.failed ? " (WARNING: failed steps)" : "", f.local_substeps_per_step, u, u / biofvm_updates_per_s_8);
      const double GBps = f.work.bytes() / f.median_step_s * 1e-9;
      std::printf("   implicit LOD dt = %g s: %.2f GB/s achieved (%.1f MB minimal per step)%s\n", dt, GBps,
                  f.work.bytes() * 1e-6, copy_GBps > 0 ? fmt(" = %.1f %% of copy", 100.0 * GBps / copy_GBps).c_str() : "");
      print_lod_sweeps(f.lod_sweeps, f.work, copy_GBps);
      std::printf("   implicit LOD dt = %g s: amplitude error %.2e after %.3g s (column; %s: %.2e after %.3g s); "
                  "wall per simulated day %.2f h = %.3f × BioFVM's %.0f h\n", dt, c.amplitude_error, c.t_end_s,
                  grid.c_str(), f.amplitude_error, f.t_end_s, h, h / biofvm_hours_per_day, biofvm_hours_per_day);
      rows.push_back({label, grid, "median step", fmt("%.4f s", f.median_step_s)});
      rows.push_back({label, grid, "updates/s", fmt("%.3g", u) + fmt(" (×%.2f BioFVM 5e7)", u / biofvm_updates_per_s_8)});
      rows.push_back({label, grid, "achieved bandwidth", fmt("%.2f GB/s", GBps) + (copy_GBps > 0 ? fmt(" (%.1f %% of copy)", 100.0 * GBps / copy_GBps) : "")});
      rows.push_back({label, grid, "wall per simulated day", fmt("%.2f h", h) + fmt(" (×%.3f BioFVM 46 h)", h / biofvm_hours_per_day)});
      rows.push_back({label, grid, "amplitude error", fmt("%.2e", c.amplitude_error) + fmt(" at T = %g s", c.t_end_s)});
    } catch (const std::exception& e) {
      std::printf("   implicit LOD dt = %g s: unavailable: %s\n", dt, e.what());
      rows.push_back({label, grid, "implicit", std::string("unavailable: ") + e.what()});
    }
  }
  // The same LOD step doubled and Richardson-extrapolated (run.time_order = 2, what `lactosim run`
  // does at every accepted step): three solves per step, second order in time. --peer-time-order 3
  // or 4: the extrapolated implicit Euler of that order (6 or 10 solves).
  const int solves = o.peer_time_order * (o.peer_time_order + 1) / 2;
  const std::string kind = o.peer_time_order == 2 ? "" : fmt(" order %g", double(o.peer_time_order));
  for (double dt : o.peer_extrapolated_dt_s) {
    const std::string label = "peer LOD extrapolated" + kind + " dt=" + fmt("%g s", dt);
    try {
      const PeerRun f = run_peer_steps(o, n, n, &implicit, dt, o.warmup + o.peer_steps, o.warmup, false, true);
      const PeerRun c = run_peer_column(o, &implicit, dt, true);
      const double h = 86400.0 / dt * f.median_step_s / 3600.0;
      const double u = solves * double(f.work.active_voxel_species) / f.median_step_s;
      std::printf("   LOD extrapolated%s dt = %g s, %s: median step %.4f s (%d solves)%s; %.3g voxel-substrate "
                  "solve-updates/s; θ min %.3f\n", kind.c_str(), dt, grid.c_str(), f.median_step_s, solves,
                  f.failed ? " (WARNING: failed steps)" : "", u, std::min(f.theta_min, c.theta_min));
      std::printf("   LOD extrapolated%s dt = %g s: amplitude error %.2e after %.3g s (column; %s: %.2e after %.3g s); "
                  "wall per simulated day %.2f h = %.3f × BioFVM's %.0f h (%.1f× less; not side by side)\n", kind.c_str(), dt, c.amplitude_error,
                  c.t_end_s, grid.c_str(), f.amplitude_error, f.t_end_s, h, h / biofvm_hours_per_day,
                  biofvm_hours_per_day, biofvm_hours_per_day / h);
      rows.push_back({label, grid, fmt("median step (%g solves)", double(solves)), fmt("%.4f s", f.median_step_s)});
      rows.push_back({label, grid, "wall per simulated day", fmt("%.2f h", h) + fmt(" (%.1f× less than BioFVM 46 h, not side by side)", biofvm_hours_per_day / h)});
      rows.push_back({label, grid, "amplitude error", fmt("%.2e", c.amplitude_error) + fmt(" at T = %g s", c.t_end_s)});
    } catch (const std::exception& e) {
      std::printf("   LOD extrapolated dt = %g s: unavailable: %s\n", dt, e.what());
      rows.push_back({label, grid, "implicit", std::string("unavailable: ") + e.what()});
    }
  }
}

// --- 6. the table ----------------------------------------------------------------------------------

void print_table(const Options& o, const std::vector<Row>& rows, const std::string& machine,
                 const std::string& hash, const std::string& date, const std::string& load_start,
                 const std::string& load_end) {
  std::printf("\n== summary (backend %s, %d threads, load %s → %s)\n", o.backend.c_str(),
              omp_get_max_threads(), load_start.c_str(), load_end.c_str());
  std::printf("%-26s %-10s %-32s %s\n", "case", "grid", "metric", "value");
  for (const Row& r : rows) std::printf("%-26s %-10s %-32s %s\n", r.which.c_str(), r.grid.c_str(), r.metric.c_str(), r.value.c_str());
  if (!o.markdown) return;
  std::printf("\n<!-- rows for bench/RESULTS.md -->\n");
  std::printf("| date | machine | commit | backend | threads | load (1/5/15 min) | case | grid | metric | value |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& r : rows)
    std::printf("| %s | %s | %s | %s | %d | %s | %s | %s | %s | %s |\n", date.c_str(), machine.c_str(),
                hash.c_str(), o.backend.c_str(), omp_get_max_threads(), load_start.c_str(), r.which.c_str(),
                r.grid.c_str(), r.metric.c_str(), r.value.c_str());
}

}  // namespace
}  // namespace lactosim::bench

int main(int argc, char** argv) {
  using namespace lactosim::bench;
  Options o;
  try {
    o = parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lactosim_bench: %s\n", e.what());
    return 2;
  }
  if (o.threads > 0) omp_set_num_threads(o.threads);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows line by line when piped to tee

  const std::string machine = cpu_model() + ", " + std::to_string(std::thread::hardware_concurrency()) + " CPUs";
  const std::string hash = commit();
  const std::string load_start = load_average();
  const std::string date = today();  // the start of the run, as the load average beside it
  std::printf("lactosim_bench %s (%s, %s)\nmachine: %s; OpenMP threads: %d; load average %s; %s\n",
              lactosim::build_info::version, lactosim::build_info::build_type, hash.c_str(), machine.c_str(),
              omp_get_max_threads(), load_start.c_str(), date.c_str());

  std::vector<Row> rows;
  try {
    double copy_GBps = 0;
    if (wants(o, "copy") || wants(o, "explicit") || wants(o, "implicit") || wants(o, "peer"))
      copy_GBps = run_copy(o, rows);
    if (wants(o, "explicit")) {
      run_explicit(o, "explicit alveolus cluster", alveolus_cluster(o.size, o.species), copy_GBps, rows);
      run_explicit(o, "explicit pure diffusion", pure_diffusion(o.size, o.species), copy_GBps, rows);
    }
    if (wants(o, "implicit")) {
      run_implicit(o, "pure diffusion", pure_diffusion(o.size, o.species), copy_GBps, rows);
      run_implicit(o, "alveolus cluster", alveolus_cluster(o.size, o.species), copy_GBps, rows);
    }
    if (wants(o, "peer")) run_peer(o, copy_GBps, rows);
  } catch (const std::exception& e) {
    // A failure inside a case (memory, a broken model) is reported; the numbers so far still print.
    std::printf("\nlactosim_bench: stopped early: %s\n", e.what());
  }
  print_table(o, rows, machine, hash, date, load_start, load_average());
  return 0;
}
