// A DOM parse of one record, for tools that inspect content (trace-validate, and later
// normalize, filter, pair, stats). In situ on a private copy, with one memory pool cleared
// before each record, so memory stays flat however many records pass (docs/style.md,
// "rapidjson"). Numbers are exact: converted from their text with std::from_chars (correctly
// rounded), never by rapidjson's own conversion, which is unsafe on some valid numbers.
// Tools that pass records through still write the original bytes.
//
// Numbers and nesting, decided once for every tool that parses with libstream:
// - an integer that fits int64/uint64 stays an integer; any other number is the nearest double;
// - a magnitude below the smallest double becomes a zero of the same sign (the nearest double);
// - a magnitude past the largest double (1.8e308, 1e400) cannot be held, so the record is refused:
//   "Number too big to be stored in double" (rapidjson's own message, also given for zeros written
//   with an exponent above 308 such as 0e309, and for integer parts of 309 or more digits
//   whatever the exponent, which its reader refuses before conversion);
// - nesting deeper than kMaxJsonDepth is refused ("nesting deeper than 1000 levels"), so a value
//   from these parsers can be walked recursively without overflowing any thread's stack.
#pragma once

#include <libstream/json.hpp>

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace libstream {

/// The deepest nesting of arrays and objects the parsers here accept.
inline constexpr size_t kMaxJsonDepth = 1000;

class DocumentParser {
 public:
  DocumentParser() = default;
  DocumentParser(const DocumentParser&) = delete;
  DocumentParser& operator=(const DocumentParser&) = delete;

  /// Parses [data, data+size). Returns the root value, valid until the next parse(), or
  /// nullptr with `error` filled. With `validate_utf8`, invalid UTF-8 is an error too.
  [[nodiscard]] const rapidjson::Value* parse(const char* data, size_t size, JsonError* error,
                                              bool validate_utf8 = false);

 private:
  // The pool's first block is ours and survives Clear(): records up to its size never cost a
  // fresh allocation (and its page faults); it is only touched as far as records need.
  static constexpr size_t kArenaSize = size_t{8} << 20;
  std::unique_ptr<char[]> arena_{new char[kArenaSize]};
  rapidjson::MemoryPoolAllocator<> pool_{arena_.get(), kArenaSize};
  std::string scratch_;
  rapidjson::Reader reader_;
  std::optional<rapidjson::Document> document_;  // a fresh Document per record
};

/// Parses JSON held in a string (a member whose text is itself JSON, such as a queue record's
/// `status_json`) into `document`, which owns the copy (its strings are copied into its
/// allocator). The same rules as DocumentParser: exact numbers, no NUL byte, nesting at most
/// kMaxJsonDepth, never recursive. On invalid text returns false, fills `error` and leaves
/// `document` null. The one safe way to parse embedded JSON: never call rapidjson's Parse.
[[nodiscard]] bool parse_embedded_json(std::string_view text, rapidjson::Document& document, JsonError* error = nullptr);

/// As parse_embedded_json(), but in situ: `buffer` is decoded where it lies (about 40% faster
/// on string-heavy records) and the document's strings point into it, so `buffer` must stay
/// unchanged while `document` is used. For callers that keep many parsed records at once.
[[nodiscard]] bool parse_json_in_place(std::string& buffer, rapidjson::Document& document, JsonError* error = nullptr);

/// The member `name` of `object`; nullptr when `object` is not an object or lacks it.
[[nodiscard]] const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view name);
/// The same for a C string: inline, so a literal's length is known where it is written
/// (mapping code looks up dozens of literal names per record; strlen on each was 5%).
[[nodiscard]] inline const rapidjson::Value* find_member(const rapidjson::Value& object, const char* name) {
  return find_member(object, std::string_view(name));
}

/// As find_member(), but a null member counts as absent: trace/v1's "missing means absent or null".
[[nodiscard]] inline const rapidjson::Value* find_present(const rapidjson::Value& object, std::string_view name) {
  const rapidjson::Value* value = find_member(object, name);
  return value == nullptr || value->IsNull() ? nullptr : value;
}
[[nodiscard]] inline const rapidjson::Value* find_present(const rapidjson::Value& object, const char* name) {
  return find_present(object, std::string_view(name));
}

/// The value at a dotted path ("info.score", "turns.0.reward": numbers index arrays);
/// nullptr when any step is missing.
[[nodiscard]] const rapidjson::Value* find_path(const rapidjson::Value& root, std::string_view path);

/// The bytes of a string value (which must be a string).
[[nodiscard]] inline std::string_view string_of(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

}  // namespace libstream
