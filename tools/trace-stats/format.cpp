#include "format.hpp"

#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tracemill::stats {

std::string fmt(double x, int digits) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, x == 0 ? 0.0 : x);
  return buffer;
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
