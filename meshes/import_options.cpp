// SPDX-License-Identifier: MIT
// The [geometry] keys of kind = file (an imported labelled volume): declared with their defaults,
// read and checked here so that a wrong path, map or raw header fails at load time with file:line.
#include <cstdio>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "meshes/generators.hpp"
#include "meshes/option_text.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lactosim::mesh {

namespace {


const char* const face_names[6] = {"-x", "+x", "-y", "+y", "-z", "+z"};

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// A whole-word integer, or nothing.
std::optional<long long> integer(const std::string& w) {
  if (w.empty()) return std::nullopt;
  std::size_t used = 0;
  try {
    const long long v = std::stoll(w, &used);
    if (used == w.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::map<long long, std::uint8_t> parse_label_map(const std::string& text) {
  const std::string key = "geometry.label_map";
  std::map<long long, std::uint8_t> map;
  for (const std::string& pair : words(text)) {
    const auto colon = pair.find(':');
    const auto from = colon == std::string::npos ? std::nullopt : integer(pair.substr(0, colon));
    const auto to = colon == std::string::npos ? std::nullopt : integer(pair.substr(colon + 1));
    if (!from || !to)
      throw GeometryKeyError(key, key + ": '" + pair + "' is not file_value:label (integers, e.g. 40:4)");
    if (*to < 0 || *to > 255)
      throw GeometryKeyError(key, key + ": '" + pair + "' maps to label " + std::to_string(*to) +
                                      ", outside 0–255 (labels are uint8)");
    if (map.count(*from))
      throw GeometryKeyError(key, key + ": file value " + std::to_string(*from) + " is mapped twice");
    map[*from] = std::uint8_t(*to);
  }
  if (map.empty()) throw GeometryKeyError(key, key + " is empty: give file_value:label pairs, e.g. 0:0 40:4");
  return map;
}

std::string format_from_path(const fs::path& path) {
  if (fs::is_directory(path)) return "tiff";
  std::string ext = path.extension().string();
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".vti") return "vti";
  if (ext == ".nrrd" || ext == ".nhdr") return "nrrd";
  if (ext == ".tif" || ext == ".tiff") return "tiff";
  if (ext == ".raw" || ext == ".bin") return "raw";
  return "";
}

}  // namespace

void add_import_options(po::options_description& o) {
  const GeometrySpec d;
  // clang-format off
  o.add_options()
    ("geometry.file", po::value<std::string>(),
     "kind = file: the labelled volume (.vti, .nrrd/.nhdr, .tif/.tiff or a folder of TIFF slices, "
     ".raw); a relative path is relative to the config file's folder")
    ("geometry.format", po::value<std::string>()->default_value(d.format),
     "kind = file: auto (by extension) | vti | nrrd | tiff | raw")
    ("geometry.array", po::value<std::string>(),
     "kind = file: name of the label array in a .vti (default: the active scalars, else the first "
     "array; cell data before point data)")
    ("geometry.label_map", po::value<std::string>(),
     "kind = file, required: file_value:label pairs, e.g. '0:0 10:1 20:2 30:3 40:4' — the file's "
     "segmentation values onto lactosim labels (0 stroma, 1 blood, 2 interstitium, 3 alveolar cell, "
     "4 lumen, 5 duct cell, 6 outlet; others 0–255 for the model's own); a value missing is an error")
    ("geometry.outlet_label", po::value<long long>(),
     "kind = file: file value whose voxels are outlets (become label 6, p = 0)")
    ("geometry.outlet_face", po::value<std::string>()->default_value("none"),
     "kind = file: none | -x | +x | -y | +y | -z | +z: lumen voxels on this domain face become "
     "outlets (label 6)")
    ("geometry.spacing_unit", po::value<std::string>()->default_value(d.spacing_unit),
     "kind = file: unit of the file's spacing and origin: auto (m when every spacing < 1e-3, else "
     "um) | m | mm | um; geometry.voxel_um, when set, overrides the spacing")
    ("geometry.raw_dims", po::value<std::string>(),
     "format = raw: voxels along x, y, z ('nx ny nz'; x fastest in the file)")
    ("geometry.raw_type", po::value<std::string>()->default_value(d.raw_type),
     "format = raw: uint8 | int8 | uint16 | int16 | uint32 | int32")
    ("geometry.raw_endian", po::value<std::string>()->default_value(d.raw_endian),
     "format = raw: little | big (byte order of multi-byte values)")
    ("geometry.raw_header_bytes", po::value<long>()->default_value(d.raw_header_bytes),
     "format = raw: bytes of header before the voxels (skipped); the file must hold exactly "
     "header + nx·ny·nz·bytes")
    ("geometry.repair_contacts", po::value<bool>()->default_value(d.repair_contacts, default_text(d.repair_contacts)),
     "kind = file: where lumen touches interstitium or blood with no cell between, turn the "
     "non-lumen voxel into a cell (false: such contacts are an error)")
    ("geometry.require_outlet", po::value<bool>()->default_value(d.require_outlet, default_text(d.require_outlet)),
     "kind = file: a lumen component with no outlet voxel is an error, since its pressure problem "
     "has no solution (false: reported only; such a closed lumen runs with [storage] enabled, filling "
     "its own distension)");
  // clang-format on
}

void read_import_options(const po::variables_map& vm, const std::string& config_dir, GeometrySpec& s) {
  auto text = [&](const char* key, const std::string& fallback) {
    return vm.count(key) ? vm[key].as<std::string>() : fallback;
  };
  auto one_of = [&](const char* key, const std::string& value, std::initializer_list<const char*> allowed) {
    std::string list;
    for (const char* a : allowed) {
      if (value == a) return;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    throw GeometryKeyError(key, std::string(key) + " = " + value + " is not one of: " + list);
  };

  s.format = text("geometry.format", s.format);
  one_of("geometry.format", s.format, {"auto", "vti", "nrrd", "tiff", "raw"});
  s.array = text("geometry.array", "");
  s.spacing_unit = text("geometry.spacing_unit", s.spacing_unit);
  one_of("geometry.spacing_unit", s.spacing_unit, {"auto", "m", "mm", "um"});
  s.raw_type = text("geometry.raw_type", s.raw_type);
  one_of("geometry.raw_type", s.raw_type, {"uint8", "int8", "uint16", "int16", "uint32", "int32"});
  s.raw_endian = text("geometry.raw_endian", s.raw_endian);
  one_of("geometry.raw_endian", s.raw_endian, {"little", "big"});
  if (vm.count("geometry.raw_header_bytes")) s.raw_header_bytes = vm["geometry.raw_header_bytes"].as<long>();
  if (s.raw_header_bytes < 0)
    throw GeometryKeyError("geometry.raw_header_bytes", "geometry.raw_header_bytes must be >= 0");
  if (vm.count("geometry.raw_dims")) {
    const auto w = words(vm["geometry.raw_dims"].as<std::string>());
    bool ok = w.size() == 3;
    for (int a = 0; ok && a < 3; ++a) {
      const auto n = integer(w[a]);
      ok = n && *n >= 1 && *n <= 100000;
      if (ok) s.raw_dims[a] = int(*n);
    }
    if (!ok)
      throw GeometryKeyError("geometry.raw_dims", "geometry.raw_dims must be three voxel counts 'nx ny nz', "
                                                  "each 1 to 100000");
    grid_dims({double(s.raw_dims[0]), double(s.raw_dims[1]), double(s.raw_dims[2])}, "geometry.raw_dims",
              "geometry.raw_dims", "check the volume's size");
  }
  const std::string face = text("geometry.outlet_face", "none");
  s.outlet_face = -1;
  for (int f = 0; f < 6; ++f)
    if (face == face_names[f]) s.outlet_face = f;
  if (s.outlet_face < 0 && face != "none")
    throw GeometryKeyError("geometry.outlet_face",
                           "geometry.outlet_face = " + face + " is not one of: none, -x, +x, -y, +y, -z, +z");
  if (vm.count("geometry.outlet_label")) s.outlet_label = vm["geometry.outlet_label"].as<long long>();
  if (vm.count("geometry.repair_contacts")) s.repair_contacts = vm["geometry.repair_contacts"].as<bool>();
  if (vm.count("geometry.require_outlet")) s.require_outlet = vm["geometry.require_outlet"].as<bool>();
  s.voxel_given = vm.count("geometry.voxel_um") && !vm["geometry.voxel_um"].defaulted();
  if (vm.count("geometry.label_map")) s.label_map = parse_label_map(vm["geometry.label_map"].as<std::string>());

  if (s.kind != "file") return;

  // What kind = file needs, checked now so the error cites the config line.
  if (!vm.count("geometry.file") || vm["geometry.file"].as<std::string>().empty())
    throw GeometryKeyError("geometry.file", "geometry.kind = file needs geometry.file (the labelled volume)");
  fs::path path = vm["geometry.file"].as<std::string>();
  if (path.is_relative()) path = fs::path(config_dir.empty() ? "." : config_dir) / path;
  s.file = path.lexically_normal().string();
  if (!fs::exists(path))
    throw GeometryKeyError("geometry.file", "geometry.file = " + vm["geometry.file"].as<std::string>() + ": '" +
                                                s.file + "' does not exist" +
                                                (fs::path(vm["geometry.file"].as<std::string>()).is_relative()
                                                     ? " (relative paths start at the config file's folder)"
                                                     : ""));
  if (s.label_map.empty())
    throw GeometryKeyError("geometry.label_map",
                           "geometry.kind = file needs geometry.label_map: file_value:label pairs that map "
                           "the file's segmentation values onto lactosim labels, e.g. 0:0 10:1 20:2 30:3 40:4");
  if (s.outlet_label) {
    const auto it = s.label_map.find(*s.outlet_label);
    if (it != s.label_map.end() && it->second != labels::outlet)
      throw GeometryKeyError("geometry.outlet_label",
                             "geometry.outlet_label = " + std::to_string(*s.outlet_label) +
                                 " is mapped to label " + std::to_string(it->second) +
                                 " by geometry.label_map; outlets are label 6 (drop it from the map or map it to 6)");
  }
  if (s.format == "auto") {
    s.format = format_from_path(path);
    if (s.format.empty())
      throw GeometryKeyError("geometry.format", "geometry.format = auto cannot tell the format of '" + s.file +
                                                    "' from its extension; set vti, nrrd, tiff or raw");
  }
  if (s.format == "raw" && s.raw_dims[0] == 0)
    throw GeometryKeyError("geometry.raw_dims", "geometry.format = raw needs geometry.raw_dims = nx ny nz");
  if ((s.format == "raw" || s.format == "tiff") && !s.voxel_given)
    throw GeometryKeyError("geometry.voxel_um", "geometry.voxel_um must be set for a " + s.format +
                                                    " volume: its file carries no reliable voxel size");
}

}  // namespace lactosim::mesh
