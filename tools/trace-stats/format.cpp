#include "format.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tracemill::stats {

std::string fmt(double x, int digits) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buffer[64];
  // An integer prints whole (sums of integer data are exact in any order, so merged
  // states still print as one pass); a large fraction prints rounded to `digits`
  // significant digits, in fixed notation: never "2.33193e+07" (beyond 10^15, where a
  // fixed number would be a wall of digits, the exponent stays).
  if (std::fabs(x) >= 1e6 && std::fabs(x) < 9007199254740992.0 && x == std::floor(x)) {
    std::snprintf(buffer, sizeof buffer, "%.0f", x);
    return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, x == 0 ? 0.0 : x);
  if (std::strstr(buffer, "e+") != nullptr && std::fabs(x) < 1e15) std::snprintf(buffer, sizeof buffer, "%.0f", std::strtod(buffer, nullptr));
  return buffer;
}

std::string group_thousands(const std::string& cell) {
  const size_t sign = !cell.empty() && cell[0] == '-' ? 1 : 0;
  size_t end = sign;
  while (end < cell.size() && cell[end] >= '0' && cell[end] <= '9') ++end;
  const size_t digits = end - sign;
  if (digits < 5) return cell;
  size_t rest = end;
  if (rest < cell.size() && cell[rest] == '.') {
    ++rest;
    while (rest < cell.size() && cell[rest] >= '0' && cell[rest] <= '9') ++rest;
  }
  if (rest < cell.size() && cell.compare(rest, std::string::npos, "%") != 0) return cell;  // not a plain number
  std::string out = cell.substr(0, sign);
  for (size_t i = sign; i < end; ++i) {
    if (i > sign && (end - i) % 3 == 0) out += ',';
    out += cell[i];
  }
  return out + cell.substr(end);
}

std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

std::string long_double_text(long double x) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.21Lg", x);
  return buffer;
}

std::string quote(std::string_view s) {
  std::string out;
  libstream::append_json_string(out, s);
  return out;
}

std::string percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? "-" : fmt(100.0 * static_cast<double>(part) / static_cast<double>(whole), 3) + "%";
}

double number_of(const rapidjson::Value* v) {
  if (v == nullptr) return kNaN;
  if (v->IsNumber()) return v->GetDouble();
  if (v->IsString()) return std::strtod(std::string(libstream::string_of(*v)).c_str(), nullptr);
  return kNaN;
}

std::string json_text(const rapidjson::Value& v) {
  std::string out;
  static_cast<void>(libstream::append_json_value(out, v));  // false only on NaN, which no parse yields
  return out;
}

}  // namespace tracemill::stats
