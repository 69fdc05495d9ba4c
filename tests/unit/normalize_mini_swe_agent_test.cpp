// The mini-swe-agent dialect (1.x documents) and message-array (the v0 bare array, one message
// per record): per-call usage, the exit role, ids.
#include "agent_dialect_test_util.hpp"

namespace {

using agent_test::normalize;
using agent_test::session;
using agent_test::str;

const char* kOneOne = R"({"info":{"model_stats":{"instance_cost":0.02,"api_calls":2},"config":{"model":{"model_name":"deepseek/deepseek-chat"}},"mini_version":"2.2.7","exit_status":"Submitted","submission":"diff"},
 "messages":[{"role":"system","content":"You help."},{"role":"user","content":"Fix it."},
  {"role":"assistant","content":"Look.","tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"bash","arguments":"{\"command\":\"ls\"}"}}],
   "extra":{"response":{"model":"deepseek-chat","usage":{"prompt_tokens":100,"completion_tokens":10,"total_tokens":110,"prompt_tokens_details":{"cached_tokens":64}}}}},
  {"role":"tool","tool_call_id":"call_a","content":"<returncode>0</returncode>","extra":{"returncode":0,"timestamp":1775802782.5}},
  {"role":"assistant","content":"Done.","extra":{"response":{"usage":{"prompt_tokens":120,"completion_tokens":5}}}},
  {"role":"exit","content":"diff","extra":{"exit_status":"Submitted","submission":"diff"}}],
 "trajectory_format":"mini-swe-agent-1.1","instance_id":"django__django-1"})";

TEST(NormalizeMiniSweAgent, MessagesUsageAndTheExitRole) {
  const auto r = normalize(kOneOne);
  ASSERT_EQ(r.dialect, "mini-swe-agent");
  EXPECT_EQ(str(r.doc["session_id"]), "django__django-1");
  const auto& m = r.doc["messages"];
  ASSERT_EQ(m.Size(), 5u);  // exit is not a chat message
  ASSERT_EQ(r.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(str(r.doc["env_messages"][0]["role"]), "exit");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["id"]), "call_a");
  EXPECT_EQ(m[2]["usage"]["input_tokens"].GetInt(), 100);
  EXPECT_EQ(m[2]["usage"]["cache_read_tokens"].GetInt(), 64);
  EXPECT_EQ(str(m[2]["model"]), "deepseek-chat");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "call_a");
  EXPECT_EQ(str(m[3]["created_at"]), "2026-04-10T06:33:02.500000Z");
  EXPECT_EQ(r.doc["usage"]["input_tokens"].GetInt(), 220);
  EXPECT_EQ(r.doc["usage"]["output_tokens"].GetInt(), 15);
  EXPECT_EQ(str(r.doc["status"]), "Submitted");
  EXPECT_DOUBLE_EQ(r.doc["cost_usd"].GetDouble(), 0.02);
  EXPECT_EQ(str(r.doc["model"]), "deepseek/deepseek-chat");
  EXPECT_EQ(str(r.doc["source"]["version"]), "2.2.7");
  EXPECT_EQ(str(r.doc["source"]["trajectory_format"]), "mini-swe-agent-1.1");
}

TEST(NormalizeMiniSweAgent, WithoutInstanceIdTheFileNameServes) {
  std::string doc = kOneOne;
  doc.replace(doc.find(",\"instance_id\":\"django__django-1\""), std::string(",\"instance_id\":\"django__django-1\"").size(), "");
  const auto r = normalize(doc, "out/django__django-2/django__django-2.traj.json");
  EXPECT_EQ(str(r.doc["session_id"]), "django__django-2");
}

TEST(NormalizeMiniSweAgent, AnUnknownRoleIsRejected) {
  EXPECT_THROW(normalize(R"({"messages":[{"role":"wizard","content":"x"}],"trajectory_format":"mini-swe-agent-1"})"), tracemill::MappingError);
}

TEST(NormalizeMessageArray, TheElementsOfABareArrayAreOneSession) {
  const auto r = session({R"({"role":"system","content":"You help."})", R"({"role":"user","content":"Fix."})",
                          R"({"role":"assistant","content":"```bash\nls\n```"})", R"({"role":"user","content":"a.py"})"},
                         "runs/local.traj.json");
  ASSERT_EQ(r.dialect, "message-array");
  EXPECT_EQ(str(r.doc["session_id"]), "local");
  EXPECT_EQ(r.doc["messages"].Size(), 4u);
  EXPECT_EQ(str(r.doc["messages"][2]["content"]), "```bash\nls\n```");
}

TEST(NormalizeMessageArray, ARecordWithOtherMembersIsNotAMessage) {
  tracemill::Normalizer normalizer(tracemill::NormalizeOptions{});
  rapidjson::Document d;
  d.Parse(R"({"role":"user","content":"x","session_id":"s"})");
  EXPECT_EQ(normalizer.dialect_of(d), nullptr);
  d.Parse(R"({"role":"user","content":"x"})");
  ASSERT_NE(normalizer.dialect_of(d), nullptr);
  EXPECT_STREQ(normalizer.dialect_of(d)->name, "message-array");
}

TEST(NormalizeMessageArray, ASystemMessageOpensANewSession) {
  tracemill::Normalizer normalizer(tracemill::NormalizeOptions{});
  const auto* dialect = tracemill::normalize::find_dialect("message-array");
  ASSERT_NE(dialect, nullptr);
  rapidjson::Document system, user;
  system.Parse(R"({"role":"system","content":"s"})");
  user.Parse(R"({"role":"user","content":"u"})");
  EXPECT_EQ(dialect->lines->session_key(system), tracemill::normalize::kStartsSession);
  EXPECT_EQ(dialect->lines->session_key(user), "");
}

}  // namespace
