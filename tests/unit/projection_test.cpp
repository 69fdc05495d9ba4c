// Projection is only safe if it never gives an answer the full parse would not: each test
// here compares ProjectingParser with DocumentParser on the same bytes.
#include <libstream/projection.hpp>

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using libstream::DocumentParser;
using libstream::JsonError;
using libstream::Projection;
using libstream::ProjectingParser;

const std::vector<std::string> kPaths = {"session_id", "status", "error", "reward", "usage.input_tokens",
                                         "messages.*.role", "achievements", "experiment.name", "turns.1.reward", "model"};

Projection stats_projection() {
  Projection p;
  for (const std::string& path : kPaths) p.keep(path);
  return p;
}

std::string text_of(const rapidjson::Value* v) {
  if (v == nullptr) return "(absent)";
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v->Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

// What a reader of the kept paths sees: the error, or every kept path's value (and the
// messages' count and roles, which "messages.*.role" promises).
std::string seen(const rapidjson::Value* root, const JsonError& error) {
  if (root == nullptr) return "error: " + error.describe();
  std::string out;
  for (const char* path : {"session_id", "status", "error", "reward", "usage.input_tokens", "achievements",
                                  "experiment.name", "turns.1.reward", "model"}) {
    out += std::string(path) + "=" + text_of(libstream::find_path(*root, path)) + "\n";
  }
  const rapidjson::Value* messages = libstream::find_member(*root, "messages");
  if (messages != nullptr && messages->IsArray()) {
    out += "messages=" + std::to_string(messages->Size()) + ":";
    for (const auto& m : messages->GetArray()) out += text_of(libstream::find_member(m, "role")) + ";";
  } else {
    out += "messages=" + std::string(messages == nullptr ? "(absent)" : "not an array");
  }
  return out;
}

struct Both {
  std::string full, projected;
  bool decided_alone = false;
};

Both compare(const std::string& bytes) {
  static DocumentParser full_parser;  // one of each for all cases, as a tool reuses them
  static ProjectingParser projecting(stats_projection());
  JsonError full_error, projected_error;
  const rapidjson::Value* full = full_parser.parse(bytes.data(), bytes.size(), &full_error);
  Both both;
  both.full = seen(full, full_error);
  const uint64_t before = projecting.projected();
  const rapidjson::Value* projected = projecting.parse(bytes.data(), bytes.size(), &projected_error);
  both.projected = seen(projected, projected_error);
  both.decided_alone = projecting.projected() == before + 1;
  return both;
}

const std::string kRecord =
    R"({"schema":"trace/v1","session_id":"s-1","model":"gpt-4.1-mini","status":"completed","reward":1.5e0,)"
    R"("achievements":["collect_wood","place_table"],"usage":{"input_tokens":3030,"output_tokens":406},)"
    R"("experiment":{"id":"e","name":"baseline \"A\""},"turns":[{"reward":0},{"reward":-0.25}],)"
    R"("messages":[{"role":"system","content":"You are \u00e9 an agent\\n"},{"role":"user","content":"tab\there \ud83c\udf32"},)"
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"interact","arguments":"{\"a\": [1, 2]}"}}]},)"
    R"({"content":"no role","role":"tool","tool_call_id":"c1"}],"extra":{"deep":[[[{"x":[true,false,null]}]]],"n":-0.0031580}})";

TEST(Projection, KeepsExactlyWhatFindPathReads) {
  const Both both = compare(kRecord);
  EXPECT_TRUE(both.decided_alone);
  EXPECT_EQ(both.projected, both.full);
  EXPECT_NE(both.full.find("messages=4:\"system\";\"user\";\"assistant\";\"tool\";"), std::string::npos) << both.full;
}

TEST(Projection, ProjectedTextHoldsOnlyKeptMembersAsWritten) {
  Projection p = stats_projection();
  std::string out;
  ASSERT_EQ(p.project(kRecord.data(), kRecord.size(), out), Projection::Outcome::projected);
  EXPECT_EQ(out,
            R"({"session_id":"s-1","model":"gpt-4.1-mini","status":"completed","reward":1.5e0,)"
            R"("achievements":["collect_wood","place_table"],"usage":{"input_tokens":3030},"experiment":{"name":"baseline \"A\""},)"
            R"("turns":[{"reward":0},{"reward":-0.25}],"messages":[{"role":"system"},{"role":"user"},{"role":"assistant"},{"role":"tool"}]})");
}

TEST(Projection, LeavesDoubtfulRecordsToTheFullParse) {
  for (const std::string& bytes : std::vector<std::string>{
           R"({"r\u006fle":"x","session_id":"s"})",  // escaped key: rapidjson decodes it
           R"({"session_id":"s","n":1e400})",        // past the double range: rapidjson refuses it
           R"({"session_id":"s","n":1E+999})",
           R"([{"session_id":"s"}])",                // not an object
           "{\"session_id\":\"s\",\"x\":" + std::string(100, '[') + std::string(100, ']') + "}",  // deeper than the scan goes
       }) {
    const Both both = compare(bytes);
    EXPECT_FALSE(both.decided_alone) << bytes;
    EXPECT_EQ(both.projected, both.full) << bytes;
  }
  const Both big = compare(R"({"session_id":"s","n":1e400})");
  EXPECT_EQ(big.full.rfind("error: invalid JSON: Number too big", 0), 0u) << big.full;
}

TEST(Projection, AgreesWithTheFullParseOnEveryByteMutation) {
  // Every position: deleted, or replaced by a byte that matters to JSON's grammar.
  const char kBytes[] = "\"\\{}[],:0159.eE+-tfnu \t\r\n\x01\x7f\x80";
  const std::string replacements = std::string(kBytes, sizeof kBytes - 1) + std::string(1, '\0');
  size_t cases = 0, alone = 0;
  for (size_t i = 0; i < kRecord.size(); ++i) {
    std::vector<std::string> variants = {kRecord.substr(0, i) + kRecord.substr(i + 1)};
    for (char c : replacements) {
      std::string v = kRecord;
      v[i] = c;
      variants.push_back(v);
    }
    for (const std::string& v : variants) {
      const Both both = compare(v);
      ++cases;
      alone += both.decided_alone;
      ASSERT_EQ(both.projected, both.full) << "mutation at byte " << i << ": " << v;
    }
  }
  EXPECT_GT(alone, cases / 4);  // the scan decides most of them itself
}

TEST(Projection, AgreesWithTheFullParseOnJsonTestSuite) {
  const std::filesystem::path dir = std::filesystem::path(TRACE_SHARED_DATA_DIR) / "jsontestsuite" / "test_parsing";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    // Each file as it is, and as a member's value inside a session.
    for (const std::string& v : {bytes, "{\"session_id\":\"s\",\"x\":" + bytes + ",\"reward\":2}",
                                 "{\"messages\":[{\"role\":" + bytes + "}]}"}) {
      const Both both = compare(v);
      ASSERT_EQ(both.projected, both.full) << entry.path();
    }
    ++files;
  }
  EXPECT_GT(files, 300u);
}

TEST(Projection, NumericAndStarStepsReachArrayElements) {
  Projection p;
  p.keep("turns.1.reward");
  p.keep("list.*");
  std::string out;
  const std::string record = R"({"turns":[{"reward":1,"x":2},{"reward":3}],"list":[1,{"a":2}],"other":[1]})";
  ASSERT_EQ(p.project(record.data(), record.size(), out), Projection::Outcome::projected);
  EXPECT_EQ(out, R"({"turns":[{"reward":1},{"reward":3}],"list":[1,{"a":2}]})");
}

}  // namespace
