// SPDX-License-Identifier: MIT
#include "host/io/json_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace lactosim::io {
namespace {

TEST(JsonWriter, EscapesStringsAndWritesNonFiniteAsNull) {
  JsonWriter json(0);
  json.begin_object()
      .field("text", std::string("quote\" backslash\\ newline\n tab\t bell\x07 nul") + '\0' + "end")
      .field("nan", std::nan(""))
      .field("inf", std::numeric_limits<double>::infinity())
      .field("minus_inf", -std::numeric_limits<double>::infinity())
      .end_object();
  EXPECT_EQ(json.str(),
            R"({"text":"quote\" backslash\\ newline\n tab\t bell\u0007 nul\u0000end",)"
            R"("nan":null,"inf":null,"minus_inf":null})");
}

TEST(JsonWriter, NumbersRoundTripExactly) {
  for (const double x : {0.1, 1.0 / 3.0, -2.5e-300, 6.02214076e23, 0.0, 1e21}) {
    const std::string text = json_number(x);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), x) << text;
  }
  EXPECT_EQ(json_number(0.5), "0.5");
  EXPECT_EQ(json_number(3.0), "3");
}

TEST(JsonWriter, NestedDocumentIsIndentedAndComplete) {
  JsonWriter json(2);
  json.begin_object().field("version", "0.1.0").field("steps", 42).field("gpu", false);
  json.array_field("species", std::vector<std::string>{"Na", "K"});
  json.key("empty").begin_object().end_object();
  json.key("none").begin_array().end_array();
  json.key("x").null_value();
  json.end_object();
  EXPECT_EQ(json.str(),
            "{\n"
            "  \"version\": \"0.1.0\",\n"
            "  \"steps\": 42,\n"
            "  \"gpu\": false,\n"
            "  \"species\": [\n"
            "    \"Na\",\n"
            "    \"K\"\n"
            "  ],\n"
            "  \"empty\": {},\n"
            "  \"none\": [],\n"
            "  \"x\": null\n"
            "}");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(json_quote("µm²"), "\"µm²\"");
  EXPECT_EQ(json_quote("a\xff" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(json_quote("\xC3"), "\"\xEF\xBF\xBD\"");          // truncated sequence
  EXPECT_EQ(json_quote("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
}

TEST(JsonWriter, MisuseIsAnErrorNotAMalformedFile) {
  {
    JsonWriter json;
    json.begin_object();
    EXPECT_THROW(json.value(1), std::logic_error);  // no key
    EXPECT_THROW(json.str(), std::logic_error);      // unfinished
    EXPECT_THROW(json.end_array(), std::logic_error);
  }
  {
    JsonWriter json;
    json.begin_array();
    EXPECT_THROW(json.key("k"), std::logic_error);
    json.end_array();
    EXPECT_THROW(json.value(true), std::logic_error);  // after the document ended
  }
}

}  // namespace
}  // namespace lactosim::io
