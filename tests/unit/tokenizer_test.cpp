// The tokenizer's pieces: the heap merge equals tiktoken's quadratic merge, invalid UTF-8 is
// replaced as documented, model names map to encodings, a missing vocabulary is a clear error.
// Token ids against tiktoken itself: tests/tokenizer/compare.sh.
#include <libstream/error.hpp>
#include <libstream/tokenizer.hpp>

#include "../../libstream/src/bpe.hpp"
#include "../../libstream/src/pretokenizer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <string>

namespace {

std::shared_ptr<const libstream::Tokenizer> load_or_skip(const std::string& encoding) {
  const std::string dir = libstream::default_vocab_dir();
  if (!std::ifstream(dir + "/" + encoding + ".json")) return nullptr;
  return libstream::Tokenizer::load(encoding, dir);
}

// A toy rank table: every byte, then merges that make equal ranks and chains likely.
libstream::bpe::RankTable toy_table() {
  libstream::bpe::RankTable table;
  uint32_t rank = 0;
  for (int byte = 0; byte < 256; ++byte) table.add(std::string(1, static_cast<char>(byte)), rank++);
  for (const char* token : {"ab", "ba", "aa", "bb", "abab", "aab", "baa", "aaaa", "abba", "bab", "aaa", "bbb", "ca",
                            "cab", "abc", "bcab"}) {
    table.add(token, rank++);
  }
  table.build();
  return table;
}

TEST(Bpe, HeapMergeEqualsQuadraticMerge) {
  const auto table = toy_table();
  std::mt19937 random(15);
  std::vector<uint32_t> quadratic, heap;
  for (int round = 0; round < 3000; ++round) {
    std::string piece(1 + random() % 300, 'a');
    for (char& c : piece) c = "abc"[random() % (round % 3 == 0 ? 2 : 3)];
    libstream::bpe::merge_quadratic(table, piece, quadratic);
    libstream::bpe::merge_heap(table, piece, heap);
    ASSERT_EQ(quadratic, heap) << piece;
  }
}

TEST(Bpe, NegativeControlADifferentTableMergesDifferently) {
  const auto table = toy_table();
  libstream::bpe::RankTable bytes_only;
  for (int byte = 0; byte < 256; ++byte) bytes_only.add(std::string(1, static_cast<char>(byte)), static_cast<uint32_t>(byte));
  bytes_only.build();
  std::vector<uint32_t> a, b;
  libstream::bpe::merge_quadratic(table, "ababab", a);
  libstream::bpe::merge_heap(bytes_only, "ababab", b);
  EXPECT_NE(a, b);
}

TEST(Tokenizer, RepairsInvalidUtf8AsDocumented) {
  std::string storage;
  EXPECT_EQ(libstream::repair_utf8("plain ascii", storage), "plain ascii");
  EXPECT_EQ(libstream::repair_utf8("a\xFF" "b", storage), "a\xEF\xBF\xBD" "b");
  // A truncated 3-byte sequence is one U+FFFD (its maximal subpart), then the next byte.
  EXPECT_EQ(libstream::repair_utf8("\xE2\x82" "x", storage), "\xEF\xBF\xBD" "x");
  // An overlong lead is invalid alone, each continuation byte too.
  EXPECT_EQ(libstream::repair_utf8("\xC0\xAF", storage), "\xEF\xBF\xBD\xEF\xBF\xBD");
  // A surrogate's three bytes (a JSON \udc00) are one U+FFFD.
  EXPECT_EQ(libstream::repair_utf8("\xED\xB0\x80!", storage), "\xEF\xBF\xBD!");
  EXPECT_EQ(libstream::repair_utf8("\xF0\x9F\x98\x80", storage), "\xF0\x9F\x98\x80");
}

TEST(Tokenizer, ModelNamesMapToEncodings) {
  EXPECT_EQ(libstream::encoding_for_model("gpt-4.1-mini"), "o200k_base");
  EXPECT_EQ(libstream::encoding_for_model("gpt-4o-2024-08-06"), "o200k_base");
  EXPECT_EQ(libstream::encoding_for_model("o3-mini"), "o200k_base");
  EXPECT_EQ(libstream::encoding_for_model("ft:gpt-4o-mini-2024-07-18:org::abc"), "o200k_base");
  EXPECT_EQ(libstream::encoding_for_model("gpt-4"), "cl100k_base");
  EXPECT_EQ(libstream::encoding_for_model("gpt-4-turbo"), "cl100k_base");
  EXPECT_EQ(libstream::encoding_for_model("gpt-3.5-turbo-0125"), "cl100k_base");
  EXPECT_EQ(libstream::encoding_for_model("o100"), "");
  EXPECT_EQ(libstream::encoding_for_model("claude-3-5-sonnet"), "");
}

TEST(Tokenizer, MissingVocabularyIsAClearError) {
  try {
    (void)libstream::Tokenizer::load("o200k_base", "/nonexistent");
    FAIL() << "no error";
  } catch (const libstream::Error& error) {
    EXPECT_EQ(error.where(), "/nonexistent/o200k_base.json");
    EXPECT_NE(std::string(error.what()).find("no vocabulary for o200k_base"), std::string::npos);
  }
}

TEST(Tokenizer, KnownIdsAndRoundTrip) {
  const auto tokenizer = load_or_skip("o200k_base");
  if (!tokenizer) GTEST_SKIP() << "no tiktoken rank files (scripts/install-deps.sh)";
  std::vector<uint32_t> ids;
  tokenizer->encode("hello world   \n\n  x", ids);
  EXPECT_EQ(ids, (std::vector<uint32_t>{24912, 2375, 29104, 220, 1215}));  // tiktoken's answer
  ids.clear();
  tokenizer->encode("a<|endoftext|>", ids, libstream::SpecialTokens::recognised);
  EXPECT_EQ(ids, (std::vector<uint32_t>{64, 199999}));
  EXPECT_EQ(tokenizer->count("a<|endoftext|>"), 8u);  // as text
  ids.clear();
  const std::string text = "Mixed: \xC3\xBCn\xC3\xAF, \xE6\x95\xB0\xE5\xAD\x97 12345, emoji \xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD\n\tend";
  tokenizer->encode(text, ids);
  EXPECT_EQ(tokenizer->decode(ids), text);
}

// Not a timing test: a quadratic merge of this piece would take minutes, the heap a second.
TEST(Tokenizer, LongRunOfOneCharacterIsNotQuadratic) {
  const auto tokenizer = load_or_skip("o200k_base");
  if (!tokenizer) GTEST_SKIP() << "no tiktoken rank files (scripts/install-deps.sh)";
  const std::string run(2'000'000, 'a');
  std::vector<uint32_t> ids;
  tokenizer->encode(run, ids);
  EXPECT_EQ(tokenizer->decode(ids), run);
  EXPECT_LT(ids.size(), run.size() / 4);
}

TEST(Pretokenizer, TranslatesWhiteSpaceToRustsClass) {
  const std::string translated = libstream::Pretokenizer::translate("[^\\s\\p{L}]+|\\s+(?!\\S)");
  EXPECT_EQ(translated.find("\\s"), std::string::npos);
  EXPECT_EQ(translated.find("\\S"), std::string::npos);
  EXPECT_NE(translated.find("\\x{3000}"), std::string::npos);
  EXPECT_EQ(translated.find("\\x{180E}"), std::string::npos);  // PCRE2's \s has it, Rust's has not
}

}  // namespace
