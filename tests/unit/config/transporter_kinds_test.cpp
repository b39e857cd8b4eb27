// SPDX-License-Identifier: MIT
// The transporter kinds are one table (kernels/physics/transporter_kinds.hpp, LACTOSIM_TRANSPORTER_KINDS):
// the enum, the names the INI reader accepts, the keys the schema declares and the table in
// docs/transporter-kinds.md must all say the same thing.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "host/config/schema.hpp"
#include "kernels/physics/transporter_kind_info.hpp"

namespace {

using lactosim::physics::KeyUse;
using lactosim::physics::SpeciesKeys;
using lactosim::physics::TransporterKind;
using lactosim::physics::TransporterKindInfo;
using lactosim::physics::transporter_kinds;

// The keys of the [transporter.NAME] schema, without the section prefix; families as "region.<REGION>".
std::set<std::string> schema_keys() {
  const auto schema = lactosim::config::section_schema("transporter", "X", {});
  std::set<std::string> keys;
  for (const auto& o : schema.options) keys.insert(o.key.substr(std::string("transporter.X.").size()));
  for (const auto& f : schema.families) keys.insert(f.prefix.substr(std::string("transporter.X.").size()) + "<REGION>");
  return keys;
}

// How a kind's key is annotated in the docs table.
std::string annotated(const TransporterKindInfo& k, std::string_view key) {
  std::string out = "`" + std::string(key) + "`";
  if (key == lactosim::physics::rate_key_name(k.form.rate)) return out + " (required)";
  if (key == "species")
    return out + (k.form.species == SpeciesKeys::one    ? " (one)"
                  : k.form.species == SpeciesKeys::each ? " (each its own transporter)"
                                                         : " (moved together)");
  if (key == "K_mM" && k.form.K_mM == KeyUse::required) return out + " (required, > 0)";
  return out;
}

// The table docs/transporter-kinds.md must hold, generated from the kinds' table.
std::string kinds_markdown() {
  std::string md = "| kind | rate law | keys |\n|---|---|---|\n";
  for (const auto& k : transporter_kinds) {
    md += "| `" + std::string(k.name) + "` | " + std::string(k.law) + " | ";
    const auto keys = lactosim::physics::transporter_kind_keys(k);
    for (std::size_t i = 0; i < keys.size(); ++i) md += (i ? ", " : "") + annotated(k, keys[i]);
    md += " |\n";
  }
  return md;
}

}  // namespace

TEST(TransporterKinds, EveryKindHasOneNameThatRoundTrips) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < transporter_kinds.size(); ++i) {
    const TransporterKindInfo& k = transporter_kinds[i];
    EXPECT_EQ(static_cast<std::size_t>(k.kind), i) << k.name << ": the table's order is the enum's";
    EXPECT_FALSE(k.name.empty()) << "kind " << i;
    EXPECT_FALSE(k.law.empty()) << k.name;
    EXPECT_TRUE(names.insert(k.name).second) << k.name << " named twice";
    EXPECT_EQ(lactosim::physics::transporter_kind_named(k.name), k.kind) << k.name;
    EXPECT_EQ(lactosim::physics::kind_info(k.kind).name, k.name);
  }
  EXPECT_EQ(lactosim::physics::transporter_kind_named("leak"), std::nullopt);
}

TEST(TransporterKinds, SecretionKindsAreThoseThatTakeAndDeliver) {
  for (const auto& k : transporter_kinds) {
    EXPECT_EQ(lactosim::physics::is_secretion(k.kind), k.form.species == SpeciesKeys::takes_delivers) << k.name;
    if (k.form.species == SpeciesKeys::takes_delivers) {
      EXPECT_EQ(k.form.stoich, KeyUse::rejected) << k.name;
    }
  }
}

TEST(TransporterKinds, EachKindsKeysAreUniqueAndNoneIsCommon) {
  for (const auto& k : transporter_kinds) {
    std::set<std::string_view> seen;
    for (std::string_view key : lactosim::physics::transporter_kind_keys(k)) {
      EXPECT_TRUE(seen.insert(key).second) << k.name << ": " << key << " twice";
      for (std::string_view common : lactosim::physics::common_transporter_keys)
        EXPECT_NE(key, common) << k.name;
    }
  }
}

TEST(TransporterKinds, SchemaAcceptsExactlyTheKeysOfTheKinds) {
  std::set<std::string> expected(lactosim::physics::common_transporter_keys.begin(),
                                 lactosim::physics::common_transporter_keys.end());
  for (const auto& k : transporter_kinds)
    for (std::string_view key : lactosim::physics::transporter_kind_keys(k)) expected.insert(std::string(key));
  EXPECT_EQ(schema_keys(), expected);
}

TEST(TransporterKinds, SchemaHelpListsEveryKind) {
  const auto schema = lactosim::config::section_schema("transporter", "X", {});
  const auto* kind = schema.find("transporter.X.kind");
  ASSERT_NE(kind, nullptr);
  std::string listed;
  for (const auto& k : transporter_kinds) listed += (listed.empty() ? "" : " | ") + std::string(k.name);
  EXPECT_EQ(kind->help, listed);
}

TEST(TransporterKinds, DocListsEveryKindWithItsKeys) {
  const std::string path = std::string(LACTOSIM_SOURCE_DIR) + "/docs/transporter-kinds.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream page;
  page << in.rdbuf();
  const std::string table = kinds_markdown();
  EXPECT_NE(page.str().find(table), std::string::npos)
      << path << " does not hold the kinds' table as the code defines it; replace its table with:\n"
      << table;
}
