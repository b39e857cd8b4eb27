// SPDX-License-Identifier: MIT
// run.json, the run record (issue #18 item 5): written when the run starts ("running"), rewritten
// atomically after every snapshot, and at the end ("completed", "failed" or "interrupted"). Whatever
// moment the process dies at — SIGKILL, the node lost — the file on disk is a whole record of the
// last snapshot: its file, time and step count, the files written so far, and who was writing it
// (pid, host) and when (heartbeat). A record still saying "running" whose heartbeat is old and whose
// pid is gone on its host is a run that died; the snapshots it names are complete.
//
// Written and read with nlohmann::json, so a restart reads back exactly what was written.
// Strings are written as UTF-8 with invalid bytes replaced by U+FFFD (paths and config values may
// hold any bytes) and numbers round-trip exactly; NaN and ±Inf, which JSON cannot express, are null,
// and read back as NaN.
#pragma once
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "host/state.hpp"
#include "host/step/bdf_integrator.hpp"

namespace lactosim {

struct RunRecord {
  std::string status = "running";
  std::string error;
  // Who writes the record, and when it last did (set by stamp_process and by write_run_record).
  long pid = 0;
  std::string host;
  std::string started_utc;         // ISO 8601, e.g. 2026-12-04T18:30:00.123Z
  std::string heartbeat_utc;       // the time of the last rewrite, ISO 8601
  double heartbeat_unix_s = 0;     // the same instant, seconds since 1970 (for scripts: age = now − it)
  std::string command_line;
  std::vector<std::string> config_files;
  std::string resolved_config;
  std::string backend, device, backend_note;
  int ranks = 1;  // MPI ranks the grid was cut over (host/decomposition.hpp)
  std::string integrator;
  // A run continued by `lactosim run --restart` (host/app/checkpoint.hpp): how many times so far, from
  // which simulated time this process went on, and whether the continuation is bitwise (written as
  // "restart"; absent for a run that was never restarted).
  struct Restart {
    int count = 0;
    double from_time_s = 0;
    bool bitwise = true;
  } restart;
  IntegratorStats integrator_stats;
  // run.integrator = bdf: CVODE's counters (written as "bdf_stats"; absent otherwise).
  bool has_bdf_stats = false;
  step::BdfStats bdf_stats;
  std::string geometry_summary_json;  // may be empty
  std::map<std::string, double> phase_seconds;
  long steps = 0, rejected_steps = 0;
  double nominal_step_s = 0, simulated_time_s = 0;
  std::vector<std::string> species;
  std::vector<double> balance_error_relative;
  // Secretion models (docs/secretion.md): water into the lumen and out at the outlets (m³), their
  // relative difference, and the largest pressure-solve residual and Newton count of the run.
  bool has_water_balance = false;
  double lumen_water_in_m3 = 0, outlet_water_m3 = 0, water_balance_error_relative = 0;
  SecretionStats secretion_stats;
  // Memory (host/app/memory_estimate.hpp): the estimate made before allocation, its limit, and the
  // process's measured peak resident set (VmHWM) when the record was written.
  double memory_estimate_bytes = 0, memory_limit_bytes = 0, peak_resident_bytes = 0;
  // Drugs (host/app/drug_exposure.hpp): areas under the curve of the plasma and of the outlet milk
  // since the run's start (mM·h), and their ratio; whole milk where the species has a fat partition.
  struct DrugExposure {
    std::string species, plasma_compartment;
    double auc_plasma_mM_h = 0, auc_milk_mM_h = 0, milk_to_plasma_auc = 0;
    bool has_whole_milk = false;
    double auc_whole_milk_mM_h = 0, milk_to_plasma_auc_whole_milk = 0;
  };
  std::vector<DrugExposure> drug_exposure;
  // Milk storage ([storage] on; host/milk_storage.hpp), written as "milk_storage": the store now (the
  // domain's share), the water in from the outlets and ejected so far, the store's own balance
  // (V − V₀ − in + ejected, relative to max(in, ejected)), and the ejected milk scaled to the gland,
  // in total and per day of simulated time — the model's milk volume per day.
  struct Storage {
    bool present = false;
    double volume_m3 = 0, fullness = 0, pressure_kPa = 0, inflow_m3 = 0, ejected_m3 = 0;
    double balance_error_relative = 0, gland_ejected_mL = 0, gland_ejected_mL_per_day = 0;
  } storage;
  std::vector<std::string> files;  // the snapshots written so far, oldest first
  // The last snapshot completed; absent (empty file) before the first.
  struct Snapshot {
    std::string file;
    double time_s = 0;
    long steps = 0;
  } last_snapshot;
};

// Sets pid, host and started_utc to this process, this machine, now.
void stamp_process(RunRecord& record);

// Writes `record` to `path` atomically, with heartbeat_* set to the time of writing. Throws
// std::runtime_error naming the path when it cannot (a full disk, a folder gone).
void write_run_record(const std::string& path, const RunRecord& record);

// write_run_record for the rewrites during a run: a failure does not stop the simulation — the
// previous record stays on disk, whole — but is reported on `report` with the reason, and false
// is returned.
bool try_write_run_record(const std::string& path, const RunRecord& record, std::FILE* report);

// A record as written by write_run_record. Throws std::runtime_error naming the path when the file
// cannot be read, does not parse, or lacks a field or has one of the wrong type.
RunRecord read_run_record(const std::string& path);

}  // namespace lactosim
