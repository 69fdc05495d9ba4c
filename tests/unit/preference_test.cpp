// trace-pair --mode preference/kto (preference.cpp) and trace-validate's preference profiles
// (preference_profiles.cpp) on hand-made sessions and examples.
#include "preference.hpp"
#include "validate.hpp"

#include <libstream/document.hpp>
#include <libstream/external_sort.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tracemill::GroupSession;
using tracemill::OutMessage;
using tracemill::SplitAt;

using libstream::StringSink;

OutMessage user(const std::string& text) { return {false, "{\"role\":\"user\",\"content\":\"" + text + "\"}"}; }
OutMessage reply(const std::string& text) { return {true, "{\"role\":\"assistant\",\"content\":\"" + text + "\"}"}; }

GroupSession session(const std::string& id, double score, std::vector<OutMessage> messages) {
  GroupSession s;
  s.session_id = "\"" + id + "\"";
  s.score = score;
  s.score_text = std::to_string(score);
  s.messages = std::move(messages);
  return s;
}

TEST(SplitPoint, FirstDivergenceIsTheFirstDifferingAssistantMessage) {
  const std::vector<OutMessage> a{user("obs"), reply("left"), user("obs 2"), reply("up")};
  const std::vector<OutMessage> b{user("obs"), reply("left"), user("obs 2"), reply("down")};
  EXPECT_EQ(tracemill::split_point(a, b, SplitAt::first_divergence), size_t{3});
  EXPECT_EQ(tracemill::split_point(a, b, SplitAt::final), size_t{3});
}

TEST(SplitPoint, NoPairWhenTheEnvironmentDiffersFirstOrOneIsAPrefix) {
  const std::vector<OutMessage> a{user("obs"), reply("left"), user("water"), reply("drink")};
  const std::vector<OutMessage> b{user("obs"), reply("left"), user("lava"), reply("drink")};
  EXPECT_FALSE(tracemill::split_point(a, b, SplitAt::first_divergence));
  EXPECT_FALSE(tracemill::split_point(a, b, SplitAt::final));  // histories before the last reply differ
  const std::vector<OutMessage> prefix{user("obs"), reply("left")};
  EXPECT_FALSE(tracemill::split_point(a, prefix, SplitAt::first_divergence));
  const std::vector<OutMessage> c{reply("hello")}, d{reply("bye")};
  EXPECT_FALSE(tracemill::split_point(c, d, SplitAt::first_divergence));  // an empty prompt is no prompt
}

TEST(ScoreKey, TextOrderIsDescendingScoreOrder) {
  const std::vector<double> scores{-std::numeric_limits<double>::max(), -3.5, -1, -0.0, 0.0, 1e-300, 0.5, 1, 2, 1e300};
  std::vector<std::string> keys;
  for (const double s : scores) keys.push_back(libstream::descending_score_key(s));
  for (size_t i = 1; i < keys.size(); ++i) EXPECT_GE(keys[i - 1], keys[i]) << scores[i - 1] << " vs " << scores[i];
  EXPECT_EQ(libstream::descending_score_key(-0.0), libstream::descending_score_key(0.0));
  EXPECT_NE(libstream::descending_score_key(1), libstream::descending_score_key(2));  // control: keys do differ
  for (const double s : scores) EXPECT_EQ(libstream::score_of_descending_key(libstream::descending_score_key(s)), s);
}

TEST(EncodedSession, RoundTripsAndRefusesOtherLines) {
  const GroupSession original = session("s\\u00e9", -2.25, {user("a\\tb"), reply("c")});
  const std::string line = tracemill::encode_session("[\"t\",1]", original);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  std::string_view key;
  GroupSession back;
  ASSERT_TRUE(tracemill::decode_session(line, key, back));
  EXPECT_EQ(key, "[\"t\",1]");
  EXPECT_EQ(back.session_id, original.session_id);
  EXPECT_EQ(back.score, -2.25);
  ASSERT_EQ(back.messages.size(), 2u);
  EXPECT_FALSE(back.messages[0].assistant);
  EXPECT_TRUE(back.messages[1].assistant);
  EXPECT_EQ(back.messages[0].bytes, original.messages[0].bytes);
  EXPECT_FALSE(tracemill::decode_session("[\"t\"]\tnot-a-key", key, back));
  EXPECT_FALSE(tracemill::decode_session(line.substr(0, line.size() - 1) + "\x1e" + "x{}", key, back));
}

std::string write(const tracemill::PreferenceOptions& options, const std::vector<GroupSession>& group,
                  tracemill::PreferenceCounts& counts, bool kto = false) {
  std::string text;
  libstream::BufferedSink out(std::make_unique<StringSink>(text));
  tracemill::PreferenceWriter writer(options, false, "\"reward\"");
  std::vector<bool> used(group.size(), false);
  if (kto) {
    writer.write_kto("[\"t\"]", group, out, used);
  } else {
    writer.write_preference("[\"t\"]", group, out, used);
  }
  out.flush();
  counts = writer.counts();
  return text;
}

size_t lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST(PreferenceWriter, BestWorstTiesMarginsAndCap) {
  const std::vector<GroupSession> group{session("a", 3, {user("o"), reply("x")}), session("b", 2, {user("o"), reply("y")}),
                                        session("c", 2, {user("o"), reply("z")}), session("d", 1, {user("o"), reply("w")})};
  tracemill::PreferenceOptions options;
  tracemill::PreferenceCounts counts;
  std::string text = write(options, group, counts);
  EXPECT_EQ(text,
            "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"o\"}]},\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"x\"}],"
            "\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"w\"}]}\n");
  options.pairs = tracemill::PairSelection::all;
  text = write(options, group, counts);
  EXPECT_EQ(lines(text), 5u);  // 6 pairs, b-c tied
  EXPECT_EQ(counts.ties, 1u);
  options.min_margin = 1.5;
  text = write(options, group, counts);
  EXPECT_EQ(lines(text), 1u);  // only a-d is 2 apart
  EXPECT_EQ(counts.under_margin, 4u);
  options.min_margin = 0;
  options.max_pairs_per_group = 2;
  options.format = tracemill::PreferenceFormat::trl;
  text = write(options, group, counts);
  EXPECT_EQ(lines(text), 2u);
  EXPECT_EQ(counts.capped, 3u);
  EXPECT_EQ(text.rfind("{\"prompt\":[", 0), 0u);
  // All equal: no pair at all.
  const std::vector<GroupSession> tied{session("a", 1, {user("o"), reply("x")}), session("b", 1, {user("o"), reply("y")})};
  text = write(tracemill::PreferenceOptions(), tied, counts);
  EXPECT_TRUE(text.empty());
  EXPECT_EQ(counts.ties, 1u);
  text = write(tracemill::PreferenceOptions(), {tied[0]}, counts);
  EXPECT_EQ(counts.single_session_groups, 1u);
}

TEST(PreferenceWriter, KtoLabelsByThresholds) {
  const std::vector<GroupSession> group{session("a", 3, {user("o"), reply("x")}), session("b", 1.5, {user("o"), reply("y")}),
                                        session("c", 0, {user("o"), reply("z")})};
  tracemill::PreferenceOptions options;
  options.min_reward = 2;
  options.max_reward = 1;
  tracemill::PreferenceCounts counts;
  std::string text = write(options, group, counts, true);
  EXPECT_EQ(counts.desirable, 1u);
  EXPECT_EQ(counts.undesirable, 1u);
  EXPECT_EQ(counts.between, 1u);
  EXPECT_NE(text.find("\"content\":\"x\"}],\"label\":true"), std::string::npos);
  EXPECT_NE(text.find("\"content\":\"z\"}],\"label\":false"), std::string::npos);
  options.max_reward.reset();  // one bound: below it is undesirable
  text = write(options, group, counts, true);
  EXPECT_EQ(counts.undesirable, 2u);
}

tracemill::RecordCheck validate(const std::string& json, const std::string& profile) {
  libstream::DocumentParser parser;
  const rapidjson::Value* root = parser.parse(json.data(), json.size(), nullptr);
  EXPECT_NE(root, nullptr) << json;
  tracemill::RecordCheck check;
  if (root == nullptr) return check;
  if (profile == "openai") tracemill::check_openai_preference(*root, tracemill::ValidateOptions(), check);
  if (profile == "dpo") tracemill::check_trl_preference(*root, false, check);
  if (profile == "kto") tracemill::check_trl_preference(*root, true, check);
  return check;
}

std::string first_error(const tracemill::RecordCheck& check) {
  return check.errors.empty() ? "" : check.errors[0].code + "@" + check.errors[0].path;
}

TEST(PreferenceProfiles, OpenAiPairsAndTheirFaults) {
  const std::string prompt = R"({"input":{"messages":[{"role":"user","content":"hi"}]},)";
  EXPECT_TRUE(validate(prompt + R"("preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]})", "openai").errors.empty());
  EXPECT_EQ(first_error(validate(prompt + R"("preferred_output":[{"role":"assistant","content":"a"}]})", "openai")),
            "invalid_output@non_preferred_output");
  EXPECT_EQ(first_error(validate(prompt + R"("preferred_output":[{"role":"assistant","content":""}],"non_preferred_output":[{"role":"assistant","content":"b"}]})", "openai")),
            "missing_content@preferred_output[0].content");
  EXPECT_EQ(first_error(validate(R"({"input":{"messages":[{"role":"user"}]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"b"}]})", "openai")),
            "message_missing_key@input.messages[0].content");
  const auto same = validate(prompt + R"("preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"a"}]})", "openai");
  EXPECT_TRUE(same.errors.empty());
  ASSERT_FALSE(same.warnings.empty());
  EXPECT_EQ(same.warnings.back().code, "identical_outputs");
}

TEST(PreferenceProfiles, TrlFormatsAndTheirFaults) {
  EXPECT_TRUE(validate(R"({"prompt":[{"role":"user","content":"hi"}],"chosen":[{"role":"assistant","content":"a"}],"rejected":[{"role":"assistant","content":"b"}],"metadata":{}})", "dpo").errors.empty());
  EXPECT_EQ(first_error(validate(R"({"prompt":"hi","chosen":[{"role":"assistant","content":"a"}],"rejected":[{"role":"assistant","content":"b"}]})", "dpo")),
            "missing_messages_list@prompt");
  EXPECT_EQ(first_error(validate(R"({"prompt":[{"role":"user","content":"hi"}],"chosen":[{"role":"user","content":"a"}],"rejected":[{"role":"assistant","content":"b"}]})", "dpo")),
            "invalid_output@chosen[0].role");
  EXPECT_TRUE(validate(R"({"prompt":[{"role":"user","content":"hi"}],"completion":[{"role":"assistant","content":"a"}],"label":false})", "kto").errors.empty());
  EXPECT_EQ(first_error(validate(R"({"prompt":[{"role":"user","content":"hi"}],"completion":[{"role":"assistant","content":"a"}],"label":"yes"})", "kto")),
            "invalid_label@label");
}

}  // namespace

namespace {

// Groups come out whole even when two keys share a sorter key (a 64-bit hash collision):
// every line of a group starts with "KEY\t", and equal sorter keys are ordered by the bytes.
TEST(Grouping, GroupsStayTogetherUnderOneSorterKeyInMemoryAndOnDisk) {
  for (const size_t budget : {size_t{1} << 20, size_t{64}}) {
    libstream::ExternalSorter sorter(budget);
    const std::vector<std::string> keys{"[\"a\"]", "[\"a\",1]", "[\"a\"]x", "[\"ab\"]", "[1]"};
    for (int round = 0; round < 5; ++round) {
      for (const std::string& key : keys) {
        GroupSession s = session("s" + std::to_string(round), round * 0.5, {user("o"), reply(std::to_string(round))});
        sorter.add(42, tracemill::encode_session(key, s));  // one sorter key for all
      }
    }
    std::vector<std::string> order;
    std::vector<double> scores;
    sorter.finish([&](std::string_view line) {
      std::string_view key;
      GroupSession s;
      EXPECT_TRUE(tracemill::decode_session(line, key, s));
      order.emplace_back(key);
      scores.push_back(s.score);
      return true;
    });
    ASSERT_EQ(order.size(), 25u);
    std::vector<std::string> finished;
    for (size_t i = 0; i < order.size(); ++i) {
      if (i > 0 && order[i] == order[i - 1]) {
        EXPECT_GE(scores[i - 1], scores[i]) << "best first inside a group";
        continue;
      }
      EXPECT_EQ(std::count(finished.begin(), finished.end(), order[i]), 0) << order[i] << " split (budget " << budget << ")";
      finished.push_back(order[i]);
    }
    EXPECT_EQ(finished.size(), keys.size());
  }
}

}  // namespace
