// Harbor ATIF trajectories: steps to messages, calls answered in the same step, per-step
// metrics, subagents embedded in the document written as sessions of their own.
#include "normalize_evals.hpp"

using evals_test::normalize;
using evals_test::str;

namespace {

const char* kTrajectory = R"({"schema_version":"ATIF-v1.7","session_id":"run-1","agent":{"name":"terminus-2","version":"2.0","model_name":"openai/gpt-4o"},
 "steps":[{"step_id":1,"source":"system","message":"You are an agent."},
  {"step_id":2,"timestamp":"2026-01-01T00:00:00Z","source":"user","message":[{"type":"text","text":"look"},{"type":"image","source":{"media_type":"image/png","path":"images/a.png"}}]},
  {"step_id":3,"timestamp":"2026-01-01T00:00:05Z","source":"agent","model_name":"gpt-4o","message":"","reasoning_content":"think first",
   "tool_calls":[{"tool_call_id":"c1","function_name":"bash","arguments":{"cmd":"ls"}},{"tool_call_id":"c2","function_name":"delegate","arguments":{}}],
   "observation":{"results":[{"source_call_id":"c2","content":"sub done","subagent_trajectory_ref":[{"trajectory_id":"sub-a"}]},{"source_call_id":"c1","content":"a.txt"}]},
   "metrics":{"prompt_tokens":100,"completion_tokens":10,"cached_tokens":40,"cost_usd":0.5,"completion_token_ids":[1,2]},"is_copied_context":false},
  {"step_id":4,"source":"agent","message":"done","observation":{"results":[{"content":"terminal output"}]},"metrics":{"prompt_tokens":50,"completion_tokens":5,"cost_usd":0.25}}],
 "final_metrics":{"total_prompt_tokens":150,"total_completion_tokens":15,"total_cost_usd":0.75},
 "subagent_trajectories":[{"schema_version":"ATIF-v1.7","session_id":"run-1","trajectory_id":"sub-a","agent":{"name":"sub","version":"1"},
   "steps":[{"step_id":1,"source":"user","message":"do it"},{"step_id":2,"source":"agent","message":"ok"}]}]})";

TEST(NormalizeHarborAtif, StepsCallsResultsAndUsage) {
  const auto r = normalize(kTrajectory);
  ASSERT_EQ(r.dialect, "harbor-atif");
  ASSERT_EQ(r.count, 2u);
  const auto& s = r.sessions[0];
  EXPECT_EQ(str(s["session_id"]), "run-1");
  EXPECT_EQ(str(s["model"]), "openai/gpt-4o");
  EXPECT_EQ(str(s["source"]["format"]), "harbor-atif");
  EXPECT_EQ(str(s["source"]["version"]), "ATIF-v1.7");
  const auto& m = s["messages"];
  ASSERT_EQ(m.Size(), 7u);  // 4 steps, 2 results of step 3, 1 of step 4
  EXPECT_EQ(str(m[1]["content"][1]["type"]), "image_url");
  EXPECT_EQ(str(m[1]["content"][1]["image_url"]["url"]), "images/a.png");
  EXPECT_EQ(str(m[2]["role"]), "assistant");
  EXPECT_TRUE(m[2]["content"].IsNull());
  EXPECT_EQ(str(m[2]["id"]), "3");
  EXPECT_EQ(str(m[2]["reasoning"][0]["type"]), "thinking");
  EXPECT_EQ(str(m[2]["reasoning"][0]["text"]), "think first");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["function"]["arguments"]), "{\"cmd\":\"ls\"}");
  EXPECT_EQ(m[2]["usage"]["input_tokens"].GetInt(), 100);
  EXPECT_EQ(m[2]["usage"]["cache_read_tokens"].GetInt(), 40);
  EXPECT_TRUE(m[2]["extra"]["metrics"]["completion_token_ids"].IsArray());  // kept for RL
  EXPECT_EQ(str(m[3]["role"]), "tool");  // results in their own order, each with its call
  EXPECT_EQ(str(m[3]["tool_call_id"]), "c2");
  EXPECT_EQ(str(m[4]["tool_call_id"]), "c1");
  EXPECT_EQ(str(m[6]["role"]), "user");  // a result answering no call: what the agent saw next
  EXPECT_EQ(str(m[6]["original_role"]), "observation");
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 150);
  EXPECT_EQ(s["usage"]["output_tokens"].GetInt(), 15);
  EXPECT_DOUBLE_EQ(s["cost_usd"].GetDouble(), 0.75);
  EXPECT_EQ(str(s["created_at"]), "2026-01-01T00:00:00Z");
  EXPECT_EQ(str(s["ended_at"]), "2026-01-01T00:00:05Z");
  EXPECT_TRUE(r.warnings.empty()) << r.warnings[0];
  // The embedded subagent: named by its trajectory_id (its session_id is the parent's run).
  const auto& sub = r.sessions[1];
  EXPECT_EQ(str(sub["session_id"]), "sub-a");
  EXPECT_EQ(str(sub["parent_session_id"]), "run-1");
  EXPECT_EQ(str(sub["parent_tool_call_id"]), "c2");
  EXPECT_EQ(sub["messages"].Size(), 2u);
}

TEST(NormalizeHarborAtif, FinalMetricsThatDisagreeAreWarned) {
  std::string t = kTrajectory;
  t.replace(t.find("\"total_prompt_tokens\":150"), 25, "\"total_prompt_tokens\":999");
  const auto r = normalize(t);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("final_metrics"), std::string::npos);
  EXPECT_EQ(r.sessions[0]["usage"]["input_tokens"].GetInt(), 150);  // the steps' sum
}

TEST(NormalizeHarborAtif, ResultsWithoutIdsAnswerTheStepsCallsInOrder) {
  const auto r = normalize(R"({"schema_version":"ATIF-v1.6","session_id":"s","agent":{"name":"a","version":"1"},"steps":[
    {"step_id":1,"source":"agent","message":"m","tool_calls":[{"tool_call_id":"k1","function_name":"f","arguments":{}}],
     "observation":{"results":[{"content":"out"}]}}]})");
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(str(r.sessions[0]["messages"][1]["tool_call_id"]), "k1");
  ASSERT_EQ(r.warnings.size(), 1u);
}

TEST(NormalizeHarborAtif, EarlyWritersIdsAndNamesAndUnknownSources) {
  // "1.4" era writers: {id, name, arguments}, results on a later system step.
  const auto r = normalize(R"({"schema_version":"1.4","session_id":"s","agent":{"name":"a","model":"m"},"steps":[
    {"step_id":1,"source":"agent","message":"","tool_calls":[{"id":"x","name":"Bash","arguments":{"c":1}}]},
    {"step_id":2,"source":"system","message":"","observation":{"results":[{"source_call_id":"x","content":"ok"}]}},
    {"step_id":3,"source":"environment","message":"tick"}]})");
  ASSERT_EQ(r.dialect, "harbor-atif");
  const auto& s = r.sessions[0];
  EXPECT_EQ(str(s["messages"][0]["tool_calls"][0]["function"]["name"]), "Bash");
  EXPECT_EQ(str(s["messages"][2]["tool_call_id"]), "x");
  EXPECT_EQ(s["env_messages"].Size(), 1u);  // an unknown source is kept, not dropped
  EXPECT_FALSE(r.warnings.empty());
}

TEST(NormalizeHarborAtif, MalformedTrajectoriesAreRejectedWithAReason) {
  EXPECT_NE(normalize(R"({"schema_version":"ATIF-v1.5","session_id":"s","agent":{},"steps":[1]})").error, "");
  EXPECT_NE(normalize(R"({"schema_version":"ATIF-v1.5","session_id":"s","agent":{},"steps":[{"source":"agent","tool_calls":{}}]})").error, "");
  // Not ATIF: a schema_version without steps is left to other dialects.
  EXPECT_NE(normalize(R"({"schema_version":"ATIF-v1.5","messages":[]})").dialect, "harbor-atif");
}

}  // namespace
