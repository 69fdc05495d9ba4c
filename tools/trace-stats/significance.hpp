// trace-stats: significance tests, effect sizes and the multiple-comparison adjustment.
#pragma once

#include "numeric_stats.hpp"

#include <vector>

namespace tracemill {

struct TestResult {
  double statistic = 0;
  double p_value = 0;
  double df = 0;  ///< Welch only
  bool exact = false;  ///< Mann-Whitney: exact distribution (no ties, both n < 50)
};

/// Welch's unequal-variance t-test, two-sided.
[[nodiscard]] TestResult welch_t_test(const NumericStats& a, const NumericStats& b);
/// Mann-Whitney U (Wilcoxon rank-sum), two-sided, as R's wilcox.test: exact without ties when
/// both samples are under 50, else the normal approximation with tie and continuity correction.
/// statistic = U of the first sample.
[[nodiscard]] TestResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);
[[nodiscard]] double cohens_d(const NumericStats& a, const NumericStats& b);
/// Cliff's delta: P(a > b) - P(a < b).
[[nodiscard]] double cliffs_delta(const std::vector<double>& a, const std::vector<double>& b);
/// Holm's step-down adjustment of p-values, in the given order.
[[nodiscard]] std::vector<double> holm(const std::vector<double>& p_values);

}  // namespace tracemill
