// raw_members finds a line's members from where its keys lie in the buffer parsed in place;
// the reference is the same function scanning the whole line (no buffer given). Both must give
// the same text for every member, whatever the spacing, escapes and nesting, and the fast way
// must fall back when the keys do not lie in the buffer.
#include "dialects/dialect.hpp"

#include <libstream/document.hpp>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace {

using tracemill::normalize::raw_members;
using tracemill::normalize::SessionLine;

std::vector<std::optional<std::string>> owned(const std::vector<std::optional<std::string_view>>& members) {
  std::vector<std::optional<std::string>> out;
  for (const auto& m : members) out.push_back(m ? std::optional<std::string>(std::string(*m)) : std::nullopt);
  return out;
}

// The members of `text` found both ways; the fast way's result, checked equal to the scan's.
std::vector<std::optional<std::string>> both_ways(const std::string& text) {
  std::string buffer = text;
  rapidjson::Document document;
  EXPECT_TRUE(libstream::parse_json_in_place(buffer, document)) << text;
  const SessionLine scanned{&document, 1, text};
  const SessionLine from_keys{&document, 1, text, buffer.data()};
  const auto expected = owned(raw_members(scanned));
  const auto got = owned(raw_members(from_keys));
  EXPECT_EQ(got, expected) << text;
  return got;
}

TEST(NormalizeRawMembers, FromKeysEqualsAScanOfTheLine) {
  const auto members = both_ways(R"( {"a" : 1.50 ,"b":{"x":["}",{"y":"\"]"}]},"c\"d":"q\\","e":[ ],"f":null,"g":[1,	2]} )");
  ASSERT_EQ(members.size(), 6u);
  EXPECT_EQ(members[0], "1.50");  // numbers as written
  EXPECT_EQ(members[1], R"({"x":["}",{"y":"\"]"}]})");
  EXPECT_EQ(members[2], std::nullopt);  // an escaped key: serialised instead
  EXPECT_EQ(members[3], "[ ]");
  EXPECT_EQ(members[4], "null");
  EXPECT_EQ(members[5], std::nullopt);  // a tab between its tokens
  both_ways(R"({})");
  both_ways(R"({"":0,"\u0061":"\u0062","k":{"":""}})");
  both_ways("{\"a\":\n\"x\" ,\r\n \"b\" :\t[1,{\"c\":\"}\"}]\n}");
}

TEST(NormalizeRawMembers, FromKeysEqualsAScanOnTheClaudeCodeSamples) {
  const std::filesystem::path dir = std::filesystem::path(TRACE_SHARED_DATA_DIR) / "claude-code";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no shared data";
  size_t lines = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      rapidjson::Document probe;
      if (!libstream::parse_embedded_json(line, probe) || !probe.IsObject()) continue;
      both_ways(line);
      ++lines;
    }
  }
  EXPECT_GT(lines, 100u);
}

TEST(NormalizeRawMembers, KeysOutsideTheBufferFallBackToTheScan) {
  // A negative control for the fast way's own check: given a buffer the keys do not lie in,
  // raw_members must not read spans from it, and still gives the scan's answer.
  const std::string text = R"({"a":1,"b":[2]})";
  std::string buffer = text;
  rapidjson::Document document;
  ASSERT_TRUE(libstream::parse_json_in_place(buffer, document));
  const std::string elsewhere(text.size(), ' ');
  const SessionLine wrong{&document, 1, text, elsewhere.data()};
  const auto got = owned(raw_members(wrong));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "1");
  EXPECT_EQ(got[1], "[2]");
}

}  // namespace
