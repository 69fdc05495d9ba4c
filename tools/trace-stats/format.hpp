// trace-stats: how numbers and strings are written in reports and states.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace tracemill::stats {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Numbers in reports: 6 significant digits, so a state merged from shards (whose sums were
/// added in another order) prints exactly as one pass; whole numbers from a million up print
/// whole, larger fractions in fixed notation (no exponent below 10^15); "-" for undefined.
[[nodiscard]] std::string fmt(double x, int digits = 6);
/// `cell` with thousands separators when it is a plain number of 5 integer digits or more
/// ("23319312" -> "23,319,312", "-12345.5%" -> "-12,345.5%"); any other text unchanged.
[[nodiscard]] std::string group_thousands(const std::string& cell);
/// A double as JSON that reads back to the same double ("null" when not finite).
[[nodiscard]] std::string json_number(double x);
/// A long double with every digit it holds (the running sums of a state).
[[nodiscard]] std::string long_double_text(long double x);
/// `s` as a JSON string, quotes included.
[[nodiscard]] std::string quote(std::string_view s);
/// part / whole as a percentage with 3 significant digits ("-" when whole is 0).
[[nodiscard]] std::string percent(uint64_t part, uint64_t whole);
/// A JSON number, or a string holding one; NaN for anything else or nullptr.
[[nodiscard]] double number_of(const rapidjson::Value* v);
/// A JSON value's text, as written by the library.
[[nodiscard]] std::string json_text(const rapidjson::Value& v);

}  // namespace tracemill::stats
