// trace-stats: the report model. Every number a report shows is computed here, once;
// the renderers (render_*.cpp) only lay the model out in their format.
#pragma once

#include "accumulator.hpp"
#include "outliers.hpp"
#include "prompt_learning.hpp"
#include "significance.hpp"
#include "stats.hpp"
#include "table.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tracemill::stats {

inline constexpr double kQuantiles[] = {0.05, 0.25, 0.5, 0.75, 0.95};

/// One pair of groups compared on the --compare metric.
struct Comparison {
  std::string a, b;
  double mean_a = kNaN, mean_b = kNaN, difference = kNaN, relative = kNaN;
  TestResult welch, mann_whitney;
  bool rank_test = false;  // false when a group was beyond the exact limit
  double d = kNaN, delta = kNaN, welch_holm = kNaN, mw_holm = kNaN;
  std::string verdict;  // one line in plain words
};

/// A group left out of the comparison, and why.
struct SetApart {
  std::string key;
  uint64_t n = 0;
  std::string reason;
};

/// A group's mean of the --compare metric with its 95% confidence interval.
struct GroupMean {
  std::string key;
  uint64_t n = 0;
  double mean = kNaN, low = kNaN, high = kNaN;
};

struct ReportModel {
  const StatsOptions& options;
  const Accumulator& acc;
  Group all;                            // every group together
  size_t compare_metric = SIZE_MAX;     // index of --compare in acc.metrics()
  std::vector<GroupMean> means;         // with --compare and 2 groups or more: one per compared group, in key order
  std::vector<Comparison> comparisons;  // every pair of compared groups
  std::vector<SetApart> set_apart;      // groups not compared
  bool holm = false;                    // adjusted p-values (more than two compared groups)
  bool has_learning = false;
  PromptLearningSummary learning;
  OutlierList outliers;
  // Provenance, shown by the HTML report.
  std::vector<std::string> inputs;  // as named on the command line ("-": standard input)
  std::string version;              // the tool's
  std::string generated;            // UTC time of the run, or of $SOURCE_DATE_EPOCH when set

  [[nodiscard]] bool grouped() const { return !options.group_by.empty(); }
  [[nodiscard]] bool compared() const { return !options.compare.empty() && acc.groups().size() >= 2; }
  /// "model = gpt-4o" for group key "gpt-4o" under --group-by model.
  [[nodiscard]] std::string group_title(const std::string& key) const;
};

[[nodiscard]] ReportModel build_report(const StatsOptions& options, const Accumulator& acc, const PromptLearning& learning,
                                       OutlierList outliers);

/// What is significant, a sentence each, for the top of every report (none without --compare).
[[nodiscard]] std::vector<std::string> summary_lines(const ReportModel& model);
/// "not compared: KEY (N values; why)" for each group set apart.
[[nodiscard]] std::vector<std::string> set_apart_lines(const ReportModel& model);
/// What the comparison table's columns mean.
[[nodiscard]] std::string comparison_note(const ReportModel& model);

// Tables shared by the text, Markdown, CSV and HTML layouts.
[[nodiscard]] Table group_mean_table(const ReportModel& model);  // compared groups, highest mean first
[[nodiscard]] Table numeric_table(const Accumulator& acc, const Group& g);
[[nodiscard]] Table category_table(const Accumulator& acc, const Group& g);
[[nodiscard]] Table achievement_table(const Group& g);
[[nodiscard]] Table comparison_table(const std::vector<Comparison>& comparisons, bool holm_columns);
[[nodiscard]] Table failure_rate_table(const ReportModel& model);
[[nodiscard]] Table failure_error_table(const Group& all);                               // the 10 most frequent
[[nodiscard]] Table failure_value_table(const Accumulator& acc, const Group& all);       // category values with failures
[[nodiscard]] Table outlier_table(const ReportModel& model);
[[nodiscard]] Table experiment_table(const Accumulator& acc);

// The renderers, one per format ("text" and "markdown" share one layout).
/// Aligned text fits `width` columns; Markdown leaves the layout to its viewer.
[[nodiscard]] std::string render_text(const ReportModel& model, const std::string& format, size_t width);
[[nodiscard]] std::string render_csv(const ReportModel& model);
[[nodiscard]] std::string render_json(const ReportModel& model);
[[nodiscard]] std::string render_ndjson(const ReportModel& model);
[[nodiscard]] std::string render_html(const ReportModel& model);
/// The report in `format`: text, markdown, csv, json, ndjson or html.
[[nodiscard]] std::string render(const ReportModel& model, const std::string& format, size_t width = 80);

}  // namespace tracemill::stats
