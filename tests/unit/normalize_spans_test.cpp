// OpenTelemetry spans to sessions: attribute and id decoding (OTLP typed values, intValue as a
// string, base64 and decimal ids), the conversation rebuilt from LLM spans without repeating
// prompt prefixes, tool spans answering their calls, usage counted once per call, and the
// bounded grouping window.
#include "normalize_evals.hpp"
#include "span_session.hpp"

#include <libstream/document.hpp>

using evals_test::normalize;
using evals_test::str;
using tracemill::normalize::spans::Span;
using tracemill::normalize::spans::SpanList;
using tracemill::normalize::spans::SpanWindow;

namespace {

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document d;
  EXPECT_TRUE(libstream::parse_embedded_json(json, d)) << json;
  return d;
}

TEST(NormalizeSpans, TypedAttributeValuesBecomePlainJson) {
  const auto source = parse(R"([{"key":"n","value":{"intValue":"9007199254740993"}},{"key":"d","value":{"doubleValue":0.5}},
    {"key":"b","value":{"boolValue":true}},{"key":"s","value":{"stringValue":"x"}},
    {"key":"a","value":{"arrayValue":{"values":[{"stringValue":"stop"},{"intValue":"2"}]}}},
    {"key":"kv","value":{"kvlistValue":{"values":[{"key":"k","value":{"intValue":3}}]}}},
    {"key":"raw","value":{"bytesValue":"AAE="}}])");
  rapidjson::Document flat(rapidjson::kObjectType);
  tracemill::normalize::spans::decode_attributes(&source, flat);
  EXPECT_EQ(flat["n"].GetInt64(), 9007199254740993);  // an int64 written as a string: exact
  EXPECT_EQ(flat["d"].GetDouble(), 0.5);
  EXPECT_TRUE(flat["b"].GetBool());
  EXPECT_EQ(str(flat["s"]), "x");
  EXPECT_EQ(str(flat["a"][0]), "stop");
  EXPECT_EQ(flat["a"][1].GetInt64(), 2);
  EXPECT_EQ(flat["kv"]["k"].GetInt64(), 3);
  EXPECT_EQ(str(flat["raw"]), "AAE=");
}

TEST(NormalizeSpans, NestedAttributesFlattenToDottedKeys) {
  const auto source = parse(R"({"llm":{"input_messages":[{"message":{"role":"user","content":"hi"}}]},
    "gen_ai.response.finish_reasons":["stop"]})");
  rapidjson::Document flat(rapidjson::kObjectType);
  tracemill::normalize::spans::decode_attributes(&source, flat);
  EXPECT_EQ(str(flat["llm.input_messages.0.message.role"]), "user");
  ASSERT_TRUE(flat["gen_ai.response.finish_reasons"].IsArray());  // a list of strings stays a list
}

TEST(NormalizeSpans, IdsInHexBase64AndDecimal) {
  using tracemill::normalize::spans::id_hex;
  const auto ids = parse(R"(["5B8EFFF798038103D269B633813FC60C","W47/95gDgQPSabYzgT/GDA==","7uGbfsPBsXQ=","0xeee19b7ec3c1b174",
    12324293800750531911, 100927429609276267646756448943279827607, null, ""])");
  EXPECT_EQ(id_hex(&ids[0], 32), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(id_hex(&ids[1], 32), "5b8efff798038103d269b633813fc60c");  // base64 of the same 16 bytes
  EXPECT_EQ(id_hex(&ids[2], 16), "eee19b7ec3c1b174");
  EXPECT_EQ(id_hex(&ids[3], 16), "eee19b7ec3c1b174");
  EXPECT_EQ(id_hex(&ids[4], 16), "ab08afea3548c547");
  // 128 bits parse to a double: the exact digits come from the record's text.
  const auto big = tracemill::normalize::spans::big_integers("[100927429609276267646756448943279827607]");
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(id_hex(&ids[5], 32, big.begin()->second), "4bedea77bb33b9c5f280371eae21ea97");
  EXPECT_EQ(id_hex(&ids[6], 16), "");
  EXPECT_EQ(id_hex(&ids[7], 16), "");
}

TEST(NormalizeSpans, TimesInNanosStringsIsoAndHrtime) {
  using tracemill::normalize::spans::time_ns;
  const auto times = parse(R"([1544712660000000000,"1544712660000000001","2018-12-13T14:51:00.123456789Z",[1544712660,5]])");
  EXPECT_EQ(*time_ns(&times[0]), 1544712660000000000);
  EXPECT_EQ(*time_ns(&times[1]), 1544712660000000001);
  EXPECT_EQ(*time_ns(&times[2]), 1544712660123456789);
  EXPECT_EQ(*time_ns(&times[3]), 1544712660000000005);
}

// Two chat calls and the tool run between them, as one OTLP document: the second prompt
// repeats the first call's prompt and reply, and shows the tool result.
const char* kOtlp = R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"app"}}]},
 "scopeSpans":[{"scope":{"name":"genai"},"spans":[
  {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"00000000000000a1","name":"invoke_agent","startTimeUnixNano":"100","endTimeUnixNano":"900",
   "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"30"}}]},
  {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"00000000000000b1","parentSpanId":"00000000000000a1","name":"chat m","startTimeUnixNano":"200","endTimeUnixNano":"300",
   "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"m"}},
    {"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"weather?\"}]}]"}},
    {"key":"gen_ai.output.messages","value":{"stringValue":"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"c1\",\"name\":\"w\",\"arguments\":{\"city\":\"P\"}}],\"finish_reason\":\"tool_call\"}]"}},
    {"key":"gen_ai.usage.input_tokens","value":{"intValue":"10"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"5"}}]},
  {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"00000000000000c1","parentSpanId":"00000000000000a1","name":"execute_tool w","startTimeUnixNano":"400","endTimeUnixNano":"450",
   "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"w"}},
    {"key":"gen_ai.tool.call.id","value":{"stringValue":"c1"}},{"key":"gen_ai.tool.call.result","value":{"stringValue":"rain"}}]},
  {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"00000000000000d1","parentSpanId":"00000000000000a1","name":"chat m","startTimeUnixNano":"500","endTimeUnixNano":"600",
   "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
    {"key":"gen_ai.input.messages","value":{"stringValue":"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"weather?\"}]},{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"c1\",\"name\":\"w\",\"arguments\":{\"city\":\"P\"}}],\"finish_reason\":\"tool_call\"},{\"role\":\"tool\",\"parts\":[{\"type\":\"tool_call_response\",\"id\":\"c1\",\"response\":\"rain\"}]}]"}},
    {"key":"gen_ai.output.messages","value":{"stringValue":"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"It rains.\"}]}]"}},
    {"key":"gen_ai.usage.input_tokens","value":{"intValue":"20"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"3"}}]}
 ]}]}]})";

TEST(NormalizeSpans, PromptPrefixesAreNotRepeatedAndToolResultsAreWrittenOnce) {
  const auto r = normalize(kOtlp);
  ASSERT_EQ(r.dialect, "otlp-json");
  ASSERT_EQ(r.sessions.size(), 1u);
  const auto& s = r.sessions[0];
  EXPECT_EQ(str(s["session_id"]), "0102030405060708090a0b0c0d0e0f10");
  const auto& m = s["messages"];
  ASSERT_EQ(m.Size(), 4u) << evals_test::str(s["session_id"]);
  EXPECT_EQ(str(m[0]["content"]), "weather?");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["id"]), "c1");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["arguments"]), "{\"city\":\"P\"}");
  EXPECT_EQ(m[1]["context_messages"].GetInt(), 1);
  EXPECT_EQ(str(m[2]["role"]), "tool");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "c1");
  EXPECT_EQ(str(m[2]["extra"]["span"]["span_id"]), "00000000000000c1");  // the tool span rides on the prompt's result
  EXPECT_EQ(str(m[3]["content"]), "It rains.");
  EXPECT_EQ(m[3]["context_messages"].GetInt(), 3);
  // The agent span's usage repeats its calls': only the chat spans count.
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 30);
  EXPECT_EQ(s["usage"]["output_tokens"].GetInt(), 5 + 3);
  ASSERT_EQ(s["events"].Size(), 1u);
  EXPECT_EQ(str(s["events"][0]["name"]), "invoke_agent");
  EXPECT_EQ(str(s["extra"]["resource"]["service.name"]), "app");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(NormalizeSpans, AnLlmSpanAroundAnotherIsTheSameCall) {
  const auto r = normalize(R"({"spans":[
    {"name":"outer","context":{"trace_id":1,"span_id":1},"parent":null,"start_time":1,"end_time":9,
     "attributes":{"openinference.span.kind":"LLM","llm.token_count.prompt":7,"llm.token_count.completion":2,
       "llm.input_messages.0.message.role":"user","llm.input_messages.0.message.content":"hi",
       "llm.output_messages.0.message.role":"assistant","llm.output_messages.0.message.content":"hello"}},
    {"name":"inner","context":{"trace_id":1,"span_id":2},"parent":{"span_id":1},"start_time":2,"end_time":8,
     "attributes":{"openinference.span.kind":"LLM","llm.token_count.prompt":7,"llm.token_count.completion":2,
       "llm.input_messages.0.message.role":"user","llm.input_messages.0.message.content":"hi",
       "llm.output_messages.0.message.role":"assistant","llm.output_messages.0.message.content":"hello"}}],"final_output":"hello"})");
  ASSERT_EQ(r.dialect, "any-agent");
  const auto& s = r.sessions[0];
  EXPECT_EQ(s["messages"].Size(), 2u);
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 7);
  EXPECT_EQ(s["extra"]["llm_wrapper_spans"].GetInt(), 1);
  EXPECT_EQ(str(s["extra"]["final_output"]), "hello");
}

TEST(NormalizeSpans, ToolSpanWithoutASeenCallIsKeptOutsideTheChat) {
  const auto r = normalize(R"({"name":"execute_tool x","context":{"trace_id":"0x01","span_id":"0x02"},
    "attributes":{"gen_ai.operation.name":"execute_tool","gen_ai.tool.name":"x","gen_ai.tool.call.id":"zz","gen_ai.tool.call.result":"42"}})");
  ASSERT_EQ(r.dialect, "otel-span");
  const auto& s = r.sessions[0];
  EXPECT_EQ(s["messages"].Size(), 0u);
  ASSERT_EQ(s["env_messages"].Size(), 1u);
  EXPECT_EQ(str(s["env_messages"][0]["tool_call_id"]), "zz");
  EXPECT_EQ(s["extra"]["tool_spans_outside_chat"].GetInt(), 1);
}

TEST(NormalizeSpans, WindowWritesTheOldestTraceAndCountsSplits) {
  std::vector<std::pair<std::string, size_t>> written;
  SpanWindow window(2, [&](SpanList& spans, const std::string& id, size_t part) { written.emplace_back(id + "/" + std::to_string(spans.size()), part); });
  const auto span = [](const char* trace) {
    auto s = std::make_unique<Span>();
    s->trace_id = trace;
    return s;
  };
  window.add(span("a"));
  window.add(span("b"));
  window.add(span("a"));  // a is touched again: b is now the oldest
  window.add(span("c"));  // three traces: b goes
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].first, "b/1");
  window.add(span("b"));  // late: a second part of b, and a (oldest) goes
  EXPECT_EQ(window.splits(), 1u);
  window.flush_all();
  ASSERT_EQ(written.size(), 4u);
  EXPECT_EQ(written[1].first, "a/2");
  EXPECT_EQ(written[2].first, "c/1");
  EXPECT_EQ(written[3].first, "b/1");
  EXPECT_EQ(written[3].second, 2u);
}

TEST(NormalizeSpans, ConversationIdJoinsTraces) {
  std::vector<std::string> written;
  SpanWindow window(10, [&](SpanList& spans, const std::string& id, size_t) { written.push_back(id + "/" + std::to_string(spans.size())); });
  const auto span = [](const char* trace, const char* conversation) {
    auto s = std::make_unique<Span>();
    s->trace_id = trace;
    if (*conversation != '\0') s->attributes.AddMember("gen_ai.conversation.id", rapidjson::StringRef(conversation), s->attributes.GetAllocator());
    return s;
  };
  window.add(span("t1", ""));
  window.add(span("t1", "conv"));
  window.add(span("t2", "conv"));
  window.add(span("t2", ""));
  window.flush_all();
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0], "conv/4");
}

TEST(NormalizeSpans, DeprecatedFlattenedPromptAndCompletion) {
  const auto r = normalize(R"({"gen_ai.system":"openai","gen_ai.request.model":"gpt-4",
    "gen_ai.prompt.0.role":"user","gen_ai.prompt.0.content":"hi",
    "gen_ai.completion.0.role":"assistant","gen_ai.completion.0.tool_calls.0.id":"t1","gen_ai.completion.0.tool_calls.0.name":"f",
    "gen_ai.completion.0.tool_calls.0.arguments":"{}","gen_ai.usage.prompt_tokens":4,"gen_ai.usage.completion_tokens":1})");
  ASSERT_EQ(r.dialect, "span-attributes");
  const auto& s = r.sessions[0];
  ASSERT_EQ(s["messages"].Size(), 2u);
  EXPECT_EQ(str(s["messages"][1]["tool_calls"][0]["id"]), "t1");
  EXPECT_EQ(str(s["messages"][1]["tool_calls"][0]["function"]["name"]), "f");
  EXPECT_EQ(s["usage"]["input_tokens"].GetInt(), 4);
  EXPECT_EQ(str(s["model"]), "gpt-4");
}

}  // namespace
