// tau-bench episodes and transcripts, tau2-bench results (one session per simulation).
#include "normalize_evals.hpp"

using evals_test::normalize;
using evals_test::str;

namespace {

TEST(NormalizeTauBench, EpisodeWithReusedCallIds) {
  const auto r = normalize(R"({"task_id":7,"trial":1,"reward":1.0,"info":{"user_cost":0.1},"traj":[
    {"role":"system","content":"policy"},{"role":"user","content":"hi"},
    {"content":null,"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c","name":"f","content":"{\"a\": 1}"},
    {"content":null,"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"g","arguments":"{}"}}]},
    {"role":"tool","tool_call_id":"c","name":"g","content":"2"}]})");
  ASSERT_EQ(r.dialect, "tau-bench");
  const auto& s = r.sessions[0];
  EXPECT_EQ(str(s["task_id"]), "7");
  EXPECT_EQ(str(s["trial_id"]), "1");
  EXPECT_EQ(s["reward"].GetDouble(), 1.0);
  const auto& m = s["messages"];
  EXPECT_EQ(str(m[3]["content"]), "{\"a\": 1}");
  EXPECT_EQ(str(m[4]["tool_calls"][0]["id"]), "c~2");  // a reused id made unique
  EXPECT_EQ(str(m[5]["tool_call_id"]), "c~2");
  EXPECT_EQ(str(m[4]["extra"]["renamed_tool_call_ids"]["c~2"]), "c");
}

TEST(NormalizeTauBench, FlattenedTranscript) {
  const auto r = normalize(R"({"messages_display":"user: hi\nassistant: None\ntool: {\"x\": 1}\nline two\nassistant: bye"})");
  ASSERT_EQ(r.dialect, "tau-bench-txt");
  const auto& m = r.sessions[0]["messages"];
  ASSERT_EQ(m.Size(), 4u);
  EXPECT_EQ(str(m[1]["content"]), "None");
  EXPECT_EQ(str(m[2]["role"]), "user");
  EXPECT_EQ(str(m[2]["content"]), "tool: {\"x\": 1}\nline two");
  EXPECT_NE(normalize(R"({"messages_display":"hello"})").error, "");
}

const char* kResults = R"({"timestamp":"2026-01-01T00:00:00","info":{"git_commit":"abc","agent_info":{"implementation":"llm_agent","llm":"gpt-4o"},"environment_info":{"domain_name":"airline"}},
 "tasks":[{"id":"5","description":"t"}],
 "simulations":[
  {"id":"sim-1","task_id":"5","trial":0,"seed":42,"start_time":"2026-01-01T00:00:01","end_time":"2026-01-01T00:01:00","termination_reason":"user_stop","agent_cost":0.02,"user_cost":0.01,
   "reward_info":{"reward":1.0},"messages":[
    {"role":"assistant","content":"Hi","turn_idx":0,"timestamp":"2026-01-01T00:00:02","usage":{"prompt_tokens":10,"completion_tokens":2},"cost":0.001,"raw_data":null},
    {"role":"user","content":"book","turn_idx":1,"usage":{"prompt_tokens":7,"completion_tokens":1}},
    {"role":"assistant","content":null,"tool_calls":[{"id":"t1","name":"get_user","arguments":{"id":"u"},"requestor":"assistant"}],"turn_idx":2,"usage":{"prompt_tokens":20,"completion_tokens":3}},
    {"id":"t1","role":"tool","content":"{}","requestor":"assistant","error":false,"turn_idx":3},
    {"role":"user","content":null,"tool_calls":[{"id":"u1","name":"toggle","arguments":{},"requestor":"user"}],"turn_idx":4},
    {"id":"u1","role":"tool","content":"on","requestor":"user","error":false,"turn_idx":5}]},
  {"id":"sim-2","task_id":"5","trial":1,"termination_reason":"max_steps","reward_info":{"reward":0.0},"messages":[]}]})";

TEST(NormalizeTau2Bench, OneSessionPerSimulation) {
  const auto r = normalize(kResults);
  ASSERT_EQ(r.dialect, "tau2-bench");
  ASSERT_EQ(r.count, 2u);
  const auto& s = r.sessions[0];
  EXPECT_EQ(str(s["session_id"]), "sim-1");
  EXPECT_EQ(str(s["model"]), "gpt-4o");
  EXPECT_EQ(str(s["env"]), "airline");
  EXPECT_EQ(s["reward"].GetDouble(), 1.0);
  EXPECT_EQ(s["seed"].GetInt(), 42);
  EXPECT_EQ(str(s["status"]), "user_stop");
  EXPECT_EQ(str(s["created_at"]), "2026-01-01T00:00:01Z");
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 30);  // the agent's calls, not the simulated user's
  EXPECT_DOUBLE_EQ(s["cost_usd"].GetDouble(), 0.02);
  const auto& m = s["messages"];
  ASSERT_EQ(m.Size(), 5u);
  EXPECT_EQ(str(m[2]["tool_calls"][0]["id"]), "t1");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "t1");
  EXPECT_FALSE(m[3]["is_error"].GetBool());
  EXPECT_TRUE(m[4]["extra"]["tool_calls"].IsArray());  // the user's own tool call, kept whole
  EXPECT_EQ(s["env_messages"].Size(), 1u);             // and its result
  EXPECT_EQ(str(s["extra"]["task"]["id"]), "5");
  EXPECT_EQ(str(r.sessions[1]["session_id"]), "sim-2");
}

TEST(NormalizeTau2Bench, HeaderWithoutSimulationsWritesNothingAndBadOnesAreRejected) {
  const auto header = normalize(R"({"timestamp":"t","info":{},"tasks":[]})");
  EXPECT_EQ(header.dialect, "tau2-bench");
  EXPECT_EQ(header.count, 0u);
  EXPECT_NE(normalize(R"({"info":{},"tasks":[],"simulations":[{"task_id":"1","messages":[]}]})").error, "");  // no id
  EXPECT_NE(normalize(R"({"simulations":[{"id":"s","messages":[{"role":"narrator"}]}]})").error, "");
}

}  // namespace
