// trace-dedup's text, exact-key and MinHash modules on any bytes (the text a record selects when
// they are a JSON record, else the bytes themselves): nothing crashes; word hashes, signatures
// and band keys are deterministic; a record is a duplicate of itself: its exact key survives
// extra whitespace and ASCII case changes, its signature agrees with itself everywhere, its
// exact Jaccard with itself is 1, and added twice to the near-duplicate index the two copies
// end in one cluster.
#include "fuzz_check.hpp"

#include "minhash.hpp"
#include "text.hpp"

#include <libstream/document.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

// The same text with each ASCII whitespace byte doubled, ASCII letters upper-cased and
// whitespace around it: the exact key must not see the difference.
std::string respaced(std::string_view text) {
  std::string out = " \t";
  for (const char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    if (space) out += ' ';
    out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  out += "\r\n";
  return out;
}

// The near-duplicate index is checked with the small parameters only: each NearIndex zero-fills
// a chunk of 4,096 signatures, 4 MiB with the default 256 values, which made 8 runs a second.
void check_text(std::string_view text, const tracemill::dedup::MinHashParams& params, bool with_index) {
  using namespace tracemill::dedup;
  FUZZ_CHECK(normalized_hash(text) == normalized_hash(std::string(text)));
  FUZZ_CHECK(normalized_hash(respaced(text)) == normalized_hash(text));
  std::vector<uint64_t> words;
  std::vector<uint64_t> words_again;
  word_hashes(text, words);
  word_hashes(text, words_again);
  FUZZ_CHECK(words == words_again);
  FUZZ_CHECK(exact_jaccard(text, text, params.shingle) == 1.0);

  MinHasher hasher(params);
  std::vector<uint32_t> signature(params.permutations);
  std::vector<uint32_t> signature_again(params.permutations);
  const bool signed_once = hasher.sign(words, signature.data());
  FUZZ_CHECK(signed_once == !words.empty());
  FUZZ_CHECK(hasher.sign(words, signature_again.data()) == signed_once);
  if (signed_once) {
    FUZZ_CHECK(signature == signature_again);
    FUZZ_CHECK(estimate_jaccard(signature.data(), signature_again.data(), params.permutations) == 1.0);
    std::vector<uint64_t> keys(params.bands);
    std::vector<uint64_t> keys_again(params.bands);
    hasher.band_keys(signature.data(), keys.data());
    hasher.band_keys(signature_again.data(), keys_again.data());
    FUZZ_CHECK(keys == keys_again);
  }

  if (!with_index) return;
  NearIndex index(params, 0.7);
  UnionFind clusters;
  clusters.add();
  const bool added = index.add(words, clusters);
  clusters.add();
  FUZZ_CHECK(index.add(words, clusters) == added);
  if (added) {
    FUZZ_CHECK(clusters.find(0) == clusters.find(1));
    FUZZ_CHECK(index.similarity(0, 1) == 1.0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const tracemill::dedup::MinHashParams defaults;
  const tracemill::dedup::MinHashParams small{2, 16, 4};
  rapidjson::Document record;
  if (!libstream::parse_embedded_json(input, record)) {
    check_text(input, defaults, false);
    check_text(input, small, true);
    return 0;
  }
  for (const tracemill::dedup::TextScope scope : {tracemill::dedup::TextScope::all, tracemill::dedup::TextScope::assistant}) {
    std::string text;
    std::string problem;
    if (tracemill::dedup::collect_text(record, {scope, ""}, text, problem)) {
      check_text(text, defaults, false);
      check_text(text, small, true);
    } else {
      FUZZ_CHECK(!problem.empty());
    }
  }
  std::string strings;
  tracemill::dedup::collect_strings(record, strings);
  check_text(strings, small, true);
  return 0;
}
