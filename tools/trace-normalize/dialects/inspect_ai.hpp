// Inspect AI score conversion, shared with the unit tests: Inspect's own value_to_float()
// (scorer/_metric.py) with its defaults, except that a value it cannot read gives no reward
// instead of its silent 0.
#pragma once

#include "../json_text.hpp"

#include <optional>

namespace tracemill::normalize::inspect {

/// A score value as a number: numbers and booleans as they are (true 1, false 0); "C" 1,
/// "P" 0.5, "I" and "N" 0; other strings, case-insensitively, "yes"/"true" 1, "no"/"false" 0,
/// or a finite decimal number. Absent for lists, objects, null and any other string.
std::optional<double> score_value(const Value& value);

}  // namespace tracemill::normalize::inspect
