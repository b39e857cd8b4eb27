// SPDX-License-Identifier: MIT
#include "json_writer.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "visualization/io/number_format.hpp"

namespace lactosim::io {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as RFC 3629 says).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string json_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

std::string json_number(double x) {
  return std::isfinite(x) ? format_general(x, 17) : std::string("null");
}

JsonWriter::JsonWriter(int indent) : indent_(indent) {}

void JsonWriter::newline() {
  if (indent_ <= 0) return;
  out_ += '\n';
  out_.append(scopes_.size() * std::size_t(indent_), ' ');
}

void JsonWriter::before_value() {
  if (done_) throw std::logic_error("JsonWriter: a value after the document was complete");
  if (scopes_.empty()) return;
  if (scopes_.back() == Scope::object) {
    if (!key_pending_) throw std::logic_error("JsonWriter: a value inside an object needs a key first");
    key_pending_ = false;
    return;
  }
  if (!scope_empty_.back()) out_ += ',';
  scope_empty_.back() = false;
  newline();
}

JsonWriter& JsonWriter::raw_value(std::string_view text) {
  before_value();
  out_.append(text);
  if (scopes_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  if (scopes_.empty() || scopes_.back() != Scope::object) {
    throw std::logic_error("JsonWriter: key '" + std::string(name) + "' outside an object");
  }
  if (key_pending_) throw std::logic_error("JsonWriter: two keys in a row ('" + std::string(name) + "')");
  if (!scope_empty_.back()) out_ += ',';
  scope_empty_.back() = false;
  newline();
  out_ += json_quote(name);
  out_ += indent_ > 0 ? ": " : ":";
  key_pending_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_ += '{';
  scopes_.push_back(Scope::object);
  scope_empty_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_ += '[';
  scopes_.push_back(Scope::array);
  scope_empty_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  if (scopes_.empty() || scopes_.back() != Scope::object) {
    throw std::logic_error("JsonWriter: end_object without a matching begin_object");
  }
  if (key_pending_) throw std::logic_error("JsonWriter: end_object after a key without a value");
  const bool empty = scope_empty_.back();
  scopes_.pop_back();
  scope_empty_.pop_back();
  if (!empty) newline();
  out_ += '}';
  if (scopes_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  if (scopes_.empty() || scopes_.back() != Scope::array) {
    throw std::logic_error("JsonWriter: end_array without a matching begin_array");
  }
  const bool empty = scope_empty_.back();
  scopes_.pop_back();
  scope_empty_.pop_back();
  if (!empty) newline();
  out_ += ']';
  if (scopes_.empty()) done_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) { return raw_value(json_quote(s)); }
JsonWriter& JsonWriter::value(double x) { return raw_value(json_number(x)); }
JsonWriter& JsonWriter::value(bool b) { return raw_value(b ? "true" : "false"); }
JsonWriter& JsonWriter::null_value() { return raw_value("null"); }

const std::string& JsonWriter::str() const {
  if (!done_) throw std::logic_error("JsonWriter: the document is not complete");
  return out_;
}

}  // namespace lactosim::io
