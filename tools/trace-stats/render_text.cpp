// trace-stats: the report as aligned text or Markdown (the same sections, laid out for a
// terminal or for a Markdown viewer).
#include "histograms.hpp"
#include "report_model.hpp"

#include <algorithm>
#include <cmath>

namespace tracemill::stats {

namespace {

std::string section(const std::string& format, size_t width, const std::string& title, int level = 2) {
  if (format == "markdown") return "\n" + std::string(static_cast<size_t>(level), '#') + " " + title + "\n\n";
  if (format == "csv") return "";
  return "\n" + title + "\n" + std::string(std::min({display_width(title), width, size_t{80}}), level == 2 ? '=' : '-') + "\n";
}

std::string pictures(const ReportModel& model, const std::string& format, size_t width, const Group& all) {
  std::string out;
  const std::string fence = format == "markdown" ? "```\n" : "";
  if (model.options.histogram == "synth") {
    // synth-ai's layouts, for comparison with old output (docs/legacy-reports.md, "Histogram" and "Bar chart").
    const NumericStats& reward = all.numeric[model.acc.metric_index("reward")];
    const NumericStats& tokens = all.numeric[model.acc.metric_index("total_tokens")];
    out += fence;
    if (reward.count() > 0 && reward.exact()) out += synth_histogram(reward.values(), "Reward Distribution", "Total Reward", "Count") + "\n";
    if (tokens.count() > 0 && tokens.exact()) out += synth_histogram(tokens.values(), "Token Usage Distribution", "Total Tokens", "Count") + "\n";
    std::vector<std::pair<std::string, double>> models;
    for (const auto& [value, c] : all.categories[0]) models.emplace_back(value, static_cast<double>(c.count));
    std::stable_sort(models.begin(), models.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    if (!models.empty()) out += synth_bar_chart(models, "Model Usage") + "\n";
    out += fence;
    return out;
  }
  out += section(format, width, "Distributions", 3) + fence;
  for (const char* name : {"reward", "total_tokens"}) {
    out += default_histogram(all.numeric[model.acc.metric_index(name)], name, format == "markdown" ? 80 : width);
  }
  return out + fence;
}

std::string comparison(const ReportModel& model, const std::string& format, size_t width) {
  if (model.options.compare.empty()) return "";
  std::string out = section(format, width, "Comparison of " + model.options.compare + " between groups");
  if (model.acc.groups().size() < 2) return out + "only one group: nothing to compare\n";
  out += group_mean_table(model).render(format, width);
  for (const std::string& line : set_apart_lines(model)) out += line + "\n";
  if (model.comparisons.empty()) return out + "fewer than two groups to compare\n";
  out += "\n";
  out += comparison_table(model.comparisons, model.holm).render(format, width);
  out += "\n" + comparison_note(model) + "\n\n";
  for (const Comparison& c : model.comparisons) out += (format == "markdown" ? "- " : "") + c.verdict + "\n";
  return out;
}

std::string failures(const ReportModel& model, const std::string& format, size_t width, const Group& all) {
  if (all.failures == 0) return "";
  std::string out = section(format, width, "Failures");
  out += failure_rate_table(model).render(format, width) + "\n";
  out += failure_error_table(all).render(format, width) + "\n";
  out += "values that go with failures:\n" + failure_value_table(model.acc, all).render(format, width);
  return out;
}

std::string outliers(const ReportModel& model, const std::string& format, size_t width) {
  if (model.options.outliers.empty()) return "";
  std::string out = section(format, width, "Outliers of " + model.options.outlier_metric + " (" + model.options.outliers + ")");
  out += "rule: " + model.outliers.rule + "; " + std::to_string(model.outliers.found.size()) + " outlying sessions\n";
  if (!model.outliers.found.empty()) out += outlier_table(model).render(format, width);
  return out;
}

std::string experiments(const ReportModel& model, const std::string& format, size_t width) {
  if (!model.options.experiments) return "";
  return section(format, width, "Experiments") + experiment_table(model.acc).render(format, width);
}

std::string prompt_learning(const ReportModel& model, const std::string& format, size_t width) {
  if (!model.has_learning) return "";
  std::string out = section(format, width, model.learning.title);
  if (!model.learning.jobs.rows.empty()) out += model.learning.jobs.render(format, width) + "\n";
  if (!model.learning.candidates.rows.empty()) out += "candidates by score:\n" + model.learning.candidates.render(format, width);
  return out;
}

/// Every line of `text` longer than `width` columns, broken at spaces (a word longer than a
/// line at any character); continuation lines are indented two more spaces.
std::string wrap_lines(const std::string& text, size_t width) {
  std::string out;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    std::string line = text.substr(start, end - start);
    start = end + 1;
    const size_t indent = std::min(line.find_first_not_of(' '), line.size()) + 2;
    while (display_width(line) > width) {
      // The last space that leaves the head within the width, past the indentation.
      size_t cut = std::string::npos, columns = 0;
      for (size_t i = 0; i < line.size() && columns <= width; ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
        if (line[i] == ' ' && i >= indent && columns <= width) cut = i;
        ++columns;
      }
      size_t next = cut + 1;
      if (cut == std::string::npos) {  // no space: break the word at the width
        cut = 0;
        for (size_t n = 0; cut < line.size(); ++cut) {
          if ((static_cast<unsigned char>(line[cut]) & 0xC0) != 0x80 && n++ == width) break;
        }
        next = cut;
      }
      out += line.substr(0, cut) + "\n";
      line = std::string(std::min(indent, width / 2), ' ') + line.substr(next);
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

std::string render_text(const ReportModel& model, const std::string& format, size_t width) {
  std::string out;
  const Group& all = model.all;
  size_t synth_end = 0;  // the report up to here is laid out already
  out += format == "markdown" ? "# trace-stats report\n\n" : "trace-stats report\n";
  out += std::to_string(model.acc.records()) + " records";
  if (model.grouped()) out += " in " + std::to_string(model.acc.groups().size()) + (model.acc.groups().size() == 1 ? " group" : " groups");
  out += "; failures " + std::to_string(all.failures) + " (" + percent(all.failures, all.records) + ")";
  if (model.acc.repeated_sessions() > 0) {
    out += "; " + std::to_string(model.acc.repeated_sessions()) + " repeated session ids (" +
           (model.options.unique_sessions ? "skipped" : "counted again") + ")";
  }
  out += "\n";
  for (const std::string& line : summary_lines(model)) out += "summary: " + line + "\n";
  out += section(format, width, "Numeric fields");
  out += numeric_table(model.acc, all).render(format, width);
  if (model.options.histogram == "synth") {  // synth-ai's layouts stay as they were, whatever the width
    out = (format == "markdown" ? out : wrap_lines(out, width)) + pictures(model, format, width, all);
    synth_end = out.size();
  } else if (model.options.histogram != "none") {
    out += pictures(model, format, width, all);
  }
  out += section(format, width, "Categories");
  out += category_table(model.acc, all).render(format, width);
  out += section(format, width, "Achievements");
  const Table achievements = achievement_table(all);
  out += achievements.rows.empty() ? "none recorded\n" : achievements.render(format, width);
  out += "unique achievements: " + std::to_string(all.achievements.size()) + "\n";
  if (model.grouped()) {
    for (const auto& [key, g] : model.acc.groups()) {
      out += section(format, width, model.group_title(key) + " (" + std::to_string(g.records) + " records, failures " +
                                 percent(g.failures, g.records) + ")", 3);
      out += numeric_table(model.acc, g).render(format, width);
    }
  }
  out += comparison(model, format, width);
  out += failures(model, format, width, all);
  out += outliers(model, format, width);
  out += experiments(model, format, width);
  out += prompt_learning(model, format, width);
  return format == "markdown" ? out : out.substr(0, synth_end) + wrap_lines(out.substr(synth_end), width);
}

}  // namespace tracemill::stats
