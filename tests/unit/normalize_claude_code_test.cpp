// The Claude Code dialect on hand-written transcripts: streamed responses, usage counted once,
// tool results paired by id, rewinds as branches, subagents, legacy lines, images.
#include "dialects/dialect.hpp"
#include "normalize.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <deque>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tracemill::normalize::find_dialect;
using tracemill::normalize::SessionLine;

struct Session {
  rapidjson::Document doc;
  std::vector<std::string> warnings;
  const rapidjson::Value& messages() const { return doc["messages"]; }
};

/// Maps the lines (one JSON object per line of `jsonl`) as one Claude Code session.
Session map(const std::string& jsonl, const std::string& file = "s.jsonl") {
  std::deque<rapidjson::Document> docs;
  std::vector<SessionLine> lines;
  std::istringstream in(jsonl);
  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    docs.emplace_back().Parse(line.c_str());
    EXPECT_FALSE(docs.back().HasParseError()) << line;
    lines.push_back(SessionLine{&docs.back(), number, {}});
  }
  const auto* dialect = find_dialect("claude-code");
  EXPECT_NE(dialect, nullptr);
  EXPECT_TRUE(dialect->recognise(*lines.front().value));
  tracemill::Normalizer normalizer({});
  Session session;
  std::string out;
  normalizer.normalize_session(*dialect, lines, file, out, [&](const std::string& w) { session.warnings.push_back(w); });
  session.doc.Parse(out.c_str());
  EXPECT_FALSE(session.doc.HasParseError()) << out;
  return session;
}

std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "<not a string>"; }

const char* kStreamed =
    R"({"type":"user","sessionId":"s1","uuid":"u1","parentUuid":null,"timestamp":"2026-01-01T00:00:00.000Z","version":"2.1.1","cwd":"/p","message":{"role":"user","content":"list files"}})"
    "\n"
    R"({"type":"assistant","sessionId":"s1","uuid":"a1","parentUuid":"u1","requestId":"r1","timestamp":"2026-01-01T00:00:01.000Z","version":"2.1.1","cwd":"/p","message":{"id":"msg_1","role":"assistant","model":"claude-x","content":[{"type":"thinking","thinking":"plan it","signature":"sig"}],"usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":2}}})"
    "\n"
    R"({"type":"assistant","sessionId":"s1","uuid":"a2","parentUuid":"a1","requestId":"r1","timestamp":"2026-01-01T00:00:02.000Z","version":"2.1.1","cwd":"/p","message":{"id":"msg_1","role":"assistant","model":"claude-x","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}],"usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":2}}})"
    "\n"
    R"({"type":"assistant","sessionId":"s1","uuid":"a3","parentUuid":"a2","requestId":"r1","timestamp":"2026-01-01T00:00:03.000Z","version":"2.1.1","cwd":"/p","message":{"id":"msg_1","role":"assistant","model":"claude-x","content":[{"type":"tool_use","id":"toolu_2","name":"Bash","input":{"command":"pwd"}}],"stop_reason":"tool_use","usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":5,"output_tokens":40}}})"
    "\n"
    R"({"type":"user","sessionId":"s1","uuid":"r1u","parentUuid":"a2","timestamp":"2026-01-01T00:00:04.000Z","version":"2.1.1","cwd":"/p","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"a b"}]},"toolUseResult":{"stdout":"a b"}})"
    "\n"
    R"({"type":"user","sessionId":"s1","uuid":"r2u","parentUuid":"a3","timestamp":"2026-01-01T00:00:05.000Z","version":"2.1.1","cwd":"/p","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"/p"}],"is_error":true}]}})"
    "\n"
    R"({"type":"system","sessionId":"s1","uuid":"sys","parentUuid":"r2u","subtype":"turn_duration","durationMs":5})"
    "\n";

TEST(ClaudeCode, OneStreamedResponseIsOneMessageWithItsUsageCountedOnce) {
  const Session s = map(kStreamed);
  ASSERT_EQ(s.messages().Size(), 4u);  // user, assistant (3 lines), two tool results
  const auto& assistant = s.messages()[1];
  EXPECT_EQ(str(assistant["role"]), "assistant");
  EXPECT_EQ(str(assistant["id"]), "a1");
  ASSERT_EQ(assistant["tool_calls"].Size(), 2u);
  EXPECT_EQ(str(assistant["tool_calls"][0]["id"]), "toolu_1");
  EXPECT_EQ(str(assistant["tool_calls"][1]["function"]["arguments"]), R"({"command":"pwd"})");
  EXPECT_EQ(str(assistant["reasoning"][0]["text"]), "plan it");
  EXPECT_EQ(str(assistant["reasoning"][0]["signature"]), "sig");
  EXPECT_TRUE(assistant["content"].IsNull());
  EXPECT_EQ(str(assistant["model"]), "claude-x");
  // Input counts every prompt token (cache reads and writes too); output the response's largest value.
  EXPECT_EQ(assistant["usage"]["input_tokens"].GetInt(), 115);
  EXPECT_EQ(assistant["usage"]["output_tokens"].GetInt(), 40);
  EXPECT_EQ(s.doc["usage"]["input_tokens"].GetInt(), 115);
  EXPECT_EQ(s.doc["usage"]["cache_read_tokens"].GetInt(), 100);
  EXPECT_EQ(str(s.messages()[2]["tool_call_id"]), "toolu_1");
  EXPECT_EQ(str(s.messages()[3]["tool_call_id"]), "toolu_2");
  EXPECT_TRUE(s.messages()[3]["is_error"].GetBool());
  EXPECT_EQ(str(s.messages()[3]["content"][0]["text"]), "/p");
  // The system line is kept whole; the envelope is written once.
  ASSERT_EQ(s.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(str(s.doc["source"]["format"]), "claude-code");
  EXPECT_EQ(str(s.doc["source"]["cwd"]), "/p");
  EXPECT_FALSE(s.messages()[0].HasMember("extra") && s.messages()[0]["extra"].HasMember("cwd"));
  EXPECT_EQ(str(s.doc["created_at"]), "2026-01-01T00:00:00Z");
  EXPECT_EQ(str(s.doc["ended_at"]), "2026-01-01T00:00:05Z");
}

TEST(ClaudeCode, ParallelToolResultsChildOfAnEarlierFragmentStayOnTheMainLine) {
  // toolu_1's result hangs off a2 while the conversation goes on from a3: not a branch.
  const Session s = map(kStreamed);
  EXPECT_FALSE(s.doc.HasMember("branches"));
}

TEST(ClaudeCode, AResultJoinsTheMainLineThroughACallOfAFragmentThatJoinedFirst) {
  // a1b (a later line of a1's response) and r9 (the result of a1b's call) hang off a1 while
  // the conversation goes on from a1: a1b joins by its response, then r9 by a1b's call.
  const Session s = map(
      R"({"type":"user","sessionId":"s","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"go"}})"
      "\n"
      R"({"type":"assistant","sessionId":"s","uuid":"a1","parentUuid":"u1","requestId":"q1","message":{"id":"m1","role":"assistant","content":[{"type":"text","text":"looking"}]}})"
      "\n"
      R"({"type":"assistant","sessionId":"s","uuid":"a1b","parentUuid":"a1","requestId":"q1","message":{"id":"m1","role":"assistant","content":[{"type":"tool_use","id":"toolu_9","name":"Read","input":{"path":"x"}}]}})"
      "\n"
      R"({"type":"user","sessionId":"s","uuid":"r9","parentUuid":"a1b","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_9","content":"x's text"}]}})"
      "\n"
      R"({"type":"assistant","sessionId":"s","uuid":"a2","parentUuid":"a1","requestId":"q2","message":{"id":"m2","role":"assistant","content":[{"type":"text","text":"done"}]}})"
      "\n");
  EXPECT_FALSE(s.doc.HasMember("branches"));
  ASSERT_EQ(s.messages().Size(), 4u);
  EXPECT_EQ(str(s.messages()[1]["tool_calls"][0]["id"]), "toolu_9");
  EXPECT_EQ(str(s.messages()[2]["tool_call_id"]), "toolu_9");
  EXPECT_EQ(str(s.messages()[3]["content"]), "done");
}

TEST(ClaudeCode, ARewindIsABranchAndTheLastLineIsTheMainLine) {
  const Session s = map(
      R"({"type":"user","sessionId":"s","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"hi"}})"
      "\n"
      R"({"type":"assistant","sessionId":"s","uuid":"a1","parentUuid":"u1","message":{"id":"m1","role":"assistant","content":[{"type":"text","text":"hello"}]}})"
      "\n"
      R"({"type":"user","sessionId":"s","uuid":"u2","parentUuid":"a1","message":{"role":"user","content":"first try"}})"
      "\n"
      R"({"type":"assistant","sessionId":"s","uuid":"a2","parentUuid":"u2","message":{"id":"m2","role":"assistant","content":[{"type":"text","text":"answer 1"}]}})"
      "\n"
      R"({"type":"user","sessionId":"s","uuid":"u3","parentUuid":"a1","message":{"role":"user","content":"second try"}})"
      "\n"
      R"({"type":"assistant","sessionId":"s","uuid":"a3","parentUuid":"u3","message":{"id":"m3","role":"assistant","content":[{"type":"text","text":"answer 2"}]}})"
      "\n");
  ASSERT_EQ(s.messages().Size(), 4u);
  EXPECT_EQ(str(s.messages()[2]["content"]), "second try");
  ASSERT_EQ(s.doc["branches"].Size(), 1u);
  EXPECT_EQ(s.doc["branches"][0]["after"].GetInt(), 2);
  EXPECT_EQ(str(s.doc["branches"][0]["messages"][0]["content"]), "first try");
  EXPECT_EQ(str(s.doc["branches"][0]["messages"][1]["content"]), "answer 1");
}

TEST(ClaudeCode, LinesBeforeACompactionStayOnTheMainLine) {
  const Session s = map(
      R"({"type":"user","sessionId":"s","uuid":"u1","parentUuid":null,"message":{"role":"user","content":"old"}})"
      "\n"
      R"({"type":"system","sessionId":"s","uuid":"c","parentUuid":null,"logicalParentUuid":"u1","subtype":"compact_boundary"})"
      "\n"
      R"({"type":"user","sessionId":"s","uuid":"u2","parentUuid":"c","message":{"role":"user","content":"new"}})"
      "\n"
      R"({"type":"user","sessionId":"s","uuid":"x","parentUuid":"gone","message":{"role":"user","content":"orphan"}})"
      "\n");
  ASSERT_EQ(s.messages().Size(), 3u);
  EXPECT_FALSE(s.doc.HasMember("branches"));
}

TEST(ClaudeCode, ASubagentIsASessionOfItsOwnLinkedToItsParent) {
  const Session s = map(
      R"({"type":"user","sessionId":"parent","agentId":"a7","isSidechain":true,"uuid":"u1","parentUuid":null,"sourceToolUseID":"toolu_9","message":{"role":"user","content":"research X"}})"
      "\n");
  EXPECT_EQ(str(s.doc["session_id"]), "parent:agent-a7");
  EXPECT_EQ(str(s.doc["parent_session_id"]), "parent");
  EXPECT_EQ(str(s.doc["parent_tool_call_id"]), "toolu_9");
  const auto* dialect = find_dialect("claude-code");
  rapidjson::Document main_line;
  main_line.Parse(R"({"type":"user","sessionId":"parent","uuid":"u"})");
  rapidjson::Document sub_line;
  sub_line.Parse(R"({"type":"user","sessionId":"parent","agentId":"a7","uuid":"u"})");
  EXPECT_NE(dialect->lines->session_key(main_line), dialect->lines->session_key(sub_line));
}

TEST(ClaudeCode, LegacyToolLinesPairByName) {
  const Session s = map(
      R"({"type":"user","sessionId":"d","uuid":"u1","message":{"role":"user","content":"Open README"}})"
      "\n"
      R"({"type":"tool_use","sessionId":"d","name":"bash","input":{"command":"cat README.md"},"uuid":"t1"})"
      "\n"
      R"({"type":"tool_result","sessionId":"d","name":"bash","output":"# Title","uuid":"r1"})"
      "\n");
  ASSERT_EQ(s.messages().Size(), 3u);
  EXPECT_EQ(str(s.messages()[1]["tool_calls"][0]["id"]), "t1");
  EXPECT_EQ(str(s.messages()[2]["tool_call_id"]), "t1");
  EXPECT_EQ(str(s.messages()[2]["content"]), "# Title");
}

TEST(ClaudeCode, ImagesBecomeDataUrlsAndUnknownBlocksTheirJson) {
  const Session s = map(
      R"({"type":"user","sessionId":"i","uuid":"u1","message":{"role":"user","content":[{"type":"text","text":"see"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}}]}})"
      "\n");
  const auto& parts = s.messages()[0]["content"];
  ASSERT_EQ(parts.Size(), 3u);
  EXPECT_EQ(str(parts[1]["image_url"]["url"]), "data:image/png;base64,AAAA");
  EXPECT_EQ(str(parts[2]["type"]), "text");
  EXPECT_NE(str(parts[2]["text"]).find("JVBE"), std::string::npos);
}

TEST(ClaudeCode, ASummaryOnlyFileTakesItsIdFromTheFileName) {
  const Session s = map(R"({"type":"summary","summary":"Fix","leafUuid":"x"})", "/logs/4e27c414.jsonl");
  EXPECT_EQ(str(s.doc["session_id"]), "4e27c414");
  EXPECT_EQ(s.messages().Size(), 0u);
  EXPECT_EQ(s.doc["env_messages"].Size(), 1u);
  EXPECT_FALSE(s.warnings.empty());
}

TEST(ClaudeCode, OtherFormatsAreNotTakenForIt) {
  const auto* dialect = find_dialect("claude-code");
  for (const char* json : {R"({"timestamp":"t","type":"session_meta","payload":{"id":"x"}})",  // Codex CLI
                           R"({"id":"g1","timestamp":"t","type":"user","content":"hi"})",       // Gemini CLI
                           R"({"type":"user","content":"hi"})"}) {
    rapidjson::Document d;
    d.Parse(json);
    EXPECT_FALSE(dialect->recognise(d)) << json;
  }
}

}  // namespace
