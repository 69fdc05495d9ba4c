// What makes every DOM libstream builds safe to walk and exact: numbers arrive from
// rapidjson's reader as their text (kParseNumbersAsStringsFlag) and are converted here with
// std::from_chars, which rounds correctly for every input. rapidjson 1.1's own conversion is
// not safe: its full-precision path reads out of bounds on long fractions, and turns zeros
// with an exponent (0E202, -0E-25) and numbers just past the double range into garbage.
// Nesting deeper than kMaxJsonDepth is refused, so no later recursive walk can overflow the stack.
#pragma once

#include <libstream/document.hpp>

#include <rapidjson/reader.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>

namespace libstream::detail {

inline constexpr const char* kNumberTooBig = "Number too big to be stored in double";

/// True when the JSON number [text, text+size) (grammar already checked) has a magnitude past
/// the largest double after rounding. Cheap for every ordinary number: only numbers within
/// reach of 1e308 are converted to be sure.
bool number_too_big(const char* text, size_t size);

/// "nesting deeper than N levels".
const char* depth_message();

/// Gives the JSON number [text, text+size) to `handler` typed as rapidjson's reader types it
/// (Int, Uint, Int64, Uint64 when the integer fits, else Double), the double correctly
/// rounded. Magnitudes below the smallest double round to a zero of the same sign; magnitudes
/// past the largest double return false with `refusal` set.
template <class Handler>
bool emit_number(Handler& handler, const char* text, size_t size, const char*& refusal) {
  const char* end = text + size;
  const bool negative = *text == '-';
  const char* digits = text + (negative ? 1 : 0);
  bool integral = true;
  for (const char* p = digits; p < end; ++p) {
    if (*p == '.' || *p == 'e' || *p == 'E') {
      integral = false;
      break;
    }
  }
  if (integral) {
    uint64_t magnitude = 0;
    if (std::from_chars(digits, end, magnitude).ec == std::errc{}) {
      if (!negative) {
        return magnitude <= std::numeric_limits<uint32_t>::max() ? handler.Uint(static_cast<unsigned>(magnitude))
                                                                 : handler.Uint64(magnitude);
      }
      if (magnitude <= uint64_t{1} << 31) return handler.Int(static_cast<int>(-static_cast<int64_t>(magnitude)));
      if (magnitude <= uint64_t{1} << 63) return handler.Int64(static_cast<int64_t>(~magnitude + 1));
    }
  }
  double value = 0;
  const std::from_chars_result result = std::from_chars(text, end, value);
  if (result.ec == std::errc::result_out_of_range) {
    if (number_too_big(text, size)) {
      refusal = kNumberTooBig;
      return false;
    }
    value = negative ? -0.0 : 0.0;  // below the smallest subnormal: the nearest double is zero
  } else if (result.ec != std::errc{} || result.ptr != end) {
    refusal = kNumberTooBig;  // unreachable for text rapidjson accepted; refuse rather than guess
    return false;
  }
  return handler.Double(value);
}

/// A SAX handler building a rapidjson Document (or anything with the Document's handler
/// functions) with exact numbers and nesting bounded by kMaxJsonDepth. Parse with
/// kParseNumbersAsStringsFlag; on kParseErrorTermination, `refusal` says why.
template <class Target>
class ExactHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ExactHandler<Target>> {
 public:
  explicit ExactHandler(Target& target) : target_(target) {}

  bool Null() { return target_.Null(); }
  bool Bool(bool b) { return target_.Bool(b); }
  bool Int(int i) { return target_.Int(i); }
  bool Uint(unsigned u) { return target_.Uint(u); }
  bool Int64(int64_t i) { return target_.Int64(i); }
  bool Uint64(uint64_t u) { return target_.Uint64(u); }
  bool Double(double d) { return target_.Double(d); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    return emit_number(target_, text, length, refusal);
  }
  bool String(const char* text, rapidjson::SizeType length, bool copy) { return target_.String(text, length, copy); }
  bool Key(const char* text, rapidjson::SizeType length, bool copy) { return target_.Key(text, length, copy); }
  bool StartObject() { return deeper() && target_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return target_.EndObject(members);
  }
  bool StartArray() { return deeper() && target_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return target_.EndArray(elements);
  }

  const char* refusal = nullptr;

 private:
  bool deeper() {
    if (++depth_ <= kMaxJsonDepth) return true;
    refusal = depth_message();
    return false;
  }
  Target& target_;
  size_t depth_ = 0;
};

}  // namespace libstream::detail
