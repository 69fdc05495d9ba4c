// Number conversion against the C library: any text the parser accepts as a number has the
// value strtod/strtoll give it (both correctly rounded), the integer types rapidjson would
// choose, and is refused exactly when it is past the double range.
#include "fuzz_check.hpp"

#include <libstream/document.hpp>

#include <cerrno>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static libstream::DocumentParser parser;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string json = "[" + text + "]";
  const size_t begin = text.find_first_not_of(" \t\r\n");
  const std::string literal =
      begin == std::string::npos ? "" : text.substr(begin, text.find_last_not_of(" \t\r\n") + 1 - begin);
  char* end = nullptr;
  errno = 0;
  const double expected = std::strtod(literal.c_str(), &end);
  const bool one_number = !literal.empty() && end == literal.c_str() + literal.size();
  libstream::JsonError error;
  const rapidjson::Value* root = parser.parse(json.data(), json.size(), &error);
  if (root == nullptr) {
    // Refused as too big: then strtod overflows too, or rapidjson's reader refused it before
    // conversion: a zero with an exponent above 308, or an integer part of 309 or more digits
    // (it stops there even when a negative exponent would bring the value back in range).
    if (one_number && error.message == "Number too big to be stored in double") {
      const size_t sign = literal[0] == '-' ? 1 : 0;
      const size_t integer_digits = literal.find_first_of(".eE", sign);
      const bool long_integer_part =
          (integer_digits == std::string::npos ? literal.size() : integer_digits) - sign >= 309;
      FUZZ_CHECK((errno == ERANGE && std::isinf(expected)) || expected == 0 || long_integer_part);
    }
    return 0;
  }
  if (root->Size() != 1 || !(*root)[0].IsNumber()) return 0;
  FUZZ_CHECK(one_number);
  const rapidjson::Value& number = (*root)[0];
  if (number.IsDouble()) {
    const double actual = number.GetDouble();
    FUZZ_CHECK(std::isfinite(actual));
    FUZZ_CHECK(std::memcmp(&expected, &actual, sizeof expected) == 0);
  } else if (number.IsUint64()) {
    FUZZ_CHECK(std::strtoull(literal.c_str(), nullptr, 10) == number.GetUint64());
    FUZZ_CHECK(literal.find_first_of(".eE") == std::string::npos);
  } else {
    FUZZ_CHECK(number.IsInt64());
    FUZZ_CHECK(std::strtoll(literal.c_str(), nullptr, 10) == number.GetInt64());
    FUZZ_CHECK(literal.find_first_of(".eE") == std::string::npos);
  }
  return 0;
}
