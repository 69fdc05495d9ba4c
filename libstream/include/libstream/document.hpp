// A DOM parse of one record, for tools that inspect content (trace-validate, and later
// normalize, filter, pair, stats). In situ on a private copy, with one memory pool cleared
// before each record, so memory stays flat however many records pass (style.md, rapidjson
// gotcha 1). Numbers are parsed at full precision; tools that pass records through still
// write the original bytes.
#pragma once

#include <libstream/json.hpp>

#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace libstream {

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
  std::optional<rapidjson::Document> document_;  // a fresh Document per record
};

/// The member `name` of `object`; nullptr when `object` is not an object or lacks it.
[[nodiscard]] const rapidjson::Value* find_member(const rapidjson::Value& object, const char* name);

/// As find_member(), but a null member counts as absent: trace/v1's "missing means absent or null".
[[nodiscard]] const rapidjson::Value* find_present(const rapidjson::Value& object, const char* name);

/// The value at a dotted path ("info.score", "turns.0.reward": numbers index arrays);
/// nullptr when any step is missing.
[[nodiscard]] const rapidjson::Value* find_path(const rapidjson::Value& root, std::string_view path);

/// The bytes of a string value (which must be a string).
[[nodiscard]] inline std::string_view string_of(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

}  // namespace libstream
