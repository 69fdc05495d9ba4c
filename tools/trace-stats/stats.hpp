// trace-stats: summaries, grouped comparisons with significance tests, pictures and reports
// from trace/v1 sessions, with partial states that merge into the same report.
#pragma once

#include <libstream/cli.hpp>

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tracemill {

// ---------------------------------------------------------------------------------------
// Statistics (unit-tested against R on fixed data: tests/unit/stats_test.cpp)

/// Quantiles beyond the exact limit: a DDSketch (Masson et al. 2019) with relative accuracy
/// kSketchAccuracy: every quantile it returns is within 1% of a value of the right rank.
/// Bucket counts add, so merging sketches is exact.
class QuantileSketch {
 public:
  static constexpr double kAccuracy = 0.01;
  void add(double x, uint64_t n = 1);
  void merge(const QuantileSketch& other);
  /// The value of 0-based rank `rank` (0 .. count-1).
  [[nodiscard]] double at_rank(uint64_t rank) const;
  [[nodiscard]] uint64_t count() const { return count_; }
  void write(std::string& out) const;
  void read(const rapidjson::Value& json);

 private:
  [[nodiscard]] static int key(double magnitude);
  [[nodiscard]] static double value(int key);
  std::map<int, uint64_t> positive_, negative_;
  uint64_t zeros_ = 0;
  uint64_t count_ = 0;
};

/// One numeric field: exact count, missing, sum, mean, variance (Welford; Chan et al. to
/// merge), min, max; quantiles exact up to kExactLimit values, then from the sketch.
class NumericStats {
 public:
  static constexpr size_t kExactLimit = 65536;
  void add(double x);
  void add_missing() { ++missing_; }
  void merge(const NumericStats& other);
  [[nodiscard]] uint64_t count() const { return count_; }
  [[nodiscard]] uint64_t missing() const { return missing_; }
  [[nodiscard]] double mean() const { return static_cast<double>(mean_); }
  [[nodiscard]] double sum() const { return static_cast<double>(sum_); }
  /// Sample variance (n-1); NaN below 2 values.
  [[nodiscard]] double variance() const;
  [[nodiscard]] double min() const { return min_; }
  [[nodiscard]] double max() const { return max_; }
  [[nodiscard]] bool exact() const { return exact_; }
  /// Type-7 quantile (linear between closest ranks: R's default, numpy's, Python's
  /// statistics.quantiles(method="inclusive")); NaN when empty.
  [[nodiscard]] double quantile(double q) const;
  /// The values when still exact (sorted), for rank tests and histograms.
  [[nodiscard]] const std::vector<double>& values() const;
  void write(std::string& out) const;
  void read(const rapidjson::Value& json);

 private:
  void add_to_sketch(const std::vector<double>& values);
  uint64_t count_ = 0;
  uint64_t missing_ = 0;
  long double mean_ = 0, m2_ = 0, sum_ = 0;
  double min_ = 0, max_ = 0;
  bool exact_ = true;
  mutable std::vector<double> values_;
  mutable bool sorted_ = true;
  QuantileSketch sketch_;
};

struct TestResult {
  double statistic = 0;
  double p_value = 0;
  double df = 0;  ///< Welch only
  bool exact = false;  ///< Mann-Whitney: exact distribution (no ties, both n < 50)
};

[[nodiscard]] double student_t_cdf(double t, double df);
[[nodiscard]] double student_t_quantile(double p, double df);
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

// ---------------------------------------------------------------------------------------
// The run

struct StatsOptions {
  std::vector<std::string> fields;        ///< extra numeric paths (--field)
  std::vector<std::string> categories;    ///< extra categorical paths (--category)
  std::vector<std::string> group_by;      ///< --group-by paths
  std::string compare;                    ///< metric compared between groups (--compare)
  std::string format = "auto";            ///< auto|text|markdown|json|csv|ndjson
  std::string histogram = "default";      ///< default|synth|none
  std::string report;                     ///< --report FILE.html
  std::string state_out;                  ///< --state-out FILE
  bool partial = false;                   ///< write the state (one line) instead of the report
  bool merge = false;                     ///< inputs are states
  bool tee = false;                       ///< pass records through; report to stderr
  bool experiments = false;               ///< list the experiments present
  std::string outliers;                   ///< iqr|z|mad
  double outlier_threshold = 0;           ///< 0: 1.5 (iqr), 3 (z), 3.5 (mad)
  std::string outlier_metric = "reward";
  std::string outliers_out;               ///< --outliers-out FILE: the outlying records themselves
  unsigned threads = 2;                   ///< workers parsing sessions (0: the reading thread)
};

void add_stats_options(CLI::App& app, StatsOptions& options);
void run_stats(const StatsOptions& options, libstream::ToolContext& context);

/// The synth-ai histogram, byte for byte (spec/seed-tools.md 2.5), or the clearer default.
[[nodiscard]] std::string synth_histogram(const std::vector<double>& data, const std::string& title,
                                          const std::string& x_label, const std::string& y_label);
[[nodiscard]] std::string synth_bar_chart(const std::vector<std::pair<std::string, double>>& bars, const std::string& title);

}  // namespace tracemill
