// The generic mapping (--map, --records, --role): paths, misses reported at the end, JSON kept
// in strings, tool calls never emptied, roles, outcomes as rewards.
#include "mapping.hpp"
#include "normalize.hpp"
#include "session_builder.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace {

using tracemill::normalize::Mapping;
using tracemill::normalize::parse_map_path;

struct Mapped {
  std::vector<std::string> lines;
  std::vector<std::string> warnings, errors;
};

Mapped run(const std::vector<std::string>& records, tracemill::NormalizeOptions options) {
  tracemill::Normalizer normalizer(options);
  Mapped out;
  for (const std::string& json : records) {
    rapidjson::Document input;
    input.Parse(json.c_str());
    EXPECT_FALSE(input.HasParseError()) << json;
    std::string line;
    normalizer.normalize(input, "-", line, [&](const std::string& w) { out.warnings.push_back(w); });
    out.lines.push_back(line);
  }
  normalizer.mapping()->report(out.warnings, out.errors);
  return out;
}

rapidjson::Document parse(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.c_str());
  return d;
}

TEST(MapPath, QuotedSegmentsAndIndexes) {
  const auto p = parse_map_path(R"(metadata."a.b".c)");
  ASSERT_EQ(p.segments.size(), 3u);
  EXPECT_EQ(p.segments[1], "a.b");
  EXPECT_TRUE(p.quoted[1]);
  EXPECT_THROW(parse_map_path(R"(a."b)"), std::invalid_argument);
  EXPECT_THROW(parse_map_path("a..b"), std::invalid_argument);
  EXPECT_THROW(parse_map_path("a."), std::invalid_argument);
  rapidjson::Document d;
  d.Parse(R"({"xs":[1,2,3],"s":"{\"k\":[\"deep\"]}"})");
  tracemill::normalize::Embedded embedded;
  EXPECT_EQ(tracemill::normalize::resolve_map_path(d, parse_map_path("xs.-1"), embedded)->GetInt(), 3);
  EXPECT_EQ(tracemill::normalize::resolve_map_path(d, parse_map_path("xs.3"), embedded), nullptr);
  EXPECT_STREQ(tracemill::normalize::resolve_map_path(d, parse_map_path("s.k.0"), embedded)->GetString(), "deep");
}

// Issue 13, defect 1: --map messages=trajectory on records holding `traj` wrote empty sessions silently.
TEST(Mapping, PathMatchingNoRecordIsAnError) {
  tracemill::NormalizeOptions options;
  options.maps = {"messages=trajectory", "model=info.model"};
  const Mapped r = run({R"({"traj":[{"role":"user","content":"hi"}],"info":{"model":"m"}})",
                     R"({"traj":[{"role":"user","content":"hi"}],"info":{}})"},
                    options);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("--map messages=trajectory matched nothing in any record"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("traj"), std::string::npos);  // the members it could have meant
  bool counted = false;
  for (const auto& w : r.warnings) counted = counted || w == "--map model=info.model matched nothing in 1 of 2 records";
  EXPECT_TRUE(counted);
}

// Issue 13, defect 2: calls kept as JSON strings became {"id":"call_0_0","function":{"name":"","arguments":"{}"}}.
TEST(Mapping, ToolCallsAsJsonStringsKeepIdNameArguments) {
  tracemill::NormalizeOptions options;
  options.maps = {"messages=m"};
  const Mapped r = run({R"({"m":[{"role":"assistant","tool_calls":["{\"id\":\"c9\",\"function\":{\"name\":\"bash\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}}","{\"id\":\"c10\",\"function\":{\"name\":\"read\",\"arguments\":\"path=a\"}}"]},{"role":"tool","content":"x"},{"role":"tool","content":"y"}]})"},
                    options);
  const auto d = parse(r.lines[0]);
  const auto& calls = d["messages"][0]["tool_calls"];
  EXPECT_STREQ(calls[0]["id"].GetString(), "c9");
  EXPECT_STREQ(calls[0]["function"]["name"].GetString(), "bash");
  EXPECT_STREQ(calls[0]["function"]["arguments"].GetString(), R"({"cmd":"ls"})");
  EXPECT_STREQ(calls[1]["function"]["arguments"].GetString(), R"({"input":"path=a"})");  // never replaced by {}
  EXPECT_STREQ(d["messages"][0]["original_arguments"]["c10"].GetString(), "path=a");
  EXPECT_STREQ(d["messages"][1]["tool_call_id"].GetString(), "c9");  // by position
  EXPECT_STREQ(d["messages"][2]["tool_call_id"].GetString(), "c10");
  EXPECT_FALSE(r.warnings.empty());
}

TEST(Mapping, CallThatIsNoObjectRejectsTheRecord) {
  tracemill::NormalizeOptions options;
  options.maps = {"messages=m"};
  EXPECT_THROW(run({R"({"m":[{"role":"assistant","tool_calls":["not a call"]}]})"}, options), tracemill::MappingError);
}

// Issue 13, defect 5: --map was ignored when a dialect recognised the record.
TEST(Mapping, AppliedOverDetection) {
  tracemill::NormalizeOptions options;
  options.maps = {"session_id=meta.id", "messages=messages"};
  const Mapped r = run({R"({"messages":[{"role":"user","content":"hi"}],"meta":{"id":"r7"}})"}, options);
  EXPECT_STREQ(parse(r.lines[0])["session_id"].GetString(), "r7");
  options.dialect = "sft";
  EXPECT_ANY_THROW(tracemill::Normalizer{options});
}

TEST(Mapping, RolesAndOutcomes) {
  tracemill::NormalizeOptions options;
  options.maps = {"messages=c", "reward=ok"};
  options.roles = {"agent=assistant"};
  const Mapped r = run({R"({"c":[{"from":"human","value":"w?"},{"from":"function_call","value":"{\"name\":\"w\",\"arguments\":{\"c\":\"P\"}}"},{"from":"observation","value":"18"},{"role":"agent","content":"18"},{"role":"exit","content":"done"}],"ok":true})"},
                    options);
  const auto d = parse(r.lines[0]);
  EXPECT_STREQ(d["messages"][1]["tool_calls"][0]["function"]["name"].GetString(), "w");
  EXPECT_STREQ(d["messages"][2]["role"].GetString(), "tool");
  EXPECT_STREQ(d["messages"][2]["tool_call_id"].GetString(), d["messages"][1]["tool_calls"][0]["id"].GetString());
  EXPECT_STREQ(d["messages"][3]["role"].GetString(), "assistant");
  EXPECT_EQ(d["messages"].Size(), 4u);
  EXPECT_EQ(d["env_messages"].Size(), 1u);  // exit: kept, not a chat message
  EXPECT_EQ(d["reward"].GetDouble(), 1.0);
  EXPECT_STREQ(d["reward_source"].GetString(), "ok");
  options.roles = {"agent=robot"};
  EXPECT_ANY_THROW(tracemill::Normalizer{options});
}

TEST(Mapping, RecordsAndConcatenatedSources) {
  tracemill::NormalizeOptions options;
  options.maps = {"session_id=id", "messages=p+c"};
  options.records = "runs[]";
  tracemill::Normalizer normalizer(options);
  rapidjson::Document input;
  input.Parse(R"({"top":1,"runs":[{"id":"a","p":"q1","c":"a1"},{"id":"b","p":[{"role":"user","content":"q2"}],"c":{"role":"assistant","content":"a2"}}]})");
  std::string out;
  normalizer.normalize(input, "-", out, [](const std::string&) {});
  EXPECT_EQ(normalizer.last_session_count(), 2u);
  const auto second = parse(out.substr(out.find('\n') + 1));
  EXPECT_STREQ(second["session_id"].GetString(), "b");
  EXPECT_EQ(second["messages"].Size(), 2u);
  EXPECT_EQ(second["extra"]["record"]["top"].GetInt(), 1);
}

}  // namespace
