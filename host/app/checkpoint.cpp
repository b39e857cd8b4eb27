// SPDX-License-Identifier: MIT
// Checkpoint records (docs/restart.md): the State's own, then these extras —
//   run.build, run.config_files, run.overrides, run.resolved_config   texts (lists one per line)
//   run.loop.output, run.loop.part, run.restarts, run.bitwise          integers
//   run.loop.interval_start_s                                          number
//   run.outputs.snapshot_times_s                                       numbers (one per snapshot)
//   run.outputs.milk_cursor                                            numbers: time, water in, water
//                                                                      out, then outflow per species
//   run.outputs.drug_auc_mM_s                                          numbers: 4 per drug (skim plasma,
//                                                                      skim milk, whole plasma, whole milk)
//   run.outputs.store_cursor                                           number ([storage] on only): the
//                                                                      store's ejected total at the last row
#include "checkpoint.hpp"

#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "build_info.hpp"

namespace lactosim {
namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string path_in(const std::string& out_dir) { return (std::filesystem::path(out_dir) / checkpoint_name).string(); }

template <class Map>
const typename Map::mapped_type& record(const Map& map, const std::string& name, const std::string& path) {
  const auto it = map.find(name);
  if (it == map.end()) throw std::runtime_error(path + ": not a run checkpoint (record '" + name + "' is missing)");
  return it->second;
}

}  // namespace

std::string build_identity() {
  return std::string("lactosim ") + build_info::version + " (git " + build_info::git_hash + ")";
}

void write_checkpoint(const std::string& out_dir, const Simulation& sim, const Checkpoint& c, const RunIdentity& id) {
  StateExtras x;
  x.texts["run.build"] = id.build;
  x.texts["run.config_files"] = joined(id.config_files);
  x.texts["run.overrides"] = joined(id.overrides);
  x.texts["run.resolved_config"] = id.resolved_config;
  x.integers["run.loop.output"] = c.position.output;
  x.integers["run.loop.part"] = c.position.part;
  x.integers["run.restarts"] = c.restarts;
  x.integers["run.bitwise"] = c.bitwise ? 1 : 0;
  x.numbers["run.loop.interval_start_s"] = {c.position.interval_start_s};
  x.numbers["run.outputs.snapshot_times_s"] = c.outputs.snapshot_times_s;
  std::vector<double>& milk = x.numbers["run.outputs.milk_cursor"];
  milk = {c.outputs.milk.time_s, c.outputs.milk.water_in_m3, c.outputs.milk.water_out_m3};
  milk.insert(milk.end(), c.outputs.milk.outflow_mol.begin(), c.outputs.milk.outflow_mol.end());
  x.numbers["run.outputs.drug_auc_mM_s"] = c.outputs.milk.drug_auc_mM_s;
  if (!c.outputs.milk.store_ejected_m3.empty())  // [storage] on only
    x.numbers["run.outputs.store_cursor"] = c.outputs.milk.store_ejected_m3;
  write_state_file(path_in(out_dir), c.state, sim.state_fingerprint(), x);
}

RunIdentity read_checkpoint_identity(const std::string& out_dir, LoopPosition* position) {
  const std::string path = path_in(out_dir);
  if (!std::filesystem::exists(path))
    throw std::runtime_error("restart: '" + out_dir + "' holds no " + checkpoint_name +
                             " (a run writes one when it starts, every run.checkpoint_every_wall_s and on "
                             "SIGTERM/SIGUSR1): nothing to continue from");
  const StateExtras x = read_state_extras(path);
  RunIdentity id;
  id.build = record(x.texts, "run.build", path);
  if (id.build != build_identity())
    throw std::runtime_error(path + ": written by " + id.build + ", this is " + build_identity() +
                             "; a run continues bit for bit only on the build that started it (rerun with that "
                             "build, or start the run afresh)");
  id.config_files = split_lines(record(x.texts, "run.config_files", path));
  id.overrides = split_lines(record(x.texts, "run.overrides", path));
  id.resolved_config = record(x.texts, "run.resolved_config", path);
  if (position) {
    position->output = int(record(x.integers, "run.loop.output", path));
    position->part = int(record(x.integers, "run.loop.part", path));
  }
  return id;
}

Checkpoint read_checkpoint(const std::string& out_dir, const Simulation& sim) {
  const std::string path = path_in(out_dir);
  StateExtras x;
  Checkpoint c;
  c.state = read_state_file(path, sim.state_fingerprint(), &x);
  c.position.output = int(record(x.integers, "run.loop.output", path));
  c.position.part = int(record(x.integers, "run.loop.part", path));
  c.restarts = int(record(x.integers, "run.restarts", path));
  c.bitwise = record(x.integers, "run.bitwise", path) != 0;
  const std::vector<double>& start = record(x.numbers, "run.loop.interval_start_s", path);
  const std::vector<double>& milk = record(x.numbers, "run.outputs.milk_cursor", path);
  if (start.size() != 1 || milk.size() < 3 || c.position.output < 1 ||
      c.position.part < 1 || c.position.part > 10)
    throw std::runtime_error(path + ": a run checkpoint with records out of range");
  c.position.interval_start_s = start[0];
  c.outputs.snapshot_times_s = record(x.numbers, "run.outputs.snapshot_times_s", path);
  c.outputs.milk.time_s = milk[0];
  c.outputs.milk.water_in_m3 = milk[1];
  c.outputs.milk.water_out_m3 = milk[2];
  c.outputs.milk.outflow_mol.assign(milk.begin() + 3, milk.end());
  c.outputs.milk.drug_auc_mM_s = record(x.numbers, "run.outputs.drug_auc_mM_s", path);
  if (x.numbers.count("run.outputs.store_cursor")) c.outputs.milk.store_ejected_m3 = x.numbers.at("run.outputs.store_cursor");
  return c;
}

}  // namespace lactosim
