// Ids made from a value's content (content_id): the content hash (XXH3-64) of the value's
// compact JSON as json_of writes it, checked on every form the Writer has (each escape,
// numbers, nesting, a NaN), and the hash itself against xxHash's published values.
#include "json_text.hpp"

#include <libstream/document.hpp>
#include <libstream/hash.hpp>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <string>

namespace {

using tracemill::normalize::content_id;
using tracemill::normalize::hex_id;
using tracemill::normalize::json_of;

std::string written_id(const rapidjson::Value& value) { return hex_id("p-", libstream::content_hash(json_of(value))); }

void expect_same_id(const std::string& text) {
  rapidjson::Document document;
  ASSERT_TRUE(libstream::parse_embedded_json(text, document)) << text;
  EXPECT_EQ(content_id("p-", document), written_id(document)) << text;
}

TEST(NormalizeContentId, IsTheHashOfTheCompactText) {
  expect_same_id(R"({"a":[1,-2,0.5,1e2,-0,18446744073709551615,true,false,null,{},[]],"b":"caf\u00e9 ok","c":{"d":[]},"e":""})");
  expect_same_id(R"("plain")");
  expect_same_id(R"([])");
  expect_same_id(R"(0.0035475000000000003)");
  // Every escape the Writer makes, alone, at either end, and in runs longer than 16 bytes.
  expect_same_id(R"({"q":"\"","b":"\\","c":"\b\f\n\r\t","u":"\u0001\u001f\u001F\u007f","s":"a\/b"})");
  expect_same_id(R"(["\nstarts","ends\n","0123456789abcdef0123456789\n0123456789abcdef0123456789\"x"])");
  expect_same_id(R"({"k\ney":{"nested":[["deep",{"x":"\t"}]]}})");
}

TEST(NormalizeContentId, ANanIsHashedAsTheWriterLeavesIt) {
  rapidjson::Document document;
  document.SetObject();
  document.AddMember("x", rapidjson::Value(std::nan("")), document.GetAllocator());
  const rapidjson::StringBuffer& written = tracemill::normalize::serialise(document);
  EXPECT_EQ(content_id("p-", document), hex_id("p-", libstream::content_hash({written.GetString(), written.GetSize()})));
}

TEST(NormalizeContentId, DeepNestingIsHashedWithoutRecursion) {
  // Built by hand (the parsers refuse it): 100,000 levels, which a recursive walk would not
  // survive; the walk is the writer's own, so the id is still that of the written text.
  rapidjson::Document document;
  document.SetArray();
  rapidjson::Value* inner = &document;
  for (size_t depth = 0; depth < 100000; ++depth) {
    inner->PushBack(rapidjson::Value(rapidjson::kArrayType), document.GetAllocator());
    inner = &(*inner)[0];
  }
  inner->PushBack(rapidjson::Value("leaf"), document.GetAllocator());
  EXPECT_EQ(content_id("p-", document), written_id(document));
}

TEST(NormalizeContentId, TheHashIsXxh3WithSeedZero) {
  // xxHash's own test vector for empty input (XXH3_64bits, seed 0): ids stay the same across
  // xxHash releases and machines, since XXH3's output is frozen from 0.8.0.
  EXPECT_EQ(libstream::content_hash(""), 0x2D06800538D394C2ULL);
  EXPECT_NE(libstream::content_hash("a"), libstream::content_hash("b"));
  EXPECT_EQ(hex_id("p-", 0x2D06800538D394C2ULL), "p-2d06800538d394c2");
}

TEST(NormalizeContentId, DiffersWithTheText) {
  // A negative control: values whose texts differ by one escaped byte get different ids.
  rapidjson::Document a;
  rapidjson::Document b;
  ASSERT_TRUE(libstream::parse_embedded_json(R"({"s":"a\nb"})", a));
  ASSERT_TRUE(libstream::parse_embedded_json(R"({"s":"a\rb"})", b));
  EXPECT_NE(content_id("p-", a), content_id("p-", b));
}

}  // namespace
