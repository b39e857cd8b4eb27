// SPDX-License-Identifier: MIT
// The INI reader keeps each key's file and line and reads the documented syntax.
#include <gtest/gtest.h>

#include "host/config/ini_reader.hpp"
#include "host/config/values.hpp"

using namespace lactosim::config;

TEST(IniReader, KeepsFileLineAndDottedKeys) {
  const auto s = read_ini_text("# header\n\n[species.Na]\n  D_um2_per_s.cell = 480   # note\n"
                               "; c\ninitial_mM.cell=47\n",
                               "x.ini");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].name, "species.Na");
  EXPECT_EQ(s[0].header.line, 3);
  ASSERT_EQ(s[0].entries.size(), 2u);
  EXPECT_EQ(s[0].entries[0].key, "D_um2_per_s.cell");
  EXPECT_EQ(s[0].entries[0].value, "480");
  EXPECT_EQ(s[0].entries[0].where.str(), "x.ini:4: species.Na.D_um2_per_s.cell");
  EXPECT_EQ(s[0].entries[1].value, "47");
  EXPECT_EQ(s[0].entries[1].where.line, 6);
}

TEST(IniReader, HashInsideAValueIsNotAComment) {
  const auto s = read_ini_text("[a]\nk = x#y ;z\n", "x.ini");
  EXPECT_EQ(s[0].entries[0].value, "x#y");
}

TEST(IniReader, DuplicateKeyCitesBothLines) {
  try {
    read_ini_text("[run]\nend_time_s = 1\n\nend_time_s = 2\n", "d.ini");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "d.ini:4: run.end_time_s: duplicate key (first set at line 2)");
  }
}

TEST(IniReader, OverrideSplitsNamedSections) {
  const auto s = parse_override("species.Na.D_um2_per_s.cell=400",
                                [](const std::string& k) { return k == "species"; });
  EXPECT_EQ(s.name, "species.Na");
  EXPECT_EQ(s.entries[0].key, "D_um2_per_s.cell");
  EXPECT_EQ(s.entries[0].where.str(), "<command line>: species.Na.D_um2_per_s.cell");
  EXPECT_THROW(parse_override("run=5", [](const std::string&) { return false; }), ConfigError);
}

TEST(ConfigValues, ListsTakeCommasAndSpaces) {
  EXPECT_EQ(split_list("4 6"), (std::vector<std::string>{"4", "6"}));
  EXPECT_EQ(split_list(" 4,6 ,, 7\t8"), (std::vector<std::string>{"4", "6", "7", "8"}));
}

TEST(Schedules, ParseHoursAndInterpolateLinearly) {
  const auto s = parse_schedule_h("0:1, 2:3 4:3,6:0");
  ASSERT_EQ(s.time_s.size(), 4u);
  EXPECT_DOUBLE_EQ(s.time_s[1], 7200);
  EXPECT_DOUBLE_EQ(s.at(-5), 1);     // constant before the first point
  EXPECT_DOUBLE_EQ(s.at(3600), 2);   // halfway 1 → 3
  EXPECT_DOUBLE_EQ(s.at(10800), 3);  // flat part
  EXPECT_DOUBLE_EQ(s.at(18000), 1.5);  // halfway 3 → 0
  EXPECT_DOUBLE_EQ(s.at(1e9), 0);    // constant after the last
}

TEST(Schedules, RejectUnsortedRepeatedAndMalformedTimes) {
  EXPECT_THROW(parse_schedule_h("0:1, 2:3, 1:4"), std::invalid_argument);
  EXPECT_THROW(parse_schedule_h("0:1, 1:3, 1:4"), std::invalid_argument);
  EXPECT_THROW(parse_schedule_h("0:1, 1"), std::invalid_argument);
  EXPECT_THROW(parse_schedule_h("0:1, 1:x"), std::invalid_argument);
}

TEST(ConfigValues, SuggestsCloseNamesOnly) {
  EXPECT_EQ(closest("run.end_tme_s", {"run.end_time_s", "run.threads"}), "run.end_time_s");
  EXPECT_EQ(closest("specis", {"species", "region"}), "species");
  EXPECT_EQ(closest("zzzzzz", {"species", "region"}), "");
}
