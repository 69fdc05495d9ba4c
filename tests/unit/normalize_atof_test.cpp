// trace-normalize's ATOF dialect (NVIDIA Agent Trajectory Observability Format) on small
// hand-written event streams: LLM scopes become the conversation, tool scopes its results,
// everything else is kept; gaps (an end without its start, a result naming no call, an
// unreadable scope event) are counted and warned.
#include "normalize_lines.hpp"

#include <string>
#include <vector>

namespace {

using tracemill::test::map_lines;
using Session = tracemill::test::MappedSession;

std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "<not a string>"; }

bool warned(const Session& s, const std::string& part) {
  for (const auto& w : s.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

// An OpenAI chat agent: two LLM calls, one tool call between them, a mark, a function scope.
const std::vector<std::string> kOpenAiRun = {
    R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"agent","category_profile":null,"uuid":"root","parent_uuid":null,"data":{"input":"What is 3 + 4?"},"data_schema":null,"timestamp":"2026-01-01T00:00:00Z","name":"calc_agent","attributes":[],"metadata":{"trace_id":"t1"}})",
    R"({"kind":"mark","atof_version":"0.1","uuid":"m1","parent_uuid":"root","timestamp":"2026-01-01T00:00:00.5Z","name":"workflow_start","data":{"step":1},"metadata":null})",
    R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"llm","category_profile":{"model_name":"gpt-4.1"},"uuid":"l1","parent_uuid":"root","data":{"model":"gpt-4.1","messages":[{"role":"system","content":"Be exact."},{"role":"user","content":"What is 3 + 4?"}]},"data_schema":{"name":"openai/chat-completions","version":"1"},"timestamp":"2026-01-01T00:00:01Z","name":"gpt-4.1","attributes":["streaming"],"metadata":null})",
    R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"llm","category_profile":{"model_name":"gpt-4.1"},"uuid":"l1","parent_uuid":"root","data":{"id":"chatcmpl-1","choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"add","arguments":"{\"a\":3,\"b\":4}"}}]}}],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}},"data_schema":{"name":"openai/chat-completions","version":"1"},"timestamp":"2026-01-01T00:00:02Z","name":"gpt-4.1","attributes":["streaming"],"metadata":null})",
    R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"tool","category_profile":{"tool_call_id":"call_a"},"uuid":"t1","parent_uuid":"root","data":{"a":3,"b":4},"data_schema":null,"timestamp":"2026-01-01T00:00:03Z","name":"add","attributes":[],"metadata":null})",
    R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"function","category_profile":null,"uuid":"f1","parent_uuid":"t1","data":{"x":1},"data_schema":null,"timestamp":"2026-01-01T00:00:03.5Z","name":"helper","attributes":[],"metadata":null})",
    R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"function","category_profile":null,"uuid":"f1","parent_uuid":"t1","data":{"y":2},"data_schema":null,"timestamp":"2026-01-01T00:00:03.6Z","name":"helper","attributes":[],"metadata":null})",
    R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"tool","category_profile":{"tool_call_id":"call_a"},"uuid":"t1","parent_uuid":"root","data":{"result":7},"data_schema":null,"timestamp":"2026-01-01T00:00:04Z","name":"add","attributes":[],"metadata":null})",
    R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"llm","category_profile":{"model_name":"gpt-4.1"},"uuid":"l2","parent_uuid":"root","data":{"messages":[{"role":"system","content":"Be exact."},{"role":"user","content":"What is 3 + 4?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"add","arguments":"{\"a\":3,\"b\":4}"}}]},{"role":"tool","tool_call_id":"call_a","content":"7"}]},"data_schema":{"name":"openai/chat-completions","version":"1"},"timestamp":1767225605000000,"name":"gpt-4.1","attributes":[],"metadata":null})",
    R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"llm","category_profile":{"model_name":"gpt-4.1-2025"},"uuid":"l2","parent_uuid":"root","data":{"choices":[{"message":{"role":"assistant","content":"3 + 4 = 7"}}],"usage":{"prompt_tokens":40,"completion_tokens":6,"total_tokens":46}},"data_schema":{"name":"openai/chat-completions","version":"1"},"timestamp":"2026-01-01T00:00:06Z","name":"gpt-4.1","attributes":[],"metadata":null})",
    R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"agent","category_profile":null,"uuid":"root","parent_uuid":null,"data":{"response":"3 + 4 = 7"},"data_schema":null,"timestamp":"2026-01-01T00:00:07Z","name":"calc_agent","attributes":[],"metadata":{"trace_id":"t1"}})"};

TEST(NormalizeAtof, LlmScopesMakeTheConversationOnce) {
  const Session s = map_lines(kOpenAiRun);
  ASSERT_EQ(s.dialect, "atof");
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  EXPECT_EQ(str(s.doc["session_id"]), "root");
  const auto& m = s.doc["messages"];
  ASSERT_EQ(m.Size(), 5u) << s.line;  // system, user, assistant call, tool, answer: no prompt repeated
  EXPECT_EQ(str(m[0]["role"]), "system");
  EXPECT_EQ(str(m[1]["content"]), "What is 3 + 4?");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["id"]), "call_a");
  EXPECT_EQ(str(m[2]["id"]), "chatcmpl-1");
  EXPECT_EQ(str(m[2]["model"]), "gpt-4.1");
  EXPECT_EQ(m[2]["usage"]["input_tokens"].GetInt(), 20);
  EXPECT_EQ(str(m[3]["role"]), "tool");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "call_a");
  EXPECT_EQ(str(m[3]["content"]), "7");  // as the second prompt shows it
  ASSERT_TRUE(m[3].HasMember("extra")) << s.line;
  EXPECT_TRUE(m[3]["extra"].HasMember("atof_scope"));  // the tool scope that produced it
  EXPECT_EQ(str(m[4]["content"]), "3 + 4 = 7");
  EXPECT_EQ(str(m[4]["model"]), "gpt-4.1-2025");  // the end profile names the model that answered
  EXPECT_EQ(str(m[4]["created_at"]), "2026-01-01T00:00:06Z");
  EXPECT_EQ(s.doc["usage"]["input_tokens"].GetInt(), 60);
  EXPECT_EQ(s.doc["usage"]["output_tokens"].GetInt(), 11);
  EXPECT_EQ(str(s.doc["created_at"]), "2026-01-01T00:00:00Z");
  EXPECT_EQ(str(s.doc["ended_at"]), "2026-01-01T00:00:07Z");
  EXPECT_EQ(str(s.doc["source"]["format"]), "atof");
  EXPECT_EQ(str(s.doc["source"]["version"]), "0.1");
  EXPECT_EQ(str(s.doc["source"]["agent"]), "calc_agent");
  // The mark and the function scope are not chat: kept whole, in order.
  ASSERT_TRUE(s.doc.HasMember("events")) << s.line;
  ASSERT_EQ(s.doc["events"].Size(), 3u);
  EXPECT_EQ(str(s.doc["events"][0]["name"]), "workflow_start");
  EXPECT_EQ(str(s.doc["events"][1]["scope_category"]), "start");
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
}

TEST(NormalizeAtof, AnthropicAndGeminiPayloadsAndTheAgentInputOutput) {
  const Session s = map_lines({
      R"({"kind":"scope","scope_category":"start","atof_version":"0.2","category":"agent","uuid":"a","parent_uuid":null,"data":{"input":"Hi"},"timestamp":"2026-01-01T00:00:00Z","name":"router","attributes":[]})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.2","category":"llm","category_profile":{"model_name":"gemini-2.5"},"uuid":"g","parent_uuid":"a","data":{"contents":[{"role":"user","parts":[{"text":"Say hi"}]}]},"data_schema":{"name":"gemini/generate_content","version":"1"},"timestamp":"2026-01-01T00:00:01Z","name":"gemini","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.2","category":"llm","category_profile":{"model_name":"gemini-2.5"},"uuid":"g","parent_uuid":"a","data":{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"greet","args":{"who":"you"}}}]}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5}},"data_schema":{"name":"gemini/generate_content","version":"1"},"timestamp":"2026-01-01T00:00:02Z","name":"gemini","attributes":[]})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.2","category":"tool","category_profile":null,"uuid":"t","parent_uuid":"a","data":{"who":"you"},"timestamp":"2026-01-01T00:00:03Z","name":"greet","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.2","category":"tool","category_profile":null,"uuid":"t","parent_uuid":"a","data":"hello you","timestamp":"2026-01-01T00:00:04Z","name":"greet","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.2","category":"agent","uuid":"a","parent_uuid":null,"data":{"response":"hello you"},"timestamp":"2026-01-01T00:00:05Z","name":"router","attributes":[]})",
  });
  ASSERT_EQ(s.dialect, "atof");
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  const auto& m = s.doc["messages"];
  // The agent's input (the prompt does not hold it), the prompt, the call, its result, the answer.
  ASSERT_EQ(m.Size(), 5u) << s.line;
  EXPECT_EQ(str(m[0]["content"]), "Hi");
  EXPECT_EQ(str(m[0]["extra"]["atof_source"]), "agent_input");
  const std::string call_id = str(m[2]["tool_calls"][0]["id"]);
  EXPECT_EQ(str(m[2]["tool_calls"][0]["function"]["name"]), "greet");
  EXPECT_EQ(str(m[3]["tool_call_id"]), call_id);  // no id in the tool scope: matched by name, counted
  EXPECT_EQ(str(m[3]["content"]), "hello you");
  EXPECT_EQ(str(m[4]["content"]), "hello you");
  EXPECT_EQ(str(m[4]["extra"]["atof_source"]), "agent_output");
  EXPECT_EQ(s.doc["usage"]["total_tokens"].GetInt(), 5);
  EXPECT_EQ(str(s.doc["source"]["version"]), "0.2");
  EXPECT_EQ(s.doc["extra"]["tool_results_matched_by_name"].GetInt(), 1);
  EXPECT_TRUE(warned(s, "matched to the oldest open call"));
}

TEST(NormalizeAtof, EndWithoutStartIsReadAloneAndCounted) {
  const Session s = map_lines({
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"agent","uuid":"r","parent_uuid":null,"data":{"input":"go"},"timestamp":"2026-01-01T00:00:00Z","name":"a","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"llm","category_profile":{"model_name":"m"},"uuid":"lost","parent_uuid":"r","data":{"role":"assistant","content":[{"type":"text","text":"done"}]},"data_schema":{"name":"anthropic/messages","version":"1"},"timestamp":"2026-01-01T00:00:02Z","name":"m","attributes":[]})",
  });
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  const auto& m = s.doc["messages"];
  ASSERT_EQ(m.Size(), 2u) << s.line;
  EXPECT_EQ(str(m[0]["content"]), "go");
  EXPECT_EQ(str(m[1]["content"]), "done");
  EXPECT_FALSE(m[1].HasMember("context_messages"));  // its prompt is unknown
  EXPECT_EQ(s.doc["extra"]["atof_ends_without_start"].GetInt(), 1);
  EXPECT_TRUE(warned(s, "without their start"));
  EXPECT_TRUE(warned(s, "has no end event"));  // the root never ended either
  EXPECT_FALSE(s.doc["extra"]["root_scope_ended"].GetBool());
}

TEST(NormalizeAtof, ToolResultNamingNoCallStaysOutsideTheChat) {
  const Session s = map_lines({
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"agent","uuid":"r","parent_uuid":null,"data":"hi","timestamp":"2026-01-01T00:00:00Z","name":"a","attributes":[]})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"tool","category_profile":{"tool_call_id":"nobody"},"uuid":"t","parent_uuid":"r","data":{},"timestamp":"2026-01-01T00:00:01Z","name":"ls","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"tool","category_profile":{"tool_call_id":"nobody"},"uuid":"t","parent_uuid":"r","data":{"output":"a.txt"},"timestamp":"2026-01-01T00:00:02Z","name":"ls","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"agent","uuid":"r","parent_uuid":null,"data":null,"timestamp":"2026-01-01T00:00:03Z","name":"a","attributes":[]})",
  });
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  ASSERT_EQ(s.doc["messages"].Size(), 1u) << s.line;  // the agent's input only
  ASSERT_TRUE(s.doc.HasMember("env_messages")) << s.line;
  ASSERT_EQ(s.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(str(s.doc["env_messages"][0]["content"]), "a.txt");
  EXPECT_EQ(str(s.doc["env_messages"][0]["tool_call_id"]), "nobody");
  EXPECT_EQ(s.doc["extra"]["tool_results_outside_chat"].GetInt(), 1);
  EXPECT_TRUE(warned(s, "answering no call"));
}

TEST(NormalizeAtof, UnreadableScopeEventsAndRoleMarksAreKept) {
  const Session s = map_lines({
      R"({"kind":"mark","atof_version":"0.1","uuid":"m0","parent_uuid":null,"timestamp":"2026-01-01T00:00:00Z","name":"session.start","metadata":{"session_id":"s"}})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"agent","uuid":"r","parent_uuid":null,"data":null,"timestamp":"2026-01-01T00:00:01Z","name":"a","attributes":[]})",
      R"({"kind":"mark","atof_version":"0.1","uuid":"m1","parent_uuid":"r","timestamp":"2026-01-01T00:00:02Z","name":"user_turn","data":{"role":"user","content":"hello","lang":"en"}})",
      R"({"kind":"scope","scope_category":"middle","atof_version":"0.1","category":"llm","uuid":"x","parent_uuid":"r","timestamp":"2026-01-01T00:00:03Z","name":"odd"})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"agent","uuid":"r","parent_uuid":null,"data":null,"timestamp":"2026-01-01T00:00:04Z","name":"a","attributes":[]})",
  });
  ASSERT_EQ(s.dialect, "atof");  // the first line is a mark: still ATOF
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  EXPECT_EQ(str(s.doc["session_id"]), "r");
  ASSERT_EQ(s.doc["messages"].Size(), 1u) << s.line;
  EXPECT_EQ(str(s.doc["messages"][0]["content"]), "hello");
  EXPECT_EQ(str(s.doc["messages"][0]["extra"]["atof_mark_data"]["lang"]), "en");
  ASSERT_EQ(s.doc["events"].Size(), 2u) << s.line;  // the session.start mark, the unreadable scope event
  EXPECT_EQ(s.doc["extra"]["atof_scope_events_unpaired"].GetInt(), 1);
}

TEST(NormalizeAtof, DraftEventKindsAreRead) {
  const Session s = map_lines({
      R"({"schema_version":"0.1","uuid":"h","timestamp":"2026-01-01T00:00:00Z","name":"header","kind":"StreamHeader","codecs":{}})",
      R"({"kind":"ScopeStart","schema_version":"0.1","uuid":"r","parent_uuid":null,"timestamp":"2026-01-01T00:00:00Z","name":"agent","scope_type":"agent","attributes":[],"data":{"input":"2+2?"}})",
      R"({"kind":"ToolStart","schema_version":"0.1","uuid":"t","parent_uuid":"r","timestamp":"2026-01-01T00:00:00.1Z","name":"search","tool_call_id":"c0","input":{"q":"2+2"}})",
      R"({"kind":"ToolEnd","schema_version":"0.1","uuid":"t","parent_uuid":"r","timestamp":"2026-01-01T00:00:00.2Z","name":"search","tool_call_id":"c0","status":"error","error":{"type":"TimeoutError","message":"timed out"}})",
      R"({"kind":"LLMStart","schema_version":"0.1","uuid":"l","parent_uuid":"r","timestamp":"2026-01-01T00:00:01Z","name":"nemotron","model_name":"nemotron","input":{"messages":[{"role":"user","content":"2+2?"}]}})",
      R"({"kind":"LLMEnd","schema_version":"0.1","uuid":"l","parent_uuid":"r","timestamp":"2026-01-01T00:00:02Z","name":"nemotron","model_name":"nemotron-3","output":{"content":"4"}})",
      R"({"kind":"ScopeEnd","schema_version":"0.1","uuid":"r","parent_uuid":null,"timestamp":"2026-01-01T00:00:03Z","name":"agent","scope_type":"agent","attributes":[],"data":{"response":"4"},"status":"error","error":{"type":"X","message":"late failure"}})",
  });
  ASSERT_EQ(s.dialect, "atof");
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  ASSERT_EQ(s.doc["messages"].Size(), 2u) << s.line;
  EXPECT_EQ(str(s.doc["events"][0]["kind"]), "StreamHeader");  // one session: the header joins it
  ASSERT_EQ(s.doc["env_messages"].Size(), 1u) << s.line;  // the failed search answered no call
  EXPECT_EQ(str(s.doc["env_messages"][0]["content"]), "timed out");
  EXPECT_TRUE(s.doc["env_messages"][0]["is_error"].GetBool());
  EXPECT_EQ(str(s.doc["messages"][1]["content"]), "4");
  EXPECT_EQ(str(s.doc["messages"][1]["model"]), "nemotron-3");  // the drafts' top-level model_name
  EXPECT_EQ(str(s.doc["status"]), "error");
  EXPECT_NE(str(s.doc["error"]).find("late failure"), std::string::npos);
}

TEST(NormalizeAtof, TrimmedLaterPromptsDoNotRepeatTheSystemMessage) {
  // NeMo Relay keeps, in later prompts, the system message, the latest user message and what follows.
  const Session s = map_lines({
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"agent","uuid":"r","parent_uuid":null,"data":null,"timestamp":"2026-01-01T00:00:00Z","name":"a","attributes":[]})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"llm","uuid":"l1","parent_uuid":"r","data":{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"}]},"timestamp":"2026-01-01T00:00:01Z","name":"m","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"llm","uuid":"l1","parent_uuid":"r","data":{"choices":[{"message":{"role":"assistant","content":"a1"}}]},"timestamp":"2026-01-01T00:00:02Z","name":"m","attributes":[]})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","category":"llm","uuid":"l2","parent_uuid":"r","data":{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u2"}]},"timestamp":"2026-01-01T00:00:03Z","name":"m","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"llm","uuid":"l2","parent_uuid":"r","data":{"choices":[{"message":{"role":"assistant","content":"a2"}}]},"timestamp":"2026-01-01T00:00:04Z","name":"m","attributes":[]})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","category":"agent","uuid":"r","parent_uuid":null,"data":null,"timestamp":"2026-01-01T00:00:05Z","name":"a","attributes":[]})",
  });
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  const auto& m = s.doc["messages"];
  ASSERT_EQ(m.Size(), 5u) << s.line;
  EXPECT_EQ(str(m[0]["content"]), "S");
  EXPECT_EQ(str(m[3]["content"]), "u2");
  EXPECT_EQ(str(m[4]["content"]), "a2");
  EXPECT_EQ(s.doc["extra"]["atof_trimmed_prompts"].GetInt(), 1);
}

TEST(NormalizeAtof, PromptRepeatingCallsInShortAndUnclassifiedRoot) {
  // NVIDIA's tier-2 example: the second prompt repeats the call without its arguments.
  const Session s = map_lines({
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","uuid":"a","parent_uuid":null,"timestamp":"2026-01-02T00:00:00Z","name":"calc","attributes":[],"category":"unknown","category_profile":null,"data":{"raw_query":"What is 3 + 4?"}})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","uuid":"l1","parent_uuid":"a","timestamp":"2026-01-02T00:00:01Z","name":"gpt-4.1","attributes":[],"category":"llm","category_profile":{"model_name":"gpt-4.1"},"data":{"messages":[{"role":"user","content":"What is 3 + 4?"}]}})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","uuid":"l1","parent_uuid":"a","timestamp":"2026-01-02T00:00:02Z","name":"gpt-4.1","attributes":[],"category":"llm","category_profile":{"model_name":"gpt-4.1"},"data":{"content":"","tool_calls":[{"id":"call_abc","name":"add","arguments":{"a":3,"b":4}}]}})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","uuid":"t","parent_uuid":"a","timestamp":"2026-01-02T00:00:03Z","name":"add","attributes":[],"category":"tool","category_profile":{"tool_call_id":"call_abc"},"data":{"a":3,"b":4}})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","uuid":"t","parent_uuid":"a","timestamp":"2026-01-02T00:00:04Z","name":"add","attributes":[],"category":"tool","category_profile":{"tool_call_id":"call_abc"},"data":{"result":7}})",
      R"({"kind":"scope","scope_category":"start","atof_version":"0.1","uuid":"l2","parent_uuid":"a","timestamp":"2026-01-02T00:00:05Z","name":"gpt-4.1","attributes":[],"category":"llm","category_profile":{"model_name":"gpt-4.1"},"data":{"messages":[{"role":"user","content":"What is 3 + 4?"},{"role":"assistant","tool_calls":[{"id":"call_abc","name":"add"}]},{"role":"tool","tool_call_id":"call_abc","content":"7"}]}})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","uuid":"l2","parent_uuid":"a","timestamp":"2026-01-02T00:00:06Z","name":"gpt-4.1","attributes":[],"category":"llm","category_profile":{"model_name":"gpt-4.1"},"data":{"content":"3 + 4 = 7"}})",
      R"({"kind":"scope","scope_category":"end","atof_version":"0.1","uuid":"a","parent_uuid":null,"timestamp":"2026-01-02T00:00:07Z","name":"calc","attributes":[],"category":"unknown","category_profile":null,"data":{"raw_result":"The answer: 7"}})",
  });
  ASSERT_TRUE(s.doc.IsObject()) << s.line;
  const auto& m = s.doc["messages"];
  ASSERT_EQ(m.Size(), 5u) << s.line;  // user, call, result, reply, the agent's own answer
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["arguments"]), "{\"a\":3,\"b\":4}");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "call_abc");
  EXPECT_EQ(str(m[4]["content"]), "The answer: 7");
  EXPECT_EQ(str(m[4]["extra"]["atof_data_key"]), "raw_result");
  EXPECT_EQ(s.doc["extra"]["atof_prompt_calls_from_reply"].GetInt(), 1);
}

TEST(NormalizeAtof, NotAtof) {
  const Session s = map_lines({R"({"kind":"scope","uuid":"x","name":"no version"})"});
  EXPECT_NE(s.dialect, "atof");
}

}  // namespace
