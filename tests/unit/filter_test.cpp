// trace-filter: time parsing across formats, and each selection rule on hand-written records.
#include "filter.hpp"
#include <libstream/time.hpp>

#include <libstream/document.hpp>
#include <libstream/projection.hpp>
#include <libstream/hash.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using libstream::parse_instant;

TEST(ParseInstant, MixedFormatsAreTheSameInstant) {
  const auto utc = parse_instant("2025-09-26T22:06:25Z");
  ASSERT_TRUE(utc.has_value());
  EXPECT_EQ(*utc, int64_t{1758924385} * 1000000);  // date -u -d 2025-09-26T22:06:25Z +%s
  EXPECT_EQ(parse_instant("2025-09-26 22:06:25"), utc);
  EXPECT_EQ(parse_instant("2025-09-27T00:06:25+02:00"), utc);
  EXPECT_EQ(parse_instant("2025-09-26T17:06:25-0500"), utc);
  EXPECT_EQ(parse_instant("1758924385"), utc);
  EXPECT_EQ(parse_instant("2025-09-26T22:06:25.611865Z"), *utc + 611865);
  EXPECT_EQ(parse_instant("2025-09-26 22:06:25.5"), *utc + 500000);
  EXPECT_EQ(parse_instant("1970-01-01"), int64_t{0});
  EXPECT_EQ(parse_instant("1969-12-31T23:59:59Z"), int64_t{-1000000});
}

TEST(ParseInstant, RefusesWhatItCannotRead) {
  for (const char* bad : {"", "yesterday", "2025-13-01", "2025-09-26T25:00:00Z", "2025-09-26T22:06Z",
                          "2025-09-26T22:06:25+2", "2025-09-26T22:06:25Zjunk", "12abc"}) {
    EXPECT_FALSE(parse_instant(bad).has_value()) << bad;
  }
}

std::string decide(const tracemill::FilterOptions& options, const std::string& json, bool* missing_out = nullptr) {
  libstream::DocumentParser parser;
  const rapidjson::Value* root = parser.parse(json.data(), json.size(), nullptr);
  EXPECT_NE(root, nullptr);
  const tracemill::Selection selection(options);
  bool missing = false;
  std::string why = selection.decide(*root, missing);
  if (missing_out != nullptr) *missing_out = missing;
  // trace-filter decides on the projection of the record it scans for: always the same decision.
  libstream::ProjectingParser projecting(selection.projection());
  const rapidjson::Value* projected = projecting.parse(json.data(), json.size(), nullptr);
  EXPECT_NE(projected, nullptr);
  if (projected != nullptr) {
    bool projected_missing = false;
    EXPECT_EQ(selection.decide(*projected, projected_missing), why) << json;
    EXPECT_EQ(projected_missing, missing) << json;
  }
  return why;
}

TEST(Selection, MissingRewardFailsABoundUnlessAskedOtherwise) {
  tracemill::FilterOptions options;
  options.min_reward = 0.0;
  bool missing = false;
  EXPECT_EQ(decide(options, R"({"session_id":"a","reward":null})", &missing), "--min-reward");
  EXPECT_TRUE(missing);
  EXPECT_EQ(decide(options, R"({"session_id":"a","reward":"5"})"), "--min-reward");  // not a number
  EXPECT_EQ(decide(options, R"({"session_id":"a","reward":0})"), "");
  options.missing = tracemill::MissingPolicy::pass;
  EXPECT_EQ(decide(options, R"({"session_id":"a"})", &missing), "");
  EXPECT_TRUE(missing);
}

TEST(Selection, BoundsAreInclusive) {
  tracemill::FilterOptions options;
  options.min_reward = 1.0;
  options.max_reward = 2.0;
  EXPECT_EQ(decide(options, R"({"session_id":"a","reward":1})"), "");
  EXPECT_EQ(decide(options, R"({"session_id":"a","reward":2.0})"), "");
  EXPECT_EQ(decide(options, R"({"session_id":"a","reward":2.0000001})"), "--max-reward");
  EXPECT_EQ(decide(options, R"({"session_id":"a","reward":0.999})"), "--min-reward");
}

TEST(Selection, AchievementsAllOfOrAnyOf) {
  tracemill::FilterOptions options;
  options.achievements = {"collect_wood", "eat_cow"};
  const std::string one = R"({"session_id":"a","achievements":["collect_wood"]})";
  const std::string both = R"({"session_id":"a","achievements":["eat_cow","collect_wood"]})";
  EXPECT_EQ(decide(options, one), "--achievement");
  EXPECT_EQ(decide(options, both), "");
  options.any_achievement = true;
  EXPECT_EQ(decide(options, one), "");
  options.min_achievements = 2;
  EXPECT_EQ(decide(options, one), "--min-achievements");
}

TEST(Selection, CategoriesAndTimes) {
  tracemill::FilterOptions options;
  options.splits = {"train"};
  options.models = {"m1", "m2"};
  options.since = "2025-01-01";
  EXPECT_EQ(decide(options, R"({"session_id":"a","split":"val","model":"m1","created_at":"2025-02-01T00:00:00Z"})"), "--split");
  EXPECT_EQ(decide(options, R"({"session_id":"a","split":"train","model":"m3","created_at":"2025-02-01T00:00:00Z"})"), "--model");
  EXPECT_EQ(decide(options, R"({"session_id":"a","split":"train","model":"m2","created_at":"2024-12-31 23:59:59"})"), "--since");
  EXPECT_EQ(decide(options, R"({"session_id":"a","split":"train","model":"m2","created_at":1735689600})"), "");
}

TEST(Selection, JudgeAndVerifierScores) {
  tracemill::FilterOptions options;
  options.min_judge = {"quality=0.8"};
  options.max_verifier = {"toxicity=0.2"};
  EXPECT_EQ(decide(options, R"({"session_id":"a","scores":{"judge":{"quality":0.9},"verifier":{"toxicity":0.1}}})"), "");
  EXPECT_EQ(decide(options, R"({"session_id":"a","scores":{"judge":{"quality":0.7},"verifier":{"toxicity":0.1}}})"),
            "--min-judge quality");
  EXPECT_EQ(decide(options, R"({"session_id":"a","scores":{"judge":{"quality":0.9}}})"), "--max-verifier toxicity");
  options.min_judge = {"quality"};
  EXPECT_THROW(tracemill::Selection{options}, std::invalid_argument);
}

TEST(Selection, SampleAndItsInverseSplitExactly) {
  tracemill::FilterOptions options;
  options.sample = 0.25;
  const tracemill::Selection selection(options);
  int kept = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string id = "s-" + std::to_string(i);
    const bool in = selection.in_sample(id);
    EXPECT_EQ(in, libstream::stable_hash(id) < (uint64_t{1} << 62)) << id;  // 0.25 * 2^64
    kept += in;
  }
  EXPECT_NEAR(kept, 1000, 100);
  options.invert = true;
  EXPECT_EQ(decide(options, R"({"session_id":"s-1"})").empty(), !selection.in_sample("s-1"));
}

}  // namespace

namespace {

// Every criterion, each alone, on records that have, lack or mistype its field: decide()
// (above) checks each time that the projection trace-filter scans for decides alike.
TEST(Selection, EveryCriterionDecidesAlikeOnTheProjection) {
  const std::vector<std::string> records = {
      R"({"session_id":"a","messages":[{"role":"user","content":"x"}]})",
      R"({"session_id":"b","reward":3,"achievements":["wood","cow"],"cost_usd":0.5,"usage":{"total_tokens":900},)"
      R"("model":"m1","split":"train","task_id":"t1","experiment_id":"e1","status":"completed","phase":"eval",)"
      R"("created_at":"2025-03-01T00:00:00Z","scores":{"judge":{"q":0.9}},"env":{"name":"crafter","seed":7},"n.dotted":1})",
      R"({"session_id":"c","reward":"3","achievements":"wood","cost_usd":null,"usage":{"total_tokens":"900"},"model":7,)"
      R"("created_at":"not a time","scores":{"judge":null},"env":null})",
  };
  std::vector<tracemill::FilterOptions> variants(17);
  variants[0].min_reward = 1.0;
  variants[1].max_reward = 2.0;
  variants[2].min_achievements = 2;
  variants[3].achievements = {"cow"};
  variants[4].max_cost = 0.1;
  variants[5].max_tokens = 100;
  variants[6].models = {"m1"};
  variants[7].splits = {"train"};
  variants[8].task_ids = {"t1"};
  variants[9].experiments = {"e1"};
  variants[10].statuses = {"completed"};
  variants[11].phases = {"eval"};
  variants[12].since = "2025-01-01";
  variants[13].min_judge = {"q=0.5"};
  variants[14].where = {"env.name == \"crafter\" and len(messages) == 0"};
  variants[15].where = {"not exists(env.seed) or env.seed > 3"};
  variants[16].sample = 0.5;
  size_t kept = 0, dropped = 0;
  for (tracemill::FilterOptions& options : variants) {
    for (const std::string& record : records) {
      (decide(options, record).empty() ? kept : dropped)++;
      options.missing = tracemill::MissingPolicy::pass;
      (decide(options, record).empty() ? kept : dropped)++;
      options.missing = tracemill::MissingPolicy::fail;
    }
  }
  EXPECT_GT(kept, 10u);  // the cases really go both ways
  EXPECT_GT(dropped, 10u);
}

}  // namespace
