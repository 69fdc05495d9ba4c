// trace-stats: histogram bins, and the terminal pictures drawn from them.
#pragma once

#include "binning.hpp"
#include "numeric_stats.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tracemill {

/// The synth-ai histogram, byte for byte (docs/legacy-reports.md, "Histogram").
[[nodiscard]] std::string synth_histogram(const std::vector<double>& data, const std::string& title,
                                          const std::string& x_label, const std::string& y_label);
/// The synth-ai bar chart, byte for byte (docs/legacy-reports.md, "Bar chart").
[[nodiscard]] std::string synth_bar_chart(const std::vector<std::pair<std::string, double>>& bars, const std::string& title);

namespace stats {

/// The clearer default: one line per bin (choose_bins) with its label and count, an overflow
/// bar for a clipped tail and a note; a non-empty bin always shows at least one block.
[[nodiscard]] std::string default_histogram(const NumericStats& s, const std::string& title, size_t width = 80);

}  // namespace stats
}  // namespace tracemill
