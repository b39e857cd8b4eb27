// SPDX-License-Identifier: MIT
#include "values.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace lactosim::config {

std::vector<std::string> split_list(const std::string& text) {
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

namespace {
// Whole-string number parse: std::stod alone would accept "3abc".
double parse_number(const std::string& s, const std::string& what) {
  std::size_t used = 0;
  double x = 0;
  try {
    x = std::stod(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || s.empty() || !std::isfinite(x))
    throw std::invalid_argument(what + " '" + s + "' is not a number");
  return x;
}
}  // namespace

Schedule parse_schedule_h(const std::string& text) {
  Schedule s;
  for (const std::string& point : split_list(text)) {
    const auto colon = point.find(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("schedule point '" + point + "' is not t_h:value");
    const double t_h = parse_number(point.substr(0, colon), "time");
    const double v = parse_number(point.substr(colon + 1), "value");
    if (!s.time_s.empty() && t_h * 3600.0 <= s.time_s.back())
      throw std::invalid_argument("schedule times must be strictly increasing, got " +
                                  format_number(t_h) + " h after " +
                                  format_number(s.time_s.back() / 3600.0) + " h");
    s.time_s.push_back(t_h * 3600.0);
    s.value.push_back(v);
  }
  if (s.time_s.empty()) throw std::invalid_argument("empty schedule (expected t_h:value, ...)");
  return s;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  // A typo is a few edits, proportionally more in long keys; further away, a guess misleads.
  std::size_t best_d = std::max<std::size_t>(2, word.size() / 4) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::string format_number(double x) {
  std::ostringstream o;
  o.precision(12);
  o << x;
  return o.str();
}

}  // namespace lactosim::config
