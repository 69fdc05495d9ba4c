// Numbers and nesting: the one rule every libstream parser follows (document.hpp). Each case
// here crashed, read out of bounds or returned garbage with rapidjson 1.1's full-precision
// conversion, which libstream used before.
#include <libstream/document.hpp>
#include <libstream/json.hpp>
#include <libstream/projection.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace {

using libstream::DocumentParser;
using libstream::JsonError;

// The root value of `text` through DocumentParser, as compact JSON, or "error: <message>".
std::string parsed(const std::string& text) {
  static DocumentParser parser;
  JsonError error;
  const rapidjson::Value* root = parser.parse(text.data(), text.size(), &error);
  if (root == nullptr) return "error: " + error.message;
  std::string out;
  if (!libstream::append_json_value(out, *root)) return "unwritable";
  return out;
}

double double_of(const std::string& text) {
  static DocumentParser parser;
  JsonError error;
  const rapidjson::Value* root = parser.parse(text.data(), text.size(), &error);
  EXPECT_NE(root, nullptr) << text << ": " << error.describe();
  if (root == nullptr || !root->IsArray() || !(*root)[0].IsNumber()) return std::nan("");
  return (*root)[0].GetDouble();
}

TEST(Numbers, LongFractionIsExactAndSafe) {
  // 0. then 350 zeros then 1: an out-of-bounds read in rapidjson 1.1's full-precision path.
  const std::string tiny = "[0." + std::string(350, '0') + "1]";
  EXPECT_EQ(double_of(tiny), 0.0);
  EXPECT_FALSE(std::signbit(double_of(tiny)));
  const std::string small = "[0." + std::string(300, '0') + "123456789012345678901234567890]";
  EXPECT_EQ(double_of(small), 1.23456789012345678901234567890e-301);
  const std::string long_digits = "[3." + std::string(1000, '1') + "]";
  EXPECT_EQ(double_of(long_digits), 3.1111111111111111);
}

TEST(Numbers, ZerosWithExponentsAreZero) {
  for (const char* text : {"[0E202]", "[0e38]", "[0E-25]", "[0.0e300]", "[0e308]"}) {
    EXPECT_EQ(double_of(text), 0.0) << text;
    EXPECT_FALSE(std::signbit(double_of(text))) << text;
  }
  EXPECT_TRUE(std::signbit(double_of("[-0E-25]")));
  EXPECT_EQ(parsed("[-0E-25,0e38,-0.0]"), "[-0.0,0.0,-0.0]");
}

TEST(Numbers, ParsesAreDeterministic) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(parsed("[0E202,1.5,0.1]"), "[0.0,1.5,0.1]");
}

TEST(Numbers, IntegersKeepRapidjsonsTypes) {
  EXPECT_EQ(parsed("[0,-0,4294967295,4294967296,-2147483648,-2147483649,18446744073709551615]"),
            "[0,0,4294967295,4294967296,-2147483648,-2147483649,18446744073709551615]");
  EXPECT_EQ(parsed("[-9223372036854775808,18446744073709551616,-9223372036854775809]"),
            "[-9223372036854775808,18446744073709553000.0,-9223372036854776000.0]");
  static DocumentParser parser;
  const std::string text = "[4294967295,-2147483648,9223372036854775807]";
  const rapidjson::Value* root = parser.parse(text.data(), text.size(), nullptr);
  ASSERT_NE(root, nullptr);
  EXPECT_TRUE((*root)[0].IsUint() && !(*root)[0].IsInt());
  EXPECT_TRUE((*root)[1].IsInt());
  EXPECT_TRUE((*root)[2].IsInt64() && (*root)[2].IsUint64() && !(*root)[2].IsUint());
}

TEST(Numbers, DoublesAreCorrectlyRounded) {
  EXPECT_EQ(double_of("[0.1]"), 0.1);
  EXPECT_EQ(double_of("[2.2250738585072011e-308]"), 2.2250738585072011e-308);
  EXPECT_EQ(double_of("[4.9e-324]"), std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(double_of("[1.7976931348623157e308]"), std::numeric_limits<double>::max());
  EXPECT_EQ(double_of("[1.7976931348623158e308]"), std::numeric_limits<double>::max());  // rounds down
  EXPECT_EQ(double_of("[9007199254740993.0]"), 9007199254740992.0);  // ties to even
  EXPECT_EQ(double_of("[1e-400]"), 0.0);
  EXPECT_TRUE(std::signbit(double_of("[-1e-400]")));
}

TEST(Numbers, PastTheDoubleRangeIsRefusedEverywhere) {
  const std::string big_integer = "[" + std::string(1, '9') + std::string(309, '0') + "]";
  // In range (1e20) but refused all the same: rapidjson's reader stops at a 309-digit integer part.
  const std::string long_integer_part = "[1" + std::string(320, '0') + "e-300]";
  for (const std::string& text : {std::string("[1.8e308]"), std::string("[-1.8e308]"), std::string("[1.7976931348623159e308]"),
                                  std::string("[1e400]"), std::string("[0.5e309]"), big_integer, std::string("[0e309]"),
                                  long_integer_part}) {
    EXPECT_EQ(parsed(text), "error: Number too big to be stored in double") << text;
    libstream::JsonChecker checker;
    JsonError error;
    EXPECT_FALSE(checker.check(text.data(), text.size(), &error)) << text;
    EXPECT_EQ(error.message, "Number too big to be stored in double") << text;
    std::string out;
    EXPECT_FALSE(libstream::append_compact_json(text.data(), text.size(), out, &error)) << text;
    rapidjson::Document document;
    EXPECT_FALSE(libstream::parse_embedded_json(text, document, &error)) << text;
    EXPECT_EQ(error.message, "Number too big to be stored in double") << text;
  }
  // The error points at the number.
  JsonError error;
  DocumentParser parser;
  EXPECT_EQ(parser.parse("{\"a\": 2e308}", 12, &error), nullptr);
  EXPECT_EQ(error.describe(), "invalid JSON: Number too big to be stored in double (byte 7)");
}

TEST(Numbers, JustInsideTheRangeIsKept) {
  libstream::JsonChecker checker;
  for (const std::string text : {"[1.7976931348623157e308]", "[-17976931348623157e292]", "[0.00001e312]", "[1e-99999]"}) {
    EXPECT_TRUE(checker.check(text.data(), text.size(), nullptr)) << text;
    EXPECT_NE(parsed(text).rfind("error", 0), 0u) << text;
  }
}

TEST(Numbers, ProjectionGivesTheFullParsesValues) {
  libstream::Projection projection;
  projection.keep("n");
  libstream::ProjectingParser projecting(std::move(projection));
  DocumentParser full;
  for (const std::string text : {"{\"n\":0E202}", "{\"n\":-0E-25}", "{\"n\":1.8e308}", "{\"n\":[0.1,2e-400]}",
                                 "{\"n\":-2147483649}", "{\"n\":18446744073709551616}"}) {
    JsonError a, b;
    const rapidjson::Value* x = projecting.parse(text.data(), text.size(), &a);
    std::string projected = x == nullptr ? "error: " + a.message : "";
    if (x != nullptr) {
      ASSERT_TRUE(libstream::append_json_value(projected, (*x)["n"]));
    }
    const rapidjson::Value* y = full.parse(text.data(), text.size(), &b);
    std::string whole = y == nullptr ? "error: " + b.message : "";
    if (y != nullptr) {
      ASSERT_TRUE(libstream::append_json_value(whole, (*y)["n"]));
    }
    EXPECT_EQ(projected, whole) << text;
  }
}

TEST(Nesting, DeeperThanTheLimitIsRefusedWithTheLimit) {
  const size_t limit = libstream::kMaxJsonDepth;
  const std::string at_limit = std::string(limit, '[') + std::string(limit, ']');
  EXPECT_EQ(parsed(at_limit), at_limit);
  const std::string past = "{\"a\":" + std::string(limit, '[') + std::string(limit, ']') + "}";
  EXPECT_EQ(parsed(past), "error: nesting deeper than 1000 levels");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(parsed(deep), "error: nesting deeper than 1000 levels");
  rapidjson::Document document;
  JsonError error;
  EXPECT_FALSE(libstream::parse_embedded_json(deep, document, &error));
  EXPECT_TRUE(document.IsNull());
  EXPECT_EQ(error.message, "nesting deeper than 1000 levels");
}

TEST(Nesting, WriterIsIterative) {
  // A value built by a caller may be deeper than any parser allows.
  rapidjson::Document document;
  rapidjson::Value value(rapidjson::kArrayType);
  for (int i = 0; i < 200000; ++i) {
    rapidjson::Value outer(rapidjson::kArrayType);
    outer.PushBack(value, document.GetAllocator());
    value = outer;
  }
  std::string out;
  EXPECT_TRUE(libstream::append_json_value(out, value));
  EXPECT_EQ(out, std::string(200001, '[') + std::string(200001, ']'));
}

TEST(EmbeddedJson, ParsesCopiesAndRefusesNul) {
  rapidjson::Document document;
  std::string text = R"({"state":"done","score":0E202,"s":"a\u0000b"})";
  ASSERT_TRUE(libstream::parse_embedded_json(text, document));
  text.assign(text.size(), 'x');  // the document owns its strings
  EXPECT_EQ(libstream::string_of(document["state"]), "done");
  EXPECT_EQ(document["score"].GetDouble(), 0.0);
  EXPECT_EQ(document["s"].GetStringLength(), 3u);
  JsonError error;
  EXPECT_FALSE(libstream::parse_embedded_json(std::string("[1]\0", 4), document, &error));
  EXPECT_EQ(error.message, "unexpected NUL byte");
  EXPECT_FALSE(libstream::parse_embedded_json("{\"a\":", document, &error));
  EXPECT_TRUE(document.IsNull());
}

}  // namespace
