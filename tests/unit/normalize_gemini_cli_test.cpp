// trace-normalize's Gemini CLI dialects (JSON, JSONL with patches, checkpoints) on small
// hand-written sessions: what each member becomes, what is kept, what is not recognised.
#include "normalize_lines.hpp"

#include <string>
#include <vector>

namespace {

using tracemill::test::map_lines;
using Session = tracemill::test::MappedSession;

Session map_record(const std::string& json) {
  rapidjson::Document input;
  input.Parse(json.c_str());
  tracemill::Normalizer normalizer({});
  Session s;
  s.dialect = normalizer.normalize(input, "-", s.line, [&](const std::string& w) { s.warnings.push_back(w); });
  s.doc.Parse(s.line.c_str());
  return s;
}

std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "<not a string>"; }

TEST(NormalizeGemini, JsonSessionWithEmbeddedToolResults) {
  const Session s = map_record(R"({"sessionId":"g1","projectHash":"h","startTime":"2025-10-10T06:59:39.894Z","lastUpdated":"2025-10-10T07:00:00Z","messages":[
    {"id":"u1","timestamp":"2025-10-10T06:59:39.894Z","type":"user","content":"make a file"},
    {"id":"a1","timestamp":"2025-10-10T06:59:41Z","type":"gemini","content":"","model":"gemini-2.5-pro","thoughts":[{"subject":"Plan","description":"write it","timestamp":"2025-10-10T06:59:40Z"}],
     "tokens":{"input":100,"output":10,"cached":40,"thoughts":5,"tool":2,"total":117},
     "toolCalls":[{"id":"w1","name":"write_file","args":{"path":"a"},"status":"success","timestamp":"2025-10-10T06:59:42Z","result":[{"functionResponse":{"id":"w1","name":"write_file","response":{"output":"ok"}}}],"displayName":"WriteFile"},
                  {"id":"w2","name":"read_file","args":{"path":"b"},"status":"error","result":[{"functionResponse":{"id":"w2","name":"read_file","response":{"error":"no such file"}}}]}]},
    {"id":"i1","timestamp":"2025-10-10T06:59:43Z","type":"info","content":"saved"},
    {"id":"a2","timestamp":"2025-10-10T06:59:44Z","type":"gemini","content":[{"text":"done"}],"model":"gemini-2.5-pro","tokens":{"input":200,"output":3,"cached":0,"total":203}}]})");
  ASSERT_EQ(s.dialect, "gemini-cli");
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  const auto& m = s.doc["messages"];
  ASSERT_EQ(m.Size(), 5u) << s.line;
  EXPECT_TRUE(m[1]["content"].IsNull());
  EXPECT_EQ(m[1]["tool_calls"].Size(), 2u);
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["arguments"]), "{\"path\":\"a\"}");
  EXPECT_EQ(str(m[1]["reasoning"][0]["text"]), "write it");
  EXPECT_EQ(m[1]["usage"]["input_tokens"].GetInt(), 102);
  EXPECT_EQ(m[1]["usage"]["output_tokens"].GetInt(), 15);
  EXPECT_EQ(str(m[2]["role"]), "tool");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "w1");
  EXPECT_EQ(str(m[2]["content"]), "ok");
  EXPECT_EQ(str(m[3]["content"]), "no such file");
  EXPECT_TRUE(m[3]["is_error"].GetBool());
  EXPECT_EQ(str(m[4]["content"]), "done");
  EXPECT_EQ(s.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(s.doc["usage"]["input_tokens"].GetInt(), 302);
  EXPECT_EQ(s.doc["usage"]["output_tokens"].GetInt(), 18);
  EXPECT_EQ(s.doc["usage"]["cache_read_tokens"].GetInt(), 40);
  EXPECT_EQ(str(s.doc["model"]), "gemini-2.5-pro");
  EXPECT_EQ(str(s.doc["ended_at"]), "2025-10-10T07:00:00Z");
  EXPECT_EQ(str(s.doc["extra"]["projectHash"]), "h");
}

TEST(NormalizeGemini, JsonlWithPatchesAndRewrittenMessages) {
  const Session s = map_lines({
      R"({"sessionId":"g2","projectHash":"h","startTime":"2026-04-29T21:39:22Z","lastUpdated":"2026-04-29T21:39:22Z","kind":"main"})",
      R"({"id":"u1","timestamp":"2026-04-29T21:39:33Z","type":"user","content":[{"text":"hello"}]})",
      R"({"$set":{"lastUpdated":"2026-04-29T21:39:40Z","summary":"greeting"}})",
      R"({"id":"a1","timestamp":"2026-04-29T21:39:35Z","type":"gemini","content":"Hel"})",
      R"({"id":"a1","timestamp":"2026-04-29T21:39:35Z","type":"gemini","content":"Hello!"})"});
  ASSERT_EQ(s.dialect, "gemini-jsonl");
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  ASSERT_EQ(s.doc["messages"].Size(), 2u);
  EXPECT_EQ(str(s.doc["messages"][1]["content"]), "Hello!");
  EXPECT_EQ(s.doc["env_messages"].Size(), 1u);  // the earlier version of a1
  EXPECT_EQ(str(s.doc["ended_at"]), "2026-04-29T21:39:40Z");
  EXPECT_EQ(str(s.doc["extra"]["summary"]), "greeting");
  EXPECT_EQ(s.doc["extra"]["patches"].Size(), 1u);
}

TEST(NormalizeGemini, CheckpointHistoryWithImagesAndFunctionCalls) {
  const Session s = map_record(R"({"history":[
    {"role":"user","parts":[{"text":"Describe"},{"inlineData":{"mimeType":"image/png","data":"AAAA"}}]},
    {"role":"model","parts":[{"functionCall":{"name":"look","args":{"x":1}}}]},
    {"role":"user","parts":[{"functionResponse":{"name":"look","response":{"output":"a cat"}}}]},
    {"role":"model","parts":[{"text":"A cat."}]}]})");
  ASSERT_EQ(s.dialect, "gemini-cli");
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  const auto& m = s.doc["messages"];
  ASSERT_EQ(m.Size(), 4u);
  EXPECT_EQ(str(m[0]["content"][1]["image_url"]["url"]), "data:image/png;base64,AAAA");
  const std::string id = str(m[1]["tool_calls"][0]["id"]);
  EXPECT_EQ(str(m[2]["tool_call_id"]), id);
  EXPECT_EQ(str(m[2]["content"]), "a cat");
  EXPECT_EQ(str(m[3]["content"]), "A cat.");
  EXPECT_FALSE(s.warnings.empty());  // no sessionId: one was made, and said so
}

TEST(NormalizeGemini, HeaderWrittenAgainPatchesTheSession) {
  const Session s = map_lines({R"({"sessionId":"g3","projectHash":"h","startTime":"2026-01-01T00:00:00Z"})",
                               R"({"id":"u1","timestamp":"2026-01-01T00:00:01Z","type":"user","content":"hi"})",
                               R"({"sessionId":"g3","projectHash":"h","startTime":"2026-01-01T00:00:00Z","lastUpdated":"2026-01-02T00:00:00Z"})"});
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  EXPECT_EQ(s.doc["messages"].Size(), 1u);
  EXPECT_EQ(s.doc["extra"]["patches"].Size(), 1u);
  EXPECT_EQ(str(s.doc["ended_at"]), "2026-01-02T00:00:00Z");
}

TEST(NormalizeGemini, MessageThatIsNotAnObjectIsRejected) {
  rapidjson::Document input;
  input.Parse(R"({"sessionId":"g4","projectHash":"h","messages":[1]})");
  tracemill::Normalizer normalizer({});
  std::string out;
  EXPECT_THROW(normalizer.normalize(input, "-", out, [](const std::string&) {}), tracemill::MappingError);
}

TEST(NormalizeGemini, NotRecognisedWithoutItsMembers) {
  tracemill::Normalizer normalizer({});
  rapidjson::Document d;
  d.Parse(R"({"messages":[{"role":"user","content":"x"}]})");
  EXPECT_STRNE(normalizer.dialect_of(d)->name, "gemini-cli");
  d.Parse(R"({"history":[{"text":"x"}]})");
  EXPECT_EQ(normalizer.dialect_of(d), nullptr);
}

}  // namespace
