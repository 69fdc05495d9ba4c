// trace-join: the record splicing (bytes outside the changed value kept), outcome shapes and
// rewards (SWE-bench, Harbor, run report, maps), duplicates, and the edits a join writes.
#include "join.hpp"
#include "json_splice.hpp"
#include "outcomes.hpp"

#include <libstream/error.hpp>

#include <gtest/gtest.h>

namespace tracemill {
namespace {

std::string set(std::string_view json, std::string_view path, std::string_view value) {
  std::string out;
  const SpliceResult result = set_member(json, path, value, out);
  return result.ok ? out : "error: " + result.problem;
}

TEST(JoinSplice, ReplacesInPlaceAndKeepsEveryOtherByte) {
  EXPECT_EQ(set(R"({"a":1.50, "reward":null,"z":[1e2]})", "reward", "1.0"), R"({"a":1.50, "reward":1.0,"z":[1e2]})");
  EXPECT_EQ(set(R"({"a":1})", "b", "\"x\""), R"({"a":1,"b":"x"})");
  EXPECT_EQ(set(R"({ })", "b", "2"), R"({ "b":2})");
  EXPECT_EQ(set(R"({"extra":{"k":0.10}} )", "extra.outcome", "{}"), R"({"extra":{"k":0.10,"outcome":{}}} )");
  EXPECT_EQ(set(R"({"extra":null})", "extra.outcome.x", "1"), R"({"extra":{"outcome":{"x":1}}})");
  EXPECT_EQ(set(R"({"a":1})", "scores.verifier.r", "0.5"), R"({"a":1,"scores":{"verifier":{"r":0.5}}})");
}

TEST(JoinSplice, RefusesToStepIntoANonObject) {
  EXPECT_EQ(set(R"({"extra":"text"})", "extra.outcome", "1"), "error: extra is not an object");
  EXPECT_EQ(set(R"({"extra":{"a":[1]}})", "extra.a.b", "1"), "error: extra.a is not an object");
}

TEST(JoinSplice, ReadsTheFirstOfRepeatedKeysAsWritten) {
  const std::string json = R"({"a":{"b":1e0},"a":{"b":2},"s":"x\"y"})";
  EXPECT_EQ(raw_member(json, "a.b").value_or("?"), "1e0");
  EXPECT_EQ(raw_member(json, "s").value_or("?"), R"("x\"y")");
  EXPECT_FALSE(raw_member(json, "a.c").has_value());
  EXPECT_FALSE(raw_member(json, "s.t").has_value());
  EXPECT_EQ(set(json, "a.b", "3"), R"({"a":{"b":3},"a":{"b":2},"s":"x\"y"})");
}

// The table holds a parser (not copyable): tests fill one in place.
void load(OutcomeTable& table, const std::vector<std::string>& records) {
  int line = 0;
  for (const std::string& record : records) table.add_record(record, "t:" + std::to_string(++line));
}

TEST(JoinOutcomes, SweBenchReportIsAMapAndResolvedIsTheReward) {
  OutcomeTable table{OutcomeOptions{}};
  load(table, {R"({"a__a-1":{"patch_exists":true,"resolved":true},"b__b-2":{"resolved":false}})"});
  ASSERT_EQ(table.outcomes().size(), 2u);
  const Outcome* a = table.find("a__a-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reward, "1.0");
  EXPECT_EQ(a->reward_source, "outcomes:resolved");
  EXPECT_EQ(a->record, R"({"patch_exists":true,"resolved":true})");
  EXPECT_EQ(table.find("b__b-2")->reward, "0.0");
}

TEST(JoinOutcomes, PredictionsHaveNoReward) {
  OutcomeTable table{OutcomeOptions{}};
  load(table, {R"({"x-1":{"model_name_or_path":"m","instance_id":"x-1","model_patch":"diff"}})"});
  ASSERT_NE(table.find("x-1"), nullptr);
  EXPECT_TRUE(table.find("x-1")->reward.empty());
}

TEST(JoinOutcomes, RunReportListsGiveRewardsOrNone) {
  OutcomeTable table{OutcomeOptions{}};
  load(table, {R"({"total_instances":5,"resolved_ids":["r"],"unresolved_ids":["u"],"empty_patch_ids":["e"],)"
                             R"("error_ids":["x"],"incomplete_ids":[],"completed_ids":["r","u"],"schema_version":2})"});
  ASSERT_EQ(table.outcomes().size(), 4u);
  EXPECT_EQ(table.find("r")->reward, "1.0");
  EXPECT_EQ(table.find("r")->reward_source, "outcomes:resolved_ids");
  EXPECT_EQ(table.find("u")->reward, "0.0");
  EXPECT_EQ(table.find("e")->reward, "0.0");
  EXPECT_TRUE(table.find("x")->reward.empty());
  EXPECT_EQ(table.find("x")->record, R"({"instance_id":"x","list":"error_ids"})");
}

TEST(JoinOutcomes, HarborRewardsAndScoresKeepTheirText) {
  OutcomeTable table{OutcomeOptions{}};
  load(table, {R"({"id":"u-1","task_name":"t","trial_name":"t__AbC","task_id":{"path":"t"},)"
                             R"("verifier_result":{"rewards":{"reward":1e0,"style":0.250}}})",
                             R"({"trial_name":"t__D","verifier_result":{"rewards":{"accuracy":0.5}}})",
                             R"({"trial_name":"t__E","verifier_result":null,"exception_info":{"exception_type":"X"}})"});
  const Outcome* a = table.find("t__AbC");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->reward, "1e0");
  EXPECT_EQ(a->reward_source, "outcomes:verifier_result.rewards.reward");
  ASSERT_EQ(a->verifier_scores.size(), 2u);
  EXPECT_EQ(a->verifier_scores[1], (std::pair<std::string, std::string>{"style", "0.250"}));
  EXPECT_EQ(table.find("t__D")->reward, "0.5");
  EXPECT_EQ(table.find("t__D")->reward_source, "outcomes:verifier_result.rewards.accuracy");
  EXPECT_TRUE(table.find("t__E")->reward.empty());
}

TEST(JoinOutcomes, ExplicitKeyAndRewardPath) {
  OutcomeOptions options;
  options.keys = {"run.id"};
  options.reward_from = "grade.passed";
  OutcomeTable table{options};
  load(table, {R"({"run":{"id":7},"grade":{"passed":true}})", R"({"run":{"id":"s"},"grade":{"passed":0.25}})"});
  EXPECT_EQ(table.find("7")->reward, "1.0");
  EXPECT_EQ(table.find("7")->reward_source, "outcomes:grade.passed");
  EXPECT_EQ(table.find("s")->reward, "0.25");
}

TEST(JoinOutcomes, DuplicatesCountedWhenEqualAndAnErrorOtherwise) {
  OutcomeTable same{OutcomeOptions{}};
  load(same, {R"({"k":{"resolved":true}})", R"({"k":{"resolved":true}})"});
  EXPECT_EQ(same.duplicates(), 1u);
  EXPECT_EQ(same.outcomes().size(), 1u);
  try {
    OutcomeTable table{OutcomeOptions{}};
    load(table, {R"({"k":{"resolved":true}})", R"({"k":{"resolved":false}})"});
    FAIL() << "no error";
  } catch (const libstream::Error& e) {
    EXPECT_EQ(e.where(), "t:2");
    EXPECT_EQ(std::string(e.what()), "outcome key \"k\" again with a different outcome (first at t:1)");
  }
}

TEST(JoinOutcomes, HostileRecordsAreErrorsNotCrashes) {
  for (const char* bad : {"[1]", "3", R"({"a":1})", R"({"resolved_ids":[1],"unresolved_ids":[]})", R"({"":{}})", "{"}) {
    OutcomeTable table{OutcomeOptions{}};
    EXPECT_THROW(load(table, {bad}), libstream::Error) << bad;
  }
  OutcomeTable empty{OutcomeOptions{}};
  load(empty, {"{}"});
  EXPECT_TRUE(empty.outcomes().empty());
}

TEST(JoinEdits, RewardSourceScoresSetsThenTheRecord) {
  Outcome outcome;
  outcome.key = "k";
  outcome.record = R"({"resolved":true,"status":"done"})";
  outcome.reward = "1.0";
  outcome.reward_source = "outcomes:resolved";
  outcome.verifier_scores = {{"style", "0.5"}};
  std::vector<std::string> missing;
  const std::vector<Edit> edits = edits_for(outcome, {parse_set("status=status"), parse_set("x=nope")}, "outcome", missing);
  ASSERT_EQ(edits.size(), 5u);
  EXPECT_EQ(edits[1].value, "\"outcomes:resolved\"");
  EXPECT_EQ(edits[2].steps, (std::vector<std::string>{"scores", "verifier", "style"}));
  EXPECT_EQ(edits[3].value, "\"done\"");
  EXPECT_EQ(edits[4].steps, (std::vector<std::string>{"extra", "outcome"}));
  EXPECT_EQ(missing, std::vector<std::string>{"nope"});
  EXPECT_THROW(static_cast<void>(parse_set("=x")), std::invalid_argument);
  EXPECT_THROW(static_cast<void>(parse_set("x")), std::invalid_argument);
}

}  // namespace
}  // namespace tracemill
