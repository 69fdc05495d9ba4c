// JSON checks and rewrites on one record's bytes, built on rapidjson's SAX reader:
// iterative (no recursion, so 100,000 nested brackets cannot overflow the stack) and with
// numbers kept as their original text (no float round trip, so numbers never drift).
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace libstream {

/// Why a record is not valid JSON: rapidjson's message and the 0-based byte offset.
struct JsonError {
  std::string message;
  size_t offset = 0;
  /// "invalid JSON: <message> (byte N)", N 1-based like a column.
  [[nodiscard]] std::string describe() const;
};

/// Validates records; optionally captures one top-level member's scalar value. A number past
/// the double range is refused, as DocumentParser refuses it (document.hpp); nesting is not
/// limited here (nothing is built).
/// Reuse one instance per stream: its buffers are kept between calls.
class JsonChecker {
 public:
  JsonChecker();
  ~JsonChecker();
  JsonChecker(const JsonChecker&) = delete;
  JsonChecker& operator=(const JsonChecker&) = delete;

  /// True if [data, data+size) is exactly one JSON value (surrounding whitespace allowed).
  [[nodiscard]] bool check(const char* data, size_t size, JsonError* error);
  /// As check(); also, when the value is an object with a top-level member `key` whose
  /// value is a string or number, stores its text (decoded string, or number literal) in
  /// `value` and sets `found`.
  [[nodiscard]] bool check_capture(const char* data, size_t size, std::string_view key, std::string& value,
                                   bool& found, JsonError* error);

 private:
  struct Impl;
  Impl* impl_;
};

/// Appends the compact form of the JSON text [data, data+size) to `out`: no insignificant
/// whitespace, strings re-escaped minimally, numbers byte for byte. On invalid JSON
/// returns false, leaves `out` as it was, and fills `error`.
[[nodiscard]] bool append_compact_json(const char* data, size_t size, std::string& out, JsonError* error);

/// Appends `text` as a JSON string literal (quotes included). Bytes that are not valid
/// UTF-8 are replaced by U+FFFD: use is_valid_utf8() first when that matters.
void append_json_string(std::string& out, std::string_view text);

/// Appends `value` as compact JSON, byte for byte what rapidjson's Writer writes (strings
/// escaped only where it escapes them, bytes from 0x80 as they are, numbers by its own
/// printer), but with string runs copied in bulk: the Writer goes byte by byte, which was a
/// quarter of trace-pair. Returns false, as the Writer does, on a NaN or infinite number
/// (which libstream's parsers never produce), and then appends nothing. Iterative: any depth
/// is safe.
[[nodiscard]] bool append_json_value(std::string& out, const rapidjson::Value& value);

/// JSON's four whitespace bytes (RFC 8259): space, tab, line feed, carriage return.
[[nodiscard]] constexpr bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

/// Standard base64 (RFC 4648, with padding).
[[nodiscard]] std::string base64_encode(std::string_view bytes);

/// The top-level members of the JSON object text `json`, as (raw key, raw value) byte spans
/// in order, found by a structural scan (strings, escapes, nesting) without parsing: for
/// copying untouched members byte for byte. Keys are as written (escapes not decoded). The
/// text must already be known to be valid JSON; returns false if it is not an object.
[[nodiscard]] bool top_level_members(std::string_view json, std::vector<std::pair<std::string_view, std::string_view>>& members);

}  // namespace libstream
