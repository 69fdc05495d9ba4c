// The OpenHands dialects on hand-written events: V0 event streams and output lines, V1 SDK
// events and LLM logs. Calls with their ids and arguments, results with the ids they answer,
// one assistant message per model response, usage and the rest kept.
#include "agent_dialect_test_util.hpp"

namespace {

using agent_test::normalize;
using agent_test::session;
using agent_test::str;

// Two calls of one model response, their observations, a state change, and a finish.
const std::vector<std::string> kV0 = {
    R"({"id":0,"timestamp":"2025-01-27T22:44:56.9","source":"user","message":"Make a game.","action":"message","args":{"content":"Make a game.","image_urls":null}})",
    R"({"id":1,"timestamp":"2025-01-27T22:44:57","source":"agent","message":"","action":"run","args":{"command":"ls"},"tool_call_metadata":{"function_name":"execute_bash","tool_call_id":"t1","model_response":{"id":"r1","model":"claude","choices":[{"message":{"content":"Let me look.","tool_calls":[{"id":"t1","function":{"name":"execute_bash","arguments":"{\"command\": \"ls\"}"}},{"id":"t2","function":{"name":"execute_bash","arguments":"{\"command\": \"pwd\"}"}}]}}],"usage":{"prompt_tokens":50,"completion_tokens":9,"cache_read_input_tokens":20}},"total_calls_in_response":2}})",
    R"({"id":2,"timestamp":"2025-01-27T22:44:57","source":"agent","message":"","action":"run","args":{"command":"pwd"},"tool_call_metadata":{"function_name":"execute_bash","tool_call_id":"t2","model_response":{"id":"r1","model":"claude","choices":[{"message":{"content":"Let me look.","tool_calls":[]}}],"usage":{"prompt_tokens":50,"completion_tokens":9}},"total_calls_in_response":2}})",
    R"({"id":3,"timestamp":"2025-01-27T22:44:58","source":"agent","message":"Command finished","observation":"run","content":"a.py","extras":{"exit_code":0},"cause":1,"tool_call_metadata":{"function_name":"execute_bash","tool_call_id":"t1","model_response":{"id":"r1"}}})",
    R"({"id":4,"timestamp":"2025-01-27T22:44:58","source":"agent","message":"","observation":"error","content":"no pwd","cause":2,"tool_call_metadata":{"function_name":"execute_bash","tool_call_id":"t2","model_response":{"id":"r1"}}})",
    R"({"id":5,"timestamp":"2025-01-27T22:44:59","source":"environment","message":"","observation":"agent_state_changed","content":"","extras":{"agent_state":"running"}})",
    R"({"id":6,"timestamp":"2025-01-27T22:45:00","source":"agent","message":"Done.","action":"message","args":{"content":"Done.","wait_for_response":true}})"};

TEST(NormalizeOpenHands, EventsBecomeTheChatAndTheRestEnvMessages) {
  const auto r = session(kV0);
  ASSERT_EQ(r.dialect, "openhands-events");
  const auto& m = r.doc["messages"];
  ASSERT_EQ(m.Size(), 5u);  // user, one assistant for both calls, two results, the agent's message
  EXPECT_EQ(str(m[0]["role"]), "user");
  EXPECT_EQ(str(m[0]["content"]), "Make a game.");
  EXPECT_EQ(str(m[1]["role"]), "assistant");
  EXPECT_EQ(str(m[1]["content"]), "Let me look.");
  ASSERT_EQ(m[1]["tool_calls"].Size(), 2u);
  EXPECT_EQ(str(m[1]["tool_calls"][1]["id"]), "t2");
  EXPECT_EQ(str(m[1]["tool_calls"][1]["function"]["arguments"]), "{\"command\":\"pwd\"}");  // its response lists no call: the args
  EXPECT_EQ(m[1]["usage"]["cache_read_tokens"].GetInt(), 20);
  EXPECT_EQ(str(m[2]["tool_call_id"]), "t1");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "t2");
  EXPECT_TRUE(m[3]["is_error"].GetBool());
  EXPECT_EQ(str(m[4]["role"]), "assistant");
  ASSERT_EQ(r.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(str(r.doc["env_messages"][0]["observation"]), "agent_state_changed");
  EXPECT_EQ(r.doc["usage"]["input_tokens"].GetInt(), 50);  // one response, counted once
  EXPECT_EQ(str(r.doc["model"]), "claude");
  EXPECT_EQ(str(r.doc["created_at"]), "2025-01-27T22:44:56.900000Z");
  EXPECT_EQ(str(r.doc["ended_at"]), "2025-01-27T22:45:00Z");
}

TEST(NormalizeOpenHands, EventIdZeroOpensANewSession) {
  const auto* dialect = tracemill::normalize::find_dialect("openhands-events");
  ASSERT_NE(dialect, nullptr);
  rapidjson::Document first, later;
  first.Parse(kV0[0].c_str());
  later.Parse(kV0[1].c_str());
  EXPECT_EQ(dialect->lines->session_key(first), tracemill::normalize::kStartsSession);
  EXPECT_EQ(dialect->lines->session_key(later), "");
}

TEST(NormalizeOpenHands, AResultWithoutItsCallIsKeptInEnvMessages) {
  const auto r = session({kV0[0], kV0[3]});
  EXPECT_EQ(r.doc["messages"].Size(), 1u);
  EXPECT_EQ(r.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(NormalizeOpenHands, EvalOutputLinesWithMetricsAndOutcome) {
  std::string line = R"({"instance_id":"repo__x-1","instruction":"Make a game.","metadata":{"llm_config":{"model":"openai/gpt"}},
    "metrics":{"accumulated_cost":0.3,"accumulated_token_usage":{"prompt_tokens":900,"completion_tokens":40,"cache_read_tokens":100,"cache_write_tokens":5}},
    "test_result":{"git_patch":"diff","report":{"resolved":true}},"error":null,"history":[)";
  for (size_t i = 0; i < kV0.size(); ++i) line += (i > 0 ? "," : "") + kV0[i];
  line += "]}";
  const auto r = normalize(line);
  ASSERT_EQ(r.dialect, "openhands-eval");
  EXPECT_EQ(str(r.doc["session_id"]), "repo__x-1");
  EXPECT_EQ(r.doc["messages"].Size(), 5u);
  EXPECT_EQ(r.doc["usage"]["input_tokens"].GetInt(), 900);  // the run's metrics, not the responses
  EXPECT_EQ(r.doc["usage"]["cache_creation_tokens"].GetInt(), 5);
  EXPECT_DOUBLE_EQ(r.doc["cost_usd"].GetDouble(), 0.3);
  EXPECT_EQ(r.doc["reward"].GetInt(), 1);
  EXPECT_EQ(str(r.doc["reward_source"]), "test_result.report.resolved");
  EXPECT_EQ(str(r.doc["model"]), "openai/gpt");
  EXPECT_FALSE(r.doc.HasMember("status"));
  EXPECT_EQ(str(r.doc["extra"]["instruction"]), "Make a game.");
}

TEST(NormalizeOpenHands, AnErrorIsTheStatus) {
  const auto r = normalize(R"({"instance_id":7,"history":[],"metrics":{},"error":"Agent got stuck"})");
  ASSERT_EQ(r.dialect, "openhands-eval");
  EXPECT_EQ(str(r.doc["session_id"]), "7");
  EXPECT_EQ(str(r.doc["status"]), "error");
  EXPECT_EQ(str(r.doc["error"]), "Agent got stuck");
}

// CodeAct before function calling: actions carry no tool_call_metadata. Early output lines
// flatten args beside the action and name no source, id or cause; event streams of that time
// have ids and causes.
TEST(NormalizeOpenHands, LegacyActionsBecomeCallsAnsweredByTheirObservations) {
  const auto r = normalize(R"({"issue":{"owner":"o","repo":"r","number":1},"instruction":"Add a licence.","metrics":{},"success":true,"history":[)"
                           R"({"content":"Add a licence.","action":"message"},)"
                           R"({"command":"touch LICENSE","thought":"Create it.","keep_prompt":true,"action":"run","is_confirmed":"confirmed"},)"
                           R"({"content":"\r\n$ ","command_id":-1,"command":"touch LICENSE","exit_code":0,"observation":"run"},)"
                           R"j({"code":"print(1)","thought":"","action":"run_ipython"},)j"
                           R"({"content":"boom","observation":"error"},)"
                           R"({"outputs":{},"thought":"Done.","action":"finish"}]})");
  ASSERT_EQ(r.dialect, "openhands-eval");
  const auto& m = r.doc["messages"];
  ASSERT_EQ(m.Size(), 6u);  // task, call, result, call, result, finish call
  EXPECT_EQ(str(m[0]["role"]), "user");
  EXPECT_EQ(str(m[1]["role"]), "assistant");
  EXPECT_EQ(str(m[1]["content"]), "Create it.");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["name"]), "run");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["arguments"]), R"({"command":"touch LICENSE"})");  // flags stay in the event
  EXPECT_EQ(str(m[2]["role"]), "tool");
  EXPECT_EQ(str(m[2]["tool_call_id"]), str(m[1]["tool_calls"][0]["id"]));
  EXPECT_EQ(str(m[2]["content"]), "\r\n$ ");
  EXPECT_TRUE(m[3]["content"].IsNull());  // an empty thought: no text
  EXPECT_EQ(str(m[4]["tool_call_id"]), str(m[3]["tool_calls"][0]["id"]));
  EXPECT_TRUE(m[4]["is_error"].GetBool());
  EXPECT_EQ(str(m[5]["tool_calls"][0]["function"]["name"]), "finish");
  EXPECT_FALSE(r.doc.HasMember("env_messages"));
  bool warned = false;
  for (const auto& w : r.warnings) warned = warned || w.find("3 actions without tool_call_metadata") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(NormalizeOpenHands, LegacyObservationsAnswerTheActionTheirCauseNames) {
  const auto r = session({
      R"({"id":0,"source":"user","action":"message","args":{"content":"List files."}})",
      R"({"id":1,"source":"agent","action":"run","args":{"command":"ls","thought":"Look."}})",
      R"({"id":2,"source":"agent","action":"browse","args":{"url":"http://x"}})",
      R"({"id":3,"source":"environment","observation":"agent_state_changed","content":"","extras":{"agent_state":"running"}})",
      R"({"id":4,"source":"agent","observation":"browse","content":"<html>","cause":2})",
      R"({"id":5,"source":"agent","observation":"run","content":"a.py","cause":1})",
      R"({"id":6,"source":"user","observation":"run","content":"x","cause":99})"});
  const auto& m = r.doc["messages"];
  ASSERT_EQ(m.Size(), 5u);
  EXPECT_EQ(str(m[1]["tool_calls"][0]["id"]), "openhands-action-1");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "openhands-action-2");  // by cause, not by order
  EXPECT_EQ(str(m[4]["tool_call_id"]), "openhands-action-1");
  ASSERT_EQ(r.doc["env_messages"].Size(), 2u);  // the state change, and a result of no call here
  EXPECT_EQ(str(r.doc["env_messages"][1]["content"]), "x");
}

const std::vector<std::string> kSdk = {
    R"({"id":"e0","timestamp":"2026-06-16T05:39:18","source":"agent","kind":"SystemPromptEvent","system_prompt":{"type":"text","text":"You are OpenHands."},"tools":[{"name":"terminal"}]})",
    R"({"id":"e1","timestamp":"2026-06-16T05:39:19","source":"user","kind":"MessageEvent","llm_message":{"role":"user","content":[{"type":"text","text":"Review the PR."}]},"activated_skills":[]})",
    R"({"id":"e2","timestamp":"2026-06-16T05:39:20","source":"agent","kind":"ActionEvent","thought":[{"type":"text","text":"First, look."}],"reasoning_content":"I should look.","thinking_blocks":[],"action":{"kind":"TerminalAction","command":"ls"},"tool_name":"terminal","tool_call_id":"c1","tool_call":{"id":"c1","name":"terminal","arguments":"{\"command\": \"ls\"}"},"llm_response_id":"r1"})",
    R"({"id":"e3","timestamp":"2026-06-16T05:39:21","source":"environment","kind":"ObservationEvent","tool_name":"terminal","tool_call_id":"c1","action_id":"e2","observation":{"kind":"TerminalObservation","content":[{"type":"text","text":"a.py"}],"is_error":false,"exit_code":0}})",
    R"({"id":"e4","timestamp":"2026-06-16T05:39:22","source":"environment","kind":"ConversationStateUpdateEvent","key":"stats","value":{"usage_to_metrics":{"default":{"model_name":"m","accumulated_cost":0.5,"accumulated_token_usage":{"prompt_tokens":300,"completion_tokens":20,"cache_read_tokens":7,"cache_write_tokens":0,"reasoning_tokens":3}},"condenser":{"model_name":"m","accumulated_cost":0.1,"accumulated_token_usage":{"prompt_tokens":30,"completion_tokens":2}}}}})",
    R"({"id":"e5","timestamp":"2026-06-16T05:39:23","source":"agent","kind":"AgentErrorEvent","tool_name":"terminal","tool_call_id":"c1","error":"timed out"})"};

TEST(NormalizeOpenHandsSdk, KindsMapToTheChatAndStatsToUsage) {
  const auto r = session(kSdk);
  ASSERT_EQ(r.dialect, "openhands-sdk");
  EXPECT_EQ(str(r.doc["session_id"]), "openhands-e0");
  const auto& m = r.doc["messages"];
  ASSERT_EQ(m.Size(), 5u);
  EXPECT_EQ(str(m[0]["role"]), "system");
  EXPECT_EQ(str(m[0]["content"]), "You are OpenHands.");
  EXPECT_EQ(str(m[1]["content"]), "Review the PR.");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["function"]["arguments"]), "{\"command\": \"ls\"}");
  EXPECT_EQ(str(m[2]["content"]), "First, look.");
  EXPECT_EQ(str(m[2]["reasoning"][0]["text"]), "I should look.");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "c1");
  EXPECT_FALSE(m[3]["is_error"].GetBool());
  EXPECT_EQ(str(m[4]["content"]), "timed out");
  EXPECT_TRUE(m[4]["is_error"].GetBool());
  EXPECT_EQ(r.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(r.doc["usage"]["input_tokens"].GetInt(), 330);  // agent and condenser
  EXPECT_EQ(r.doc["usage"]["reasoning_tokens"].GetInt(), 3);
  EXPECT_DOUBLE_EQ(r.doc["cost_usd"].GetDouble(), 0.6);
}

TEST(NormalizeOpenHandsSdk, AnActionWithoutACallIdIsRejected) {
  EXPECT_THROW(session({R"({"id":"a","timestamp":"2026-01-01T00:00:00","source":"agent","kind":"ActionEvent","action":{}})"}),
               tracemill::MappingError);
}

TEST(NormalizeOpenHandsSdk, AnLlmLogIsOneCall) {
  const auto r = normalize(R"({"messages":[{"role":"system","content":[{"type":"text","text":"s"}]},{"role":"user","content":"hi"}],
    "tools":[],"kwargs":{},"context_window":200000,
    "response":{"id":"chatcmpl-1","model":"claude","choices":[{"finish_reason":"tool_calls","message":{"role":"assistant","content":"ok","tool_calls":[{"id":"t","type":"function","function":{"name":"terminal","arguments":"{}"}}]}}],
                "usage":{"prompt_tokens":10,"completion_tokens":2}},
    "cost":0.01,"timestamp":1757015025.972,"latency_sec":1.5})");
  ASSERT_EQ(r.dialect, "openhands-llm-log");
  EXPECT_EQ(str(r.doc["session_id"]), "chatcmpl-1");
  ASSERT_EQ(r.doc["messages"].Size(), 3u);
  EXPECT_EQ(str(r.doc["messages"][2]["tool_calls"][0]["id"]), "t");
  EXPECT_EQ(r.doc["messages"][2]["usage"]["output_tokens"].GetInt(), 2);
  EXPECT_EQ(str(r.doc["created_at"]), "2025-09-04T19:43:45.972000Z");
  EXPECT_DOUBLE_EQ(r.doc["extra"]["latency_sec"].GetDouble(), 1.5);
}

}  // namespace
