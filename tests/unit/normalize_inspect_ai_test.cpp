// Inspect AI logs: score conversion (Inspect's value_to_float), tool calls whose `function`
// is the name, tool errors, reasoning parts, events that repeat the messages, one session per sample.
#include "dialects/inspect_ai.hpp"
#include "normalize_evals.hpp"

using evals_test::normalize;
using evals_test::str;

namespace {

std::optional<double> score(const char* json) {
  rapidjson::Document d;
  d.Parse(json);
  return tracemill::normalize::inspect::score_value(d);
}

TEST(NormalizeInspectAi, ScoreConversionFollowsValueToFloat) {
  EXPECT_EQ(score("\"C\""), 1.0);
  EXPECT_EQ(score("\"I\""), 0.0);
  EXPECT_EQ(score("\"P\""), 0.5);
  EXPECT_EQ(score("\"N\""), 0.0);
  EXPECT_EQ(score("true"), 1.0);
  EXPECT_EQ(score("false"), 0.0);
  EXPECT_EQ(score("0.25"), 0.25);
  EXPECT_EQ(score("3"), 3.0);
  EXPECT_EQ(score("\"Yes\""), 1.0);
  EXPECT_EQ(score("\"FALSE\""), 0.0);
  EXPECT_EQ(score("\" 0.75 \""), 0.75);
  EXPECT_EQ(score("\"1e2\""), 100.0);
  EXPECT_EQ(score("\"c\""), std::nullopt);  // the letters are case-sensitive in Inspect
  EXPECT_EQ(score("\"nan\""), std::nullopt);
  EXPECT_EQ(score("\"inf\""), std::nullopt);
  EXPECT_EQ(score("\"0x10\""), std::nullopt);
  EXPECT_EQ(score("\"\""), std::nullopt);
  EXPECT_EQ(score("\"maybe\""), std::nullopt);
  EXPECT_EQ(score("[1]"), std::nullopt);
  EXPECT_EQ(score("{\"a\":1}"), std::nullopt);
  EXPECT_EQ(score("null"), std::nullopt);
}

const char* kLog = R"({"version":2,"status":"success",
 "eval":{"eval_id":"E1","run_id":"R1","task":"browse","model":"openai/gpt-4o","packages":{"inspect_ai":"0.3.95"},
         "scorers":[{"name":"second"},{"name":"first"}]},
 "plan":{},"results":{},"stats":{},
 "samples":[
  {"id":7,"epoch":2,"input":"go","target":"x","messages":[
    {"id":"m1","role":"user","content":"go","source":"input"},
    {"id":"m2","role":"assistant","model":"gpt-4o-2024","content":[{"type":"reasoning","reasoning":"think","signature":"s"},{"type":"text","text":"ok"}],
     "tool_calls":[{"id":"c1","function":"bash","arguments":{"cmd":"ls"},"parse_error":null}]},
    {"id":"m3","role":"tool","content":"boom","tool_call_id":"c1","function":"bash","error":{"type":"timeout","message":"slow"}},
    {"id":"m4","role":"tool","content":"late","tool_call_id":"zz","function":"bash"}],
   "output":{"model":"gpt-4o-2024"},
   "scores":{"first":{"value":"C"},"second":{"value":"0.5"},"third":{"value":{"a":1}}},
   "model_usage":{"a":{"input_tokens":10,"output_tokens":2,"total_tokens":12},"b":{"input_tokens":1,"output_tokens":1,"total_tokens":2,"input_tokens_cache_read":1}},
   "events":[{"event":"model","input":[{"id":"m1","role":"user","content":"attachment://h"}],"output":{}},
             {"event":"model","input":[{"id":"g1","role":"user","content":"grade this"}]}],
   "attachments":{"h":"go"}},
  {"id":"s2","epoch":1,"messages":[]}],
 "reductions":[{"scorer":"first","samples":[{"sample_id":7,"value":1.0},{"sample_id":"s2","value":0}]}]})";

TEST(NormalizeInspectAi, OneSessionPerSample) {
  const auto r = normalize(kLog);
  ASSERT_EQ(r.dialect, "inspect-ai");
  ASSERT_EQ(r.sessions.size(), 2u);
  const auto& s = r.sessions[0];
  EXPECT_EQ(str(s["session_id"]), "E1:7:2");
  EXPECT_EQ(str(s["task_id"]), "7");
  EXPECT_EQ(str(s["trial_id"]), "2");
  EXPECT_EQ(str(s["model"]), "gpt-4o-2024");
  EXPECT_EQ(s["reward"].GetDouble(), 0.5);  // "second" comes first in eval.scorers
  EXPECT_EQ(str(s["reward_source"]), "scores.second.value");
  EXPECT_EQ(s["scores"]["first"].GetDouble(), 1.0);
  EXPECT_FALSE(s["scores"].HasMember("third"));
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 11);
  EXPECT_EQ(s["usage"]["cache_read_tokens"].GetInt(), 1);
  const auto& m = s["messages"];
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["name"]), "bash");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["arguments"]), "{\"cmd\":\"ls\"}");
  EXPECT_EQ(str(m[1]["reasoning"][0]["type"]), "thinking");
  EXPECT_EQ(str(m[1]["content"][0]["text"]), "ok");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "c1");
  EXPECT_EQ(str(m[2]["name"]), "bash");
  EXPECT_TRUE(m[2]["is_error"].GetBool());
  EXPECT_EQ(str(m[2]["extra"]["error"]["type"]), "timeout");
  EXPECT_FALSE(m[3]["is_error"].GetBool());
  EXPECT_TRUE(m[3]["extra"]["answers_no_call"].GetBool());
  // The first model event's input is the sample's first message; the grader's is not.
  EXPECT_EQ(s["events"][0]["input_message_indexes"][0].GetInt(), 0);
  EXPECT_FALSE(s["events"][0].HasMember("input"));
  EXPECT_EQ(str(s["events"][1]["input"][0]["content"]), "grade this");
  EXPECT_EQ(s["extra"]["reductions"].Size(), 1u);
  EXPECT_EQ(s["extra"]["reductions"][0]["sample"]["value"].GetDouble(), 1.0);
  EXPECT_EQ(str(s["extra"]["log_status"]), "success");
  EXPECT_EQ(str(r.sessions[1]["session_id"]), "E1:s2:1");
  EXPECT_EQ(str(r.sessions[1]["model"]), "openai/gpt-4o");
  EXPECT_EQ(str(r.sessions[1]["model_source"]), "eval.model");
}

TEST(NormalizeInspectAi, ProblemsAreRejectsOrWarnings) {
  EXPECT_NE(normalize(R"({"version":2,"eval":{"eval_id":"E"},"samples":[{"id":1,"messages":[{"role":"robot"}]}]})").error, "");
  EXPECT_NE(normalize(R"({"version":2,"eval":{},"samples":[{"id":1}]})").error, "");  // nothing names the run
  const auto header = normalize(R"({"version":2,"eval":{"eval_id":"E"},"stats":{}})");
  EXPECT_EQ(header.dialect, "inspect-ai");
  EXPECT_EQ(header.count, 0u);
  EXPECT_EQ(header.warnings.size(), 1u);
  const auto unreadable = normalize(R"({"version":2,"eval":{"eval_id":"E"},"samples":[{"id":1,"epoch":1,"scores":{"s":{"value":"maybe"}}}]})");
  ASSERT_EQ(unreadable.sessions.size(), 1u);
  EXPECT_FALSE(unreadable.sessions[0].HasMember("reward"));
  EXPECT_EQ(unreadable.warnings.size(), 1u);
}

}  // namespace
