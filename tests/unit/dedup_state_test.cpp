// trace-dedup's sharded runs: state and decision lines read back as written, option mismatches
// named, and signatures made apart (a shard's state) clustering as the words would in one pass.
#include "minhash.hpp"
#include "state.hpp"
#include "text.hpp"

#include <libstream/document.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace {

using namespace tracemill::dedup;

const rapidjson::Value& parse(libstream::DocumentParser& parser, const std::string& line) {
  libstream::JsonError error;
  const rapidjson::Value* root = parser.parse(line.data(), line.size(), &error);
  EXPECT_NE(root, nullptr) << line;
  static const rapidjson::Value null_value;
  return root != nullptr ? *root : null_value;
}

std::string text_of(std::mt19937_64& rng, size_t words) {
  std::string text;
  for (size_t i = 0; i < words; ++i) text += "w" + std::to_string(rng() % 20000) + " ";
  return text;
}

StateRecord round_trip(const StateRecord& record, size_t permutations) {
  std::string line;
  format_state_record(record, line);
  libstream::DocumentParser parser;
  StateRecord back;
  std::string problem;
  EXPECT_TRUE(parse_state_record(parse(parser, line), permutations, back, problem)) << problem << "\n" << line;
  return back;
}

TEST(DedupState, TextRecordReadsBackExactly) {
  StateRecord record;
  record.source = "shards/part \"1\".ndjson";
  record.line = 12;
  record.offset = 1ULL << 40;
  record.hash = 0xFEDCBA9876543210ULL;
  record.has_id = true;
  record.id = "s\n\"7\"\xC3\xA9";
  record.reward = 0.1;  // not a short binary fraction: must come back to the last bit
  record.text_bytes = 345;
  record.key = 0x0123456789ABCDEFULL;
  record.signature = {0, 1, 0xFFFFFFFFu, 0x80000000u};
  const StateRecord back = round_trip(record, 4);
  EXPECT_EQ(back.source, record.source);
  EXPECT_EQ(back.line, 12u);
  EXPECT_EQ(back.offset, record.offset);
  EXPECT_EQ(back.hash, record.hash);
  EXPECT_TRUE(back.rejected.empty());
  EXPECT_TRUE(back.has_id);
  EXPECT_EQ(back.id, record.id);
  EXPECT_EQ(back.reward, 0.1);
  EXPECT_EQ(back.text_bytes, 345u);
  EXPECT_FALSE(back.contaminated);
  EXPECT_EQ(back.key, record.key);
  EXPECT_EQ(back.signature, record.signature);
}

TEST(DedupState, RewardsAndIdsAbsentStayAbsent) {
  StateRecord record;
  record.source = "-";
  record.key = 5;
  const StateRecord back = round_trip(record, 256);
  EXPECT_FALSE(back.has_id);
  EXPECT_EQ(back.reward, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(back.signature.empty());
  for (const double reward : {-0.0, 1e300, -2.5e-308, 1.0 / 3.0}) {
    record.reward = reward;
    EXPECT_EQ(round_trip(record, 256).reward, reward);
  }
}

TEST(DedupState, RejectedAndContaminatedRecords) {
  StateRecord rejected;
  rejected.source = "a";
  rejected.rejected = "not a JSON object";
  rejected.key = 9;  // not written: a rejected record has nothing else
  const StateRecord back = round_trip(rejected, 256);
  EXPECT_EQ(back.rejected, "not a JSON object");
  EXPECT_EQ(back.key, 0u);
  StateRecord contaminated;
  contaminated.source = "a";
  contaminated.contaminated = true;
  contaminated.eval_source = "eval.jsonl";
  contaminated.eval_line = 3;
  const StateRecord again = round_trip(contaminated, 256);
  EXPECT_TRUE(again.contaminated);
  EXPECT_EQ(again.eval_source, "eval.jsonl");
  EXPECT_EQ(again.eval_line, 3u);
}

TEST(DedupState, DamagedLinesAreRefused) {
  libstream::DocumentParser parser;
  StateRecord back;
  std::string problem;
  const std::string good = R"({"source":"a","line":1,"offset":0,"hash":"00000000000000ff","key":"0000000000000001")";
  ASSERT_TRUE(parse_state_record(parse(parser, good + "}"), 2, back, problem)) << problem;
  EXPECT_EQ(back.hash, 255u);
  // A signature of the wrong length (other --permutations), not hex, no key, a short hash.
  EXPECT_FALSE(parse_state_record(parse(parser, good + R"(,"signature":"0000000100000002"})"), 4, back, problem));
  EXPECT_NE(problem.find("4 values"), std::string::npos);
  EXPECT_FALSE(parse_state_record(parse(parser, good + R"(,"signature":"000000010000000g"})"), 2, back, problem));
  EXPECT_FALSE(parse_state_record(parse(parser, R"({"source":"a","line":1,"offset":0,"hash":"00000000000000ff"})"), 2,
                                  back, problem));
  EXPECT_FALSE(parse_state_record(parse(parser, R"({"source":"a","line":1,"offset":0,"hash":"ff","key":"0000000000000001"})"),
                                  2, back, problem));
  EXPECT_TRUE(parse_state_record(parse(parser, good + R"(,"signature":"0000000100000002"})"), 2, back, problem));
  EXPECT_EQ(back.signature, (std::vector<uint32_t>{1, 2}));  // control: the same line, well formed
}

TEST(DedupState, DecisionsReadBackExactly) {
  libstream::DocumentParser parser;
  std::string problem;
  DecisionRecord dropped;
  dropped.source = 2;
  dropped.line = 7;
  dropped.offset = 99;
  dropped.hash = 42;
  dropped.members = R"("cluster":3,"duplicate_of":{"source":"a","line":3,"id":"x"},"match":"near","jaccard":0.750)";
  dropped.reason = "near duplicate of a:3 (x) (estimated Jaccard 0.750)";
  dropped.drop = true;
  DecisionRecord kept;
  kept.members = R"("cluster":3,"representative":true)";
  DecisionRecord rejected;
  rejected.rejected = "invalid JSON";
  rejected.members = "ignored";
  for (const DecisionRecord* record : std::vector<const DecisionRecord*>{&dropped, &kept, &rejected, nullptr}) {
    const DecisionRecord plain;
    const DecisionRecord& original = record != nullptr ? *record : plain;
    std::string line;
    format_decision(original, line);
    DecisionRecord back;
    ASSERT_TRUE(parse_decision(parse(parser, line), back, problem)) << problem;
    EXPECT_EQ(back.source, original.source);
    EXPECT_EQ(back.line, original.line);
    EXPECT_EQ(back.offset, original.offset);
    EXPECT_EQ(back.hash, original.hash);
    EXPECT_EQ(back.rejected, original.rejected);
    EXPECT_EQ(back.members, original.rejected.empty() ? original.members : "");
    EXPECT_EQ(back.reason, original.reason);
    EXPECT_EQ(back.drop, original.drop);
  }
}

TEST(DedupState, DecisionMembersThatAreNotJsonAreRefused) {
  // Members are copied into written records (--annotate, --rejects): an edited decisions file
  // must not turn them into invalid JSON.
  libstream::DocumentParser parser;
  std::string problem;
  DecisionRecord back;
  const std::string head = R"({"source":0,"line":1,"offset":0,"hash":"0000000000000001","members":)";
  for (const char* members : {R"("\"cluster\":3,\"x\"")", R"("\"cluster\":3}{\"a\":1")", R"("1,2")", R"("\"a\":01")"}) {
    EXPECT_FALSE(parse_decision(parse(parser, head + members + "}"), back, problem)) << members;
    EXPECT_EQ(problem, "a decision's members are not the members of a JSON object");
  }
  problem.clear();
  EXPECT_TRUE(parse_decision(parse(parser, head + R"("\"cluster\":3,\"representative\":true"})"), back, problem))
      << problem;  // control
  EXPECT_EQ(back.members, R"("cluster":3,"representative":true)");
}

TEST(DedupState, DropWithoutMembersReadsAsWrittenAsRead) {
  libstream::DocumentParser parser;
  std::string problem;
  DecisionRecord back;
  const std::string head = R"({"source":0,"line":1,"offset":0,"hash":"0000000000000001")";
  ASSERT_TRUE(parse_decision(parse(parser, head + R"(,"reason":"r","drop":true})"), back, problem)) << problem;
  EXPECT_FALSE(back.drop);  // format_decision writes no drop without members, and emit ignores one
  EXPECT_EQ(back.reason, "");
  ASSERT_TRUE(parse_decision(parse(parser, head + R"(,"members":"\"cluster\":1","reason":"r","drop":true})"), back, problem));
  EXPECT_TRUE(back.drop);  // control: with members
  EXPECT_EQ(back.reason, "r");
}

TEST(DedupState, OptionDifferencesNameEachOption) {
  const OptionList ours{{"threshold", "0.7"}, {"keep", "first"}, {"field", ""}};
  libstream::DocumentParser parser;
  const std::string same = format_state_header(ours, 0, 0, 0);
  EXPECT_EQ(option_differences(parse(parser, same), ours), "");
  const std::string other = format_state_header({{"threshold", "0.8"}, {"keep", "first"}, {"field", "prompt"}}, 0, 0, 0);
  EXPECT_EQ(option_differences(parse(parser, other), ours),
            "--threshold 0.8 (this run: 0.7); --field prompt (this run: \"\")");
  // A line without options (not a state) differs in every option.
  EXPECT_EQ(option_differences(parse(parser, "{}"), {{"keep", "first"}}), "--keep ? (this run: first)");
}

TEST(DedupState, HeadersReadBackExactly) {
  libstream::DocumentParser parser;
  StateHeader state;
  ASSERT_TRUE(parse_state_header(parse(parser, format_state_header({{"keep", "first"}}, 40, 2, 0xFEDCBA9876543210ULL)), state));
  EXPECT_EQ(state.eval_items, 40u);
  EXPECT_EQ(state.eval_without_field, 2u);
  EXPECT_EQ(state.eval_digest, 0xFEDCBA9876543210ULL);
  EXPECT_FALSE(parse_state_header(parse(parser, R"({"trace_dedup_state":1,"eval_items":40,"eval_digest":"0000000000000001"})"),
                                  state));  // no eval_without_field
  EXPECT_FALSE(parse_state_header(
      parse(parser, R"({"trace_dedup_state":1,"eval_items":-1,"eval_without_field":0,"eval_digest":"0000000000000001"})"), state));
  DecisionsHeader decisions;
  ASSERT_TRUE(parse_decisions_header(parse(parser, format_decisions_header(3, 17, {"a.ndjson", "b \"2\""}, {})), decisions));
  EXPECT_EQ(decisions.part, 3u);
  EXPECT_EQ(decisions.records, 17u);
  EXPECT_EQ(decisions.sources, (std::vector<std::string>{"a.ndjson", "b \"2\""}));
  ASSERT_TRUE(parse_decisions_header(parse(parser, R"({"part":1,"records":0,"sources":["a",7]})"), decisions));
  EXPECT_EQ(decisions.sources, (std::vector<std::string>{"a", ""}));
  EXPECT_FALSE(parse_decisions_header(parse(parser, R"({"part":1,"records":0,"sources":"a"})"), decisions));
  EXPECT_FALSE(parse_decisions_header(parse(parser, R"({"part":1,"sources":[]})"), decisions));
}

// A shard's signatures, made by its own MinHasher, fed to the merge's NearIndex: the clusters and
// similarities of one pass over the words, for every cut of the sequence into shards.
TEST(DedupState, SignaturesMadeApartClusterAsWordsDo) {
  std::mt19937_64 rng(16);
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) {
    if (!texts.empty() && rng() % 3 == 0) {
      std::string copy = texts[rng() % texts.size()];
      copy.replace(copy.find(' ', copy.size() / 2), 1, " w" + std::to_string(rng() % 20000) + " ");
      texts.push_back(copy);
    } else {
      texts.push_back(text_of(rng, 40 + rng() % 200));
    }
  }
  const MinHashParams params;
  NearIndex one_pass(params, 0.7);
  UnionFind one_pass_clusters;
  for (const std::string& text : texts) {
    std::vector<uint64_t> words;
    word_hashes(text, words);
    one_pass_clusters.add();
    ASSERT_TRUE(one_pass.add(words, one_pass_clusters));
  }
  NearIndex merged(params, 0.7);
  UnionFind merged_clusters;
  size_t joined = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    MinHasher shard_hasher(params);  // a shard's own, as --partial makes them
    std::vector<uint64_t> words;
    word_hashes(texts[i], words);
    std::vector<uint32_t> signature(params.permutations);
    ASSERT_TRUE(shard_hasher.sign(words, signature.data()));
    merged_clusters.add();
    merged.add_signature(signature.data(), merged_clusters);
  }
  for (uint32_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(merged_clusters.find(i), merged_clusters.find(merged_clusters.find(i)));
    for (uint32_t j = 0; j < i; ++j) {
      const bool together = one_pass_clusters.find(i) == one_pass_clusters.find(j);
      joined += together;
      EXPECT_EQ(merged_clusters.find(i) == merged_clusters.find(j), together) << i << " " << j;
      if (together) {
        EXPECT_EQ(merged.similarity(i, j), one_pass.similarity(i, j));
      }
    }
  }
  EXPECT_GT(joined, 50u);  // the planted copies were found: the comparison is not vacuous
}

// --decisions finds an input by its name as the decisions hold it: a name that is not UTF-8
// reads back from a state with U+FFFD, which name_as_written gives too.
TEST(DedupState, NamesAsWritten) {
  EXPECT_EQ(name_as_written("shards/a \"1\".ndjson"), "shards/a \"1\".ndjson");
  const std::string latin1 = "caf\xE9.ndjson";
  EXPECT_EQ(name_as_written(latin1), "caf\xEF\xBF\xBD.ndjson");
  StateRecord record;
  record.source = latin1;
  EXPECT_NE(round_trip(record, 256).source, latin1);  // control: the raw name does not come back
  EXPECT_EQ(round_trip(record, 256).source, name_as_written(latin1));
}

TEST(DedupState, Hex64) {
  std::string text;
  append_hex64(text, 0x00000000DEADBEEFULL);
  EXPECT_EQ(text, "00000000deadbeef");
  rapidjson::Value value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
  uint64_t out = 0;
  EXPECT_TRUE(parse_hex64(&value, out));
  EXPECT_EQ(out, 0xDEADBEEFULL);
  rapidjson::Value upper("00000000DEADBEEF");
  EXPECT_FALSE(parse_hex64(&upper, out));
  EXPECT_FALSE(parse_hex64(nullptr, out));
}

}  // namespace
