// Observability exports: usage key sets, the once-per-call usage rule, double-encoded JSON
// payloads, LangSmith patch merging, Agents SDK run state items.
#include "dialects/observability_common.hpp"
#include "normalize_evals.hpp"

using evals_test::normalize;
using evals_test::str;
using tracemill::normalize::observability::counted_usage;
using tracemill::normalize::observability::usage_of;

namespace {

tracemill::normalize::agent::UsageCounts usage(const char* json) {
  rapidjson::Document d;
  d.Parse(json);
  return usage_of(&d);
}

TEST(ObservabilityUsage, LangfuseBucketsAddToInputWhenTheTotalSaysSo) {
  const auto u = usage(R"({"input":100,"input_cache_read":50,"output":20,"output_reasoning":5,"total":175})");
  EXPECT_EQ(u.input, 150);
  EXPECT_EQ(u.output, 25);
  EXPECT_EQ(u.total, 175);
  EXPECT_EQ(u.cache_read, 50);
  EXPECT_EQ(u.reasoning, 5);
}

TEST(ObservabilityUsage, PartsStayPartsWhenInputPlusOutputIsTheTotal) {
  const auto u = usage(R"({"input":190,"prompt_details.cache_read":40,"output":164,"completion_details.reasoning":10,"total":354})");
  EXPECT_EQ(u.input, 190);
  EXPECT_EQ(u.output, 164);
  EXPECT_EQ(u.cache_read, 40);
}

TEST(ObservabilityUsage, OpenAIAndLangChainDetailsArePartsAnthropicCacheIsABucket) {
  auto u = usage(R"({"prompt_tokens":30,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":10}})");
  EXPECT_EQ(u.input, 30);
  EXPECT_EQ(u.total, 37);
  EXPECT_EQ(u.cache_read, 10);
  u = usage(R"({"input_tokens":9,"output_tokens":9,"total_tokens":18,"input_token_details":{"cache_read":0}})");
  EXPECT_EQ(u.input, 9);
  EXPECT_EQ(u.cache_read, 0);
  u = usage(R"({"input_tokens":5,"cache_read_input_tokens":100,"cache_creation_input_tokens":20,"output_tokens":3})");
  EXPECT_EQ(u.input, 125);
  EXPECT_EQ(u.cache_creation, 20);
  EXPECT_EQ(u.total, 128);
}

TEST(ObservabilityUsage, BeeAIInputAndTotalWithoutOutput) {
  const auto u = usage(R"({"input":1988,"total":1988})");
  EXPECT_EQ(u.input, 1988);
  EXPECT_FALSE(u.output.has_value());
  EXPECT_EQ(u.total, 1988);
}

TEST(ObservabilityUsage, AgentsSdkDetailListsAreSummedGeminiThoughtsAreOutput) {
  auto u = usage(R"({"input_tokens":10,"input_tokens_details":[{"cached_tokens":2},{"cached_tokens":3}],"output_tokens":4,"total_tokens":14})");
  EXPECT_EQ(u.cache_read, 5);
  EXPECT_EQ(u.input, 10);
  u = usage(R"({"prompt_token_count":28,"candidates_token_count":3,"thoughts_token_count":6,"total_token_count":37})");
  EXPECT_EQ(u.output, 9);
  EXPECT_EQ(u.reasoning, 6);
}

TEST(ObservabilityUsage, HostileValuesAreUnknownNotZero) {
  const auto u = usage(R"({"input":"many","output":-3,"total":null,"x":{"y":{"z":{"w":1}}}})");
  EXPECT_FALSE(u.known());
}

TEST(ObservabilityUsage, OnlyTheDeepestNodesWithUsageCount) {
  // 0 agent (usage) > 1 wrapper generation (usage) > 2 provider call (usage); 3 tool (none).
  const auto counted = counted_usage({-1, 0, 1, 0}, {true, true, true, false});
  EXPECT_EQ(counted, (std::vector<bool>{false, false, true, false}));
  // A cycle in hostile input ends.
  EXPECT_EQ(counted_usage({1, 0}, {true, true}).size(), 2u);
}

const char* kLangfuse = R"({"trace":{"id":"t1","timestamp":"2025-01-01T00:00:00Z","scores":[{"name":"q","value":0.5}]},
 "observations":[
  {"id":"a","type":"AGENT","parentObservationId":null,"startTime":"2025-01-01T00:00:00Z","usageDetails":{"input":70,"output":15,"total":85}},
  {"id":"g1","type":"GENERATION","parentObservationId":"a","startTime":"2025-01-01T00:00:01Z","model":"gpt-x",
   "input":"[{\"role\":\"user\",\"content\":\"weather?\"}]",
   "output":"{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}}]}",
   "usageDetails":{"input":30,"output":5,"total":35}},
  {"id":"g2","type":"GENERATION","parentObservationId":"a","startTime":"2025-01-01T00:00:03Z",
   "input":"[{\"role\":\"user\",\"content\":\"weather?\"},{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sunny\"}]",
   "output":"\"It is sunny.\"","usageDetails":{"input":40,"output":10,"total":50}}]})";

TEST(NormalizeLangfuse, DoubleEncodedPayloadsPromptPrefixOnceUsageOnce) {
  const auto r = normalize(kLangfuse);
  ASSERT_EQ(r.dialect, "langfuse");
  const auto& s = r.sessions[0];
  const auto& m = s["messages"];
  ASSERT_EQ(m.Size(), 4u);
  EXPECT_EQ(str(m[1]["tool_calls"][0]["id"]), "c1");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "c1");
  EXPECT_EQ(str(m[3]["content"]), "It is sunny.");
  EXPECT_EQ(m[3]["context_messages"].GetInt(), 3);
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 70);  // the agent's 70 repeats its calls': not added
  EXPECT_EQ(s["usage"]["output_tokens"].GetInt(), 15);
  EXPECT_EQ(s["scores"]["q"].GetDouble(), 0.5);
  EXPECT_EQ(s["events"].Size(), 3u);
}

TEST(NormalizeLangfuse, GeminiCallsWithoutIdsPairByName) {
  const auto r = normalize(R"({"trace":{"id":"t2"},"observations":[
   {"id":"g","type":"GENERATION","startTime":"2025-01-01T00:00:01Z",
    "input":{"contents":[{"role":"user","parts":[{"text":"hi"}]},{"role":"model","parts":[{"function_call":{"name":"say","args":{}}}]},
                        {"role":"user","parts":[{"function_response":{"name":"say","response":{"ok":1}}}]}],
             "config":{"system_instruction":"greet"}},
    "output":{"content":{"role":"model","parts":[{"text":"Hello"}]}}}]})");
  const auto& m = r.sessions[0]["messages"];
  ASSERT_EQ(m.Size(), 5u);
  EXPECT_EQ(str(m[0]["role"]), "system");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["id"]), "call_say_0");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "call_say_0");
  EXPECT_EQ(str(m[4]["content"]), "Hello");
}

TEST(NormalizeLangSmith, PatchWithoutIdCompletesThePostByDottedOrder) {
  const auto r = normalize(R"({"post":[{"id":"r1","trace_id":"r1","dotted_order":"20241013T070537170001Zr1","run_type":"llm",
    "start_time":1728803137170,"inputs":{"messages":[{"role":"user","content":"howdy"}]},"outputs":null,
    "extra":{"metadata":{"ls_model_name":"m1"}}}],
   "patch":[{"dotted_order":"20241013T070537170001Zr1","trace_id":"r1","end_time":1728803138285,
    "outputs":{"choices":[{"message":{"role":"assistant","content":"Howdy!"}}],"usage_metadata":{"input_tokens":9,"output_tokens":3,"total_tokens":12}}}]})");
  ASSERT_EQ(r.dialect, "langsmith");
  const auto& s = r.sessions[0];
  ASSERT_EQ(s["messages"].Size(), 2u);
  EXPECT_EQ(str(s["messages"][1]["content"]), "Howdy!");
  EXPECT_EQ(s["usage"]["total_tokens"].GetInt(), 12);
  EXPECT_EQ(str(s["created_at"]), "2024-10-13T07:05:37.170000Z");
  EXPECT_EQ(str(s["model"]), "m1");
  EXPECT_TRUE(s["events"][0]["post"]["outputs"].IsNull());  // the post as sent, kept
}

TEST(NormalizeOpenAIAgents, RunStateItemsBecomeOneAssistantTurnAndItsResult) {
  const auto r = normalize(R"({"$schemaVersion":"1.4","original_input":"add 2 and 3","generated_items":[
    {"type":"message_output_item","raw_item":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Let me add."}]}},
    {"type":"tool_call_item","raw_item":{"type":"function_call","call_id":"c9","name":"add","arguments":"{\"a\":2,\"b\":3}"}},
    {"type":"tool_call_output_item","raw_item":{"type":"function_call_output","call_id":"c9","output":"5"},"output":"5"}],
    "context":{"usage":{"input_tokens":10,"output_tokens":4,"total_tokens":14,"input_tokens_details":[{"cached_tokens":0}]}},
    "trace":{"object":"trace","id":"trace_1"}})");
  ASSERT_EQ(r.dialect, "openai-agents-state");
  const auto& m = r.sessions[0]["messages"];
  ASSERT_EQ(m.Size(), 3u);
  EXPECT_EQ(str(m[1]["content"]), "Let me add.");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["id"]), "c9");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "c9");
  EXPECT_EQ(str(r.sessions[0]["session_id"]), "trace_1");
  EXPECT_EQ(r.sessions[0]["usage"]["input_tokens"].GetInt(), 10);
}

}  // namespace
