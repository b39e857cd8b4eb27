// SPDX-License-Identifier: MIT
#include "number_format.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace lactosim::io {

std::string format_general(double value, int precision) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  const std::to_chars_result r =
      std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, precision);
  if (r.ec != std::errc()) throw std::logic_error("format_general: buffer too small");
  return std::string(buf, r.ptr);
}

}  // namespace lactosim::io
