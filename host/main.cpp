// SPDX-License-Identifier: MIT
// lactosim — GPU-accelerated reaction–diffusion simulation of milk secretion.
//
// Sample runs:
//   lactosim run                                   the embedded default (one alveolus, ~1 min)
//   lactosim run configs/default.ini --run.end_time_s=5 --out demo --overwrite
//   lactosim run model.ini scenario.ini --species.Na.D_um2_per_s.cell=400 --backend cpu
//   lactosim run --restart demo --run.end_time_s=10   continue the run in demo/ (to a later end)
//   lactosim mesh configs/default.ini --out alveolus.vti
//   lactosim config --list                         every key with unit, default and meaning
//   lactosim info                                  build options and CUDA devices
//
// Later configs override earlier ones; --section.key=value overrides all (DESIGN §5).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/program_options.hpp>

#include "host/app/info_command.hpp"
#include "host/app/mesh_command.hpp"
#include "host/app/run_command.hpp"
#include "host/step/mpi_support.hpp"
#include "host/config/config.hpp"

namespace po = boost::program_options;
using namespace lactosim;

namespace {

const char* usage =
    "usage: lactosim <command> [options]\n"
    "  run [CONFIG...] [--section.key=value ...]   run a simulation (no CONFIG: embedded default)\n"
    "  mesh [CONFIG...] --out FILE.vti              write the configuration's geometry\n"
    "  config --list | --default                    list every configuration key, or print the default\n"
    "  info                                         build options and CUDA devices\n"
    "Each command takes --help.\n";

// Splits the arguments after the command into declared options, positional configs, and
// --section.key=value overrides (any --name containing a dot). Returns false on --help.
struct Parsed {
  po::variables_map vm;
  std::vector<std::string> configs, overrides;
};

Parsed parse(const std::vector<std::string>& args, const po::options_description& declared) {
  Parsed p;
  std::vector<std::string> rest;
  for (const std::string& a : args) {
    if (a.rfind("--", 0) == 0 && a.find('.') != std::string::npos && a.find('=') != std::string::npos &&
        a.find('.') < a.find('=')) {
      p.overrides.push_back(a.substr(2));
    } else {
      rest.push_back(a);
    }
  }
  po::options_description all;
  all.add(declared).add_options()("config", po::value<std::vector<std::string>>(), "configuration files");
  po::positional_options_description positional;
  positional.add("config", -1);
  po::store(po::command_line_parser(rest).options(all).positional(positional).run(), p.vm);
  po::notify(p.vm);
  if (p.vm.count("config")) p.configs = p.vm["config"].as<std::vector<std::string>>();
  return p;
}

// --restart's help, with the keys a restart may change from the one list run_command checks.
const std::string& restart_help() {
  static const std::string help = [] {
    std::string keys;
    for (const std::string& k : restart_override_keys()) keys += (keys.empty() ? "--" : ", --") + k;
    return "continue the run in this output folder from its checkpoint (lactosim.checkpoint; docs/restart.md): its "
           "own configuration, no CONFIG; only " + keys + " (and --threads, --max-memory) may be given";
  }();
  return help;
}

int run_main(const std::vector<std::string>& args, const std::string& command_line) {
  po::options_description opts("lactosim run [CONFIG...] [--section.key=value ...] [options]");
  opts.add_options()
      ("help,h", "this help")
      ("out,o", po::value<std::string>()->default_value("lactosim-out"), "output folder")
      ("overwrite", "replace lactosim's files in a non-empty output folder")
      ("restart", po::value<std::string>(), restart_help().c_str())
      ("backend", po::value<std::string>(), "auto | cpu | cuda (same as --run.backend=...)")
      ("threads", po::value<int>(), "OpenMP threads (same as --run.threads=...)")
      ("device", po::value<int>(), "CUDA device number (same as --run.device=...)")
      ("max-memory", po::value<double>(),
       "refuse the run if its memory estimate exceeds this many GB (same as --run.max_memory_GB=...; "
       "default: the machine's available memory or cgroup limit)")
      ("quiet,q", "no progress output")
      ("verbose,v", "more progress output");
  const Parsed p = parse(args, opts);
  if (p.vm.count("help")) {
    std::cout << opts << "\nAny configuration key can be set as --section.key=value, e.g. "
                         "--run.end_time_s=5. See `lactosim config --list`.\n";
    return 0;
  }
  RunArguments run;
  run.config_files = p.configs;
  run.overrides = p.overrides;
  if (p.vm.count("backend")) run.overrides.push_back("run.backend=" + p.vm["backend"].as<std::string>());
  if (p.vm.count("threads")) run.overrides.push_back("run.threads=" + std::to_string(p.vm["threads"].as<int>()));
  if (p.vm.count("device")) run.overrides.push_back("run.device=" + std::to_string(p.vm["device"].as<int>()));
  if (p.vm.count("max-memory")) {
    std::ostringstream gb;  // every digit: std::to_string would round 1e-5 to 0.000010
    gb << std::setprecision(17) << p.vm["max-memory"].as<double>();
    run.overrides.push_back("run.max_memory_GB=" + gb.str());
  }
  run.out_dir = p.vm["out"].as<std::string>();
  if (p.vm.count("restart")) {
    if (!p.vm["out"].defaulted() || p.vm.count("overwrite")) {
      std::fprintf(stderr, "lactosim run: --restart DIR writes into DIR: give no --out or --overwrite\n");
      return 2;
    }
    run.restart_dir = p.vm["restart"].as<std::string>();
  }
  run.overwrite = p.vm.count("overwrite") > 0;
  if (p.vm.count("quiet")) run.verbosity = Progress::Verbosity::quiet;
  if (p.vm.count("verbose")) run.verbosity = Progress::Verbosity::verbose;
  run.command_line = command_line;
  return run_command(run);
}

int mesh_main(const std::vector<std::string>& args) {
  po::options_description opts("lactosim mesh [CONFIG...] [--geometry.key=value ...] --out FILE.vti");
  opts.add_options()("help,h", "this help")("out,o", po::value<std::string>(), "label volume to write (.vti)");
  const Parsed p = parse(args, opts);
  if (p.vm.count("help") || !p.vm.count("out")) {
    std::cout << opts;
    return p.vm.count("help") ? 0 : 2;
  }
  return mesh_command(p.configs, p.overrides, p.vm["out"].as<std::string>());
}

int config_main(const std::vector<std::string>& args) {
  po::options_description opts("lactosim config --list | --default");
  opts.add_options()("help,h", "this help")("list", "every key of every section: type, default, meaning")(
      "default", "print the embedded default configuration");
  const Parsed p = parse(args, opts);
  if (p.vm.count("list")) {
    std::cout << config::describe_options();
    return 0;
  }
  if (p.vm.count("default")) {
    std::cout << config::embedded_default_config();
    return 0;
  }
  std::cout << opts;
  return p.vm.count("help") ? 0 : 2;
}

// Idle OpenMP threads sleep instead of spinning, unless the user says otherwise. On a shared node
// (a cluster job beside others, a laptop building code) spinning threads that wait at each of the
// step's barriers were measured to make a 2-thread run 13× slower than 1 thread (bench/RESULTS.md,
// 2026-12-04); sleeping costs a few per cent on an idle machine. libgomp reads OMP_WAIT_POLICY once,
// in a constructor that runs when the library is loaded, before main: a setenv here alone does
// nothing. So set it and re-exec this binary with the same argv — the same process id, so the
// caller's signals and exit status reach the new image unchanged. LACTOSIM_OMP_REEXEC marks the
// second image (no loop); set by the user, it keeps the runtime's default policy. If exec fails,
// carry on as before. Only the commands that compute re-execute (a second load of the binary and its
// libraries costs ~70 ms on a busy 2-core machine; `lactosim config` need not pay it).
void sleep_idle_openmp_threads(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("LACTOSIM_OMP_REEXEC")) return;
  if (argc < 2 || (std::strcmp(argv[1], "run") != 0 && std::strcmp(argv[1], "mesh") != 0)) return;
  setenv("OMP_WAIT_POLICY", "passive", /*overwrite=*/1);
  setenv("LACTOSIM_OMP_REEXEC", "1", /*overwrite=*/1);
  execv("/proc/self/exe", argv);
}

}  // namespace

int main(int argc, char** argv) {
  sleep_idle_openmp_threads(argc, argv);
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);
  try {
    // Launched by mpirun on several ranks: MPI first (host/step/mpi_support.hpp), so that every rank
    // of `lactosim run` steps its slab of the grid (host/decomposition.hpp).
    if (lactosim::step::launched_ranks() > 1) lactosim::step::ensure_mpi();
    if (command == "run") return run_main(args, command_line);
    if (command == "mesh") return mesh_main(args);
    if (command == "config") return config_main(args);
    if (command == "info") return info_command();
    if (command == "--help" || command == "-h" || command == "help") {
      std::fputs(usage, stdout);
      return 0;
    }
    std::fprintf(stderr, "lactosim: unknown command '%s'\n%s", command.c_str(), usage);
    return 2;
  } catch (const po::error& e) {
    std::fprintf(stderr, "lactosim %s: %s (see lactosim %s --help)\n", command.c_str(), e.what(), command.c_str());
    return 2;
  }
}
