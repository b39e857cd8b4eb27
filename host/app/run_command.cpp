// SPDX-License-Identifier: MIT
// `lactosim run`, step by step (TeaLeaf-style driver: the phases in order, one timer each):
//   1. configuration   files + command-line overrides → Model (every error before any computation)
//   2. geometry        generate or import the label grid; the memory estimate against the limit
//                      (refused before anything large exists); face area weights (DESIGN §2)
//   3. output folder   refuse the folder of an input, a non-empty one without --overwrite, one
//                      holding what lactosim did not write with it; check writable and free space
//   4. backend         --backend auto|cpu|cuda (auto: a GPU when one is usable, else the CPU)
//   5. assembly        flat tables on the backend, initial state, balance at t = 0
//   6. time loop       explicit steps to each output time; a snapshot and a CSV row at each
//   7. run record      run.json, written at the start, rewritten after every snapshot (a failed
//                      rewrite is reported and the run goes on), at the end, or on failure
// Checkpoints (host/app/checkpoint.hpp, docs/restart.md): lactosim.checkpoint, written atomically at
// the start, every run.checkpoint_every_wall_s of wall time at a tenth of an output interval (bdf: at an
// output time), on SIGTERM/SIGUSR1 and at the end; `--restart DIR` takes the configuration, the state
// and the outputs' account from it and goes on where it stood.
// SIGINT, SIGTERM or SIGUSR1 (Ctrl-C; a batch scheduler at its wall-time limit — Slurm, PBS and LSF
// send SIGTERM or, when asked for a warning before the kill, SIGUSR1) stops the run at the next
// step boundary — an implicit step in progress is abandoned within one membrane substep or CG
// iteration and the state goes back to its start (Stepper::set_stop_flag) — with a last snapshot at
// that time (after the checkpoint: a restart drops it), run.json with status "interrupted", exit
// status 128 + signal.
// A second signal kills at once; every file already written stays whole (each is written under a
// temporary name and renamed).
#include "run_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <exception>

#include <filesystem>
#include <optional>

#include "host/app/backend_choice.hpp"
#include "host/app/checkpoint.hpp"
#include "host/step/mpi_support.hpp"
#include "host/app/memory_estimate.hpp"
#include "host/app/run_outputs.hpp"
#include "host/config/config.hpp"
#include "host/io/output_dir.hpp"
#include "host/well_mixed/well_mixed_command.hpp"
#include "meshes/derived_fields.hpp"
#include "meshes/geometry_options.hpp"

namespace lactosim {
namespace {

class PhaseTimer {
 public:
  explicit PhaseTimer(double& slot) : slot_(slot), start_(std::chrono::steady_clock::now()) {}
  ~PhaseTimer() { slot_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  double& slot_;
  std::chrono::steady_clock::time_point start_;
};

volatile std::sig_atomic_t stop_signal = 0;

extern "C" void request_stop(int signal_number) {
  stop_signal = signal_number;
  std::signal(signal_number, SIG_DFL);  // a second one ends the process
}

const char* signal_name(int signal_number) {
  return signal_number == SIGINT ? "SIGINT" : signal_number == SIGUSR1 ? "SIGUSR1" : "SIGTERM";
}

// What the record says after a snapshot: how far the run got, and with what accuracy so far.
void record_progress(RunRecord& record, const Simulation& sim, const RunOutputs& outputs) {
  record.steps = sim.steps();
  record.rejected_steps = sim.rejected_steps();
  record.simulated_time_s = sim.time();
  record.balance_error_relative = sim.balance_error_relative();
  record.integrator_stats = sim.integrator_stats();
  record.has_bdf_stats = sim.model().run.integrator == "bdf";
  record.bdf_stats = sim.bdf_stats();
  record.has_water_balance = sim.problem().has_flow;
  record.lumen_water_in_m3 = sim.balance().lumen_water_in_m3;
  record.outlet_water_m3 = sim.balance().outlet_water_m3;
  record.water_balance_error_relative = sim.water_balance_error_relative();
  record.secretion_stats = sim.secretion_stats();
  record.drug_exposure = outputs.milk().drug_exposure();
  if (const MilkStore* store = sim.milk_store()) {
    const StoreState& st = store->state();
    RunRecord::Storage& out = record.storage;
    out.present = true;
    out.volume_m3 = st.volume_m3;
    out.fullness = store->fullness();
    out.pressure_kPa = store->pressure_Pa(sim.model_time(sim.time())) * 1e-3;
    out.inflow_m3 = st.inflow_m3;
    out.ejected_m3 = st.ejected_m3;
    out.balance_error_relative = store_balance_error_relative(sim.model().storage, *store);
    constexpr double mL_per_m3 = 1e6, s_per_day = 86400;
    out.gland_ejected_mL = st.ejected_m3 * mL_per_m3 * store->gland_scale();
    out.gland_ejected_mL_per_day = sim.time() > 0 ? out.gland_ejected_mL / (sim.time() / s_per_day) : 0.0;
  }
  record.files = outputs.files();
  if (!record.files.empty()) record.last_snapshot = {record.files.back(), sim.time(), sim.steps()};
  record.peak_resident_bytes = peak_resident_bytes();
}

// Every file the run reads: a folder holding one of them is no output folder.
std::vector<std::string> input_files(const RunArguments& args, const config::LoadedConfig& cfg) {
  std::vector<std::string> inputs = args.config_files;
  if (!cfg.geometry.file.empty()) inputs.push_back(cfg.geometry.file);
  return inputs;
}

// A restart's configuration: the run's own files and overrides (from its checkpoint), unchanged since it
// started — its resolved configuration is compared line by line — with the new overrides, which may
// only touch restart_override_keys(), on top.
config::LoadedConfig restart_config(const RunIdentity& id, const std::vector<std::string>& new_overrides,
                                    const std::string& out_dir) {
  for (const std::string& o : new_overrides) {
    const std::string key = o.substr(0, o.find('='));
    const auto& allowed = restart_override_keys();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string list;
      for (const std::string& k : allowed) list += (list.empty() ? "" : ", ") + k;
      throw std::runtime_error("restart: --" + key + " would change the model of the run in '" + out_dir +
                               "'; a restart may change only " + list);
    }
  }
  const config::LoadedConfig as_started = config::load_config(id.config_files, id.overrides);
  if (as_started.resolved_ini() != id.resolved_config) {
    std::istringstream now(as_started.resolved_ini()), then(id.resolved_config);
    std::string a, b;
    while (std::getline(then, b)) {
      if (!std::getline(now, a)) a = "(nothing)";
      if (a != b) break;
    }
    throw std::runtime_error("restart: the configuration of the run in '" + out_dir +
                             "' has changed since it started: '" + b + "' is now '" + a +
                             "'; restore the files, or start a new run");
  }
  std::vector<std::string> overrides = id.overrides;
  overrides.insert(overrides.end(), new_overrides.begin(), new_overrides.end());
  return config::load_config(id.config_files, overrides);
}

std::vector<std::string> absolute_paths(const std::vector<std::string>& files) {
  std::vector<std::string> out;
  for (const std::string& f : files) out.push_back(std::filesystem::absolute(f).lexically_normal().string());
  return out;
}

}  // namespace

const std::vector<std::string>& restart_override_keys() {
  static const std::vector<std::string> keys = {"run.end_time_s", "run.threads", "run.checkpoint_every_wall_s",
                                                "run.max_memory_GB", "run.stall_timeout_s"};
  return keys;
}

int run_command(const RunArguments& args) {
  RunRecord record;
  stamp_process(record);
  record.command_line = args.command_line;
  record.config_files = args.config_files;
  // Under mpirun every rank runs this function on its slab of the grid (host/decomposition.hpp);
  // rank 0 alone writes the folder's shared files and speaks.
  const int ranks = step::world_size(), rank = step::world_rank();
  const bool mpi = ranks > 1, writer = rank == 0;
  record.ranks = ranks;
  const bool quiet = args.verbosity == Progress::Verbosity::quiet || !writer;
  std::unique_ptr<Simulation> sim;
  bool folder_ready = false;
  const bool restarting = !args.restart_dir.empty();
  const std::string out_dir = restarting ? args.restart_dir : args.out_dir;
  io::OutputManifest manifest(out_dir);
  const std::string run_json = out_dir + "/run.json";
  try {
    // 1. configuration (a restart: the run's own, from its checkpoint)
    config::LoadedConfig cfg;
    RunIdentity identity;
    {
      PhaseTimer t(record.phase_seconds["config"]);
      if (restarting) {
        if (!args.config_files.empty())
          throw std::runtime_error("restart: --restart takes no configuration files (the run's own are named in its "
                                   "checkpoint); got '" + args.config_files.front() + "'");
        LoopPosition stood;
        identity = read_checkpoint_identity(out_dir, &stood);
        cfg = restart_config(identity, args.overrides, out_dir);
        record.config_files = identity.config_files;
        const RunControl& r = cfg.model.run;
        // Nothing left to do — unless the run was killed after its last checkpoint but before its
        // record said so: then the normal path below finishes the record.
        const auto recorded_complete = [&] {
          try {
            return read_run_record(run_json).status == "completed";
          } catch (const std::exception&) {
            return false;
          }
        };
        if (stood.output > int(std::ceil(r.end_time_s / r.output_interval_s - 1e-9)) && recorded_complete()) {
          if (!quiet)
            std::fprintf(stderr, "lactosim: the run in '%s' has reached its end time (%g s); nothing to continue "
                                 "(--run.end_time_s=T takes it further)\n", out_dir.c_str(), r.end_time_s);
          return 0;  // its files, run.json included, stay as they are
        }
      } else {
        cfg = config::load_config(args.config_files, args.overrides);
        // What a restart will load: the same files by absolute path (it may start elsewhere).
        identity = {build_identity(), absolute_paths(args.config_files), args.overrides, {}};
        identity.resolved_config = config::load_config(identity.config_files, identity.overrides).resolved_ini();
      }
    }
    record.resolved_config = cfg.resolved_ini();
    const RunControl& run = cfg.model.run;
    if (well_mixed::well_mixed_mode(cfg)) return well_mixed::run_well_mixed(args, cfg, record, manifest, folder_ready);

    // 2. geometry, and the memory it will all take: the process as it is now plus every array the
    //    run will hold, checked before the label grid is made where its size is known from the
    //    configuration (a lower bound: no faces yet), and in full once the grid exists.
    const MemoryLimit limit = memory_limit(run.max_memory_bytes);
    const double resident_now = resident_bytes();
    std::string why_no_gpu;
    const bool fields_on_device =
        run.backend == "cuda" || (run.backend == "auto" && !kernels::cuda_devices(why_no_gpu).empty());
    const auto check_memory = [&](const MemorySizes& sizes, bool lower_bound) {
      const double estimate = resident_now + run_memory_bytes(sizes, fields_on_device);
      record.memory_estimate_bytes = estimate;
      record.memory_limit_bytes = limit.bytes;
      if (limit.bytes > 0 && estimate > limit.bytes) {
        char why[512];
        std::snprintf(why, sizeof why,
                      "the run needs %san estimated %s of memory, more than the limit of %s (%s): %ld voxels "
                      "x %d species, %ld membrane faces%s; use a larger geometry.voxel_um or a smaller domain, or "
                      "raise the limit with --max-memory GB (run.max_memory_GB)",
                      lower_bound ? "at least " : "", format_bytes(estimate).c_str(), format_bytes(limit.bytes).c_str(),
                      limit.source.c_str(), sizes.interior_voxels, sizes.n_species, sizes.faces,
                      fields_on_device ? " (host part of a CUDA run)" : "");
        throw std::runtime_error(why);
      }
      return estimate;
    };
    if (const auto dims = mesh::grid_dims_before_build(cfg.geometry))
      check_memory(memory_sizes(cfg.model, *dims), true);
    mesh::LabelGrid grid;
    std::vector<float> weights;
    {
      PhaseTimer t(record.phase_seconds["geometry"]);
      grid = mesh::build_label_grid(cfg.geometry);
      check_memory(memory_sizes(cfg.model, grid), false);
      weights = mesh::face_area_weights(grid);
    }
    if (!quiet) {
      std::fprintf(stderr, "lactosim: geometry %s, %d x %d x %d voxels of %.3g um\n",
                   cfg.geometry.kind.c_str(), grid.nx, grid.ny, grid.nz, grid.h_m * 1e6);
      std::fprintf(stderr, "lactosim: memory estimate %s (limit %s, %s)%s\n",
                   format_bytes(record.memory_estimate_bytes).c_str(), format_bytes(limit.bytes).c_str(),
                   limit.source.c_str(), fields_on_device ? "; host memory: the fields live on the GPU" : "");
    }

    // 3. output folder (before the time loop: a full disk or a bad path fails now, not in hour 5)
    const int n_outputs = int(std::ceil(run.end_time_s / run.output_interval_s - 1e-9));
    {
      PhaseTimer t(record.phase_seconds["output_check"]);
      kernels::Problem sizing;
      sizing.block.nx = grid.nx, sizing.block.ny = grid.ny, sizing.block.nz = grid.nz;
      sizing.n_species = int(cfg.model.species.size());
      if (restarting) {
        if (writer) manifest = io::resume_output_directory(out_dir);
      } else if (writer) {
        io::refuse_output_folder_holding_inputs(out_dir, input_files(args, cfg));
        io::prepare_output_directory(out_dir, args.overwrite, RunOutputs::estimate_bytes(sizing, n_outputs));
      }
      step::barrier();  // the folder exists before any rank writes its piece
      folder_ready = writer;
    }

    // 4. backend
    if (mpi && run.backend == "cuda")
      throw std::runtime_error("run.backend = cuda: the CUDA executor does not run under mpirun yet (issue #16); use "
                               "--run.backend=cpu (or auto)");
    BackendChoice choice = choose_backend(mpi ? "cpu" : run.backend, run.threads, run.integrator, run.device);
    if (mpi && run.backend == "auto") choice.note = "cpu under mpirun: the CUDA executor does not run under MPI yet";
    std::unique_ptr<step::Stepper> backend = std::move(choice.backend);
    record.backend = backend->name();
    record.device = backend->device();
    record.backend_note = choice.note;
    record.integrator = run.integrator;
    if (!quiet)
      std::fprintf(stderr, "lactosim: backend %s (%s)%s%s; %s integrator\n", record.backend.c_str(),
                   record.device.c_str(), choice.note.empty() ? "" : " — ", choice.note.c_str(),
                   run.integrator.c_str());

    // 5. assembly (a restart: then the state, and the outputs' account, from the checkpoint)
    std::optional<Checkpoint> resumed;
    {
      PhaseTimer t(record.phase_seconds["assembly"]);
      sim = std::make_unique<Simulation>(cfg.model, grid, weights, std::move(backend),
                                         mpi ? Ranks::mpi_world : Ranks::one);
      if (mpi && !quiet)
        std::fprintf(stderr, "lactosim: %d MPI ranks, each a z slab of about %d planes (halo %d)\n", ranks,
                     grid.nz / ranks, sim->local_problem().block.halo);
      if (restarting) {
        resumed = read_checkpoint(out_dir, *sim);
        sim->restore(resumed->state);
        record.restart = {resumed->restarts + 1, resumed->state.time_s, resumed->bitwise};
        // Snapshots the stopped run wrote after its checkpoint go; the continued run writes them again
        // (on any number of ranks: a decomposed run's .pvti and pieces too).
        if (writer)
          for (int i = int(resumed->outputs.snapshot_times_s.size()); i <= n_outputs + 1; ++i)
            RunOutputs::remove_snapshot(out_dir, i);
        step::barrier();
        if (!quiet)
          std::fprintf(stderr, "lactosim: continuing from the checkpoint at t = %g s (restart %d%s)\n",
                       resumed->state.time_s, record.restart.count,
                       resumed->bitwise ? "" : "; bdf restarted there: agrees with an uninterrupted run within the "
                                               "tolerance, not bit for bit");
      }
    }
    for (const Species& s : cfg.model.species) record.species.push_back(s.name);
    record.nominal_step_s = sim->nominal_step();
    record.status = "running";
    if (writer) {
      manifest.add("run.json");
      write_run_record(run_json, record);
    }
    sim->set_stop_flag(&stop_signal);
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    std::signal(SIGUSR1, request_stop);  // a scheduler's warning before the kill: stop as for SIGTERM

    // 6. time loop: step to each output time (in tenths, for the progress line)
    RunOutputs outputs(out_dir, *sim, manifest, resumed ? &resumed->outputs : nullptr, cfg.output_format);
    const auto snapshot = [&] {  // the files first, then the record that names them
      outputs.write_snapshot(*sim);
      record_progress(record, *sim, outputs);
      if (writer) try_write_run_record(run_json, record, stderr);
    };
    // A stop every rank agrees on (mpirun passes a signal to each rank, each at its own moment): the
    // largest signal number of any rank, asked at the same points by every rank.
    int stopping = stop_signal;
    const auto agree_on_stop = [&] {
      stopping = mpi ? int(sim->backend().communicator().max(double(stop_signal))) : int(stop_signal);
      return stopping != 0;
    };
    // Checkpoints. The split integrators keep nothing outside the State, so any step boundary will do;
    // bdf's periodic ones are taken at output times (with restart points, the state there is kept in
    // memory for a signal's checkpoint).
    const bool bdf = run.integrator == "bdf";
    const int restarts = resumed ? resumed->restarts + 1 : 0;
    auto last_checkpoint = std::chrono::steady_clock::now();
    // Decomposed: the fields gathered into the whole grid's layout (a collective call on every rank),
    // written by rank 0 — one file, which restarts onto any number of ranks.
    const auto write_checkpoint_now = [&](const Checkpoint& c) {
      PhaseTimer t(record.phase_seconds["checkpoint"]);
      if (writer) {
        manifest.add(checkpoint_name);
        write_checkpoint(out_dir, *sim, c, identity);
      }
      step::barrier();  // no rank goes on (and may be killed) before the file is whole
      last_checkpoint = std::chrono::steady_clock::now();
    };
    const auto here = [&](LoopPosition position) {
      const bool bitwise = (!bdf || run.bdf_restart_at_outputs) && (!resumed || resumed->bitwise);  // once not, never
      return Checkpoint{sim->whole_state(), position, outputs.cursor(), bitwise, restarts};
    };
    const auto checkpoint_due = [&] {  // every rank asks at the same points; decomposed, they agree
      const bool due = run.checkpoint_every_wall_s > 0 &&
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - last_checkpoint).count() >=
                           run.checkpoint_every_wall_s;
      return mpi ? sim->backend().communicator().max(due ? 1.0 : 0.0) > 0.0 : due;
    };
    // bdf with restart points: the State at the last output time, what a signal's checkpoint holds (a
    // restart from there is bitwise). Without them a restart is not bitwise anyway: a signal's checkpoint
    // is then the stop point's, and no copy of the fields is kept (1.5 GB on the full lobule).
    const bool keep_last_output = bdf && run.bdf_restart_at_outputs;
    std::optional<Checkpoint> at_last_output;
    Progress progress(run.end_time_s, writer ? args.verbosity : Progress::Verbosity::quiet);
    const bool verbose = args.verbosity == Progress::Verbosity::verbose;  // on every rank (sums below)
    if (progress.verbose()) {  // what was assembled: voxels per compartment, faces per membrane
      const kernels::Problem& p = sim->problem();
      std::vector<long> voxels(p.n_compartments, 0), faces(p.n_membranes, 0);
      for (std::int8_t c : p.compartment)
        if (c >= 0) ++voxels[c];
      for (std::int32_t m : p.faces.membrane) ++faces[m];
      char line[256];
      for (int c = 0; c < p.n_compartments; ++c) {
        std::snprintf(line, sizeof line, "lactosim: compartment %-14s %9ld voxels%s",
                      cfg.model.compartments[c].name.c_str(), voxels[c],
                      cfg.model.compartments[c].clamped ? " (clamped)" : "");
        progress.log(line);
      }
      for (int m = 0; m < p.n_membranes; ++m) {
        std::snprintf(line, sizeof line, "lactosim: membrane %-17s %9ld faces", cfg.model.membranes[m].name.c_str(),
                      faces[m]);
        progress.log(line);
      }
      std::snprintf(line, sizeof line, "lactosim: first step %.3g s (%s integrator)", sim->nominal_step(),
                    run.integrator.c_str());
      progress.log(line);
    }
    const LoopPosition start = resumed ? resumed->position : LoopPosition{1, 1, 0.0};
    if (!resumed) {
      PhaseTimer t(record.phase_seconds["output"]);
      snapshot();
    }
    if (keep_last_output) at_last_output = here(start);
    if (!resumed) write_checkpoint_now(here(start));  // a run killed at once can still be restarted
    // The stop is read at two points, each followed by a checkpoint when it is set: before every tenth
    // (the branch below, "stopped before the output time") and after every output (`write`); the loop
    // ends on the value read there, so a signal is never seen without its checkpoint.
    for (int n = start.output; n <= n_outputs && !stopping; ++n) {
      const double t_output = std::min(run.end_time_s, n * run.output_interval_s);
      const double t_start = n == start.output ? start.interval_start_s : sim->time();
      int part = n == start.output ? start.part : 1;
      while (part <= 10 && !agree_on_stop()) {
        const double target = part == 10 ? t_output : t_start + (t_output - t_start) * part / 10.0;
        {
          PhaseTimer t(record.phase_seconds["stepping"]);
          sim->advance_to(target);
          progress.update(sim->time(), sim->steps());
        }
        if (sim->time() < target) break;  // stopped by a signal inside it: this tenth is done again
        ++part;
        if (!bdf && part <= 10 && checkpoint_due()) write_checkpoint_now(here({n, part, t_start}));
      }
      if (part <= 10) {  // stopped before the output time: the checkpoint, then a last snapshot now
        write_checkpoint_now(keep_last_output ? *at_last_output : here({n, part, t_start}));
        PhaseTimer t(record.phase_seconds["output"]);
        snapshot();
        break;
      }
      {
        PhaseTimer t(record.phase_seconds["output"]);
        snapshot();
      }
      const LoopPosition next{n + 1, 1, t_output};
      const bool stop_now = agree_on_stop();
      const bool write = stop_now || checkpoint_due() || n == n_outputs;
      if (keep_last_output) {
        at_last_output = here(next);
        sim->restart_integrator();  // the restart point: CVODE afresh from this state
        if (write) write_checkpoint_now(*at_last_output);
      } else if (write) {
        write_checkpoint_now(here(next));
      }
      if (verbose) {
        double worst = 0;
        for (double e : sim->balance_error_relative()) worst = std::max(worst, std::abs(e));  // every rank: a sum
        char line[256];
        std::snprintf(line, sizeof line,
                      "lactosim: output %d at t = %.6g s: %ld steps (%ld rejected), last dt %.3g s, "
                      "largest relative balance error %.2e",
                      n, sim->time(), sim->steps(), sim->rejected_steps(), sim->last_step(), worst);
        progress.log(line);
      }
    }
    progress.finish(sim->time(), sim->steps());

    // 7. run record
    agree_on_stop();
    const bool interrupted = stopping && sim->time() < run.end_time_s;
    record.status = interrupted ? "interrupted" : "completed";
    if (interrupted) {
      char why[160];
      std::snprintf(why, sizeof why, "%s at t = %.9g s of %.9g s; the last snapshot is the state then",
                    signal_name(stopping), sim->time(), run.end_time_s);
      record.error = why;
    }
    record_progress(record, *sim, outputs);
    if (writer) write_run_record(run_json, record);
    if (!quiet) {
      std::fprintf(stderr, "lactosim: %ld steps (%ld rejected) to t = %g s in %.2f s; wrote %s\n",
                   sim->steps(), sim->rejected_steps(), sim->time(), progress.wall_seconds(),
                   out_dir.c_str());
      double worst = 0;
      for (double e : record.balance_error_relative) worst = std::max(worst, std::abs(e));
      std::fprintf(stderr, "lactosim: largest relative balance error %.2e\n", worst);
      if (record.has_bdf_stats) {
        const step::BdfStats& b = record.bdf_stats;
        std::fprintf(stderr,
                     "lactosim: bdf: %ld steps (last order %d, last dt %.3g s), %ld Newton iterations (%ld failed, %ld for the balance), "
                     "%ld error-test failures, %ld GMRES iterations (%ld failed), %ld preconditioner setups, f evaluated %ld + "
                     "%ld (Jv) + %ld (blocks) times, refused %ld times\n",
                     b.steps, b.last_order, b.last_step_s, b.newton_iterations, b.newton_failures, b.balance_newton_iterations,
                     b.error_test_failures, b.linear_iterations, b.linear_failures, b.preconditioner_setups, b.rhs_evaluations,
                     b.jv_rhs_evaluations, b.jacobian_rhs_evaluations, b.rhs_failures);
      }
      if (record.has_water_balance)
        std::fprintf(stderr, "lactosim: water into the lumen %.4g uL, out at the outlets %.4g uL (relative "
                     "difference %.1e)\n", record.lumen_water_in_m3 * 1e9, record.outlet_water_m3 * 1e9,
                     record.water_balance_error_relative);
    }
    if (interrupted) {
      if (writer)
        std::fprintf(stderr, "lactosim: stopped by %s at t = %g s; run.json says \"interrupted\"\n",
                     signal_name(stopping), sim->time());
      return 128 + stopping;
    }
    return 0;
  } catch (const std::exception& e) {
    if (mpi)
      std::fprintf(stderr, "lactosim: error on rank %d: %s\n", rank, e.what());
    else
      std::fprintf(stderr, "lactosim: error: %s\n", e.what());
    if (mpi && !writer) {
      step::abort_all(1);  // rank 0 may be waiting in a collective call: end them all
      return 1;
    }
    if (folder_ready) {  // the snapshots already written stay; the record says what happened
      record.status = "failed";
      record.error = e.what();
      if (sim) {
        record.steps = sim->steps();
        record.simulated_time_s = sim->time();
      }
      try {
        manifest.add("run.json");  // a failure before the first record: the manifest may lack it
        write_run_record(run_json, record);
      } catch (const std::exception& e2) {
        std::fprintf(stderr, "lactosim: error: the failure could not be recorded in %s: %s\n",
                     run_json.c_str(), e2.what());
      }
    }
    if (mpi) step::abort_all(1);  // the other ranks may be waiting in a collective call
    return 1;
  }
}

}  // namespace lactosim
