// trace-validate's checks on hand-written records: each rule, with the counter it feeds.
#include "validate.hpp"

#include <libstream/document.hpp>
#include <libstream/tokens.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::vector<std::string> codes(const std::vector<tracemill::Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.code + "@" + f.path);
  return out;
}

tracemill::RecordCheck openai(const std::string& json, bool example_rules = true) {
  libstream::DocumentParser parser;
  const rapidjson::Value* root = parser.parse(json.data(), json.size(), nullptr);
  EXPECT_NE(root, nullptr) << json;
  tracemill::RecordCheck check;
  tracemill::ValidateOptions options;
  options.example_rules = example_rules;
  if (root != nullptr) tracemill::check_openai_chat(*root, options, check);
  return check;
}

tracemill::RecordCheck trace(const std::string& json) {
  libstream::DocumentParser parser;
  const rapidjson::Value* root = parser.parse(json.data(), json.size(), nullptr);
  EXPECT_NE(root, nullptr) << json;
  tracemill::RecordCheck check;
  if (root != nullptr) tracemill::check_trace(*root, check);
  return check;
}

using Codes = std::vector<std::string>;

TEST(OpenAiChat, AModernToolCallingExampleIsValid) {
  const auto c = openai(R"({"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},)"
                        R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",)"
                        R"("function":{"name":"act","arguments":"{\"a\":1}"}}],"weight":0},)"
                        R"({"role":"tool","tool_call_id":"c1","content":"ok"},{"role":"assistant","content":"done"}],)"
                        R"("tools":[{"type":"function","function":{"name":"act"}}],"parallel_tool_calls":false})");
  EXPECT_EQ(codes(c.errors), Codes{});
  EXPECT_EQ(codes(c.warnings), Codes{});
  EXPECT_EQ(c.messages, 5u);
}

TEST(OpenAiChat, TheCookbookCountersKeepTheirNames) {
  EXPECT_EQ(codes(openai("[1]").errors), Codes{"data_type@"});
  EXPECT_EQ(codes(openai(R"({"messages":[]})").errors), Codes{"missing_messages_list@messages"});
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user"},{"role":"assistant","content":"a"}]})").errors),
            Codes{"message_missing_key@messages[0].content"});
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user","content":"u","x":1},{"role":"assistant","content":"a"}]})").errors),
            Codes{"message_unrecognized_key@messages[0]"});
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"bot","content":"u"},{"role":"assistant","content":"a"}]})").errors),
            Codes{"unrecognized_role@messages[0].role"});
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user","content":""},{"role":"assistant","content":"a"}]})").errors),
            Codes{"missing_content@messages[0].content"});
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user","content":"u"}]})").errors),
            Codes{"example_missing_assistant_message@messages"});
}

TEST(OpenAiChat, NullContentNeedsToolCalls) {
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user","content":"u"},{"role":"assistant","content":null}]})").errors),
            Codes{"missing_content@messages[1].content"});
}

TEST(OpenAiChat, AToolThatPrintedNothingAnswersWithAnEmptyString) {
  const char* call = R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]})";
  EXPECT_EQ(codes(openai(std::string(R"({"messages":[{"role":"user","content":"u"},)") + call +
                         R"(,{"role":"tool","tool_call_id":"c1","content":""},{"role":"assistant","content":"a"}]})").errors),
            Codes{});
  // Negative control: an empty user or assistant message is still an error.
  EXPECT_EQ(codes(openai(std::string(R"({"messages":[{"role":"user","content":"u"},)") + call +
                         R"(,{"role":"tool","tool_call_id":"c1","content":""},{"role":"assistant","content":""}]})").errors),
            Codes{"missing_content@messages[3].content"});
}

TEST(OpenAiChat, ToolMessagesMustAnswerAnEarlierCall) {
  const auto c = openai(R"({"messages":[{"role":"user","content":"u"},{"role":"tool","tool_call_id":"c9","content":"x"},)"
                        R"({"role":"assistant","content":null,"tool_calls":[{"id":"c9","type":"function",)"
                        R"("function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"y"}]})");
  EXPECT_EQ(codes(c.errors), (Codes{"tool_call_id_unknown@messages[1].tool_call_id",
                                    "message_missing_key@messages[3].tool_call_id"}));
}

TEST(OpenAiChat, ArgumentsMustBeAJsonString) {
  const auto c = openai(R"({"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[)"
                        R"({"id":"a","type":"function","function":{"name":"f","arguments":{"x":1}}},)"
                        R"({"id":"b","type":"function","function":{"name":"f","arguments":"{x"}},)"
                        R"({"id":"a","type":"function","function":{"name":"f","arguments":"[]"}}]}]})");
  EXPECT_EQ(codes(c.errors), (Codes{"arguments_not_string@messages[1].tool_calls[0].function.arguments",
                                    "arguments_not_json@messages[1].tool_calls[1].function.arguments",
                                    "duplicate_tool_call_id@messages[1].tool_calls[2].id"}));
}

TEST(OpenAiChat, WeightIsZeroOrOneOnAssistantsOnly) {
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user","content":"u","weight":1},{"role":"assistant","content":"a","weight":2}]})").errors),
            (Codes{"invalid_weight@messages[0].weight", "invalid_weight@messages[1].weight"}));
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":0}]})").errors),
            Codes{"no_trainable_assistant@messages"});
}

TEST(OpenAiChat, WarningsForPortabilityAndMissingRoles) {
  const auto c = openai(R"({"messages":[{"role":"assistant","content":"a"}],"metadata":{"k":1}})");
  EXPECT_EQ(codes(c.errors), Codes{});
  EXPECT_EQ(codes(c.warnings), (Codes{"non_portable_key@metadata", "missing_system_message@messages",
                                      "missing_user_message@messages"}));
}

// Without the example's rules (trace-pair's check of one message), what spans messages is
// not reported, and what a message breaks alone still is.
TEST(OpenAiChat, WithoutExampleRulesAMessageIsCheckedAlone) {
  const std::string tool_alone = R"({"messages":[{"role":"tool","tool_call_id":"c9","content":"x"}]})";
  EXPECT_EQ(codes(openai(tool_alone).errors),
            (Codes{"tool_call_id_unknown@messages[0].tool_call_id", "example_missing_assistant_message@messages"}));
  EXPECT_EQ(codes(openai(tool_alone, false).errors), Codes{});
  EXPECT_EQ(codes(openai(tool_alone, false).warnings), Codes{});
  const std::string masked = R"({"messages":[{"role":"assistant","content":"a","weight":0}]})";
  EXPECT_EQ(codes(openai(masked).errors), Codes{"no_trainable_assistant@messages"});
  EXPECT_EQ(codes(openai(masked, false).errors), Codes{});
  // A message's own faults stay errors.
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"tool","content":"x"}]})", false).errors),
            Codes{"message_missing_key@messages[0].tool_call_id"});
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user","content":"u","weight":1}]})", false).errors),
            Codes{"invalid_weight@messages[0].weight"});
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"assistant","tool_calls":[{"id":"a","type":"function",)"
                         R"("function":{"name":"f","arguments":"{x"}}]}]})",
                         false)
                      .errors),
            Codes{"arguments_not_json@messages[0].tool_calls[0].function.arguments"});
}

TEST(OpenAiChat, ContentPartsByRole) {
  EXPECT_EQ(codes(openai(R"({"messages":[{"role":"user","content":[{"type":"text","text":"t"},)"
                         R"({"type":"image_url","image_url":{"url":"http://x"}}]},)"
                         R"({"role":"assistant","content":[{"type":"image_url","image_url":{"url":"u"}}]}]})").errors),
            Codes{"invalid_content_part@messages[1].content[0].type"});
}

TEST(TokenEstimate, FollowsTheDocumentedPieces) {
  EXPECT_EQ(libstream::estimate_tokens(""), 0u);
  EXPECT_EQ(libstream::estimate_tokens("Eat a banana!"), 4u);       // Eat| a| banana|!
  EXPECT_EQ(libstream::estimate_tokens("Eat a banana!Eat a banana!"), 8u);
  EXPECT_EQ(libstream::estimate_tokens("I'm 12345"), 5u);           // I|'m| |123|45
  EXPECT_EQ(libstream::estimate_tokens("internationalization"), 3u);  // 20 letters: 1 + 19/8
}

TEST(Trace, AMinimalAndAFullRecordAreValid) {
  EXPECT_EQ(codes(trace(R"({"schema":"trace/v1","session_id":"s","messages":[]})").errors), Codes{});
  EXPECT_EQ(codes(trace(R"({"schema":"trace/v1","session_id":"s","messages":[{"role":"user","content":"u"},)"
                        R"({"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function",)"
                        R"("function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"r"}],)"
                        R"("reward":1.5,"achievements":["collect_wood"],"model":"m","experiment_id":null,)"
                        R"("seed":7,"created_at":"2025-09-26T22:06:25.611865Z","usage":{"input_tokens":3,)"
                        R"("output_tokens":null},"cost_usd":0.001,"status":"completed","extra":{"x":1}})").errors),
            Codes{});
}

TEST(Trace, ErrorsNameThePathTheExpectationAndWhatWasFound) {
  const auto c = trace(R"({"schema":"trace/v2","messages":[{"role":"bot","content":5}],"reward":"high",)"
                       R"("created_at":"2025-09-26 22:06:25","usage":{"input_tokens":-1},"surprise":1})");
  EXPECT_EQ(codes(c.errors), (Codes{"unknown_member@surprise", "wrong_schema@schema", "missing_member@session_id",
                                    "wrong_type@reward", "wrong_format@created_at", "wrong_type@usage.input_tokens",
                                    "wrong_value@messages[0].role", "wrong_type@messages[0].content"}));
  EXPECT_NE(c.errors[3].detail.find("found the string \"high\""), std::string::npos) << c.errors[3].detail;
}

}  // namespace

// Issue 13: what the trace profile let through while data was lost.
TEST(ValidateTraceSilentLoss, ToolWithoutCallIdUnknownPartsEmptySession) {
  const auto tool = trace(R"({"schema":"trace/v1","session_id":"s","messages":[{"role":"tool","content":"x"}]})");
  EXPECT_EQ(codes(tool.errors), std::vector<std::string>{"missing_member@messages[0].tool_call_id"});
  const auto parts = trace(R"({"schema":"trace/v1","session_id":"s","messages":[{"role":"user","content":[{"type":"text","value":"v"},{"type":"image","image":"x"},{"type":"text","text":"ok","extra":{}},{"type":"image_url","image_url":{"url":"u"},"detail":"low"}]}]})");
  EXPECT_EQ(codes(parts.errors), (std::vector<std::string>{"unknown_part@messages[0].content[0].text",
                                                           "unknown_part@messages[0].content[1].type",
                                                           "unknown_part@messages[0].content[3].detail"}));
  const auto empty = trace(R"({"schema":"trace/v1","session_id":"s","messages":[]})");
  EXPECT_TRUE(empty.errors.empty());
  EXPECT_EQ(codes(empty.warnings), std::vector<std::string>{"no_messages@messages"});
  const auto env = trace(R"({"schema":"trace/v1","session_id":"s","messages":[],"env_messages":[{"x":1}]})");
  EXPECT_TRUE(env.warnings.empty());
}

namespace {

// Per-example limits by model name: a snapshot's own entry wins over its family's; unknown
// models have none (0), and then only --max-tokens is checked.
TEST(ValidateModelLimit, SnapshotsAndFamilies) {
  EXPECT_EQ(tracemill::training_example_limit("gpt-4o-mini-2024-07-18"), 65536u);
  EXPECT_EQ(tracemill::training_example_limit("gpt-4o-2024-08-06"), 65536u);
  EXPECT_EQ(tracemill::training_example_limit("gpt-3.5-turbo-0125"), 16385u);
  EXPECT_EQ(tracemill::training_example_limit("gpt-3.5-turbo-0613"), 4096u);
  EXPECT_EQ(tracemill::training_example_limit("gpt-4.1-mini"), 0u);
  EXPECT_EQ(tracemill::training_example_limit("claude-sonnet-4"), 0u);
}

}  // namespace
