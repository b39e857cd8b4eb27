// SPDX-License-Identifier: MIT
// Value syntax shared by every section: lists, schedules, "did you mean" suggestions.
#pragma once
#include <string>
#include <vector>

#include "host/schedule.hpp"

namespace lactosim::config {

// Lists are whitespace- or comma-separated: "4 6", "4, 6", "4,6".
std::vector<std::string> split_list(const std::string& text);

// "t_h:value, t_h:value ..." (commas and/or spaces), times in hours, strictly increasing; returns
// times in seconds. Throws std::invalid_argument with the reason (the caller adds file:line:key).
Schedule parse_schedule_h(const std::string& text);

// The candidate closest to `word` by edit distance, or "" when none is close enough to be a typo.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");
std::string format_number(double x);

}  // namespace lactosim::config
