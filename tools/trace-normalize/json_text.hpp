// Small JSON helpers every dialect uses: compact text of a value, quoting, typed reads that
// say "absent" instead of guessing, and JSON held inside strings.
#pragma once

#include <libstream/document.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracemill::normalize {

using libstream::find_member;
using libstream::find_present;
using libstream::string_of;
using rapidjson::Value;

/// The compact JSON of `value` in a buffer shared by every call (valid until the next one).
rapidjson::StringBuffer& serialise(const Value& value);
std::string json_of(const Value& value);
std::string quote(std::string_view text);
/// A value as plain text: a string's own text, anything else its compact JSON.
std::string text_or_json(const Value& value);
/// A value as a JSON string (trace/v1 message content): a string as it is, anything else its
/// compact JSON as the string's text.
std::string string_or_quoted_json(const Value& value);
std::string number_json(double value);

std::optional<std::string_view> text(const Value* value);
/// An integer, from an integral number or a string of digits; absent otherwise.
std::optional<int64_t> integer(const Value* value);
/// A finite number; absent otherwise.
std::optional<double> number(const Value* value);
/// Member `name` of `object`, or of the nested object `inner` ("time_record").
const Value* field(const Value& object, const char* name, const char* inner = nullptr);

/// `prefix` followed by the 16 hex digits of `hash`: ids made for sources that have none.
std::string hex_id(std::string_view prefix, uint64_t hash);
/// An id for a source value that has none: `prefix` and the content hash (libstream/hash.hpp)
/// of its compact JSON.
std::string content_id(std::string_view prefix, const Value& value);
std::string names_json(const std::vector<std::string>& names);
std::string array_json(const std::vector<std::string>& items);

/// Turns a JSON object written as a string (v3 TEXT columns, DuckDB JSON exported as text)
/// into a value. The parses of one record share one memory pool, freed with the Embedded.
class Embedded {
 public:
  /// `value` itself if not a string; its parse if a string holding an object or array.
  const Value* resolve(const Value* value);

 private:
  rapidjson::MemoryPoolAllocator<> pool_;
  std::deque<rapidjson::Document> documents_;
};

}  // namespace tracemill::normalize
