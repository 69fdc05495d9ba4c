// verifiers vf-eval rows: prompt + completion, tool calls written as JSON strings, rubric
// columns as scores, and a metadata.json read before the rows.
#include "normalize_evals.hpp"

using evals_test::normalize;
using evals_test::run;
using evals_test::str;

namespace {

const char* kRow = R"({"id":3,"prompt":[{"role":"user","content":"find it"}],"completion":[
  {"role":"assistant","content":"","tool_calls":["{\"id\": \"call_1\", \"function\": {\"arguments\": \"{\\\"url\\\":\\\"x\\\"}\", \"name\": \"fetch\"}, \"type\": \"function\"}"]},
  {"role":"tool","content":"{\"results\": []}","tool_calls":null},
  {"role":"assistant","content":"HEADLINE"}],
  "task":"default","answer":"HEADLINE","info":{"k":1},"reward":1.0,"judge_reward":1.0,"generation_ms":12.5})";

TEST(NormalizeVerifiers, ToolCallsWrittenAsStringsKeepIdNameArguments) {
  const auto r = normalize(kRow);
  ASSERT_EQ(r.dialect, "verifiers");
  const auto& s = r.sessions[0];
  const auto& m = s["messages"];
  ASSERT_EQ(m.Size(), 4u);
  EXPECT_EQ(str(m[1]["tool_calls"][0]["id"]), "call_1");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["name"]), "fetch");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["arguments"]), "{\"url\":\"x\"}");
  EXPECT_EQ(str(m[2]["role"]), "tool");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "call_1");  // the source gave none: the open call
  EXPECT_EQ(str(m[2]["content"]), "{\"results\": []}");  // JSON text stays text
  EXPECT_EQ(s["reward"].GetDouble(), 1.0);
  EXPECT_EQ(s["scores"]["judge_reward"].GetDouble(), 1.0);
  EXPECT_FALSE(s["scores"].HasMember("generation_ms"));
  EXPECT_EQ(str(s["task_id"]), "3");
  EXPECT_EQ(s["extra"]["prompt_messages"].GetInt(), 1);
  EXPECT_EQ(s["extra"]["answer"], "HEADLINE");
}

TEST(NormalizeVerifiers, MetadataReadBeforeGivesTheRowsModelAndEnv) {
  tracemill::Normalizer normalizer(tracemill::NormalizeOptions{});
  const auto meta = run(normalizer, R"({"env":"mcp-env","model":"gpt-4.1-mini","num_examples":1,"rollouts_per_example":3,"sampling_args":{}})");
  EXPECT_EQ(meta.dialect, "vf-metadata");
  EXPECT_EQ(meta.count, 0u);  // no session of its own
  const auto r = run(normalizer, kRow);
  EXPECT_EQ(str(r.sessions[0]["model"]), "gpt-4.1-mini");
  EXPECT_EQ(str(r.sessions[0]["env"]), "mcp-env");
  EXPECT_FALSE(normalize(kRow).sessions[0].HasMember("model"));  // without it: unknown, not guessed
}

TEST(NormalizeVerifiers, StringPromptsAndBadRowsAreRejected) {
  const auto r = normalize(R"({"prompt":"2+2=","completion":"4","reward":1})");
  ASSERT_EQ(r.sessions[0]["messages"].Size(), 2u);
  EXPECT_EQ(str(r.sessions[0]["messages"][1]["role"]), "assistant");
  EXPECT_NE(normalize(R"({"prompt":[{"role":"robot","content":"x"}],"completion":[]})").error, "");
  EXPECT_NE(normalize(R"({"prompt":[],"completion":[{"role":"assistant","tool_calls":["not json"]}]})").error, "");
}

}  // namespace
