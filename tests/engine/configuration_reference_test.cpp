// SPDX-License-Identifier: MIT
// docs/configuration.md is generated from the option definitions (scripts/gen-config-docs.sh runs
// `lactosim config --list`, which prints config::describe_options()). This test keeps the two equal:
// a key added, renamed or re-documented in code without regenerating the page fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "host/config/config.hpp"

namespace {

// The listing between the page's "```text" line and the next "```" line.
std::string listing_in(const std::string& page) {
  const std::string open = "\n```text\n", close = "\n```";
  const auto start = page.find(open);
  if (start == std::string::npos) return {};
  const auto body = start + open.size();
  const auto end = page.find(close, body - 1);
  return end == std::string::npos ? std::string{} : page.substr(body, end + 1 - body);
}

// The first line where a and b differ, for a message shorter than two whole listings.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(sa, la)), more_b = static_cast<bool>(std::getline(sb, lb));
    if (!more_a && !more_b) return "none";
    if (!more_a || !more_b || la != lb)
      return "listing line " + std::to_string(line) + "\n  page: " + (more_a ? la : "<end>") +
             "\n  code: " + (more_b ? lb : "<end>");
  }
}

}  // namespace

TEST(ConfigurationReference, DocsMatchTheOptionDefinitions) {
  const std::string path = std::string(LACTOSIM_SOURCE_DIR) + "/docs/configuration.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing: run scripts/gen-config-docs.sh";
  std::stringstream page;
  page << in.rdbuf();
  const std::string documented = listing_in(page.str());
  ASSERT_FALSE(documented.empty()) << path << " has no ```text listing: run scripts/gen-config-docs.sh";
  const std::string defined = lactosim::config::describe_options();
  EXPECT_TRUE(documented == defined) << path << " differs from the option definitions at "
                                 << first_difference(documented, defined)
                                 << "\nRegenerate it: scripts/gen-config-docs.sh (after building lactosim)";
}

TEST(ConfigurationReference, ListingNamesEverySectionKind) {
  const std::string listing = lactosim::config::describe_options();
  for (const char* header : {"[run]", "[model]", "[geometry]", "[compartment.<NAME>]", "[species.<NAME>]",
                             "[membrane.<NAME>]", "[transporter.<NAME>]", "[reaction.<NAME>]", "[region.<NAME>]"})
    EXPECT_NE(listing.find(std::string(header) + "\n"), std::string::npos) << header;
  EXPECT_NE(listing.find("D_um2_per_s.<compartment>"), std::string::npos);
}
