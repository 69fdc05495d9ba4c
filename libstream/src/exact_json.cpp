#include "exact_json.hpp"

#include <string>

namespace libstream::detail {
namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool number_too_big(const char* text, size_t size) {
  const char* p = text;
  const char* end = text + size;
  if (p < end && *p == '-') ++p;
  // The decimal exponent of the first nonzero digit (JSON has no leading zeros but a lone 0).
  int64_t lead = 0;
  bool nonzero = false;
  const char* integer = p;
  while (p < end && is_digit(*p)) ++p;
  if (p - integer > 1 || (p > integer && *integer != '0')) {
    lead = (p - integer) - 1;
    nonzero = true;
  }
  if (p < end && *p == '.') {
    int64_t zeros = 0;
    for (++p; p < end && is_digit(*p); ++p) {
      if (nonzero) continue;
      if (*p == '0') {
        ++zeros;
      } else {
        nonzero = true;
        lead = -(zeros + 1);
      }
    }
  }
  if (!nonzero) return false;  // a zero, whatever its exponent
  int64_t exponent = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative = false;
    if (p < end && (*p == '+' || *p == '-')) negative = *p++ == '-';
    for (; p < end && is_digit(*p); ++p) {
      if (exponent < 1000000000) exponent = exponent * 10 + (*p - '0');  // saturates: far past any double
    }
    if (negative) exponent = -exponent;
  }
  const int64_t magnitude = lead + exponent;  // the value is in [10^magnitude, 10^(magnitude+1))
  if (magnitude < 308) return false;
  if (magnitude > 308) return true;
  double value = 0;
  return std::from_chars(text, end, value).ec == std::errc::result_out_of_range;
}

const char* depth_message() {
  static const std::string message = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  return message.c_str();
}

}  // namespace libstream::detail
