// SPDX-License-Identifier: MIT
// A small INI reader that keeps each key's file and line (Boost's config-file parser reports none,
// DESIGN §5). Syntax: `[section]` or `[kind.NAME]`, `key = value`, `#`/`;` comments on their own line
// or after whitespace, blank lines. Keys may contain dots. Nothing here knows the schema.
#pragma once
#include <string>
#include <vector>

#include "config.hpp"

namespace lactosim::config {

// [[noreturn]] helper: the one place messages get their "FILE:LINE: KEY: " prefix.
[[noreturn]] void fail(const SourceLocation& where, const std::string& what);

struct IniSection {
  std::string name;        // "run", "species.Na"
  SourceLocation header;   // where `[name]` stands (key = name)
  std::vector<Entry> entries;
};

// Parses INI text; `file` is how messages cite it. Throws ConfigError on syntax errors and on a key
// given twice in the same section of one file.
std::vector<IniSection> read_ini_text(const std::string& text, const std::string& file);
// Reads a file; "FILE: cannot open config file" when it cannot, "FILE: is a folder, ..." for a folder.
std::vector<IniSection> read_ini_file(const std::string& path);
// How messages cite the command line, as a file.
inline constexpr const char* command_line = "<command line>";
// "section.key=value" from the command line, cited as "<command line>". Named sections
// (`named_kind` true for the first dotted part) take two parts: "species.Na.charge=1".
IniSection parse_override(const std::string& text, bool (*named_kind)(const std::string&));

}  // namespace lactosim::config
