// SPDX-License-Identifier: MIT
// load_config: read every source, merge (later wins), validate each section through Boost, then
// build the model. Everything that can be wrong is found here, before any computation starts.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "checks.hpp"
#include "embedded_default_ini.hpp"
#include "sections.hpp"
#include "values.hpp"

namespace po = boost::program_options;

namespace lactosim::config {

bool Section::has(const std::string& key) const {
  const auto it = vm.find(full_key(key));
  return it != vm.end() && !it->second.defaulted();
}

SourceLocation Section::where(const std::string& key) const {
  for (const auto& e : entries)
    if (e.key == key) return e.where;
  return {header.file, header.line, full_key(key)};
}

const char* embedded_default_config() { return embedded_default_ini; }

namespace {

// Splits "species.Na" into kind and name, rejecting unknown kinds and misnamed sections at the
// header that introduced them.
std::pair<std::string, std::string> split_section(const IniSection& s) {
  const auto dot = s.name.find('.');
  const std::string kind = s.name.substr(0, dot);
  const std::string name = dot == std::string::npos ? "" : s.name.substr(dot + 1);
  if (!is_section_kind(kind)) {
    const std::string guess = closest(kind, section_kinds());
    fail(s.header, "unknown section kind '" + kind + "' (" +
                       (guess.empty() ? "expected one of: " + join(section_kinds())
                                      : "did you mean " + guess + "?") +
                       ")");
  }
  if (is_named_kind(kind) && (name.empty() || name.find('.') != std::string::npos))
    fail(s.header, "a " + kind + " section needs one name: [" + kind + ".NAME]");
  if (!is_named_kind(kind) && !name.empty())
    fail(s.header, "[" + kind + "] takes no name");
  return {kind, name};
}

// Later sources replace earlier values; sections and keys keep the order they first appeared in.
void merge(std::vector<Section>& merged, const IniSection& in) {
  auto [kind, name] = split_section(in);
  auto it = std::find_if(merged.begin(), merged.end(),
                         [&](const Section& s) { return s.full() == in.name; });
  if (it == merged.end()) {
    merged.push_back({kind, name, in.header, {}, nullptr, {}});
    it = merged.end() - 1;
  }
  for (const Entry& e : in.entries) {
    auto old = std::find_if(it->entries.begin(), it->entries.end(),
                            [&](const Entry& o) { return o.key == e.key; });
    if (old == it->entries.end()) it->entries.push_back(e);
    else *old = e;
  }
}

// An override changes what a file defined; it cannot define a species, compartment or transporter
// of its own: `--species.na.D_um2_per_s.cell=1` beside [species.Na] is a typo that would otherwise
// add a fifth species. [run]-like sections exist anyway and may be set from the command line alone.
void refuse_sections_named_only_on_command_line(const std::vector<Section>& merged) {
  for (const Section& s : merged) {
    if (s.name.empty() || s.header.file != command_line) continue;
    std::vector<std::string> names;
    for (const Section& o : merged)
      if (o.kind == s.kind && o.header.file != command_line) names.push_back(o.name);
    std::sort(names.begin(), names.end());
    const std::string guess = closest(s.name, names);
    fail(s.entries.front().where,
         "no [" + s.full() + "] in the config files; the command line can only change a section a "
         "file defines (" +
             (guess.empty() ? "declared " + s.kind + ": " + (names.empty() ? "none" : join(names))
                            : "did you mean " + s.kind + "." + guess + "?") +
             ")");
  }
}

[[noreturn]] void unknown_key(const Section& s, const Entry& e) {
  // A key of a per-name family with an undeclared name: say which names exist.
  for (const auto& f : s.schema->families) {
    if (e.where.key.rfind(f.prefix, 0) != 0) continue;
    std::vector<std::string> names = f.names;
    std::sort(names.begin(), names.end());
    const std::string got = e.where.key.substr(f.prefix.size());
    fail(e.where, "unknown " + f.what + " '" + got + "' (declared: " +
                      (names.empty() ? "none" : join(names)) + ")");
  }
  std::vector<std::string> keys;
  for (const auto& o : s.schema->options) keys.push_back(o.key);
  const std::string guess = closest(e.where.key, keys);
  fail(e.where, "unknown key" + (guess.empty() ? "" : " (did you mean " + guess + "?)"));
}

// Every number of every section, geometry's included, passes here once Boost has typed it: a
// value such as "inf" or "nan" parses as a double but means nothing physical (an infinite D or rate
// stalls the time step; an infinite end time never ends), so it is refused at its file:line.
void require_finite(const boost::any& value, const Entry& e) {
  auto finite = [&](double x) {
    if (!std::isfinite(x))
      fail(e.where, "must be a finite number, got '" + e.value + "'");
  };
  if (const auto* x = boost::any_cast<double>(&value)) finite(*x);
  if (const auto* v = boost::any_cast<std::vector<double>>(&value))
    for (double x : *v) finite(x);
}

// Each value goes through its option's Boost semantic on its own, so that a type error can be
// pinned to its file:line. Every key appears once after merging, so Boost's "first value wins"
// never decides anything here.
void validate(Section& s, const Declared& declared) {
  s.schema = std::make_shared<SectionSchema>(section_schema(s.kind, s.name, declared));
  for (const Entry& e : s.entries) {
    const OptionInfo* info = s.schema->find(e.where.key);
    if (!info) unknown_key(s, e);
    po::option opt(e.where.key, is_list(info->type) ? split_list(e.value)
                                                    : std::vector<std::string>{e.value});
    if (opt.value.empty()) fail(e.where, "empty list (expected " + describe_type(info->type) + ")");
    opt.original_tokens = {e.value};
    po::parsed_options parsed(&s.schema->desc);
    parsed.options.push_back(opt);
    try {
      po::store(parsed, s.vm);
    } catch (const po::error& err) {
      // Boost 1.74's what() substitutes %value% and the like into its message until none is left,
      // so a value that contains such a placeholder never returns (found by fuzzing): its detail
      // is left out then; the message quotes the value anyway.
      const bool placeholder = e.value.find('%') != std::string::npos;
      fail(e.where, "expected " + describe_type(info->type) + ", got '" + e.value + "'" +
                        (info->type == ValueType::other && !placeholder ? " (" + std::string(err.what()) + ")"
                                                                        : ""));
    }
    require_finite(s.vm[e.where.key].value(), e);
  }
  po::store(po::parsed_options(&s.schema->desc), s.vm);  // fills the defaults of unset keys
  for (const auto& o : s.schema->options)
    if (o.required && !s.vm.count(o.key))
      fail(s.header, "missing required key '" + o.key.substr(s.full().size() + 1) + "'");
}

mesh::GeometrySpec geometry_of(const std::vector<Section>& sections, const std::string& dir) {
  for (const Section& s : sections) {
    if (s.kind != "geometry") continue;
    try {
      return mesh::geometry_spec_from(s.vm, dir);
    } catch (const mesh::GeometryKeyError& e) {
      const std::string prefix = "geometry.";
      const std::string key = e.key.rfind(prefix, 0) == 0 ? e.key.substr(prefix.size()) : e.key;
      fail(s.where(key), e.what());
    }
  }
  return {};
}

// An imported volume's lumen (label 4) and outlet voxels (label 6) that no compartment lists would
// fall outside the model like stroma: the milk would have nowhere to be, silently. So would any
// other mapped label but stroma's.
void require_lumen_labels_in_model(const std::vector<Section>& sections, const LoadedConfig& c) {
  if (c.geometry.kind != "file") return;
  const Section& geometry =
      *std::find_if(sections.begin(), sections.end(), [](const Section& s) { return s.kind == "geometry"; });
  std::vector<int> listed;
  for (const auto& comp : c.model.compartments) listed.insert(listed.end(), comp.labels.begin(), comp.labels.end());
  std::sort(listed.begin(), listed.end());
  const auto claimed = [&](int label) { return std::binary_search(listed.begin(), listed.end(), label); };
  std::vector<std::string> listed_text;
  for (int l : listed) listed_text.push_back(std::to_string(l));
  const std::string volume = "volume '" + c.geometry.file + "'";
  const std::string remedy = "; add it to the lumen compartment's labels (compartments list: " +
                             (listed_text.empty() ? "none" : join(listed_text)) + ")";
  const int lumen = mesh::labels::lumen, outlet = mesh::labels::outlet;
  for (const auto& [value, label] : c.geometry.label_map)
    if ((label == lumen || label == outlet) && !claimed(label))
      fail(geometry.where("label_map"),
           "value " + std::to_string(value) + " of " + volume + " maps to label " + std::to_string(label) +
               (label == lumen ? " (lumen)" : " (outlet)") + ", which no compartment lists" + remedy);
  if ((c.geometry.outlet_label || c.geometry.outlet_face >= 0) && !claimed(outlet))
    fail(geometry.where(c.geometry.outlet_label ? "outlet_label" : "outlet_face"),
         "the outlet voxels of " + volume + " get label 6 (outlet), which no compartment lists" + remedy);
  // Any other label but stroma (0) that no compartment lists: its voxels would silently drop out of
  // the model, as if the segmentation had not drawn them.
  static const char* const names[] = {"stroma", "blood", "interstitium", "alveolar cell", "lumen", "duct cell", "outlet"};
  for (const auto& [value, label] : c.geometry.label_map)
    if (label != mesh::labels::stroma && !claimed(label))
      fail(geometry.where("label_map"),
           "value " + std::to_string(value) + " of " + volume + " maps to label " + std::to_string(label) +
               (label < 7 ? " (" + std::string(names[label]) + ")" : std::string()) +
               ", which no compartment lists: its voxels would fall outside the model; map it to 0 (stroma) "
               "or add " + std::to_string(label) + " to a compartment's labels (compartments list: " +
               (listed_text.empty() ? "none" : join(listed_text)) + ")");
}

}  // namespace

LoadedConfig load_config(const std::vector<std::string>& files,
                         const std::vector<std::string>& overrides, Use use) {
  LoadedConfig out;
  std::vector<Section> merged;
  if (files.empty()) {
    for (const auto& s : read_ini_text(embedded_default_ini, "<embedded default>")) merge(merged, s);
    out.config_dir = ".";
  }
  for (const auto& f : files) {
    for (const auto& s : read_ini_file(f)) merge(merged, s);
    const auto parent = std::filesystem::path(f).parent_path();
    out.config_dir = parent.empty() ? "." : parent.string();
  }
  for (const auto& o : overrides) merge(merged, parse_override(o, is_named_kind));
  refuse_sections_named_only_on_command_line(merged);
  // Sections a config may leave out entirely still need their defaults.
  for (const char* kind : {"run", "model", "geometry", "flow", "milk_calcium", "junctions", "output"})
    if (std::none_of(merged.begin(), merged.end(), [&](const Section& s) { return s.kind == kind; }))
      merged.push_back({kind, "", {"<default>", 0, kind}, {}, nullptr, {}});

  Declared declared;
  for (const Section& s : merged) {
    if (s.kind == "compartment") declared.compartments.push_back(s.name);
    if (s.kind == "region") declared.regions.push_back(s.name);
  }
  for (Section& s : merged) validate(s, declared);

  out.model = build_model(merged);
  out.output_format = choice(*of_kind(merged, "output").front(), "format", {"vti", "vtkhdf"}, "snapshot format");
  // An empty file would otherwise run a model with nothing in it and report "completed".
  if (use == Use::run) {
    const std::string sources = files.empty() ? "<embedded default>" : join(files);
    if (out.model.compartments.empty())
      throw ConfigError(sources + ": the model has no compartments (declare at least one "
                                  "[compartment.NAME] with its labels)");
    if (out.model.species.empty())
      throw ConfigError(sources + ": the model has no species (declare at least one "
                                  "[species.NAME] with D_um2_per_s in a compartment)");
  }
  out.geometry = geometry_of(merged, out.config_dir);
  if (use == Use::run) require_lumen_labels_in_model(merged, out);

  for (const Section& s : merged) {
    for (const auto& o : s.schema->options) {
      const std::string key = o.key.substr(s.full().size() + 1);
      if (s.has(key)) {
        for (const auto& e : s.entries)
          if (e.key == key) out.resolved.push_back(e);
      } else if (!o.default_text.empty()) {
        out.resolved.push_back({s.full(), key, o.default_text, {"<default>", 0, o.key}});
      }
    }
  }
  return out;
}

std::string LoadedConfig::resolved_ini() const {
  std::string out;
  std::string section;
  for (const Entry& e : resolved) {
    if (e.section != section) {
      out += (out.empty() ? "[" : "\n[") + e.section + "]\n";
      section = e.section;
    }
    std::string line = e.key + " = " + e.value;
    line.resize(std::max<std::size_t>(line.size() + 2, 48), ' ');
    const std::string where = e.where.line > 0 ? e.where.file + ":" + std::to_string(e.where.line)
                                               : e.where.file;
    out += line + "# " + where + "\n";
  }
  return out;
}

}  // namespace lactosim::config
