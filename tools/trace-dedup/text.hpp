// trace-dedup's view of a record's text: which text is compared (all message text, assistant
// text, a field), how it is cut into words, its normalised exact hash, and the index of eval
// n-grams for decontamination. Unit-tested in tests/unit/dedup_test.cpp.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tracemill::dedup {

enum class TextScope { all, assistant };

/// What text of a record is compared: with `field` set, every string at that dotted path
/// (the string itself, or each string inside an array or object, in document order);
/// otherwise the text of `messages` (each message's string content, the `text` of its content
/// parts, and its tool calls' function names and arguments), of every message or of the
/// assistant messages only. Pieces are joined with '\n'.
struct TextSelection {
  TextScope scope = TextScope::all;
  std::string field;
};

/// Appends the selected text of `record` to `out`. False, with `problem` set, when the record
/// lacks what the selection reads (no `messages` array, nothing at the field path).
[[nodiscard]] bool collect_text(const rapidjson::Value& record, const TextSelection& selection, std::string& out,
                                std::string& problem);

/// Appends every string inside `value` (member names left out), in document order, each
/// followed by '\n'.
void collect_strings(const rapidjson::Value& value, std::string& out);

/// True for the bytes words are made of: ASCII letters and digits, and every byte >= 0x80, so
/// that letters written in UTF-8 stay inside their word (no Unicode tables: an accented letter
/// is a word byte, and so is a non-ASCII punctuation mark).
[[nodiscard]] inline bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/// Appends the hash of each word of `text` to `words`: words are maximal runs of word bytes,
/// ASCII letters lowercased; a word's hash is libstream's stable_hash of its lowercased bytes.
void word_hashes(std::string_view text, std::vector<uint64_t>& words);

/// The hash of `n` consecutive word hashes (order matters): the shingle and n-gram key.
[[nodiscard]] uint64_t window_hash(const uint64_t* words, size_t n);

/// The exact-duplicate key: libstream's stable_hash of the text with every run of ASCII
/// whitespace (space, tab, LF, CR, VT, FF) made one space, leading and trailing whitespace
/// dropped and ASCII letters lowercased. Nothing else changes (punctuation, other bytes).
[[nodiscard]] uint64_t normalized_hash(std::string_view text);

/// The n-grams of eval texts, and which eval item each came from. An eval text shorter than
/// `n` words is one n-gram of its own length, so short answers are still found.
class NgramIndex {
 public:
  explicit NgramIndex(size_t n) : n_(n) {}
  /// Adds the n-grams of `text` as belonging to eval item `item`. The first item holding an
  /// n-gram keeps it.
  void add(std::string_view text, uint32_t item);
  /// The item of the first n-gram of `words` (word_hashes of a record's text) found in the
  /// index, in text order, longest n-grams first; nullopt when none is.
  [[nodiscard]] std::optional<uint32_t> find(const std::vector<uint64_t>& words) const;
  [[nodiscard]] size_t size() const { return grams_.size(); }
  [[nodiscard]] bool empty() const { return grams_.empty(); }

 private:
  size_t n_;
  std::unordered_map<uint64_t, uint32_t> grams_;
  std::vector<size_t> lengths_;  // n, then the shorter lengths seen, descending
  std::vector<uint64_t> words_;
};

}  // namespace tracemill::dedup
