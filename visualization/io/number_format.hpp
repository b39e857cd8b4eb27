// SPDX-License-Identifier: MIT
// Numbers in text files, independent of the C locale: printf's %g writes "1,5" once any library
// calls setlocale with a German LC_NUMERIC, which would corrupt CSV and JSON. std::to_chars never does.
#pragma once
#include <string>

namespace lactosim::io {

// Like printf("%.<precision>g", value) in the "C" locale; non-finite values give "nan", "inf", "-inf"
// (a NaN's sign is dropped: "-nan" means nothing to a reader).
std::string format_general(double value, int precision);

}  // namespace lactosim::io
