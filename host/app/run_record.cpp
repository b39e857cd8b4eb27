// SPDX-License-Identifier: MIT
#include "run_record.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "build_info.hpp"
#include "visualization/io/atomic_file.hpp"

namespace lactosim {
namespace {

// Objects keep the order they were written in (the species in balance_error_relative, for one).
using json = nlohmann::ordered_json;

struct Now {
  double unix_s;
  std::string utc;  // ISO 8601 with milliseconds
};

Now now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count();
  const std::time_t seconds = std::time_t(ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03lldZ", ms % 1000);
  return {double(ms) / 1000.0, text};
}

// JSON has no NaN: the writer puts null there, the reader gives it back as NaN.
double number(const json& j) {
  return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>();
}
std::vector<double> numbers(const json& j) {
  std::vector<double> out;
  for (const json& x : j) out.push_back(number(x));
  return out;
}

json to_json(const RunRecord& r, const Now& heartbeat) {
  json j;
  j["program"] = "lactosim";
  j["version"] = build_info::version;
  j["git_hash"] = build_info::git_hash;
  j["build_type"] = build_info::build_type;
  j["compiler"] = build_info::cxx_compiler;
  j["status"] = r.status;
  if (!r.error.empty()) j["error"] = r.error;
  j["pid"] = r.pid;
  j["host"] = r.host;
  j["started_utc"] = r.started_utc;
  j["heartbeat_utc"] = heartbeat.utc;
  j["heartbeat_unix_s"] = heartbeat.unix_s;
  j["command_line"] = r.command_line;
  j["config_files"] = r.config_files;
  j["backend"] = r.backend;
  j["device"] = r.device;
  if (!r.backend_note.empty()) j["backend_note"] = r.backend_note;
  j["ranks"] = r.ranks;
  j["integrator"] = r.integrator;
  if (r.restart.count > 0)
    j["restart"] = {{"count", r.restart.count}, {"from_time_s", r.restart.from_time_s}, {"bitwise", r.restart.bitwise}};
  const IntegratorStats& s = r.integrator_stats;
  j["integrator_stats"] = {{"linear_iterations", s.linear_iterations},
                           {"last_residual", s.last_residual},
                           {"local_substeps", s.local_substeps},
                           {"local_rejected", s.local_rejected},
                           {"error_estimate_mM", s.error_estimate_mM},
                           {"last_error_ratio", s.last_error_ratio},
                           {"solver_residual_mol", s.solver_residual_mol}};
  if (r.has_bdf_stats) {
    const step::BdfStats& b = r.bdf_stats;
    j["bdf_stats"] = {{"steps", b.steps},
                      {"rhs_evaluations", b.rhs_evaluations},
                      {"jv_rhs_evaluations", b.jv_rhs_evaluations},
                      {"jacobian_rhs_evaluations", b.jacobian_rhs_evaluations},
                      {"newton_iterations", b.newton_iterations},
                      {"newton_failures", b.newton_failures},
                      {"balance_newton_iterations", b.balance_newton_iterations},
                      {"balance_corrections", b.balance_corrections},
                      {"balance_corrections_undone", b.balance_corrections_undone},
                      {"error_test_failures", b.error_test_failures},
                      {"linear_iterations", b.linear_iterations},
                      {"linear_failures", b.linear_failures},
                      {"preconditioner_setups", b.preconditioner_setups},
                      {"preconditioner_solves", b.preconditioner_solves},
                      {"rhs_failures", b.rhs_failures},
                      {"last_order", b.last_order},
                      {"last_step_s", b.last_step_s}};
  }
  j["phase_seconds"] = json::object();
  for (const auto& [phase, seconds] : r.phase_seconds) j["phase_seconds"][phase] = seconds;
  j["steps"] = r.steps;
  j["rejected_steps"] = r.rejected_steps;
  j["nominal_step_s"] = r.nominal_step_s;
  j["simulated_time_s"] = r.simulated_time_s;
  j["memory"] = {{"estimate_bytes", r.memory_estimate_bytes},
                 {"limit_bytes", r.memory_limit_bytes},
                 {"peak_resident_bytes", r.peak_resident_bytes}};
  j["balance_error_relative"] = json::object();
  for (std::size_t i = 0; i < r.species.size() && i < r.balance_error_relative.size(); ++i)
    j["balance_error_relative"][r.species[i]] = r.balance_error_relative[i];
  if (r.has_water_balance) {
    j["water_balance"] = {{"lumen_water_in_m3", r.lumen_water_in_m3},
                          {"outlet_water_m3", r.outlet_water_m3},
                          {"error_relative", r.water_balance_error_relative},
                          {"largest_pressure_residual_relative", r.secretion_stats.pressure_residual},
                          {"largest_pressure_iterations", r.secretion_stats.pressure_iterations},
                          {"largest_potential_iterations", r.secretion_stats.potential_iterations},
                          {"largest_potential_residual_A", r.secretion_stats.potential_residual_A}};
  }
  if (r.storage.present) {
    const RunRecord::Storage& st = r.storage;
    j["milk_storage"] = {{"store_volume_m3", st.volume_m3},
                         {"fullness", st.fullness},
                         {"store_pressure_kPa", st.pressure_kPa},
                         {"inflow_m3", st.inflow_m3},
                         {"ejected_m3", st.ejected_m3},
                         {"store_balance_error_relative", st.balance_error_relative},
                         {"gland_ejected_mL", st.gland_ejected_mL},
                         {"gland_ejected_mL_per_day", st.gland_ejected_mL_per_day}};
  }
  if (!r.drug_exposure.empty()) {
    j["drug_exposure"] = json::array();
    for (const RunRecord::DrugExposure& d : r.drug_exposure) {
      json e = {{"species", d.species},
                {"plasma_compartment", d.plasma_compartment},
                {"auc_plasma_mM_h", d.auc_plasma_mM_h},
                {"auc_milk_mM_h", d.auc_milk_mM_h},
                {"milk_to_plasma_auc", d.milk_to_plasma_auc}};
      if (d.has_whole_milk) {
        e["auc_whole_milk_mM_h"] = d.auc_whole_milk_mM_h;
        e["milk_to_plasma_auc_whole_milk"] = d.milk_to_plasma_auc_whole_milk;
      }
      j["drug_exposure"].push_back(e);
    }
  }
  if (!r.last_snapshot.file.empty()) {
    j["last_snapshot"] = {{"file", r.last_snapshot.file},
                          {"time_s", r.last_snapshot.time_s},
                          {"steps", r.last_snapshot.steps}};
  }
  j["files"] = r.files;
  j["resolved_config"] = r.resolved_config;
  if (!r.geometry_summary_json.empty()) j["geometry_summary_json"] = r.geometry_summary_json;
  return j;
}

RunRecord from_json(const json& j) {
  RunRecord r;
  r.status = j.at("status").get<std::string>();
  r.error = j.value("error", "");
  r.pid = j.at("pid").get<long>();
  r.host = j.at("host").get<std::string>();
  r.started_utc = j.at("started_utc").get<std::string>();
  r.heartbeat_utc = j.at("heartbeat_utc").get<std::string>();
  r.heartbeat_unix_s = number(j.at("heartbeat_unix_s"));
  r.command_line = j.at("command_line").get<std::string>();
  r.config_files = j.at("config_files").get<std::vector<std::string>>();
  r.backend = j.at("backend").get<std::string>();
  r.device = j.at("device").get<std::string>();
  r.backend_note = j.value("backend_note", "");
  r.ranks = j.value("ranks", 1);
  r.integrator = j.at("integrator").get<std::string>();
  if (j.contains("restart")) {
    const auto& x = j.at("restart");
    r.restart.count = x.at("count").get<int>();
    r.restart.from_time_s = number(x.at("from_time_s"));
    r.restart.bitwise = x.at("bitwise").get<bool>();
  }
  const json& s = j.at("integrator_stats");
  r.integrator_stats.linear_iterations = s.at("linear_iterations").get<long>();
  r.integrator_stats.last_residual = number(s.at("last_residual"));
  r.integrator_stats.local_substeps = s.at("local_substeps").get<long>();
  r.integrator_stats.local_rejected = s.at("local_rejected").get<long>();
  r.integrator_stats.error_estimate_mM = number(s.at("error_estimate_mM"));
  r.integrator_stats.last_error_ratio = number(s.at("last_error_ratio"));
  r.integrator_stats.solver_residual_mol = numbers(s.at("solver_residual_mol"));
  for (const auto& [phase, seconds] : j.at("phase_seconds").items()) r.phase_seconds[phase] = number(seconds);
  r.steps = j.at("steps").get<long>();
  r.rejected_steps = j.at("rejected_steps").get<long>();
  r.nominal_step_s = number(j.at("nominal_step_s"));
  r.simulated_time_s = number(j.at("simulated_time_s"));
  if (j.contains("memory")) {
    const json& m = j.at("memory");
    r.memory_estimate_bytes = number(m.at("estimate_bytes"));
    r.memory_limit_bytes = number(m.at("limit_bytes"));
    r.peak_resident_bytes = number(m.at("peak_resident_bytes"));
  }
  for (const auto& [species, error] : j.at("balance_error_relative").items()) {
    r.species.push_back(species);
    r.balance_error_relative.push_back(number(error));
  }
  if (j.contains("milk_storage")) {
    const json& w = j.at("milk_storage");
    RunRecord::Storage& st = r.storage;
    st.present = true;
    st.volume_m3 = number(w.at("store_volume_m3"));
    st.fullness = number(w.at("fullness"));
    st.pressure_kPa = number(w.at("store_pressure_kPa"));
    st.inflow_m3 = number(w.at("inflow_m3"));
    st.ejected_m3 = number(w.at("ejected_m3"));
    st.balance_error_relative = number(w.at("store_balance_error_relative"));
    st.gland_ejected_mL = number(w.at("gland_ejected_mL"));
    st.gland_ejected_mL_per_day = number(w.at("gland_ejected_mL_per_day"));
  }
  if (j.contains("water_balance")) {
    const json& w = j.at("water_balance");
    r.has_water_balance = true;
    r.lumen_water_in_m3 = number(w.at("lumen_water_in_m3"));
    r.outlet_water_m3 = number(w.at("outlet_water_m3"));
    r.water_balance_error_relative = number(w.at("error_relative"));
    r.secretion_stats.pressure_residual = number(w.at("largest_pressure_residual_relative"));
    r.secretion_stats.pressure_iterations = w.at("largest_pressure_iterations").get<int>();
    r.secretion_stats.potential_iterations = w.at("largest_potential_iterations").get<int>();
    r.secretion_stats.potential_residual_A = number(w.at("largest_potential_residual_A"));
  }
  if (j.contains("drug_exposure"))
    for (const json& e : j.at("drug_exposure")) {
      RunRecord::DrugExposure d;
      d.species = e.at("species").get<std::string>();
      d.plasma_compartment = e.at("plasma_compartment").get<std::string>();
      d.auc_plasma_mM_h = number(e.at("auc_plasma_mM_h"));
      d.auc_milk_mM_h = number(e.at("auc_milk_mM_h"));
      d.milk_to_plasma_auc = number(e.at("milk_to_plasma_auc"));
      d.has_whole_milk = e.contains("auc_whole_milk_mM_h");
      if (d.has_whole_milk) {
        d.auc_whole_milk_mM_h = number(e.at("auc_whole_milk_mM_h"));
        d.milk_to_plasma_auc_whole_milk = number(e.at("milk_to_plasma_auc_whole_milk"));
      }
      r.drug_exposure.push_back(d);
    }
  if (j.contains("last_snapshot")) {
    const json& last = j.at("last_snapshot");
    r.last_snapshot.file = last.at("file").get<std::string>();
    r.last_snapshot.time_s = number(last.at("time_s"));
    r.last_snapshot.steps = last.at("steps").get<long>();
  }
  r.files = j.at("files").get<std::vector<std::string>>();
  r.resolved_config = j.at("resolved_config").get<std::string>();
  r.geometry_summary_json = j.value("geometry_summary_json", "");
  return r;
}

}  // namespace

void stamp_process(RunRecord& record) {
  record.pid = long(::getpid());
  char name[256] = {};
  record.host = ::gethostname(name, sizeof name - 1) == 0 ? name : "unknown";
  record.started_utc = now().utc;
}

void write_run_record(const std::string& path, const RunRecord& record) {
  const std::string text =
      to_json(record, now()).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  io::write_file_atomically(path, text);
}

bool try_write_run_record(const std::string& path, const RunRecord& record, std::FILE* report) {
  try {
    write_run_record(path, record);
    return true;
  } catch (const std::exception& e) {
    std::fprintf(report,
                 "lactosim: warning: run record not updated (%s); the run goes on, and run.json is not "
                 "current\n",
                 e.what());
    std::fflush(report);
    return false;
  }
}

RunRecord read_run_record(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the run record '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return from_json(json::parse(text.str()));
  } catch (const json::exception& e) {
    throw std::runtime_error("run record '" + path + "': " + e.what());
  }
}

}  // namespace lactosim
