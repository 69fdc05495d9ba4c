// The --where language: each operator, paths, missing values, and error columns.
#include <libstream/document.hpp>
#include <libstream/expression.hpp>
#include <libstream/projection.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

const char* kRecord =
    R"({"reward":2.5,"model":"gpt-4.1-mini","seed":null,"ok":true,"achievements":["wood","cow"],)"
    R"("scores":{"judge":{"quality":0.9}},"messages":[{"role":"system","content":"hi"}],"task_id":"crafter-7"})";

bool where(const std::string& text) {
  libstream::DocumentParser parser;
  const rapidjson::Value* record = parser.parse(kRecord, std::strlen(kRecord), nullptr);
  EXPECT_NE(record, nullptr);
  const libstream::Expression expression(text);
  const bool matched = expression.matches(*record);
  // On the record reduced to the members the expression names, the same answer.
  libstream::Projection projection;
  for (const std::string& member : expression.top_level_members()) projection.keep_member(member);
  libstream::ProjectingParser projecting(std::move(projection));
  const rapidjson::Value* projected = projecting.parse(kRecord, std::strlen(kRecord), nullptr);
  EXPECT_NE(projected, nullptr);
  if (projected != nullptr) {
    EXPECT_EQ(expression.matches(*projected), matched) << text;
  }
  return matched;
}

TEST(Expression, NamesTheTopLevelMembersItReads) {
  const auto members = libstream::Expression("len(achievements) >= 1 and (scores.judge.quality > 0.5 or not exists(seed)) and "
                                             "messages[0].role in [\"system\"] and (ok or model == \"x\")")
                           .top_level_members();
  const std::set<std::string> unique(members.begin(), members.end());
  EXPECT_EQ(unique, (std::set<std::string>{"achievements", "scores", "seed", "messages", "ok", "model"}));
  EXPECT_TRUE(where("len(achievements) >= 1 and (scores.judge.quality > 0.5 or not exists(seed)) and "
                    "messages[0].role in [\"system\"] and (ok or model == \"x\")"));
}

size_t error_column(const std::string& text) {
  try {
    libstream::Expression expression(text);
  } catch (const libstream::ExpressionError& e) {
    return e.column();
  }
  return 0;
}

TEST(Expression, Comparisons) {
  EXPECT_TRUE(where("reward >= 2.5"));
  EXPECT_FALSE(where("reward > 2.5"));
  EXPECT_TRUE(where("reward < 3 and reward != 2"));
  EXPECT_TRUE(where("model == \"gpt-4.1-mini\""));
  EXPECT_TRUE(where("model == 'gpt-4.1-mini'"));
  EXPECT_FALSE(where("model == 2.5"));  // different types never compare
  EXPECT_FALSE(where("model != 2.5"));
  EXPECT_TRUE(where("ok == true"));
  EXPECT_TRUE(where("ok"));
}

TEST(Expression, PathsIndexesAndLength) {
  EXPECT_TRUE(where("scores.judge.quality > 0.8"));
  EXPECT_TRUE(where("messages[0].role == \"system\""));
  EXPECT_FALSE(where("messages[1].role == \"system\""));
  EXPECT_TRUE(where("len(achievements) == 2 and len(messages) == 1 and len(model) == 12"));
}

TEST(Expression, MissingNeverSatisfiesAComparison) {
  for (const char* text : {"seed == null", "seed != 1", "seed < 1", "nothing >= 0", "nothing != \"x\"",
                           "seed in [1, null]", "nothing", "len(nothing) == 0"}) {
    EXPECT_FALSE(where(text)) << text;
  }
  EXPECT_TRUE(where("not exists(seed) and not exists(nothing) and exists(reward)"));
}

TEST(Expression, InContainsStartsEnds) {
  EXPECT_TRUE(where("model in [\"a\", \"gpt-4.1-mini\"]"));
  EXPECT_TRUE(where("reward in [1, 2.5]"));
  EXPECT_TRUE(where("achievements contains \"cow\""));
  EXPECT_FALSE(where("achievements contains \"iron\""));
  EXPECT_TRUE(where("model contains \"4.1\" and task_id startswith \"crafter-\" and task_id endswith \"-7\""));
}

TEST(Expression, PrecedenceAndParentheses) {
  EXPECT_TRUE(where("reward > 9 or reward > 1 and ok"));     // and binds tighter
  EXPECT_FALSE(where("(reward > 9 or reward > 1) and not ok"));
  EXPECT_TRUE(where("not not ok"));
}

TEST(Expression, ErrorsPointAtTheColumn) {
  EXPECT_EQ(error_column("reward >= 2 an model == 1"), 13u);
  EXPECT_EQ(error_column("(reward > 1"), 12u);
  EXPECT_EQ(error_column("reward >"), 9u);
  EXPECT_EQ(error_column("model in \"x\""), 10u);
  EXPECT_EQ(error_column("model startswith 3"), 19u);
  EXPECT_EQ(error_column("'open"), 6u);
  EXPECT_EQ(error_column("3"), 2u);  // a literal alone is no condition
  EXPECT_TRUE(where("3 > 2"));       // two literals compare (a constant)
}

TEST(Expression, NanAndInfinityAreNotNumbers) {
  // strtod read "-nan" as a NaN literal, and NaN compared equal to every number.
  EXPECT_EQ(error_column("reward == -nan"), 11u);
  EXPECT_EQ(error_column("reward == nan"), 0u);  // a field named nan: missing, so false
  EXPECT_FALSE(where("reward == nan"));
  EXPECT_EQ(error_column("reward == -inf"), 11u);
  EXPECT_EQ(error_column("reward < 0x10"), 11u);
  EXPECT_EQ(error_column("reward < 1e999"), 10u);
  EXPECT_TRUE(where("reward == 2.5e0 and reward < .3e1 and reward > -1. and reward != 25E-2"));
}

TEST(Expression, DeepNestingIsRefusedWithTheLimit) {
  const std::string deep = std::string(20000, '(') + "ok" + std::string(20000, ')');
  try {
    libstream::Expression expression(deep);
    ADD_FAILURE() << "accepted";
  } catch (const libstream::ExpressionError& e) {
    EXPECT_NE(std::string(e.what()).find("nest deeper than 256 levels"), std::string::npos) << e.what();
  }
  std::string nots;
  for (int i = 0; i < 20000; ++i) nots += "not ";
  EXPECT_EQ(error_column(nots + "ok"), 1028u);  // at the 257th not
  EXPECT_TRUE(where(std::string(256, '(') + "ok" + std::string(256, ')')));
}

TEST(Expression, LongChainsAreFlat) {
  // 200,000 terms: a left-deep tree of them overflowed the stack in eval() and in ~Node().
  std::string chain = "ok";
  for (int i = 0; i < 200000; ++i) chain += " and reward > 1";
  EXPECT_TRUE(where(chain));
  std::string alternatives = "reward > 3";
  for (int i = 0; i < 200000; ++i) alternatives += " or reward > 3";
  EXPECT_FALSE(where(alternatives + ""));
  EXPECT_TRUE(where(alternatives + " or ok"));
}

}  // namespace
