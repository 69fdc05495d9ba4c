// trace-stats: --outliers, the outlying sessions of one metric.
#pragma once

#include "accumulator.hpp"
#include "stats.hpp"

#include <libstream/cli.hpp>

#include <string>
#include <vector>

namespace tracemill::stats {

struct Outlier {
  std::string session_id;
  double value;
};

/// The outlying sessions of --outlier-metric, and the rule that found them (or why not).
struct OutlierList {
  std::string rule;
  std::vector<Outlier> found;  // most extreme value first

  void sort();
};

/// --outliers: from the (value, session) pairs kept while a metric's values are exact; beyond
/// that, and for --outliers-out, from a second pass over the input files.
[[nodiscard]] OutlierList find_outliers(const StatsOptions& options, const Accumulator& acc, libstream::ToolContext& context);

}  // namespace tracemill::stats
