// The swe-agent dialect on hand-written .traj documents: history as the chat, trajectory steps
// in env_messages, info as status, usage and cost, ids from the run or the file name.
#include "agent_dialect_test_util.hpp"

namespace {

using agent_test::normalize;
using agent_test::str;

const char* kFunctionCalling = R"({"environment":"main",
 "trajectory":[{"action":"ls","observation":"a.py","response":"Look.","thought":"Look.","state":{"open_file":"n/a"},"execution_time":0.1}],
 "history":[{"role":"system","content":"You are a programmer.","agent":"main","message_type":"system_prompt"},
            {"role":"user","content":"Fix the bug.","agent":"main","message_type":"observation"},
            {"role":"assistant","content":"Look.","thought":"Look.","action":"ls","agent":"main","message_type":"action",
             "tool_calls":[{"id":"call_1","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls\"}"}}]},
            {"role":"tool","content":"a.py","agent":"main","message_type":"observation","tool_call_ids":["call_1"]},
            {"role":"assistant","content":"Again.","agent":"main","message_type":"action",
             "tool_calls":[{"id":"call_1","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls -a\"}"}}]},
            {"role":"tool","content":".","agent":"main","message_type":"observation","tool_call_ids":["call_1"]}],
 "info":{"exit_status":"submitted","submission":"diff","model_stats":{"instance_cost":0.5,"tokens_sent":100,"tokens_received":7,"api_calls":2},"swe_agent_version":"1.1.0"},
 "replay_config":"{\"agent\":{\"model\":{\"name\":\"gpt-4o\"}},\"problem_statement\":{\"id\":\"repo__issue-1\"}}"})";

TEST(NormalizeSweAgent, HistoryIsTheChatAndStepsAreEnvMessages) {
  const auto r = normalize(kFunctionCalling);
  ASSERT_EQ(r.dialect, "swe-agent");
  const auto& m = r.doc["messages"];
  ASSERT_EQ(m.Size(), 6u);
  EXPECT_EQ(str(m[2]["tool_calls"][0]["id"]), "call_1");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["function"]["arguments"]), "{\"command\":\"ls\"}");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "call_1");
  EXPECT_EQ(str(m[2]["extra"]["action"]), "ls");
  EXPECT_EQ(str(m[0]["extra"]["message_type"]), "system_prompt");
  ASSERT_EQ(r.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(str(r.doc["env_messages"][0]["observation"]), "a.py");
}

TEST(NormalizeSweAgent, RepeatedCallIdsAreRenamedAndResultsFollowThem) {
  const auto r = normalize(kFunctionCalling);
  const auto& m = r.doc["messages"];
  EXPECT_EQ(str(m[4]["tool_calls"][0]["id"]), "call_1~2");
  EXPECT_EQ(str(m[4]["extra"]["source_tool_call_ids"]["call_1~2"]), "call_1");
  EXPECT_EQ(str(m[5]["tool_call_id"]), "call_1~2");
  EXPECT_EQ(str(m[5]["extra"]["source_tool_call_id"]), "call_1");
  ASSERT_EQ(r.warnings.size(), 1u);
}

TEST(NormalizeSweAgent, InfoAndReplayConfigGiveTheSessionFields) {
  const auto r = normalize(kFunctionCalling, "trajectories/other-name.traj");
  EXPECT_EQ(str(r.doc["session_id"]), "repo__issue-1");  // the run's id wins over the file name
  EXPECT_EQ(str(r.doc["task_id"]), "repo__issue-1");
  EXPECT_EQ(str(r.doc["status"]), "submitted");
  EXPECT_EQ(r.doc["usage"]["input_tokens"].GetInt(), 100);
  EXPECT_EQ(r.doc["usage"]["output_tokens"].GetInt(), 7);
  EXPECT_DOUBLE_EQ(r.doc["cost_usd"].GetDouble(), 0.5);
  EXPECT_EQ(str(r.doc["model"]), "gpt-4o");
  EXPECT_EQ(str(r.doc["env"]), "main");
  EXPECT_EQ(str(r.doc["source"]["version"]), "1.1.0");
  EXPECT_EQ(str(r.doc["extra"]["info"]["submission"]), "diff");
  EXPECT_TRUE(r.doc["config"].IsObject());
}

TEST(NormalizeSweAgent, OldStyleTakesTheFileNameAndZeroStatsStayUnknown) {
  const char* old_style = R"({"environment":"swe_main","trajectory":[],
    "history":[{"role":"system","content":"s","agent":"primary"},{"role":"user","content":"task","agent":"primary"},
               {"role":"assistant","content":"```ls```","thought":"t","action":"ls","agent":"primary"},
               {"role":"user","content":"a.py","agent":"primary"}],
    "info":{"exit_status":"submitted","model_stats":{"instance_cost":0,"tokens_sent":0,"tokens_received":0,"api_calls":0}}})";
  const auto r = normalize(old_style, "runs/astropy__astropy-1.traj");
  ASSERT_EQ(r.dialect, "swe-agent");
  EXPECT_EQ(str(r.doc["session_id"]), "astropy__astropy-1");
  EXPECT_EQ(str(r.doc["messages"][3]["role"]), "user");  // observations come back as user messages
  EXPECT_FALSE(r.doc.HasMember("usage"));
  EXPECT_FALSE(r.doc.HasMember("cost_usd"));
  const auto piped = normalize(old_style);  // no file name: an id from the content, with a warning
  EXPECT_EQ(str(piped.doc["session_id"]).rfind("swe-agent-", 0), 0u);
  EXPECT_EQ(piped.warnings.size(), 1u);
}

TEST(NormalizeSweAgent, AnUnknownRoleIsRejectedWithTheReason) {
  try {
    normalize(R"({"history":[{"role":"narrator","content":"x","agent":"main"}],"trajectory":[],"info":{}})");
    FAIL() << "expected a MappingError";
  } catch (const tracemill::MappingError& e) {
    EXPECT_NE(e.reason.find("narrator"), std::string::npos);
  }
}

TEST(NormalizeSweAgent, OpenHandsHistoriesAreNotTakenForSweAgent) {
  const auto r = normalize(R"({"instance_id":"x","instruction":"do","history":[{"id":0,"source":"user","action":"message","args":{"content":"do"}}]})");
  EXPECT_EQ(r.dialect, "openhands-eval");
}

}  // namespace
