// Sources whose sessions are many records apart and whose items are not OpenTelemetry spans:
// LangSmith runs (posted in one record, patched in a later one) and OpenAI Agents SDK exports
// (a trace's items in several exporter batches, or one per line). Each record is decoded into
// spans, the window gathers a trace's spans, and the dialect's own group mapper writes it.
#include "dialects/dialect.hpp"
#include "span_session.hpp"

#include <libstream/document.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using tracemill::normalize::find_dialect;
using tracemill::normalize::MappingError;
using tracemill::normalize::Record;
using tracemill::normalize::spans::SpanList;
using tracemill::normalize::spans::SpanWindow;

/// The sessions `records` (one JSON text each) make through `dialect`'s span rules, with a
/// window of `window` open traces, and the warnings said.
struct Grouped {
  std::vector<rapidjson::Document> sessions;
  std::vector<std::string> warnings;
};

Grouped group(const char* dialect, const std::vector<std::string>& records, size_t window_size) {
  const auto* spec = find_dialect(dialect);
  EXPECT_NE(spec, nullptr);
  EXPECT_NE(spec->spans, nullptr);
  EXPECT_NE(spec->spans->map_group, nullptr);
  Grouped out;
  const tracemill::normalize::Warn warn = [&](const std::string& message) { out.warnings.push_back(message); };
  SpanWindow window(window_size, [&](SpanList& spans, const std::string& id, size_t part) {
    Record record;
    record.reset(nullptr, {});
    spec->spans->map_group(spans, id, part, warn, record);
    std::string line;
    record.finish(line);
    rapidjson::Document session;
    EXPECT_TRUE(libstream::parse_embedded_json(line, session)) << line;
    out.sessions.push_back(std::move(session));
  });
  for (const std::string& text : records) {
    rapidjson::Document d;
    EXPECT_TRUE(libstream::parse_embedded_json(text, d)) << text;
    EXPECT_TRUE(spec->recognise(d)) << text;
    SpanList spans;
    spec->spans->decode(d, text, spans);
    for (auto& span : spans) window.add(std::move(span));
  }
  window.flush_all();
  return out;
}

std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "?"; }

const std::vector<std::string> kLangSmithPostThenPatch = {
    R"({"post":[{"id":"llm1","trace_id":"t1","dotted_order":"20250101T000000000000Zt1.20250101T000000100000Zllm1","run_type":"llm","inputs":{"messages":[{"role":"user","content":"hi"}]},"outputs":null}]})",
    R"({"id":"other","trace_id":"t2","dotted_order":"20250101T000001000000Zother","run_type":"llm","inputs":{"messages":[{"role":"user","content":"2+2?"}]},"outputs":{"choices":[{"message":{"role":"assistant","content":"4"}}]}})",
    R"({"patch":[{"id":"llm1","trace_id":"t1","dotted_order":"20250101T000000000000Zt1.20250101T000000100000Zllm1","outputs":{"choices":[{"message":{"role":"assistant","content":"Hello!"}}]},"end_time":"2025-01-01T00:00:02Z"}]})",
};

TEST(SpanGroups, LangSmithPatchInALaterRecordCompletesItsRun) {
  const Grouped g = group("langsmith", kLangSmithPostThenPatch, 8);
  ASSERT_EQ(g.sessions.size(), 2u);
  // Written at the end, least recently touched first: t2, then t1 (touched by the patch).
  EXPECT_EQ(str(g.sessions[0]["session_id"]), "t2");
  const auto& t1 = g.sessions[1];
  EXPECT_EQ(str(t1["session_id"]), "t1");
  ASSERT_EQ(t1["messages"].Size(), 2u);
  EXPECT_EQ(str(t1["messages"][1]["content"]), "Hello!");
  EXPECT_TRUE(g.warnings.empty());
}

TEST(SpanGroups, LangSmithTraceBeyondTheWindowIsSplitAndWarned) {
  const Grouped g = group("langsmith", kLangSmithPostThenPatch, 1);
  ASSERT_EQ(g.sessions.size(), 3u);
  EXPECT_EQ(str(g.sessions[0]["session_id"]), "t1");  // pushed out by t2: the reply not yet patched in
  EXPECT_EQ(g.sessions[0]["messages"].Size(), 1u);
  EXPECT_EQ(str(g.sessions[2]["session_id"]), "t1~2");
  ASSERT_EQ(g.warnings.size(), 2u);  // part 1 has no reply; part 2 is a split
  EXPECT_NE(g.warnings[1].find("trace t1 split"), std::string::npos) << g.warnings[1];
}

TEST(SpanGroups, LangSmithRunThatIsNotAnObjectRejectsItsRecord) {
  const auto* spec = find_dialect("langsmith");
  rapidjson::Document d;
  ASSERT_TRUE(libstream::parse_embedded_json(R"({"post":[{"id":"a","trace_id":"a","run_type":"chain"},3]})", d));
  SpanList spans;
  EXPECT_THROW(spec->spans->decode(d, {}, spans), MappingError);
}

TEST(SpanGroups, AgentsSdkItemsFromSeveralBatchesAndLinesMakeOneTrace) {
  const std::vector<std::string> records = {
      R"({"data":[{"object":"trace","id":"trace_a","workflow_name":"w","group_id":null,"metadata":null},)"
      R"({"object":"trace.span","id":"g1","trace_id":"trace_a","parent_id":null,"started_at":"2025-03-01T10:00:00Z","span_data":{"type":"generation","input":[{"role":"user","content":"Weather?"}],"output":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{}"}}]}],"model":"m","usage":{"input_tokens":5,"output_tokens":3}},"error":null}]})",
      R"({"object":"trace.span","id":"f1","trace_id":"trace_a","parent_id":null,"started_at":"2025-03-01T10:00:01Z","span_data":{"type":"function","name":"weather","input":"{}","output":"sunny"},"error":null})",
      R"({"object":"trace.span","id":"g2","trace_id":"trace_a","parent_id":null,"started_at":"2025-03-01T10:00:02Z","span_data":{"type":"generation","input":[{"role":"user","content":"Weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"}],"output":[{"role":"assistant","content":"It is sunny."}],"model":"m","usage":{"input_tokens":9,"output_tokens":4}},"error":null})",
  };
  const Grouped g = group("openai-agents-spans", records, 8);
  ASSERT_EQ(g.sessions.size(), 1u);
  const auto& s = g.sessions[0];
  EXPECT_EQ(str(s["session_id"]), "trace_a");
  ASSERT_EQ(s["messages"].Size(), 4u);  // user, call, its result once, the answer
  EXPECT_EQ(str(s["messages"][2]["role"]), "tool");
  EXPECT_EQ(str(s["messages"][3]["content"]), "It is sunny.");
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 14);
  EXPECT_EQ(s["extra"]["data"].Size(), 4u);  // every item kept, the trace item too
}

TEST(SpanGroups, AgentsSdkDocumentKeepsItsOwnMembers) {
  const Grouped g = group("openai-agents-spans",
                          {R"({"trace_id":"t","note":"kept","spans":[{"object":"trace.span","id":"s","trace_id":"t","span_data":{"type":"custom","name":"x","data":{}}}]})"}, 8);
  ASSERT_EQ(g.sessions.size(), 1u);
  EXPECT_EQ(str(g.sessions[0]["extra"]["note"]), "kept");
  EXPECT_EQ(g.sessions[0]["extra"]["spans"].Size(), 1u);
}

TEST(SpanGroups, AgentsSdkTraceItemWithoutSpansIsAnEmptySessionWarned) {
  // A batch holding the trace item of one trace and a span of another: the first trace has no
  // span to read (it once dereferenced a missing span list).
  const Grouped g = group("openai-agents-spans",
                          {R"({"data":[{"object":"trace","id":"trace_b","workflow_name":"w"},{"object":"trace.span","id":"s","trace_id":"trace_a","span_data":{"type":"custom","name":"x","data":{}}}]})"},
                          8);
  ASSERT_EQ(g.sessions.size(), 2u);
  EXPECT_EQ(str(g.sessions[0]["session_id"]), "trace_b");
  EXPECT_EQ(g.sessions[0]["messages"].Size(), 0u);
  EXPECT_EQ(str(g.sessions[0]["extra"]["data"][0]["workflow_name"]), "w");
  ASSERT_EQ(g.warnings.size(), 2u);
  EXPECT_NE(g.warnings[0].find("no messages"), std::string::npos);
}

TEST(SpanGroups, AgentsSdkFunctionSpansWithoutIdOrNameGetDistinctMadeUpOnes) {
  // No generation holds messages: each function span is a call and its result. A span without
  // an id (found by fuzzing: once written as an empty call id), two spans sharing one, a span
  // without a name: every call gets a distinct id and a name, and its result answers it.
  const Grouped g = group(
      "openai-agents-spans",
      {R"({"data":[{"object":"trace","id":"t","workflow_name":"w"},)"
       R"({"object":"trace.span","id":"","trace_id":"t","span_data":{"type":"function","name":"get","input":"{}","output":"a"}},)"
       R"({"object":"trace.span","id":"f","trace_id":"t","span_data":{"type":"function","input":"{}","output":"b"}},)"
       R"({"object":"trace.span","id":"f","trace_id":"t","span_data":{"type":"function","name":"get","input":"{}","output":"c"}}]})"},
      8);
  ASSERT_EQ(g.sessions.size(), 1u);
  const auto& m = g.sessions[0]["messages"];
  ASSERT_EQ(m.Size(), 6u);  // three calls, then their three results
  std::vector<std::string> ids;
  for (rapidjson::SizeType i = 0; i < 3; ++i) ids.push_back(str(m[i]["tool_calls"][0]["id"]));
  EXPECT_NE(ids[0], "");
  EXPECT_EQ(ids[1], "f");
  EXPECT_NE(ids[2], "f");
  EXPECT_NE(ids[0], ids[2]);
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["name"]), "unnamed");
  for (rapidjson::SizeType i = 0; i < 3; ++i) {
    EXPECT_EQ(str(m[3 + i]["role"]), "tool");
    EXPECT_EQ(str(m[3 + i]["tool_call_id"]), ids[i]);
  }
  EXPECT_EQ(str(m[4]["content"]), "b");
}

}  // namespace
