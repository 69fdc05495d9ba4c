// Content parts as trace/v1 writes them (trace_part_json): a trace/v1 part is kept as written,
// other members go under extra, and any part trace/v1 has no form for becomes a text part
// holding its JSON, counted. Each written part list passes trace-validate's trace profile.
#include "provider_chat.hpp"
#include "session_builder.hpp"
#include "validate.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace {

using tracemill::normalize::take_tool_call_guesses;
using tracemill::normalize::trace_content_json;
using tracemill::normalize::trace_part_json;

std::string part(const char* json) {
  rapidjson::Document document;
  document.Parse(json);
  EXPECT_FALSE(document.HasParseError()) << json;
  return trace_part_json(document);
}

// The trace profile's errors for a one-message session whose content is `content_json`.
std::string profile_errors(const std::string& content_json) {
  const std::string record =
      R"({"schema":"trace/v1","session_id":"s","messages":[{"role":"user","content":)" + content_json + "}]}";
  rapidjson::Document document;
  document.Parse(record.c_str());
  EXPECT_FALSE(document.HasParseError()) << record;
  tracemill::RecordCheck check;
  tracemill::check_trace(document, check);
  return tracemill::describe(check.errors);
}

TEST(NormalizeParts, TraceV1PartsAreKeptAsWritten) {
  take_tool_call_guesses();
  for (const char* kept : {R"({"type":"text","text":"hi"})", R"({"type":"image_url","image_url":{"url":"data:x","detail":"low"}})",
                           R"({"type":"refusal","refusal":"no"})", R"({"type":"input_audio","input_audio":{"data":"AA","format":"wav"}})",
                           R"({"type":"file","file":{"file_id":"f1"}})", R"({"type":"text","text":"hi","extra":{"n":1}})"}) {
    EXPECT_EQ(part(kept), kept);
  }
  EXPECT_EQ(take_tool_call_guesses().parts_as_text, 0u);
}

TEST(NormalizeParts, OtherMembersGoUnderExtraBesideWhatItHolds) {
  take_tool_call_guesses();
  EXPECT_EQ(part(R"({"type":"text","text":"hi","cache_control":{"type":"ephemeral"}})"),
            R"({"type":"text","text":"hi","extra":{"cache_control":{"type":"ephemeral"}}})");
  EXPECT_EQ(part(R"({"type":"text","extra":{"a":1},"text":"hi","b":2})"), R"({"type":"text","text":"hi","extra":{"a":1,"b":2}})");
  EXPECT_EQ(part(R"({"type":"image_url","image_url":"https://x/y.png"})"),
            R"({"type":"image_url","image_url":{"url":"https://x/y.png"}})");
  EXPECT_EQ(take_tool_call_guesses().parts_as_text, 0u);
}

TEST(NormalizeParts, PartsWithoutATraceV1FormBecomeTextHoldingTheirJson) {
  take_tool_call_guesses();
  EXPECT_EQ(part(R"({"type":"image_url","detail":"low"})"), R"({"type":"text","text":"{\"type\":\"image_url\",\"detail\":\"low\"}"})");
  EXPECT_EQ(part(R"({"type":"audio","audio":"a.wav","format":"wav"})"),
            R"({"type":"text","text":"{\"type\":\"audio\",\"audio\":\"a.wav\",\"format\":\"wav\"}"})");
  EXPECT_EQ(part(R"({"type":"text","text":7})"), R"({"type":"text","text":"{\"type\":\"text\",\"text\":7}"})");
  EXPECT_EQ(part(R"({"type":"text","text":"a","extra":"x"})"), R"({"type":"text","text":"{\"type\":\"text\",\"text\":\"a\",\"extra\":\"x\"}"})");
  // A member also named in extra: moving it would write a key twice.
  EXPECT_EQ(part(R"({"type":"text","text":"a","b":1,"extra":{"b":2}})"),
            R"({"type":"text","text":"{\"type\":\"text\",\"text\":\"a\",\"b\":1,\"extra\":{\"b\":2}}"})");
  EXPECT_EQ(part(R"("just text")"), R"({"type":"text","text":"\"just text\""})");
  EXPECT_EQ(take_tool_call_guesses().parts_as_text, 6u);
}

TEST(NormalizeParts, WrittenPartListsPassTheTraceProfile) {
  rapidjson::Document parts;
  parts.Parse(R"([{"type":"text","text":"a","cache_control":{}},{"type":"image_url"},{"type":"image_url","image_url":"u"},
                  {"type":"tool_use","id":"t","input":{}},{"type":"text","text":"b","extra":{"k":1},"k2":2}])");
  ASSERT_FALSE(parts.HasParseError());
  const std::string written = trace_content_json(parts);
  EXPECT_EQ(profile_errors(written), "") << written;
  // Negative control: the same list written as the source has it fails the profile.
  EXPECT_NE(profile_errors(R"([{"type":"text","text":"a","cache_control":{}},{"type":"image_url"}])"), "");
  take_tool_call_guesses();
}

TEST(NormalizeParts, ContentOtherThanStringsAndPartListsIsKeptAsItsJsonText) {
  rapidjson::Document value;
  value.Parse(R"({"stdout":"ok"})");
  EXPECT_EQ(trace_content_json(value), R"("{\"stdout\":\"ok\"}")");
  value.Parse(R"("plain")");
  EXPECT_EQ(trace_content_json(value), R"("plain")");
}

}  // namespace

namespace {

// The provider payloads of observability spans: parts stay in their order, a text part's other
// members go under its extra, other parts are written in trace/v1 form.
TEST(NormalizeParts, ProviderMessagesKeepPartOrderAndTextPartMembers) {
  rapidjson::Document message;
  message.Parse(R"({"role":"user","content":[{"type":"image_url","image_url":"u"},{"type":"text","text":"what is it?",
                   "cache_control":{"type":"ephemeral"}},{"type":"document","source":{}}]})");
  ASSERT_FALSE(message.HasParseError());
  tracemill::normalize::provider::Converter converter;
  tracemill::normalize::Embedded embedded;
  converter.message(message, embedded, "user");
  ASSERT_EQ(converter.messages.size(), 1u);
  rapidjson::Document written;
  written.Parse(converter.messages[0].c_str());
  ASSERT_FALSE(written.HasParseError()) << converter.messages[0];
  const rapidjson::Value& content = written["content"];
  ASSERT_TRUE(content.IsArray()) << converter.messages[0];
  ASSERT_EQ(content.Size(), 3u);
  EXPECT_STREQ(content[0]["image_url"]["url"].GetString(), "u");
  EXPECT_STREQ(content[1]["text"].GetString(), "what is it?");
  EXPECT_STREQ(content[1]["extra"]["cache_control"]["type"].GetString(), "ephemeral");
  EXPECT_STREQ(content[2]["type"].GetString(), "text");  // a document: its JSON as text
  EXPECT_EQ(profile_errors(tracemill::normalize::json_of(content)), "");
  tracemill::normalize::take_tool_call_guesses();
}

}  // namespace
