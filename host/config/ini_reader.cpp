// SPDX-License-Identifier: MIT
#include "ini_reader.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace lactosim::config {

void fail(const SourceLocation& where, const std::string& what) {
  throw ConfigError(where.str() + ": " + what);
}

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// A comment starts at `#` or `;` at the start of the line or after whitespace, so that values such
// as `a#b` survive and `x = 1  # note` loses its note.
std::string strip_comment(const std::string& line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if ((line[i] == '#' || line[i] == ';') && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
      return line.substr(0, i);
  return line;
}

bool valid_name(const std::string& s, bool dots_allowed) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                    (dots_allowed && c == '.');
    if (!ok) return false;
  }
  return s.front() != '.' && s.back() != '.' && s.find("..") == std::string::npos;
}

}  // namespace

std::vector<IniSection> read_ini_text(const std::string& text, const std::string& file) {
  std::vector<IniSection> sections;
  // Full key → line where this file set it: a second setting in one file is almost always a
  // copy-paste slip, so it is an error rather than a silent override.
  std::map<std::string, int> seen;
  std::istringstream in(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    const std::string line = trim(strip_comment(raw));
    if (line.empty()) continue;
    SourceLocation where{file, line_no, ""};
    if (line.front() == '[') {
      if (line.back() != ']')
        fail(where, "syntax error: section header '" + line + "' lacks its closing ']'");
      const std::string name = trim(line.substr(1, line.size() - 2));
      if (!valid_name(name, true))
        fail(where, "syntax error: bad section name '" + name +
                        "' (expected [kind] or [kind.NAME]: letters, digits, '_', '-')");
      sections.push_back({name, {file, line_no, name}, {}});
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      fail(where, "syntax error: expected 'key = value' or '[section]', got '" + line + "'");
    const std::string key = trim(line.substr(0, eq));
    const std::string value = trim(line.substr(eq + 1));
    if (!valid_name(key, true))
      fail(where, "syntax error: bad key '" + key + "' (letters, digits, '_', '-', '.')");
    if (sections.empty()) fail({file, line_no, key}, "key outside any [section]");
    IniSection& s = sections.back();
    const std::string full = s.name + "." + key;
    where.key = full;
    if (value.empty()) fail(where, "missing value (expected 'key = value')");
    const auto [it, fresh] = seen.emplace(full, line_no);
    if (!fresh)
      fail(where, "duplicate key (first set at line " + std::to_string(it->second) + ")");
    s.entries.push_back({s.name, key, value, where});
  }
  return sections;
}

std::vector<IniSection> read_ini_file(const std::string& path) {
  // A folder opens as a stream on Linux and reads as an empty file: an empty model, not an error.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(path + ": is a folder, not a config file (give the .ini file in it)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open config file");
  std::ostringstream text;
  text << in.rdbuf();
  return read_ini_text(text.str(), path);
}

IniSection parse_override(const std::string& text, bool (*named_kind)(const std::string&)) {
  const std::string cli = command_line;
  const auto eq = text.find('=');
  const std::string lhs = trim(text.substr(0, eq));
  if (eq == std::string::npos || !valid_name(lhs, true) || lhs.find('.') == std::string::npos)
    fail({cli, 0, lhs}, "expected section.key=value, got '" + text + "'");
  const std::string value = trim(text.substr(eq + 1));
  // The section is one dotted part for [run]-like kinds, two for named ones ([species.Na]).
  auto dot = lhs.find('.');
  if (named_kind(lhs.substr(0, dot))) dot = lhs.find('.', dot + 1);
  if (dot == std::string::npos)
    fail({cli, 0, lhs}, "expected section.key=value, got '" + text + "'");
  IniSection s{lhs.substr(0, dot), {cli, 0, lhs.substr(0, dot)}, {}};
  if (value.empty()) fail({cli, 0, lhs}, "missing value (expected " + lhs + "=value)");
  s.entries.push_back({s.name, lhs.substr(dot + 1), value, {cli, 0, lhs}});
  return s;
}

}  // namespace lactosim::config
