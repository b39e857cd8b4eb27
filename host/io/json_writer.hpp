// SPDX-License-Identifier: MIT
// A small streaming JSON emitter for run.json: objects, arrays, strings, numbers, bools, null.
// Strings are escaped per RFC 8259 and invalid UTF-8 is replaced by U+FFFD, so the file always parses
// (paths and config values may hold arbitrary bytes). Numbers are written with 17 significant digits
// (round-trip exact); NaN and ±Inf, which JSON cannot express, are written as null. Misuse (a value
// without a key inside an object, unbalanced ends, str() on an unfinished document) throws
// std::logic_error, so a malformed run.json is a bug found in tests, not a file found by a user.
//
//   JsonWriter json;
//   json.begin_object().field("version", "0.1.0").field("dt_s", 0.01);
//   json.key("species").begin_array().value("Na").value("K").end_array();
//   json.end_object();
//   write_file_atomically(dir + "/run.json", json.str());
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace lactosim::io {

class JsonWriter {
 public:
  // indent: spaces per level; 0 writes everything on one line.
  explicit JsonWriter(int indent = 2);

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double x);
  JsonWriter& value(bool b);
  template <class Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  JsonWriter& value(Int i) {
    return raw_value(std::to_string(i));
  }
  JsonWriter& null_value();

  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }
  template <class T>
  JsonWriter& array_field(std::string_view name, const std::vector<T>& items) {
    key(name).begin_array();
    for (const T& item : items) value(item);
    return end_array();
  }

  // The document; throws std::logic_error if it is not complete.
  const std::string& str() const;

 private:
  enum class Scope { object, array };
  JsonWriter& raw_value(std::string_view text);
  void before_value();
  void newline();

  std::string out_;
  std::vector<Scope> scopes_;
  std::vector<bool> scope_empty_;
  int indent_;
  bool key_pending_ = false;
  bool done_ = false;
};

// `s` as a quoted JSON string literal.
std::string json_quote(std::string_view s);
// `x` as a JSON number with %.17g precision, or "null" when not finite.
std::string json_number(double x);

}  // namespace lactosim::io
