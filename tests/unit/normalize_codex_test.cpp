// trace-normalize's Codex CLI dialect on small hand-written rollouts: what each line becomes,
// what is kept, what is not recognised.
#include "normalize_lines.hpp"

#include <string>
#include <vector>

namespace {

using tracemill::test::map_lines;
using Session = tracemill::test::MappedSession;

std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "<not a string>"; }

const std::vector<std::string> kRollout = {
    R"({"timestamp":"2026-01-01T10:00:01Z","type":"session_meta","payload":{"id":"s1","timestamp":"2026-01-01T10:00:00Z","cwd":"/w","cli_version":"0.99.0","git":{"branch":"main"}}})",
    R"({"timestamp":"2026-01-01T10:00:02Z","type":"turn_context","payload":{"model":"gpt-5","approval_policy":"never"}})",
    R"({"timestamp":"2026-01-01T10:00:03Z","type":"response_item","payload":{"type":"message","role":"developer","content":[{"type":"input_text","text":"be careful"}]}})",
    R"({"timestamp":"2026-01-01T10:00:04Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"list files"}]}})",
    R"({"timestamp":"2026-01-01T10:00:04Z","type":"event_msg","payload":{"type":"user_message","message":"list files"}})",
    R"({"timestamp":"2026-01-01T10:00:05Z","type":"response_item","payload":{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"run ls"}],"encrypted_content":"xyz"}})",
    R"({"timestamp":"2026-01-01T10:00:06Z","type":"response_item","payload":{"type":"function_call","id":"fc_1","name":"shell","arguments":"{\"command\":[\"ls\"]}","call_id":"call_1"}})",
    R"({"timestamp":"2026-01-01T10:00:07Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_1","output":"a.txt"}})",
    R"({"timestamp":"2026-01-01T10:00:08Z","type":"response_item","payload":{"type":"custom_tool_call","name":"apply_patch","input":"*** Begin Patch","call_id":"call_2"}})",
    R"({"timestamp":"2026-01-01T10:00:09Z","type":"response_item","payload":{"type":"custom_tool_call_output","call_id":"call_2","output":"Done"}})",
    R"({"timestamp":"2026-01-01T10:00:10Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":20,"reasoning_output_tokens":5,"total_tokens":120}}}})",
    R"({"timestamp":"2026-01-01T10:00:11Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"a.txt is there"}]}})",
    R"({"timestamp":"2026-01-01T10:00:12Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":250,"cached_input_tokens":140,"output_tokens":30,"reasoning_output_tokens":5,"total_tokens":280}}}})",
    R"({"timestamp":"2026-01-01T10:00:13Z","type":"event_msg","payload":{"type":"task_complete"}})"};

TEST(NormalizeCodex, ChatFromResponseItemsEventsBesideIt) {
  const Session s = map_lines(kRollout);
  ASSERT_EQ(s.dialect, "codex");
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  EXPECT_EQ(str(s.doc["session_id"]), "s1");
  const auto& m = s.doc["messages"];
  ASSERT_EQ(m.Size(), 7u) << s.line;
  EXPECT_EQ(str(m[0]["role"]), "system");
  EXPECT_EQ(str(m[0]["original_role"]), "developer");
  EXPECT_EQ(str(m[1]["content"]), "list files");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["id"]), "call_1");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["function"]["arguments"]), "{\"command\":[\"ls\"]}");
  EXPECT_EQ(str(m[2]["reasoning"][0]["type"]), "summary");
  EXPECT_EQ(str(m[2]["reasoning"][1]["data"]), "xyz");
  EXPECT_EQ(str(m[2]["model"]), "gpt-5");
  EXPECT_EQ(str(m[3]["role"]), "tool");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "call_1");
  EXPECT_EQ(str(m[3]["name"]), "shell");
  // A raw (non-JSON) tool input is wrapped as JSON text; the source string is kept.
  EXPECT_EQ(str(m[4]["tool_calls"][0]["function"]["arguments"]), "{\"input\":\"*** Begin Patch\"}");
  EXPECT_EQ(str(m[4]["original_arguments"]["call_2"]), "*** Begin Patch");
  EXPECT_EQ(str(m[6]["content"]), "a.txt is there");
  // Events (the user_message copy included) are environment messages, never chat.
  EXPECT_EQ(s.doc["env_messages"].Size(), 5u);
  // Cumulative counts: the last total, never a sum.
  EXPECT_EQ(s.doc["usage"]["input_tokens"].GetInt(), 250);
  EXPECT_EQ(s.doc["usage"]["output_tokens"].GetInt(), 30);
  EXPECT_EQ(s.doc["usage"]["cache_read_tokens"].GetInt(), 140);
  EXPECT_EQ(s.doc["usage"]["reasoning_tokens"].GetInt(), 5);
  EXPECT_EQ(str(s.doc["model"]), "gpt-5");
  EXPECT_EQ(str(s.doc["status"]), "completed");
  EXPECT_EQ(str(s.doc["created_at"]), "2026-01-01T10:00:00Z");
  EXPECT_EQ(str(s.doc["ended_at"]), "2026-01-01T10:00:13Z");
  EXPECT_EQ(str(s.doc["source"]["version"]), "0.99.0");
  EXPECT_EQ(str(s.doc["extra"]["session_meta"]["git"]["branch"]), "main");
}

TEST(NormalizeCodex, ForkCountsOnlyItsOwnUsageAndMarksCopiedLines) {
  const std::vector<std::string> fork = {
      R"({"timestamp":"2026-01-02T09:00:00.000Z","type":"session_meta","payload":{"id":"child","forked_from_id":"parent","timestamp":"2026-01-02T09:00:00Z"}})",
      R"({"timestamp":"2026-01-02T09:00:00.001Z","type":"session_meta","payload":{"id":"parent","timestamp":"2026-01-01T08:00:00Z"}})",
      R"({"timestamp":"2026-01-02T09:00:00.002Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"old question"}]}})",
      R"({"timestamp":"2026-01-02T09:00:00.003Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000,"output_tokens":100,"total_tokens":1100}}}})",
      R"({"timestamp":"2026-01-02T09:00:30.000Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"new question"}]}})",
      R"({"timestamp":"2026-01-02T09:00:40.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1600,"output_tokens":150,"total_tokens":1750}}}})"};
  const Session s = map_lines(fork);
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  EXPECT_EQ(str(s.doc["session_id"]), "child");
  EXPECT_EQ(str(s.doc["parent_session_id"]), "parent");
  EXPECT_EQ(s.doc["usage"]["input_tokens"].GetInt(), 600);
  EXPECT_EQ(s.doc["usage"]["output_tokens"].GetInt(), 50);
  EXPECT_EQ(s.doc["extra"]["inherited_usage"]["input_tokens"].GetInt(), 1000);
  EXPECT_EQ(str(s.doc["messages"][0]["extra"]["inherited_from"]), "parent");
  EXPECT_FALSE(s.doc["messages"][1].HasMember("extra"));
  // The driver's rule: the ancestor's session_meta continues the fork's session.
  rapidjson::Document first, second, unrelated;
  first.Parse(fork[0].c_str());
  second.Parse(fork[1].c_str());
  unrelated.Parse(R"({"timestamp":"x","type":"session_meta","payload":{"id":"other"}})");
  const auto& rules = *tracemill::normalize::find_dialect("codex")->lines;
  EXPECT_TRUE(rules.adopts(first, second));
  EXPECT_FALSE(rules.adopts(first, unrelated));
  EXPECT_FALSE(rules.adopts(second, first));
}

TEST(NormalizeCodex, LegacyRolloutWithoutEnvelope) {
  const Session s = map_lines({
      R"({"id":"legacy-1","timestamp":"2025-08-01T10:00:00Z","instructions":null,"git":{"branch":"main"}})",
      R"({"record_type":"state"})",
      R"({"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]})",
      R"({"type":"local_shell_call","call_id":"c1","status":"completed","action":{"type":"exec","command":["ls"]}})",
      R"({"type":"function_call_output","call_id":"c1","output":"x"})"});
  ASSERT_EQ(s.dialect, "codex");
  EXPECT_EQ(str(s.doc["session_id"]), "legacy-1");
  EXPECT_TRUE(s.doc["source"]["legacy"].GetBool());
  ASSERT_EQ(s.doc["messages"].Size(), 3u);
  EXPECT_EQ(str(s.doc["messages"][1]["tool_calls"][0]["function"]["name"]), "local_shell");
  EXPECT_EQ(str(s.doc["messages"][2]["name"]), "local_shell");
  EXPECT_EQ(s.doc["env_messages"].Size(), 1u);
}

TEST(NormalizeCodex, OrphanReasoningAndUnknownItemsStayAsEnvironment) {
  const Session s = map_lines({
      R"({"timestamp":"2026-01-01T10:00:01Z","type":"session_meta","payload":{"id":"s2"}})",
      R"({"timestamp":"2026-01-01T10:00:02Z","type":"response_item","payload":{"type":"reasoning","summary":[{"type":"summary_text","text":"thinking"}]}})",
      R"({"timestamp":"2026-01-01T10:00:03Z","type":"event_msg","payload":{"type":"turn_aborted","reason":"interrupted"}})",
      R"({"timestamp":"2026-01-01T10:00:04Z","type":"response_item","payload":{"type":"web_search_call","status":"completed","action":{"query":"q"}}})",
      R"({"timestamp":"2026-01-01T10:00:05Z","type":"some_future_line","payload":{"x":1}})"});
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  EXPECT_EQ(s.doc["messages"].Size(), 0u);
  EXPECT_EQ(s.doc["env_messages"].Size(), 4u);
  EXPECT_EQ(str(s.doc["status"]), "aborted");
  EXPECT_FALSE(s.doc.HasMember("usage"));
}

TEST(NormalizeCodex, ReusedCallIdsAndPartsWithoutOpenAiForm) {
  const Session s = map_lines({
      R"({"timestamp":"2026-01-01T10:00:01Z","type":"session_meta","payload":{"id":"s3"}})",
      R"({"timestamp":"2026-01-01T10:00:02Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"look"},{"type":"input_image","image_url":null,"detail":"auto"}]}})",
      R"({"timestamp":"2026-01-01T10:00:03Z","type":"response_item","payload":{"type":"function_call","name":"a","arguments":"[REDACTED]","call_id":"same"}})",
      R"({"timestamp":"2026-01-01T10:00:04Z","type":"response_item","payload":{"type":"function_call_output","call_id":"same","output":[{"type":"input_text","text":"one"},{"type":"input_image","image_url":"data:image/png;base64,AA"}]}})",
      R"({"timestamp":"2026-01-01T10:00:05Z","type":"response_item","payload":{"type":"function_call","name":"b","arguments":"{}","call_id":"same"}})",
      R"({"timestamp":"2026-01-01T10:00:06Z","type":"response_item","payload":{"type":"function_call_output","call_id":"same","output":"two"}})"});
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  const auto& m = s.doc["messages"];
  ASSERT_EQ(m.Size(), 5u);
  EXPECT_EQ(str(m[0]["content"]), "look");
  EXPECT_EQ(m[0]["extra"]["other_parts"][0]["at"].GetInt(), 1);
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["arguments"]), "{\"input\":\"[REDACTED]\"}");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "same");
  EXPECT_EQ(str(m[2]["content"]), "one");  // tool results hold text: the image is kept aside
  EXPECT_EQ(str(m[2]["extra"]["other_parts"][0]["part"]["type"]), "input_image");
  EXPECT_EQ(str(m[3]["tool_calls"][0]["id"]), "same#2");
  EXPECT_EQ(str(m[3]["extra"]["source_call_id"]), "same");
  EXPECT_EQ(str(m[4]["tool_call_id"]), "same#2");
  EXPECT_EQ(str(m[4]["name"]), "b");
}

TEST(NormalizeCodex, NotRecognisedWithoutItsMembers) {
  tracemill::Normalizer normalizer({});
  rapidjson::Document d;
  d.Parse(R"({"timestamp":"t","type":"assistant","message":{}})");
  EXPECT_EQ(normalizer.dialect_of(d), nullptr);
  d.Parse(R"({"id":"x","timestamp":"t"})");
  EXPECT_EQ(normalizer.dialect_of(d), nullptr);
}

}  // namespace
