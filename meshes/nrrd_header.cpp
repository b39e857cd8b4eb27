// SPDX-License-Identifier: MIT
// NRRD header checks before vtkNrrdReader (meshes/nrrd_header.hpp lists them).
#include "meshes/nrrd_header.hpp"

#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;

namespace lactosim::mesh {

namespace {

[[noreturn]] void fail(const std::string& what) { throw NrrdHeaderError(what); }

constexpr std::size_t max_header_bytes = 1 << 20;

// NRRD type names (every spelling the format allows) → bytes per value; 0 for block.
int type_bytes(const std::string& t) {
  static const std::map<std::string, int> types = {
      {"signed char", 1}, {"int8", 1}, {"int8_t", 1}, {"uchar", 1}, {"unsigned char", 1}, {"uint8", 1},
      {"uint8_t", 1}, {"short", 2}, {"short int", 2}, {"signed short", 2}, {"signed short int", 2},
      {"int16", 2}, {"int16_t", 2}, {"ushort", 2}, {"unsigned short", 2}, {"unsigned short int", 2},
      {"uint16", 2}, {"uint16_t", 2}, {"int", 4}, {"signed int", 4}, {"int32", 4}, {"int32_t", 4},
      {"uint", 4}, {"unsigned int", 4}, {"uint32", 4}, {"uint32_t", 4}, {"longlong", 8}, {"long long", 8},
      {"long long int", 8}, {"signed long long", 8}, {"signed long long int", 8}, {"int64", 8},
      {"int64_t", 8}, {"ulonglong", 8}, {"unsigned long long", 8}, {"unsigned long long int", 8},
      {"uint64", 8}, {"uint64_t", 8}, {"float", 4}, {"double", 8}, {"block", 0}};
  const auto it = types.find(t);
  return it == types.end() ? -1 : it->second;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  s.erase(0, s.find_first_not_of(" \t"));
  return s;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// A whole-word decimal integer within [lo, hi], or fail naming the field.
long long integer(const std::string& field, const std::string& w, long long lo, long long hi) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(w, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != w.size() || v < lo || v > hi)
    fail("'" + field + ": " + w + "' is not an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

// "the size fits uint16" when `bytes` of data are exactly `voxels` values of another width.
std::string width_hint(std::uint64_t bytes, std::uint64_t voxels, int value_bytes) {
  static const std::pair<int, const char*> widths[] = {{1, "uint8"}, {2, "uint16"}, {4, "uint32"}, {8, "uint64"}};
  for (const auto& [w, name] : widths)
    if (w != value_bytes && voxels && bytes == voxels * std::uint64_t(w))
      return ": the size fits " + std::string(name) + " (" + std::to_string(w) + "-byte values)";
  return "";
}

}  // namespace

NrrdHeader check_nrrd_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot be opened");
  std::string magic;
  std::getline(in, magic);
  magic = trim(magic);
  if (magic.size() != 8 || magic.rfind("NRRD000", 0) != 0 || magic[7] < '1' || magic[7] > '5')
    fail("is not a NRRD file (its first line is not NRRD0001 … NRRD0005)");

  std::map<std::string, std::string> fields;
  std::size_t consumed = magic.size() + 1;
  int line_number = 1;
  bool ended = false;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    consumed += line.size() + 1;
    if (consumed > max_header_bytes) fail("has no end to its header within 1 MiB (a blank line ends it)");
    for (char c : line)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
        // VTK's reader loops forever on a NUL in a header line (found by fuzzing).
        fail("header line " + std::to_string(line_number) + " holds a control character (byte " +
             std::to_string(static_cast<unsigned char>(c)) + "): not a text header");
    const std::string t = trim(line);
    if (t.empty()) {
      ended = true;
      break;
    }
    // VTK matches field names from the line's first character: " sizes: 4 4 4" is no sizes field
    // to it, and its reader then dereferences the sizes it never read (found by fuzzing).
    if (line[0] == ' ' || line[0] == '\t')
      fail("header line " + std::to_string(line_number) + " '" + t.substr(0, 60) + "' starts with white space");
    if (t[0] == '#' || t.find(":=") != std::string::npos) continue;
    const auto colon = t.find(": ");
    if (colon == std::string::npos || colon == 0)
      fail("header line " + std::to_string(line_number) + " '" + t.substr(0, 60) + "' is not 'field: value'");
    const std::string field = t.substr(0, colon), value = trim(t.substr(colon + 2));
    if (!fields.emplace(field, value).second)
      fail("header field '" + field + "' is given twice (line " + std::to_string(line_number) + ")");
  }
  const auto get = [&](const char* name) -> const std::string* {
    const auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  };
  const std::string* data_file = get("data file") ? get("data file") : get("datafile");
  if (!ended && !data_file) fail("has no blank line ending its header, and no data file: no voxels follow it");
  for (const char* required : {"type", "dimension", "sizes", "encoding"})
    if (!get(required)) fail("has no '" + std::string(required) + "' field in its header");

  NrrdHeader h;
  h.header_bytes = consumed;
  h.type = *get("type");
  h.value_bytes = type_bytes(h.type);
  if (h.value_bytes < 0) fail("'type: " + h.type + "' is not a NRRD type (e.g. uint8, uint16, int32)");
  if (h.value_bytes == 0) fail("'type: block' holds opaque blocks, not label values");

  const int dimension = int(integer("dimension", *get("dimension"), 1, 4));
  const auto size_words = words(*get("sizes"));
  if (int(size_words.size()) != dimension)
    fail("'sizes: " + *get("sizes") + "' gives " + std::to_string(size_words.size()) + " sizes, 'dimension: " +
         std::to_string(dimension) + "' needs " + std::to_string(dimension));
  h.voxels = 1;
  for (const auto& w : size_words) {
    const auto n = std::uint64_t(integer("sizes", w, 1, 1LL << 40));
    if (h.voxels > (std::uint64_t(1) << 42) / n)
      fail("'sizes: " + *get("sizes") + "' makes more than 2^42 voxels");
    h.voxels *= n;
    h.sizes.push_back(n);
  }

  const std::string enc = *get("encoding");
  if (enc == "raw") h.encoding = "raw";
  else if (enc == "txt" || enc == "text" || enc == "ascii") h.encoding = "ascii";
  else if (enc == "gz" || enc == "gzip") h.encoding = "gzip";
  else fail("'encoding: " + enc + "' is not one VTK's NRRD reader reads (raw, ascii, gzip): save the volume raw");

  if (const std::string* e = get("endian")) {
    if (*e != "little" && *e != "big") fail("'endian: " + *e + "' is not little or big");
    h.endian = *e;
  } else if (h.value_bytes > 1 && h.encoding != "ascii") {
    fail("has no 'endian' field: " + h.type + " values of " + std::to_string(h.value_bytes) +
         " bytes need 'endian: little' or 'endian: big'");
  }
  if (const std::string* skip = get("byte skip")) h.byte_skip = integer("byte skip", *skip, -1, 1LL << 50);
  if (h.byte_skip == -1 && h.encoding != "raw") fail("'byte skip: -1' is allowed only with raw encoding");

  const std::uint64_t data_bytes = h.voxels * std::uint64_t(h.value_bytes);
  std::string data_path = path;
  std::uint64_t data_start = h.header_bytes;
  if (data_file) {
    const auto w = words(*data_file);
    // Several data files (a LIST, or a printf pattern with min, max and step) are refused: VTK's
    // reader expands a pattern with whatever numbers follow it and allocated gigabytes for a
    // damaged one (found by fuzzing).
    if (w.size() != 1 || w[0] == "LIST")
      fail("'data file: " + data_file->substr(0, 60) +
           "' names several data files (a LIST or a pattern); lactosim reads one: join them into one file");
    fs::path p = w[0];
    if (p.is_relative()) p = fs::path(path).parent_path() / p;
    h.data_file = p.lexically_normal().string();
    std::error_code ec;
    if (!fs::is_regular_file(h.data_file, ec))
      fail("names the data file '" + w[0] + "', but '" + h.data_file + "' is not a file");
    data_path = h.data_file;
    data_start = 0;
  }
  if (h.encoding != "raw") return h;  // compressed or text: the byte count says nothing

  std::error_code ec;
  const std::uint64_t file_bytes = fs::file_size(data_path, ec);
  if (ec) fail("its data '" + data_path + "' cannot be read: " + ec.message());
  const std::string need = std::to_string(data_bytes) + " bytes of voxels (sizes " + *get("sizes") + " × " +
                           std::to_string(h.value_bytes) + "-byte " + h.type + ")";
  const std::string in_what = data_file ? "its data file '" + h.data_file + "'" : "the file";
  if (h.byte_skip == -1) {
    if (file_bytes < data_start + data_bytes)
      fail("is truncated: 'byte skip: -1' takes the last " + need + ", " + in_what + " has " +
           std::to_string(file_bytes) + (data_file ? "" : " with a header of " + std::to_string(data_start)));
    return h;
  }
  const std::uint64_t start = data_start + std::uint64_t(h.byte_skip);
  const std::uint64_t have = file_bytes > start ? file_bytes - start : 0;
  if (have != data_bytes) {
    const std::string skip = h.byte_skip ? " and a byte skip of " + std::to_string(h.byte_skip) : "";
    const std::string promise =
        data_file ? "; the header" + skip + " promises " + need
                  : "; its " + std::to_string(data_start) + "-byte header" + skip + " promises " + need + " after it";
    fail(std::string(have < data_bytes ? "is truncated: " : "is too long: ") + in_what + " has " +
         std::to_string(file_bytes) + " bytes" + promise + ", " + std::to_string(start + data_bytes) + " in all" +
         width_hint(have, h.voxels, h.value_bytes));
  }
  return h;
}

}  // namespace lactosim::mesh
