// SPDX-License-Identifier: MIT
// The state file (docs/state-format.md). Little-endian throughout (the reader checks the byte order
// mark): a 16-byte magic, the format version, the byte-order mark, the model fingerprint, named
// records, an `end` record, and a checksum of every byte before it (file_checksum).
#include "state.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>

#include "visualization/io/atomic_file.hpp"

namespace lactosim {
namespace {

constexpr char magic[16] = {'L', 'A', 'C', 'T', 'O', 'S', 'I', 'M', ' ', 'S', 'T', 'A', 'T', 'E', '\n', '\0'};
constexpr std::uint32_t byte_order_mark = 0x01020304u;
enum RecordType : std::uint32_t { doubles = 1, integers = 2, text_bytes = 3, end_of_records = 0 };

// FNV-1a, 64 bit: a checksum for torn or corrupted files and a fingerprint, not a cryptographic hash.
struct Fnv1a {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void add(const void* data, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  }
  template <class T>
  void add_value(T v) {
    add(&v, sizeof v);
  }
  void add_text(const std::string& s) {
    add_value(std::uint64_t(s.size()));
    add(s.data(), s.size());
  }
};

// The file's checksum: FNV-1a's step over 64-bit little-endian words (the tail zero-padded) — eight
// times fewer multiplications than over bytes (a 1.7 GB lobule checkpoint: ~0.3 s instead of ~2.5 s);
// each step is a bijection of h, so any one changed word changes the sum. Not the fingerprint's hash.
std::uint64_t file_checksum(const char* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, data + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
  }
  if (i < n) {
    std::uint64_t w = 0;
    std::memcpy(&w, data + i, n - i);
    h = (h ^ w) * 0x100000001b3ull;
  }
  return h;
}

class Writer {
 public:
  template <class T>
  void raw(T v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void record(const std::string& name, const std::vector<double>& values) {
    header(name, doubles, values.size());
    out_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  }
  void record(const std::string& name, double value) { record(name, std::vector<double>{value}); }
  void record(const std::string& name, std::int64_t value) {
    header(name, integers, 1);
    raw(value);
  }
  void record_text(const std::string& name, const std::string& value) {  // count = bytes
    header(name, text_bytes, value.size());
    out_.append(value);
  }
  std::string finish() {
    header("end", end_of_records, 0);
    raw(file_checksum(out_.data(), out_.size()));
    return std::move(out_);
  }
  std::string out_;

 private:
  void header(const std::string& name, std::uint32_t type, std::uint64_t count) {
    raw(std::uint32_t(name.size()));
    out_.append(name);
    raw(type);
    raw(count);
  }
};

class Reader {
 public:
  Reader(std::string bytes, std::string path) : in_(std::move(bytes)), path_(std::move(path)) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ": " + what);
  }
  template <class T>
  T raw() {
    if (pos_ + sizeof(T) > in_.size()) fail("truncated (ends inside its records)");
    T v;
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string text(std::size_t n) {
    if (pos_ + n > in_.size()) fail("truncated (ends inside its records)");
    std::string s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::size_t pos() const { return pos_; }
  const std::string& bytes() const { return in_; }

 private:
  std::string in_;
  std::string path_;
  std::size_t pos_ = 0;
};

struct Record {
  std::uint32_t type = 0;
  std::vector<double> values;
  std::vector<std::int64_t> integers;
  std::string text;
};

void put_balance(Writer& w, const Balance& b) {
  w.record("balance.initial_mol", b.initial_mol);
  w.record("balance.clamped_inflow_mol", b.clamped_inflow_mol);
  w.record("balance.reaction_source_mol", b.reaction_source_mol);
  w.record("balance.membrane_transfer_mol", b.membrane_transfer_mol);
  w.record("balance.secretion_source_mol", b.secretion_source_mol);
  w.record("balance.outlet_outflow_mol", b.outlet_outflow_mol);
  w.record("balance.lumen_water_in_m3", b.lumen_water_in_m3);
  w.record("balance.outlet_water_m3", b.outlet_water_m3);
}

void put_stats(Writer& w, const IntegratorStats& s) {
  w.record("stats.linear_iterations", std::int64_t(s.linear_iterations));
  w.record("stats.last_residual", s.last_residual);
  w.record("stats.local_substeps", std::int64_t(s.local_substeps));
  w.record("stats.local_rejected", std::int64_t(s.local_rejected));
  w.record("stats.error_estimate_mM", s.error_estimate_mM);
  w.record("stats.last_error_ratio", s.last_error_ratio);
  w.record("stats.solver_residual_mol", s.solver_residual_mol);
}

void put_secretion_stats(Writer& w, const SecretionStats& s) {
  w.record("secretion.pressure_residual", s.pressure_residual);
  w.record("secretion.pressure_iterations", std::int64_t(s.pressure_iterations));
  w.record("secretion.potential_iterations", std::int64_t(s.potential_iterations));
  w.record("secretion.potential_residual_A", s.potential_residual_A);
}

}  // namespace

std::uint64_t state_fingerprint(const kernels::Problem& p, const std::vector<std::string>& species,
                                const std::vector<std::string>& compartments) {
  Fnv1a f;
  for (const std::string& s : species) f.add_text(s);
  for (const std::string& c : compartments) f.add_text(c);
  f.add_value(std::int64_t(p.n_species));
  f.add_value(std::int64_t(p.n_compartments));
  f.add_value(std::int64_t(p.n_membranes));
  f.add_value(std::int64_t(p.block.nx));
  f.add_value(std::int64_t(p.block.ny));
  f.add_value(std::int64_t(p.block.nz));
  f.add_value(std::int64_t(p.block.padded_voxels()));
  f.add_value(p.block.h_m);
  f.add_value(std::int64_t(p.faces.size()));
  f.add_value(std::int64_t(p.electrical.n_nodes));
  f.add_value(std::int64_t(p.has_flow));
  return f.h;
}

void write_state_file(const std::string& path, const State& s, std::uint64_t fingerprint, const StateExtras& extras) {
  Writer w;
  // The whole file is built in memory, then written: reserve it at once, so that a lobule's 1.7 GB
  // does not pass through a string growing by doubling (up to twice that, transiently).
  std::size_t bytes = 4096 + 8 * (s.fields.concentrations_mM.size() + s.fields.node_potential_V.size() +
                                  s.fields.pressure_Pa.size() + s.balance.membrane_transfer_mol.size());
  for (const auto& [name, values] : extras.numbers) bytes += 64 + name.size() + 8 * values.size();
  for (const auto& [name, value] : extras.texts) bytes += 64 + name.size() + value.size();
  w.out_.reserve(bytes + 64 * extras.integers.size());
  w.out_.append(magic, sizeof magic);
  w.raw(state_format_version);
  w.raw(byte_order_mark);
  w.raw(fingerprint);
  w.record("time_s", s.time_s);
  w.record("steps", std::int64_t(s.steps));
  w.record("rejected_steps", std::int64_t(s.rejected_steps));
  w.record("dt_nominal_s", s.dt_nominal_s);
  w.record("dt_last_s", s.dt_last_s);
  put_balance(w, s.balance);
  put_stats(w, s.stats);
  put_secretion_stats(w, s.secretion_stats);
  w.record("fields.concentrations_mM", s.fields.concentrations_mM);
  w.record("fields.node_potential_V", s.fields.node_potential_V);
  w.record("fields.pressure_Pa", s.fields.pressure_Pa);
  if (s.store) {  // only with [storage] on: a file without it keeps its bytes
    w.record("store.volume_m3", s.store->volume_m3);
    w.record("store.amount_mol", s.store->amount_mol);
    w.record("store.inflow_m3", s.store->inflow_m3);
    w.record("store.ejected_m3", s.store->ejected_m3);
    w.record("store.inflow_mol", s.store->inflow_mol);
    w.record("store.ejected_mol", s.store->ejected_mol);
    w.record("store.junction_stasis_openness", s.store->junction_stasis_openness);
  }
  for (const auto& [name, values] : extras.numbers) w.record(name, values);
  for (const auto& [name, value] : extras.integers) w.record(name, value);
  for (const auto& [name, value] : extras.texts) w.record_text(name, value);
  io::write_file_atomically(path, w.finish());
}

namespace {

// Reads and checks a state file; the fingerprint too unless `expected_fingerprint` is null.
State read_state(const std::string& path, const std::uint64_t* expected_fingerprint, StateExtras* extras) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error(path + ": cannot open the state file");
  Reader r(std::string(std::istreambuf_iterator<char>(file), {}), path);
  if (r.bytes().size() < sizeof magic || std::memcmp(r.bytes().data(), magic, sizeof magic) != 0)
    r.fail("not a lactosim state file");
  r.text(sizeof magic);
  const auto version = r.raw<std::uint32_t>();
  if (version != state_format_version)
    r.fail("state format version " + std::to_string(version) + ", this lactosim reads version " +
           std::to_string(state_format_version) + " only");
  if (r.raw<std::uint32_t>() != byte_order_mark) r.fail("written on a machine of the other byte order");
  const auto fingerprint = r.raw<std::uint64_t>();
  if (expected_fingerprint && fingerprint != *expected_fingerprint)
    r.fail("saved from another model or grid (species, compartments, membranes or voxels differ)");
  std::map<std::string, Record> records;
  while (true) {
    const std::string name = r.text(r.raw<std::uint32_t>());
    Record rec;
    rec.type = r.raw<std::uint32_t>();
    const auto count = r.raw<std::uint64_t>();
    if (rec.type == end_of_records) break;
    if (rec.type != doubles && rec.type != integers && rec.type != text_bytes)
      r.fail("record '" + name + "' has an unknown type");
    const std::uint64_t bytes_per_value = rec.type == text_bytes ? 1 : 8;
    if (count > (r.bytes().size() - r.pos()) / bytes_per_value)
      r.fail("truncated (record '" + name + "' runs past the end)");
    const std::string payload = r.text(count * bytes_per_value);
    if (rec.type == text_bytes) {
      rec.text = payload;
    } else if (rec.type == doubles) {  // (an empty record: no memcpy from or to a null pointer)
      rec.values.resize(count);
      if (count) std::memcpy(rec.values.data(), payload.data(), payload.size());
    } else {
      rec.integers.resize(count);
      if (count) std::memcpy(rec.integers.data(), payload.data(), payload.size());
    }
    records[name] = std::move(rec);
  }
  const std::uint64_t sum = file_checksum(r.bytes().data(), r.pos());
  if (r.raw<std::uint64_t>() != sum) r.fail("corrupt (checksum mismatch)");
  if (r.pos() != r.bytes().size()) r.fail("has bytes after its checksum");

  std::map<std::string, bool> used;  // the State's own records; the rest are extras
  const auto get = [&](const std::string& name) -> const Record& {
    const auto it = records.find(name);
    if (it == records.end()) r.fail("record '" + name + "' is missing");
    used[name] = true;
    return it->second;
  };
  const auto array = [&](const std::string& name) -> std::vector<double> {
    const Record& rec = get(name);
    if (rec.type != doubles) r.fail("record '" + name + "' should hold numbers");
    return rec.values;
  };
  const auto number = [&](const std::string& name) {
    const std::vector<double> v = array(name);
    if (v.size() != 1) r.fail("record '" + name + "' should hold one number");
    return v[0];
  };
  const auto integer = [&](const std::string& name) {
    const Record& rec = get(name);
    if (rec.type != integers || rec.integers.size() != 1) r.fail("record '" + name + "' should hold one integer");
    return rec.integers[0];
  };
  State s;
  s.time_s = number("time_s");
  s.steps = long(integer("steps"));
  s.rejected_steps = long(integer("rejected_steps"));
  s.dt_nominal_s = number("dt_nominal_s");
  s.dt_last_s = number("dt_last_s");
  Balance& b = s.balance;
  b.initial_mol = array("balance.initial_mol");
  b.clamped_inflow_mol = array("balance.clamped_inflow_mol");
  b.reaction_source_mol = array("balance.reaction_source_mol");
  b.membrane_transfer_mol = array("balance.membrane_transfer_mol");
  b.secretion_source_mol = array("balance.secretion_source_mol");
  b.outlet_outflow_mol = array("balance.outlet_outflow_mol");
  b.lumen_water_in_m3 = number("balance.lumen_water_in_m3");
  b.outlet_water_m3 = number("balance.outlet_water_m3");
  IntegratorStats& st = s.stats;
  st.linear_iterations = long(integer("stats.linear_iterations"));
  st.last_residual = number("stats.last_residual");
  st.local_substeps = long(integer("stats.local_substeps"));
  st.local_rejected = long(integer("stats.local_rejected"));
  st.error_estimate_mM = number("stats.error_estimate_mM");
  st.last_error_ratio = number("stats.last_error_ratio");
  st.solver_residual_mol = array("stats.solver_residual_mol");
  SecretionStats& ss = s.secretion_stats;
  ss.pressure_residual = number("secretion.pressure_residual");
  ss.pressure_iterations = int(integer("secretion.pressure_iterations"));
  ss.potential_iterations = int(integer("secretion.potential_iterations"));
  ss.potential_residual_A = number("secretion.potential_residual_A");
  s.fields.concentrations_mM = array("fields.concentrations_mM");
  s.fields.node_potential_V = array("fields.node_potential_V");
  s.fields.pressure_Pa = array("fields.pressure_Pa");
  if (records.count("store.volume_m3")) {  // the milk store, where the run had one
    StoreState& st = s.store.emplace();
    st.volume_m3 = number("store.volume_m3");
    st.amount_mol = array("store.amount_mol");
    st.inflow_m3 = number("store.inflow_m3");
    st.ejected_m3 = number("store.ejected_m3");
    st.inflow_mol = array("store.inflow_mol");
    st.ejected_mol = array("store.ejected_mol");
    st.junction_stasis_openness = number("store.junction_stasis_openness");
  }
  if (extras) {
    *extras = {};
    for (auto& [name, rec] : records) {
      if (used.count(name)) continue;
      if (rec.type == doubles) extras->numbers[name] = std::move(rec.values);
      else if (rec.type == integers && rec.integers.size() == 1) extras->integers[name] = rec.integers[0];
      else if (rec.type == text_bytes) extras->texts[name] = std::move(rec.text);
      else r.fail("record '" + name + "' should hold one integer");
    }
  }
  return s;
}

}  // namespace

State read_state_file(const std::string& path, std::uint64_t expected_fingerprint, StateExtras* extras) {
  return read_state(path, &expected_fingerprint, extras);
}

StateExtras read_state_extras(const std::string& path) {
  StateExtras extras;
  read_state(path, nullptr, &extras);
  return extras;
}

}  // namespace lactosim
