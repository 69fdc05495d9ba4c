// trace-stats: histogram bins, and the terminal pictures drawn from them.
#pragma once

#include "numeric_stats.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tracemill {

/// The synth-ai histogram, byte for byte (spec/seed-tools.md 2.5).
[[nodiscard]] std::string synth_histogram(const std::vector<double>& data, const std::string& title,
                                          const std::string& x_label, const std::string& y_label);
/// The synth-ai bar chart, byte for byte (spec/seed-tools.md 2.6).
[[nodiscard]] std::string synth_bar_chart(const std::vector<std::pair<std::string, double>>& bars, const std::string& title);

namespace stats {

/// Equal-width bin counts of a metric: from its values while exact, else from 1001 evenly
/// spaced quantiles of its sketch, scaled back to the number of values. Sets the range.
[[nodiscard]] std::vector<uint64_t> histogram_counts(const NumericStats& s, size_t bins, double& lo, double& hi);
/// The clearer default: one line per bin with its range and count; a non-empty bin always
/// shows at least one block, and the last edge is the maximum.
[[nodiscard]] std::string default_histogram(const NumericStats& s, const std::string& title);

}  // namespace stats
}  // namespace tracemill
