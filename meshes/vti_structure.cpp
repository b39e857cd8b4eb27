// SPDX-License-Identifier: MIT
// Checks of a .vti's extents and appended blocks (meshes/vti_structure.hpp), from the XML text
// before <AppendedData> and the block headers it points at; the voxels themselves are not read.
#include "meshes/vti_structure.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>
#include <vector>

#include "meshes/generators.hpp"

namespace lactosim::mesh {

namespace {

[[noreturn]] void fail(const std::string& what) { throw VtiStructureError(what); }

using Attributes = std::map<std::string, std::string>;

// The attributes of the element whose text starts at `at` ("<Name a="1" b='2' ...>").
Attributes attributes(const std::string& xml, std::size_t at) {
  Attributes out;
  const std::size_t end = xml.find('>', at);
  std::size_t i = xml.find_first_of(" \t\r\n", at);
  while (i != std::string::npos && i < end) {
    const std::size_t eq = xml.find('=', i);
    if (eq == std::string::npos || eq > end) break;
    std::size_t name_start = xml.find_first_not_of(" \t\r\n", i);
    const std::string name = xml.substr(name_start, eq - name_start);
    const std::size_t quote = xml.find_first_of("\"'", eq);
    if (quote == std::string::npos || quote > end) break;
    const std::size_t close = xml.find(xml[quote], quote + 1);
    if (close == std::string::npos || close > end) break;
    out[name] = xml.substr(quote + 1, close - quote - 1);
    i = close + 1;
  }
  return out;
}

std::vector<long long> integers(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::vector<long long> out;
  long long v;
  while (in >> v) out.push_back(v);
  if (!in.eof()) fail(what + " '" + text.substr(0, 60) + "' is not a list of integers");
  return out;
}

// Values an extent's points and cells hold; throws when it is not six ordered integers or too large.
std::pair<std::uint64_t, std::uint64_t> extent_counts(const std::string& text, const std::string& what) {
  const auto e = integers(text, what);
  if (e.size() != 6) fail(what + " '" + text + "' is not six integers");
  std::array<double, 3> cells{};
  std::uint64_t points = 1, cell_count = 1;
  for (int a = 0; a < 3; ++a) {
    if (e[2 * a + 1] < e[2 * a] || e[2 * a + 1] - e[2 * a] > 10000000)
      fail(what + " '" + text + "' has axis " + std::to_string(a) + " from " + std::to_string(e[2 * a]) + " to " +
           std::to_string(e[2 * a + 1]));
    const auto n = std::uint64_t(e[2 * a + 1] - e[2 * a]);
    points *= n + 1;
    cell_count *= std::max<std::uint64_t>(n, 1);
    cells[a] = double(n + 1);
  }
  try {
    grid_dims(cells, "", what, "crop or downsample the volume");
  } catch (const std::exception& ex) {
    fail(ex.what());
  }
  return {points, cell_count};
}

int type_bytes(const std::string& type) {
  static const std::map<std::string, int> bytes = {
      {"Int8", 1}, {"UInt8", 1}, {"Int16", 2}, {"UInt16", 2}, {"Int32", 4}, {"UInt32", 4}, {"Int64", 8},
      {"UInt64", 8}, {"Float32", 4}, {"Float64", 8}, {"Char", 1}, {"UChar", 1}};
  const auto it = bytes.find(type);
  return it == bytes.end() ? 0 : it->second;
}

}  // namespace

void check_vti_structure(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot be opened");
  in.seekg(0, std::ios::end);
  const std::uint64_t file_bytes = std::uint64_t(in.tellg());
  in.seekg(0);
  // The XML part: everything before the appended data's '_' (at most 64 MiB of markup).
  std::string xml;
  std::uint64_t data_start = 0;  // first byte after '_'; 0 when there is no appended data
  bool base64 = false;           // appended data encoded: every 4 characters hold 3 bytes
  {
    std::string chunk(1 << 16, '\0');
    while (xml.size() < (std::size_t(64) << 20)) {
      in.read(chunk.data(), std::streamsize(chunk.size()));
      const auto got = std::size_t(in.gcount());
      if (got == 0) break;
      xml.append(chunk, 0, got);
      const auto appended = xml.find("<AppendedData");
      if (appended != std::string::npos) {
        // VTK takes the data from the first character after the tag that is not white space, and
        // reads from the end of the file when that is not '_' (a '$' there made it ask for 6.4 GB;
        // found by fuzzing): the '_' must come first.
        const auto close = xml.find('>', appended);
        const auto first = close == std::string::npos ? close : xml.find_first_not_of(" \t\r\n", close + 1);
        if (first != std::string::npos && xml[first] != '_')
          fail("its <AppendedData> starts with byte " + std::to_string(static_cast<unsigned char>(xml[first])) +
               ", not the '_' that starts the data");
        const auto underscore = first;
        if (underscore != std::string::npos) {
          const Attributes a = attributes(xml, appended);
          base64 = !(a.count("encoding") && a.at("encoding") == "raw");  // VTK's default is base64
          data_start = underscore + 1;
          xml.resize(appended);
          break;
        }
      }
    }
  }
  const auto file_at = xml.find("<VTKFile");
  if (file_at == std::string::npos) return;  // not VTK XML: the reader says so
  const Attributes file = attributes(xml, file_at);
  const bool compressed = file.count("compressor") && !file.at("compressor").empty();
  // Only the values VTK documents: a block header read with another width than VTK's would check
  // nothing.
  if (file.count("header_type") && file.at("header_type") != "UInt32" && file.at("header_type") != "UInt64")
    fail("has header_type '" + file.at("header_type").substr(0, 40) + "', not UInt32 or UInt64");
  if (file.count("byte_order") && file.at("byte_order") != "LittleEndian" && file.at("byte_order") != "BigEndian")
    fail("has byte_order '" + file.at("byte_order").substr(0, 40) + "', not LittleEndian or BigEndian");
  const int header_bytes = file.count("header_type") && file.at("header_type") == "UInt64" ? 8 : 4;
  const bool big_endian = file.count("byte_order") && file.at("byte_order") == "BigEndian";

  // The reader allocates the whole extent and fills it piece by piece: pieces holding fewer points
  // than the whole would leave the rest as whatever memory held.
  std::uint64_t whole_points = 0, piece_points = 0;
  const auto image_at = xml.find("<ImageData");
  if (image_at != std::string::npos) {
    const Attributes image = attributes(xml, image_at);
    if (image.count("WholeExtent")) whole_points = extent_counts(image.at("WholeExtent"), "WholeExtent").first;
  }
  if (data_start == 0) {
    // VTK's reader takes the appended data from wherever it ends up without the '_' that starts
    // them, and allocates what it reads there (16.9 GB from a 1 kB file; found by fuzzing).
    if (xml.find("<AppendedData") != std::string::npos)
      fail("has <AppendedData> without the '_' that starts its data");
  }

  // Bytes the file holds from a block's start on (decoded, for base64).
  auto available = [&](std::uint64_t block) {
    const std::uint64_t left = block > file_bytes ? 0 : file_bytes - block;
    return base64 ? left / 4 * 3 : left;
  };
  // The n-byte unsigned integer at byte k of the block starting at `block` (VTK encodes a block's
  // header as one base64 run from the block's start); all ones when it lies past the end.
  auto read_uint = [&](std::uint64_t block, std::uint64_t k, int n) {
    if (k + std::uint64_t(n) > available(block)) return ~std::uint64_t(0);
    unsigned char b[8] = {};
    if (!base64) {
      in.clear();
      in.seekg(std::streamoff(block + k));
      in.read(reinterpret_cast<char*>(b), n);
    } else {
      const std::uint64_t first = k / 3, last = (k + n - 1) / 3;  // 4-character groups
      std::string text(std::size_t(4 * (last - first + 1)), '\0');
      in.clear();
      in.seekg(std::streamoff(block + 4 * first));
      in.read(text.data(), std::streamsize(text.size()));
      std::vector<unsigned char> bytes;
      for (std::size_t g = 0; g + 4 <= text.size(); g += 4) {
        std::uint32_t v = 0;
        for (int c = 0; c < 4; ++c) {
          const char ch = text[g + c];
          const int d = ch >= 'A' && ch <= 'Z' ? ch - 'A' : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
                        : ch >= '0' && ch <= '9' ? ch - '0' + 52 : ch == '+' ? 62 : ch == '/' ? 63 : 0;
          v = v << 6 | std::uint32_t(d);
        }
        bytes.push_back(v >> 16 & 0xFF), bytes.push_back(v >> 8 & 0xFF), bytes.push_back(v & 0xFF);
      }
      for (int i = 0; i < n; ++i) b[i] = bytes[std::size_t(k - 3 * first) + std::size_t(i)];
    }
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t(b[big_endian ? n - 1 - i : i]) << (8 * i);
    return v;
  };

  std::uint64_t points = 0, cells = 0;
  for (std::size_t at = xml.find('<'); at != std::string::npos; at = xml.find('<', at + 1)) {
    if (xml.compare(at, 6, "<Piece") == 0) {
      const Attributes piece = attributes(xml, at);
      if (!piece.count("Extent")) fail("a <Piece> has no Extent");
      std::tie(points, cells) = extent_counts(piece.at("Extent"), "Piece Extent");
      piece_points += points;
      continue;
    }
    if (xml.compare(at, 10, "<DataArray") != 0) continue;
    const Attributes array = attributes(xml, at);
    const std::string name = "array '" + (array.count("Name") ? array.at("Name") : std::string("?")) + "'";
    // VTK reads any format it does not know as appended (a DataArray of format "appe.ded" made it
    // ask for 17 GB; found by fuzzing): only the three it documents are taken.
    // A DataArray without a format is read as appended too (a "RangeMformat" attribute; found by
    // fuzzing): VTK's writers always give one, so none is refused.
    if (!array.count("format")) fail(name + " has no format attribute (ascii, binary or appended)");
    const std::string format = array.at("format");
    if (format != "ascii" && format != "binary" && format != "appended")
      fail(name + " has format '" + format.substr(0, 40) + "', not ascii, binary or appended");
    if (format != "appended") continue;
    if (data_start == 0) fail(name + " is appended, but the file has no <AppendedData>");
    const int bytes = type_bytes(array.count("type") ? array.at("type") : "");
    if (bytes == 0) fail(name + " has type '" + (array.count("type") ? array.at("type") : "") + "'");
    long long comps = 1;
    if (array.count("NumberOfComponents")) {
      const auto c = integers(array.at("NumberOfComponents"), name + "'s NumberOfComponents");
      if (c.size() != 1 || c[0] < 1 || c[0] > 64) fail(name + " has NumberOfComponents '" + array.at("NumberOfComponents") + "'");
      comps = c[0];
    }
    if (!array.count("offset")) fail(name + " is appended but has no offset");
    const auto offset = integers(array.at("offset"), name + "'s offset");
    if (offset.size() != 1 || offset[0] < 0) fail(name + " has offset '" + array.at("offset") + "'");
    const std::uint64_t block = data_start + std::uint64_t(offset[0]);
    // Point or cell values: whichever section the array sits in; the larger when unknown.
    const auto point_data = xml.rfind("<PointData", at), cell_data = xml.rfind("<CellData", at);
    const bool in_cells = cell_data != std::string::npos && (point_data == std::string::npos || cell_data > point_data);
    const std::uint64_t tuples = points == 0 ? 0 : in_cells ? cells : points;
    const std::uint64_t expected = tuples * std::uint64_t(comps) * std::uint64_t(bytes);
    const std::string where = name + "'s appended block at byte " + std::to_string(block);
    if (!compressed) {
      const std::uint64_t size = read_uint(block, 0, header_bytes);
      if (size == ~std::uint64_t(0)) fail(where + " lies past the end of the file (" + std::to_string(file_bytes) + " bytes)");
      if (size > available(block) - header_bytes)
        fail(where + " claims " + std::to_string(size) + " bytes, past the end of the file (" +
             std::to_string(file_bytes) + " bytes): the file is truncated");
      if (tuples && size != expected)
        fail(where + " holds " + std::to_string(size) + " bytes, its extent needs " + std::to_string(expected));
      continue;
    }
    const std::uint64_t blocks = read_uint(block, 0, header_bytes);
    if (blocks == ~std::uint64_t(0) || blocks > available(block) / header_bytes)
      fail(where + (blocks == ~std::uint64_t(0) ? " lies past the end of the file"
                                                 : " claims " + std::to_string(blocks) +
                                                       " compressed blocks, more than the file could hold") +
           " (" + std::to_string(file_bytes) + " bytes)");
    const std::uint64_t table = (3 + blocks) * std::uint64_t(header_bytes);
    if (table > available(block)) fail(where + "'s block table runs past the end of the file: the file is truncated");
    const std::uint64_t block_size = read_uint(block, header_bytes, header_bytes);
    const std::uint64_t last_size = read_uint(block, 2 * header_bytes, header_bytes);
    std::uint64_t packed = 0;
    for (std::uint64_t b = 0; b < blocks; ++b) {
      packed += read_uint(block, (3 + b) * header_bytes, header_bytes);
      if (packed > available(block) - table)
        fail(where + "'s compressed blocks run past the end of the file (" + std::to_string(file_bytes) +
             " bytes): the file is truncated");
    }
    if (blocks && (block_size == 0 || block_size > (std::uint64_t(1) << 32) || last_size > block_size))
      fail(where + " has sub-blocks of " + std::to_string(block_size) + " bytes, the last of " + std::to_string(last_size));
    const std::uint64_t unpacked = blocks == 0 ? 0 : (blocks - 1) * block_size + (last_size ? last_size : block_size);
    if (tuples && unpacked != expected)
      fail(where + " unpacks to " + std::to_string(unpacked) + " bytes, its extent needs " + std::to_string(expected));
  }
  if (whole_points && piece_points && piece_points < whole_points)
    fail("its pieces hold " + std::to_string(piece_points) + " points, its WholeExtent " + std::to_string(whole_points));
}

}  // namespace lactosim::mesh
