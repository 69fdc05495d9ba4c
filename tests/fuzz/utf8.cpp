// UTF-8 checks: is_valid_utf8 (16 bytes at a time) against a byte-at-a-time reference built
// from the Unicode table of well-formed sequences, and append_json_string's output is always
// valid UTF-8 JSON that decodes back to the input when the input was valid.
#include "fuzz_check.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace {

// Unicode 15, table 3-7: well-formed UTF-8 byte sequences.
bool reference_valid(std::string_view s) {
  const auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto in = [](unsigned c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  for (size_t i = 0; i < s.size();) {
    const unsigned c = at(i);
    size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c <= 0x7F) n = 1;
    else if (in(c, 0xC2, 0xDF)) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (in(c, 0xE1, 0xEC) || in(c, 0xEE, 0xEF)) n = 3;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (in(c, 0xF1, 0xF3)) n = 4;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else return false;
    if (i + n > s.size()) return false;
    if (n >= 2 && !in(at(i + 1), lo, hi)) return false;
    for (size_t k = 2; k < n; ++k) {
      if (!in(at(i + k), 0x80, 0xBF)) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static libstream::DocumentParser parser;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool valid = libstream::is_valid_utf8(text);
  FUZZ_CHECK(valid == reference_valid(text));
  std::string literal;
  libstream::append_json_string(literal, text);
  FUZZ_CHECK(reference_valid(literal));
  libstream::JsonError error;
  const rapidjson::Value* value = parser.parse(literal.data(), literal.size(), &error, true);
  FUZZ_CHECK(value != nullptr && value->IsString());
  if (valid) FUZZ_CHECK(libstream::string_of(*value) == text);
  return 0;
}
