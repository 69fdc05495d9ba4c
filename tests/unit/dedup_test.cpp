// trace-dedup's modules: text selection, words and normalisation, MinHash, LSH, union-find,
// n-gram decontamination, and the quality of near-duplicate detection on planted pairs.
#include "minhash.hpp"
#include "text.hpp"

#include <libstream/document.hpp>
#include <libstream/hash.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace tracemill::dedup;

std::vector<uint64_t> words_of(std::string_view text) {
  std::vector<uint64_t> words;
  word_hashes(text, words);
  return words;
}

std::string text_of(const char* json, const TextSelection& selection) {
  libstream::DocumentParser parser;
  const rapidjson::Value* root = parser.parse(json, std::char_traits<char>::length(json), nullptr);
  EXPECT_NE(root, nullptr);
  std::string text, problem;
  EXPECT_TRUE(collect_text(*root, selection, text, problem)) << problem;
  return text;
}

// ---------------------------------------------------------------------------------------
// Text selection

TEST(DedupText, AllMessagesTakeContentPartsAndToolCalls) {
  const char* session =
      R"({"session_id":"s","messages":[{"role":"system","content":"Be brief."},)"
      R"({"role":"user","content":[{"type":"text","text":"Look"},{"type":"image_url","image_url":{"url":"x"}}]},)"
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"move","arguments":"{\"to\":1}"}}]},)"
      R"({"role":"tool","tool_call_id":"c","content":"ok"}]})";
  EXPECT_EQ(text_of(session, {}), "Be brief.\nLook\nmove\n{\"to\":1}\nok\n");
  TextSelection assistant;
  assistant.scope = TextScope::assistant;
  EXPECT_EQ(text_of(session, assistant), "move\n{\"to\":1}\n");
}

TEST(DedupText, FieldTakesEveryStringInside) {
  TextSelection field;
  field.field = "task";
  EXPECT_EQ(text_of(R"({"task":{"title":"A","steps":["b",{"c":"d"},3]}})", field), "A\nb\nd\n");
  field.field = "task.steps.0";
  EXPECT_EQ(text_of(R"({"task":{"title":"A","steps":["b",{"c":"d"},3]}})", field), "b\n");
}

TEST(DedupText, MissingTextIsAProblem) {
  libstream::DocumentParser parser;
  const char* json = R"({"session_id":"s"})";
  const rapidjson::Value* root = parser.parse(json, std::char_traits<char>::length(json), nullptr);
  std::string text, problem;
  EXPECT_FALSE(collect_text(*root, {}, text, problem));
  EXPECT_NE(problem.find("messages"), std::string::npos);
  TextSelection field;
  field.field = "prompt";
  EXPECT_FALSE(collect_text(*root, field, text, problem));
  EXPECT_NE(problem.find("prompt"), std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Words and normalisation

TEST(DedupWords, RunsOfLettersAndDigitsLowercased) {
  const std::vector<uint64_t> words = words_of("  Hello, WORLD-42 caf\xc3\xa9!\n");
  ASSERT_EQ(words.size(), 4u);
  EXPECT_EQ(words[0], libstream::stable_hash("hello"));
  EXPECT_EQ(words[1], libstream::stable_hash("world"));
  EXPECT_EQ(words[2], libstream::stable_hash("42"));
  EXPECT_EQ(words[3], libstream::stable_hash("caf\xc3\xa9"));  // UTF-8 bytes stay in the word
  EXPECT_TRUE(words_of(" ,.;- \n").empty());
}

TEST(DedupNormalise, WhitespaceAndAsciiCaseOnly) {
  const uint64_t h = normalized_hash("the quick brown fox");
  EXPECT_EQ(h, libstream::stable_hash("the quick brown fox"));
  EXPECT_EQ(normalized_hash("  The\tQUICK \n\n brown  fox \r\n"), h);
  // Negative controls: punctuation, non-ASCII case and word boundaries still count.
  EXPECT_NE(normalized_hash("the quick brown fox."), h);
  EXPECT_NE(normalized_hash("thequick brown fox"), h);
  EXPECT_NE(normalized_hash("\xc3\x89t\xc3\xa9"), normalized_hash("\xc3\xa9t\xc3\xa9"));
  EXPECT_EQ(normalized_hash(""), normalized_hash(" \n\t"));
}

TEST(DedupWords, WindowHashDependsOnOrder) {
  const std::vector<uint64_t> ab = words_of("alpha beta"), ba = words_of("beta alpha");
  EXPECT_EQ(window_hash(ab.data(), 2), window_hash(words_of("ALPHA, beta").data(), 2));
  EXPECT_NE(window_hash(ab.data(), 2), window_hash(ba.data(), 2));
  const std::vector<uint64_t> aa = words_of("alpha alpha alpha");
  EXPECT_NE(window_hash(aa.data(), 2), window_hash(aa.data(), 3));
}

// ---------------------------------------------------------------------------------------
// MinHash, LSH, union-find

std::string random_text(std::mt19937_64& rng, size_t words, size_t vocabulary = 20000) {
  std::string text;
  for (size_t i = 0; i < words; ++i) {
    text += "w" + std::to_string(rng() % vocabulary) + " ";
  }
  return text;
}

TEST(DedupMinHash, IdenticalTextsIdenticalSignatures) {
  MinHasher hasher({5, 128, 32});
  std::mt19937_64 rng(1);
  const std::string text = random_text(rng, 200);
  std::vector<uint32_t> a(128), b(128);
  ASSERT_TRUE(hasher.sign(words_of(text), a.data()));
  ASSERT_TRUE(hasher.sign(words_of(text), b.data()));
  EXPECT_EQ(a, b);
  EXPECT_FALSE(hasher.sign(words_of("  ...  "), a.data()));
}

TEST(DedupMinHash, ShortTextsAreDensified) {
  MinHasher hasher({5, 128, 32});
  std::vector<uint32_t> a(128), b(128), c(128);
  ASSERT_TRUE(hasher.sign(words_of("one two"), a.data()));  // one shingle, 127 empty bins
  ASSERT_TRUE(hasher.sign(words_of("one two"), b.data()));
  ASSERT_TRUE(hasher.sign(words_of("one three"), c.data()));
  EXPECT_EQ(a, b);
  EXPECT_DOUBLE_EQ(estimate_jaccard(a.data(), b.data(), 128), 1.0);
  EXPECT_LT(estimate_jaccard(a.data(), c.data(), 128), 0.05);
}

TEST(DedupMinHash, EstimateTracksExactJaccard) {
  // On 300 pairs over the whole range of similarity, the estimate from 128 values stays within
  // 4.5 standard errors of the exact Jaccard of the shingle sets, and is unbiased on average.
  MinHasher hasher({5, 128, 32});
  std::mt19937_64 rng(7);
  std::vector<uint32_t> a(128), b(128);
  double bias = 0;
  for (int pair = 0; pair < 300; ++pair) {
    std::vector<std::string> words;
    std::string base = random_text(rng, 50 + rng() % 300);
    std::string copy;
    const double keep = static_cast<double>(rng() % 1000) / 1000.0;
    size_t start = 0;
    while (start < base.size()) {
      const size_t end = base.find(' ', start);
      copy += (static_cast<double>(rng() % 1000) / 1000.0 < keep ? base.substr(start, end - start) : "x" + std::to_string(rng())) + " ";
      start = end + 1;
    }
    const double exact = exact_jaccard(base, copy, 5);
    ASSERT_TRUE(hasher.sign(words_of(base), a.data()));
    ASSERT_TRUE(hasher.sign(words_of(copy), b.data()));
    const double estimate = estimate_jaccard(a.data(), b.data(), 128);
    const double error = std::sqrt(std::max(exact * (1 - exact), 0.01) / 128);
    EXPECT_NEAR(estimate, exact, 4.5 * error) << "pair " << pair;
    bias += estimate - exact;
  }
  EXPECT_NEAR(bias / 300, 0.0, 0.01);
}

TEST(DedupMinHash, BandKeysChangeWithTheirRowsOnly) {
  MinHasher hasher({5, 128, 32});
  ASSERT_EQ(hasher.rows(), 4u);
  std::vector<uint32_t> signature(128);
  for (uint32_t i = 0; i < 128; ++i) signature[i] = i * 2654435761u;
  std::vector<uint64_t> before(32), after(32);
  hasher.band_keys(signature.data(), before.data());
  signature[9] ^= 1;  // row 1 of band 2
  hasher.band_keys(signature.data(), after.data());
  for (size_t band = 0; band < 32; ++band) {
    if (band == 2) {
      EXPECT_NE(before[band], after[band]);
    } else {
      EXPECT_EQ(before[band], after[band]) << band;
    }
  }
  // Equal rows in different bands give different keys (no collisions across bands).
  std::vector<uint32_t> flat(128, 5);
  hasher.band_keys(flat.data(), after.data());
  EXPECT_EQ(std::set<uint64_t>(after.begin(), after.end()).size(), 32u);
}

TEST(DedupUnionFind, JoinsTransitivelyAndCounts) {
  UnionFind sets;
  for (int i = 0; i < 6; ++i) sets.add();
  EXPECT_TRUE(sets.unite(0, 3));
  EXPECT_TRUE(sets.unite(3, 5));
  EXPECT_FALSE(sets.unite(5, 0));
  EXPECT_EQ(sets.find(0), sets.find(5));
  EXPECT_NE(sets.find(0), sets.find(1));  // negative control
  EXPECT_EQ(sets.set_size(3), 3u);
  EXPECT_EQ(sets.set_size(4), 1u);
}

TEST(DedupNearIndex, FindsCloseCopiesAndNotStrangers) {
  NearIndex index({}, 0.7);
  UnionFind clusters;
  std::mt19937_64 rng(3);
  const std::string base = random_text(rng, 300);
  std::string close = base;
  close.replace(close.find(' ', close.size() / 2), 1, " inserted ");  // one word more
  const std::string stranger = random_text(rng, 300);
  for (const std::string* text : std::vector<const std::string*>{&base, &stranger, &close}) {
    clusters.add();
    ASSERT_TRUE(index.add(words_of(*text), clusters));
  }
  EXPECT_EQ(clusters.find(0), clusters.find(2));
  EXPECT_NE(clusters.find(0), clusters.find(1));
  EXPECT_GE(index.similarity(0, 2), 0.9);
  clusters.add();
  EXPECT_FALSE(index.add(words_of("!!"), clusters));
  EXPECT_FALSE(index.has_signature(3));
}

TEST(DedupNearIndex, ThresholdOneMatchesOnlyIdenticalSets) {
  NearIndex index({}, 1.0);
  UnionFind clusters;
  std::mt19937_64 rng(4);
  const std::string base = random_text(rng, 300);
  std::string close = base;
  close.replace(close.find(' ', close.size() / 2), 1, " inserted ");
  for (const std::string& text : {base, close, base + " "}) {
    clusters.add();
    ASSERT_TRUE(index.add(words_of(text), clusters));
  }
  EXPECT_NE(clusters.find(0), clusters.find(1));
  EXPECT_EQ(clusters.find(0), clusters.find(2));
}

// Past its memory budget the index spills signatures and buckets; finish() must then find the
// clusters add() finds in memory, whether it spills at the first record or halfway.
TEST(DedupNearIndex, SpillingFindsTheSameClusters) {
  std::mt19937_64 rng(5);
  std::vector<std::string> docs;
  for (int i = 0; i < 300; ++i) {
    if (i > 0 && rng() % 3 == 0) {
      std::string copy = docs[rng() % docs.size()];
      copy.replace(copy.find(' ', copy.size() / 2), 1, " w" + std::to_string(rng() % 1000) + " ");
      docs.push_back(copy);
    } else {
      docs.push_back(random_text(rng, 80));
    }
  }
  const auto run = [&docs](size_t budget, double threshold, bool& spilled, std::vector<double>& similar) {
    NearIndex index({}, threshold, budget);
    UnionFind clusters;
    for (const std::string& doc : docs) {
      clusters.add();
      if (clusters.size() % 50 == 0) {
        index.skip();  // a record without a signature, as an exact repeat is
      } else {
        index.add(words_of(doc), clusters);
      }
    }
    index.finish(clusters);
    spilled = index.spilled();
    std::vector<uint32_t> roots;
    similar.clear();
    for (uint32_t i = 0; i < docs.size(); ++i) {
      roots.push_back(clusters.find(i));
      if (i > 0 && index.has_signature(i) && index.has_signature(i - 1)) similar.push_back(index.similarity(i - 1, i));
    }
    // Roots differ with the order of unions: number the clusters by their first member.
    constexpr uint32_t none = 0xffffffff;
    std::vector<uint32_t> first(docs.size(), none), numbered;
    for (const uint32_t root : roots) {
      if (first[root] == none) first[root] = static_cast<uint32_t>(numbered.size());
      numbered.push_back(first[root]);
    }
    return numbered;
  };
  bool spilled = false;
  std::vector<double> memory_similar, similar;
  const std::vector<uint32_t> in_memory = run(std::numeric_limits<size_t>::max(), 0.7, spilled, memory_similar);
  EXPECT_FALSE(spilled);
  std::set<uint32_t> distinct(in_memory.begin(), in_memory.end());
  EXPECT_LT(distinct.size(), docs.size() * 9 / 10);  // copies were found
  // 0: spills at the first record; 4.2 MiB: at about the 190th (one chunk of signatures is 4 MiB).
  for (const size_t budget : {size_t{0}, (size_t{4} << 20) + (size_t{200} << 10)}) {
    EXPECT_EQ(run(budget, 0.7, spilled, similar), in_memory) << budget;
    EXPECT_TRUE(spilled) << budget;
    EXPECT_EQ(similar, memory_similar) << budget;
  }
  // Negative control: another threshold finds other clusters, spilled or not.
  EXPECT_NE(run(0, 1.0, spilled, similar), in_memory);
}

// ---------------------------------------------------------------------------------------
// Decontamination

TEST(DedupNgram, FindsASharedThirteenWordRunOnly) {
  std::mt19937_64 rng(5);
  const std::string eval = random_text(rng, 40);
  NgramIndex index(13);
  index.add(eval, 0);
  index.add("another item with other words entirely", 1);  // shorter than 13: one 6-gram
  std::vector<uint64_t> eval_words = words_of(eval);
  // A record quoting words 10..22 of the eval item (13 words), in different case and spacing.
  std::string quote;
  size_t start = 0;
  for (int skip = 0; skip < 10; ++skip) start = eval.find(' ', start) + 1;
  size_t end = start;
  for (int take = 0; take < 13; ++take) end = eval.find(' ', end) + 1;
  std::string upper = eval.substr(start, end - start);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string record = random_text(rng, 30) + "\n" + upper + "\t" + random_text(rng, 30);
  ASSERT_TRUE(index.find(words_of(record)).has_value());
  EXPECT_EQ(*index.find(words_of(record)), 0u);
  // Negative controls: 12 of those words are not enough; the same words reordered are not.
  const size_t cut = upper.rfind(' ', upper.size() - 2);
  EXPECT_FALSE(index.find(words_of(random_text(rng, 30) + " " + upper.substr(0, cut) + " zz " + random_text(rng, 30))).has_value());
  EXPECT_FALSE(index.find(words_of(random_text(rng, 60))).has_value());
  // The short item is found whole, and not from a part of it.
  EXPECT_EQ(index.find(words_of("so: Another item, with other words ENTIRELY!")).value_or(9), 1u);
  EXPECT_FALSE(index.find(words_of("another item with other words")).has_value());
}

TEST(DedupNgram, FindsEveryPlantedOverlapAndNothingElse) {
  std::mt19937_64 rng(11);
  NgramIndex index(13);
  std::vector<std::vector<std::string>> items;
  for (uint32_t item = 0; item < 100; ++item) {
    std::vector<std::string> words;
    std::string text;
    for (int w = 0; w < 40; ++w) {
      words.push_back("e" + std::to_string(rng() % 20000));
      text += words.back() + " ";
    }
    index.add(text, item);
    items.push_back(words);
  }
  size_t planted = 0;
  for (size_t record = 0; record < 500; ++record) {
    std::string text = random_text(rng, 50);
    const bool plant = record % 5 == 0;
    const size_t item = record % 100;
    if (plant) {
      const size_t start = rng() % (40 - 13 + 1);
      for (size_t w = start; w < start + 13; ++w) text += items[item][w] + " ";
      ++planted;
    }
    text += random_text(rng, 50);
    const std::optional<uint32_t> found = index.find(words_of(text));
    if (plant) {
      ASSERT_TRUE(found.has_value()) << record;
      EXPECT_EQ(*found, item);
    } else {
      EXPECT_FALSE(found.has_value()) << record;
    }
  }
  EXPECT_EQ(planted, 100u);
}

// ---------------------------------------------------------------------------------------
// Quality: planted near-duplicate pairs, precision and recall against exact Jaccard.

struct Quality {
  double precision = 0;
  double recall = 0;
  size_t truth = 0;
  size_t found = 0;
};

// 4000 documents of 50-400 words over a 20,000-word vocabulary; 3000 of them get a copy with a
// word edit rate of 0-30% (substitutions, deletions, insertions; rate i % 31 percent).
std::vector<std::string> planted_set(std::vector<std::pair<size_t, size_t>>& pairs) {
  std::mt19937_64 rng(42);
  std::vector<std::string> docs;
  for (int i = 0; i < 4000; ++i) docs.push_back(random_text(rng, 50 + rng() % 351));
  for (size_t i = 0; i < 3000; ++i) {
    const double rate = static_cast<double>(i % 31) / 100.0;
    std::string copy;
    const std::string& base = docs[i];
    size_t start = 0;
    while (start < base.size()) {
      const size_t end = base.find(' ', start);
      const std::string word = base.substr(start, end - start);
      start = end + 1;
      if (static_cast<double>(rng() % 100000) / 100000.0 >= rate) {
        copy += word + " ";
        continue;
      }
      switch (rng() % 4) {
        case 0:
        case 1: copy += "w" + std::to_string(rng() % 20000) + " "; break;  // substitution
        case 2: break;                                                    // deletion
        default: copy += word + " w" + std::to_string(rng() % 20000) + " ";  // insertion
      }
    }
    pairs.emplace_back(i, docs.size());
    docs.push_back(copy);
  }
  return docs;
}

Quality measure(const std::vector<std::string>& docs, const std::vector<std::pair<size_t, size_t>>& pairs,
                const MinHashParams& params, double threshold) {
  NearIndex index(params, threshold);
  UnionFind clusters;
  for (const std::string& doc : docs) {
    clusters.add();
    index.add(words_of(doc), clusters);
  }
  std::set<std::pair<size_t, size_t>> truth, found;
  for (const auto& [a, b] : pairs) {
    if (exact_jaccard(docs[a], docs[b], params.shingle) >= threshold) truth.insert({a, b});
  }
  std::vector<std::vector<size_t>> members(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) members[clusters.find(static_cast<uint32_t>(i))].push_back(i);
  for (const auto& cluster : members) {
    for (size_t x = 0; x < cluster.size(); ++x) {
      for (size_t y = x + 1; y < cluster.size(); ++y) found.insert({cluster[x], cluster[y]});
    }
  }
  size_t correct = 0;
  for (const auto& pair : found) {
    if (truth.count(pair) != 0) {
      ++correct;
    } else if (exact_jaccard(docs[pair.first], docs[pair.second], params.shingle) >= threshold) {
      truth.insert(pair);  // similar without being planted: it counts as a true pair
      ++correct;
    }
  }
  Quality q;
  q.truth = truth.size();
  q.found = found.size();
  q.precision = found.empty() ? 1.0 : static_cast<double>(correct) / static_cast<double>(found.size());
  q.recall = truth.empty() ? 1.0 : static_cast<double>(correct) / static_cast<double>(truth.size());
  return q;
}

TEST(DedupQuality, PlantedPairsAtTheDefaultThreshold) {
  std::vector<std::pair<size_t, size_t>> pairs;
  const std::vector<std::string> docs = planted_set(pairs);
  const MinHashParams defaults;
  const double threshold = 0.7;  // DedupOptions' default, chosen from this measurement
  for (const double t : {0.6, 0.8}) {  // beside the default, for the record (bench/RESULTS.md)
    const Quality q = measure(docs, pairs, defaults, t);
    std::printf("threshold %.1f: %zu true pairs, %zu found, precision %.3f, recall %.3f\n", t, q.truth, q.found,
                q.precision, q.recall);
  }
  const Quality q = measure(docs, pairs, defaults, threshold);
  std::printf("threshold %.1f: %zu true pairs, %zu found, precision %.3f, recall %.3f\n", threshold, q.truth, q.found,
              q.precision, q.recall);
  EXPECT_GE(q.precision, 0.95);
  EXPECT_GE(q.recall, 0.95);
  EXPECT_GT(q.truth, 50u);  // the set does hold pairs on both sides of the threshold
  EXPECT_LT(q.truth, pairs.size() / 2);
  // Negative control: with one band of all 256 rows, LSH proposes only identical signatures,
  // and recall must fall below the bar.
  EXPECT_LT(measure(docs, pairs, {5, 256, 1}, threshold).recall, 0.95);
}

}  // namespace
