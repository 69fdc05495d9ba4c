// trace-normalize's mapping rules on hand-written records of each dialect (docs/synth-ai-sources.md),
// checked member by member on the trace/v1 it writes.
#include "normalize.hpp"

#include <libstream/time.hpp>

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace {

struct Result {
  std::string dialect;
  std::string line;
  rapidjson::Document doc;
  std::vector<std::string> warnings;
};

Result normalize(const std::string& json, tracemill::NormalizeOptions options = {}, const std::string& file = "-") {
  rapidjson::Document input;
  input.Parse(json.c_str());
  EXPECT_FALSE(input.HasParseError()) << json;
  tracemill::Normalizer normalizer(options);
  Result result;
  result.dialect = normalizer.normalize(input, file, result.line, [&](const std::string& w) { result.warnings.push_back(w); });
  if (!result.line.empty()) result.doc.Parse(result.line.c_str());
  return result;
}

std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "<not a string>"; }

// A v3 session as trace-read renders a SQLite store: TEXT content, every content form.
const char* kV3 = R"({"session_id":"session_a","created_at":"2025-09-26 22:06:25.611865","metadata":{"task_split":"train","task_id":"t1","model":"meta-model","seed":7,"judge_scores":{"q":0.5},"custom":1},
 "session_time_steps":[{"id":10,"step_id":"turn_0","turn_number":0},{"id":11,"step_id":"turn_1","turn_number":1}],
 "event_history":[{"id":1,"event_type":"cais","model_name":"gpt-4.1-mini","input_tokens":100,"output_tokens":10,"total_tokens":110,"cost_usd":0,"call_records":[{"usage":{"cost_usd":0.0042}}]},
                  {"id":2,"event_type":"cais","model_name":null,"input_tokens":null,"output_tokens":null,"total_tokens":null,"cost_usd":3,"metadata":{"prompt_tokens":50,"completion_tokens":5}}],
 "markov_blanket_message_history":[
   {"id":4,"message_type":"tool_result","content":"{\"tool_call_id\":\"c1\",\"content\":\"done\"}","timestep_id":11,"metadata":{}},
   {"id":1,"message_type":"policy_system_prompt","content":"You are an agent.","timestep_id":10,"metadata":{}},
   {"id":2,"message_type":"user","content":"[{\"type\":\"text\",\"text\":\"look\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:x\"}}]","timestep_id":10,"metadata":{"step_id":"turn_0"}},
   {"id":3,"message_type":"tool_use","content":"[{\"tool_name\":\"interact\",\"arguments\":{\"actions\":[\"do\"]},\"call_id\":\"c1\"}]","timestep_id":10,"metadata":{}},
   {"id":5,"message_type":"user","content":"42","timestep_id":11,"metadata":{}}],
 "event_rewards":[{"id":1,"turn_number":0,"reward_value":1.0,"reward_type":"unique_achievement_delta","annotation":{"new_unique":["collect_wood"]}}],
 "outcome_rewards":[{"id":1,"total_reward":1,"created_at":"2025-09-26 22:10:00","reward_metadata":{"achievements":["collect_wood"]}},
                    {"id":2,"total_reward":2,"created_at":"2025-09-26T22:20:00+00:00","reward_metadata":{"achievements":["collect_wood","place_table"]}}]})";

TEST(Normalize, V3MessagesInTurnOrderWithEveryContentForm) {
  const Result r = normalize(kV3);
  ASSERT_EQ(r.dialect, "v3");
  const auto& m = r.doc["messages"];
  ASSERT_EQ(m.Size(), 5u);  // every row became a message
  EXPECT_EQ(str(m[0]["role"]), "system");
  EXPECT_EQ(str(m[0]["original_role"]), "policy_system_prompt");
  EXPECT_TRUE(m[1]["content"].IsArray());  // multimodal parts kept
  EXPECT_EQ(str(m[2]["role"]), "assistant");
  EXPECT_TRUE(m[2]["content"].IsNull());
  EXPECT_EQ(str(m[2]["tool_calls"][0]["id"]), "c1");
  EXPECT_EQ(str(m[2]["tool_calls"][0]["function"]["arguments"]), R"({"actions":["do"]})");  // a JSON string
  EXPECT_TRUE(m[2]["original_arguments"]["c1"].IsObject());
  EXPECT_EQ(str(m[3]["role"]), "tool");
  EXPECT_EQ(str(m[3]["tool_call_id"]), "c1");
  EXPECT_EQ(str(m[4]["content"]), "42");  // a scalar that parses as JSON stays text
  EXPECT_EQ(m[4]["turn"].GetInt(), 1);
}

TEST(Normalize, V3SessionFieldsRewardsAndCosts) {
  const Result r = normalize(kV3);
  const auto& d = r.doc;
  EXPECT_EQ(str(d["created_at"]), "2025-09-26T22:06:25.611865Z");
  EXPECT_EQ(str(d["original_created_at"]), "2025-09-26 22:06:25.611865");
  EXPECT_EQ(str(d["split"]), "train");
  EXPECT_EQ(d["seed"].GetInt(), 7);
  EXPECT_EQ(d["scores"]["judge"]["q"].GetDouble(), 0.5);
  EXPECT_EQ(d["extra"]["metadata"]["custom"].GetInt(), 1);
  // Event model beats session metadata (docs/synth-ai-sources.md, "Model precedence").
  EXPECT_EQ(str(d["model"]), "gpt-4.1-mini");
  EXPECT_EQ(str(d["model_source"]), "event");
  // Tokens: columns, else event metadata (NULL columns).
  EXPECT_EQ(d["usage"]["input_tokens"].GetInt(), 150);
  EXPECT_EQ(d["usage"]["total_tokens"].GetInt(), 165);
  // One call with an exact record cost, one with only cents: 0.0042 + 0.03, flagged truncated.
  EXPECT_NEAR(d["cost_usd"].GetDouble(), 0.0342, 1e-12);
  EXPECT_TRUE(d["cost_usd_cents_truncated"].GetBool());
  // Two outcome rows (W19): the latest created_at wins, whatever its text format.
  EXPECT_EQ(d["reward"].GetInt(), 2);
  EXPECT_EQ(d["outcome"]["rows"].GetInt(), 2);
  EXPECT_EQ(d["achievements"].Size(), 2u);
  EXPECT_EQ(str(d["turns"][0]["new_achievements"][0]), "collect_wood");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("W19"), std::string::npos);
}

TEST(Normalize, MissingValuesStayMissing) {
  const Result r = normalize(R"({"session_id":"s","created_at":"2025-01-01 00:00:00","markov_blanket_message_history":[],"event_history":[{"event_type":"cais"}]})");
  EXPECT_FALSE(r.doc.HasMember("usage"));
  EXPECT_FALSE(r.doc.HasMember("cost_usd"));
  EXPECT_FALSE(r.doc.HasMember("reward"));
  EXPECT_EQ(r.warnings.size(), 1u);  // W15: no messages
}

TEST(Normalize, TraceV1PassesThroughUnchanged) {
  const Result r = normalize(R"({"schema":"trace/v1","session_id":"s","messages":[]})");
  EXPECT_EQ(r.dialect, "trace/v1");
  EXPECT_TRUE(r.line.empty());  // the caller writes the original bytes
}

TEST(Normalize, IdempotentOnItsOwnOutput) {
  const Result once = normalize(kV3);
  const Result twice = normalize(once.line);
  EXPECT_EQ(twice.dialect, "trace/v1");
}

TEST(Normalize, V2JsonConversationFromCallRecordsWithoutRepeats) {
  // Call 2's prompt repeats call 1's prompt and reply: only the new user message is added.
  const Result r = normalize(R"({"session_id":"v2","created_at":"2025-07-24T15:19:10",
    "session_metadata":[{"metadata_type":"episode_results","data":{"total_reward":3.5,"achievements":{"collect_wood":true,"place_table":false}}}],
    "event_history":[
      {"metadata":{"turn":1,"prompt_tokens":20,"completion_tokens":2,"model_name":"m"},"llm_call_records":[{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"},{"role":"assistant","content":"a1"},{"role":"user","content":"u2"}],"response":{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"t2","type":"function","function":{"name":"f","arguments":"{}"}}]}}]}}]},
      {"metadata":{"turn":0,"prompt_tokens":10,"completion_tokens":1,"model_name":"m"},"llm_call_records":[{"messages":[{"role":"system","content":"S"},{"role":"user","content":"u1"}],"response":{"choices":[{"message":{"role":"assistant","content":"a1"}}]}}]},
      {"reward":1.0,"terminated":false,"metadata":{"turn":1}}],
    "message_history":[{"message_type":"observation","time_record":{"message_time":0},"content":{"payload":{"achievements_status":{}}}}]})");
  ASSERT_EQ(r.dialect, "v2-json");
  const auto& m = r.doc["messages"];
  ASSERT_EQ(m.Size(), 5u);  // S, u1, a1, u2, a2
  EXPECT_EQ(str(m[2]["content"]), "a1");
  EXPECT_EQ(m[2]["context_messages"].GetInt(), 2);
  EXPECT_EQ(m[4]["context_messages"].GetInt(), 4);
  EXPECT_EQ(str(m[4]["tool_calls"][0]["id"]), "t2");
  EXPECT_EQ(r.doc["usage"]["input_tokens"].GetInt(), 30);
  EXPECT_EQ(r.doc["reward"].GetDouble(), 3.5);
  EXPECT_EQ(r.doc["achievements"].Size(), 1u);
  EXPECT_EQ(r.doc["env_messages"].Size(), 1u);
  EXPECT_EQ(r.doc["turns"][1]["rewards"]["environment"].GetDouble(), 1.0);
  EXPECT_EQ(str(r.doc["turns"][1]["new_achievements"][0]), "collect_wood");  // after the last observation
}

TEST(Normalize, V2JsonWithoutSessionIdTakesTheFileName) {
  const std::string doc = R"({"event_history":[],"message_history":[]})";
  const Result r = normalize(doc, {}, "traces/session_crafter_episode_1_2d1037f1_20250724_151910.json");
  EXPECT_EQ(str(r.doc["session_id"]), "crafter_episode_1_2d1037f1");
  EXPECT_THROW(normalize(doc, {}, "<stdin>"), tracemill::MappingError);
}

TEST(Normalize, V2DuckDbDialectAUnwrapsAndRebuildsTheId) {
  const Result r = normalize(R"({"store":"duckdb-v2","session_id":"session_2025-07-25T14:24:06.169234",
    "session":{"session_id":"session_2025-07-25T14:24:06.169234","created_at":"2025-07-25 14:24:06.169234","experiment_id":null,
      "metadata":[{"metadata_type":"SessionMetadum","data":{"instance_num":1,"task_instance_id":"abc","model_name":"gpt-4o-mini"}},
                  {"metadata_type":"SessionMetadum","data":{"total_reward":2.0,"achievements":{"collect_wood":true}}}]},
    "timesteps":[],"events":[{"id":1,"event_type":"cais","model_name":null,"prompt_tokens":null,"metadata":{"turn":0,"prompt_tokens":9,"completion_tokens":1}}],
    "messages":[{"id":1,"message_type":"SessionEventMessage","message_time":0,"content":"{\"content\":{\"origin_system_id\":\"e\",\"payload\":{\"achievements_status\":{}}},\"message_type\":\"observation\"}"}]})");
  ASSERT_EQ(r.dialect, "v2-duckdb");
  EXPECT_EQ(str(r.doc["original_session_id"]), "crafter_episode_1_abc");
  EXPECT_EQ(r.doc["messages"].Size(), 0u);  // W1: no prompts in DuckDB
  EXPECT_EQ(str(r.doc["env_messages"][0]["type"]), "observation");
  EXPECT_EQ(r.doc["usage"]["input_tokens"].GetInt(), 9);
  EXPECT_EQ(str(r.doc["model"]), "gpt-4o-mini");
  EXPECT_FALSE(r.doc.HasMember("experiment_id"));  // NULL in dialect A (W4)
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(Normalize, SftAndShareGptLines) {
  const Result sft = normalize(R"({"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","weight":1}],"metadata":{"session_id":"s9","total_reward":1.5,"model":"m"}})");
  EXPECT_EQ(sft.dialect, "sft");
  EXPECT_EQ(str(sft.doc["session_id"]), "s9");
  EXPECT_EQ(sft.doc["messages"][1]["extra"]["weight"].GetInt(), 1);
  const Result share = normalize(R"({"messages":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}]})");
  EXPECT_EQ(str(share.doc["messages"][1]["role"]), "assistant");
  EXPECT_EQ(str(share.doc["messages"][1]["original_role"]), "gpt");
  EXPECT_EQ(str(share.doc["session_id"]).rfind("example-", 0), 0u);
  EXPECT_THROW(normalize(R"({"messages":[{"role":"narrator","content":"x"}]})"), tracemill::MappingError);
}

TEST(Normalize, GenericMapping) {
  tracemill::NormalizeOptions options;
  options.maps = {"session_id=id", "messages=history", "reward=info.score", "usage.input_tokens=info.tokens.0"};
  const Result r = normalize(R"({"id":"x1","history":[{"role":"user","content":"hi"}],"info":{"score":0.75,"tokens":[12,3]},"other":true})", options);
  EXPECT_EQ(r.dialect, "mapped");
  EXPECT_EQ(str(r.doc["session_id"]), "x1");
  EXPECT_EQ(r.doc["reward"].GetDouble(), 0.75);
  EXPECT_EQ(r.doc["usage"]["input_tokens"].GetInt(), 12);
  EXPECT_TRUE(r.doc["extra"]["other"].GetBool());
  EXPECT_TRUE(r.doc["extra"]["info"].IsObject());  // nested sources stay whole: nothing dropped
  options.maps = {"bogus=x"};
  EXPECT_ANY_THROW(tracemill::Normalizer{options});
}

TEST(Normalize, UnknownDialectIsRejectedWithTheKeys) {
  try {
    normalize(R"({"foo":1,"bar":2})");
    FAIL() << "expected a MappingError";
  } catch (const tracemill::MappingError& e) {
    EXPECT_NE(e.reason.find("foo, bar"), std::string::npos) << e.reason;
    EXPECT_NE(e.reason.find("--map"), std::string::npos) << e.reason;
  }
}

// format_instant writes digits by hand for years 0-9999; the C library's gmtime and printf
// are the reference, on instants spread over that range and its edges.
TEST(Time, HandWrittenDigitsMatchTheCLibrary) {
  const auto reference = [](int64_t micros) {
    int64_t seconds = micros / 1000000, fraction = micros % 1000000;
    if (fraction < 0) fraction += 1000000, --seconds;
    const time_t t = static_cast<time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (fraction != 0) n += std::snprintf(text + n, sizeof text - static_cast<size_t>(n), ".%06lld", static_cast<long long>(fraction));
    return std::string(text, static_cast<size_t>(n)) + "Z";
  };
  const int64_t year_0 = -62167219200LL * 1000000, year_10000 = 253402300800LL * 1000000;
  std::vector<int64_t> instants = {0, 1, -1, 999999, 1000000, year_0, year_0 + 1, year_10000 - 1, -1000000};
  uint64_t state = 42;
  for (int i = 0; i < 20000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    instants.push_back(year_0 + static_cast<int64_t>((state >> 1) % static_cast<uint64_t>(year_10000 - year_0)));
  }
  for (int64_t micros : instants) ASSERT_EQ(libstream::format_instant(micros), reference(micros)) << micros;
  // Past the hand-written range, the printf path: a five-digit year.
  EXPECT_EQ(libstream::format_instant(year_10000), "10000-01-01T00:00:00Z");
}

TEST(Time, FormatsInstantsAsRfc3339Utc) {
  EXPECT_EQ(libstream::format_instant(*libstream::parse_instant("2025-10-22T23:55:25.533188+00:00")), "2025-10-22T23:55:25.533188Z");
  EXPECT_EQ(libstream::format_instant(*libstream::parse_instant("2025-09-27T00:06:25+02:00")), "2025-09-26T22:06:25Z");
  EXPECT_EQ(libstream::format_instant(*libstream::parse_instant("1761177325.25")), "2025-10-22T23:55:25.250000Z");
  EXPECT_EQ(libstream::format_instant(-1000000), "1969-12-31T23:59:59Z");
  EXPECT_EQ(libstream::format_instant(*libstream::parse_instant("2024-02-29 12:00:00")), "2024-02-29T12:00:00Z");
}

}  // namespace

namespace {

// One record's odd value is that record's business: "-" is no integer, and the run goes on.
TEST(Normalize, ATurnWrittenAsADashIsNoTurnAndNoCrash) {
  const Result r = normalize(
      R"({"session_id":"s","session_time_steps":[{"id":1,"step_id":"t","turn_number":"-"}],"markov_blanket_message_history":[{"id":1,"message_type":"user","content":"hi","timestep_id":1}],"event_rewards":[]})");
  ASSERT_FALSE(r.line.empty());
  EXPECT_EQ(r.doc["messages"].Size(), 1u);
  EXPECT_FALSE(r.doc["messages"][0].HasMember("turn"));
}

}  // namespace
