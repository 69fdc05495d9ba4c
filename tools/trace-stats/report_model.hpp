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

  [[nodiscard]] bool grouped() const { return !options.group_by.empty(); }
  [[nodiscard]] bool compared() const { return !options.compare.empty() && acc.groups().size() >= 2; }
  /// "model = gpt-4o" for group key "gpt-4o" under --group-by model.
  [[nodiscard]] std::string group_title(const std::string& key) const;
};

[[nodiscard]] ReportModel build_report(const StatsOptions& options, const Accumulator& acc, const PromptLearning& learning,
                                       OutlierList outliers);

// Tables shared by the text, Markdown, CSV and HTML layouts.
[[nodiscard]] Table numeric_table(const Accumulator& acc, const Group& g);
[[nodiscard]] Table category_table(const Accumulator& acc, const Group& g);
[[nodiscard]] Table achievement_table(const Group& g);
[[nodiscard]] Table comparison_table(const std::vector<Comparison>& comparisons, bool holm_columns);

// The renderers, one per format ("text" and "markdown" share one layout).
[[nodiscard]] std::string render_text(const ReportModel& model, const std::string& format);
[[nodiscard]] std::string render_csv(const ReportModel& model);
[[nodiscard]] std::string render_json(const ReportModel& model);
[[nodiscard]] std::string render_ndjson(const ReportModel& model);
[[nodiscard]] std::string render_html(const ReportModel& model);
/// The report in `format`: text, markdown, csv, json, ndjson or html.
[[nodiscard]] std::string render(const ReportModel& model, const std::string& format);

}  // namespace tracemill::stats
