// trace-stats: the report as aligned text or Markdown (the same sections, laid out for a
// terminal or for a Markdown viewer).
#include "histograms.hpp"
#include "report_model.hpp"

#include <algorithm>
#include <cmath>

namespace tracemill::stats {

namespace {

std::string section(const std::string& format, const std::string& title, int level = 2) {
  if (format == "markdown") return "\n" + std::string(static_cast<size_t>(level), '#') + " " + title + "\n\n";
  if (format == "csv") return "";
  return "\n" + title + "\n" + std::string(title.size() > 80 ? 80 : title.size(), level == 2 ? '=' : '-') + "\n";
}

std::string pictures(const ReportModel& model, const std::string& format, const Group& all) {
  std::string out;
  const std::string fence = format == "markdown" ? "```\n" : "";
  if (model.options.histogram == "synth") {
    // synth-ai's layouts, for comparison with old output (spec/seed-tools.md 2.5, 2.6).
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
  out += section(format, "Distributions", 3) + fence;
  for (const char* name : {"reward", "total_tokens"}) {
    out += default_histogram(all.numeric[model.acc.metric_index(name)], name);
  }
  return out + fence;
}

/// What is significant, in a sentence or two, for the top of the report.
std::string summary(const ReportModel& model) {
  if (!model.compared()) return "";
  if (model.comparisons.empty()) return "summary: fewer than two groups to compare on " + model.options.compare + "\n";
  std::string out;
  size_t significant = 0;
  for (const Comparison& c : model.comparisons) {
    const double p = model.holm ? c.welch_holm : c.welch.p_value;
    if (p < 0.05) {
      out += "summary: " + c.verdict + "\n";
      ++significant;
    }
  }
  if (significant == 0) {
    out += "summary: no significant difference in " + model.options.compare + " between the " + std::to_string(model.means.size()) +
           " groups compared (Welch, p < 0.05" + (model.holm ? " after Holm" : "") + ")\n";
  }
  return out;
}

std::string comparison(const ReportModel& model, const std::string& format) {
  if (model.options.compare.empty()) return "";
  std::string out = section(format, "Comparison of " + model.options.compare + " between groups");
  if (model.acc.groups().size() < 2) return out + "only one group: nothing to compare\n";
  Table t;
  t.header = {"rank", "group", "n", "mean", "95% CI low", "95% CI high", "sd"};
  t.numeric = {true, false, true, true, true, true, true};
  std::vector<GroupMean> ranked = model.means;
  std::stable_sort(ranked.begin(), ranked.end(), [](const GroupMean& a, const GroupMean& b) {
    if (std::isnan(a.mean) != std::isnan(b.mean)) return std::isnan(b.mean);
    return a.mean > b.mean;
  });
  for (size_t i = 0; i < ranked.size(); ++i) {
    const auto& g = model.acc.groups().at(ranked[i].key).numeric[model.compare_metric];
    t.rows.push_back({std::to_string(i + 1), ranked[i].key, std::to_string(ranked[i].n), fmt(ranked[i].mean), fmt(ranked[i].low),
                      fmt(ranked[i].high), fmt(std::sqrt(g.variance()))});
  }
  out += t.render(format);
  for (const SetApart& g : model.set_apart) {
    out += "not compared: " + g.key + " (" + std::to_string(g.n) + (g.n == 1 ? " value" : " values") + "; " + g.reason + ")\n";
  }
  if (model.comparisons.empty()) return out + "fewer than two groups to compare\n";
  out += "\n";
  out += comparison_table(model.comparisons, model.holm).render(format);
  out += "\nWelch's t-test and Mann-Whitney U are two-sided; relative = (B - A) / |A|; Cohen's d and Cliff's "
         "delta are A relative to B";
  out += model.holm ? "; Holm's correction over the " + std::to_string(model.comparisons.size()) + " pairs shown.\n" : ".\n";
  out += "\n";
  for (const Comparison& c : model.comparisons) out += (format == "markdown" ? "- " : "") + c.verdict + "\n";
  return out;
}

std::string failures(const ReportModel& model, const std::string& format, const Group& all) {
  if (all.failures == 0) return "";
  std::string out = section(format, "Failures");
  Table rate;
  rate.header = {"group", "sessions", "failures", "rate"};
  rate.numeric = {false, true, true, true};
  for (const auto& [key, g] : model.acc.groups()) {
    rate.rows.push_back({model.grouped() ? key : "all", std::to_string(g.records), std::to_string(g.failures), percent(g.failures, g.records)});
  }
  out += rate.render(format) + "\n";
  Table errors;
  errors.header = {"most frequent errors", "sessions"};
  errors.numeric = {false, true};
  std::vector<std::pair<std::string, uint64_t>> e(all.errors.begin(), all.errors.end());
  std::stable_sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (size_t i = 0; i < e.size() && i < 10; ++i) errors.rows.push_back({e[i].first, std::to_string(e[i].second)});
  out += errors.render(format) + "\n";
  Table values;
  values.header = {"field", "value", "sessions", "failure rate"};
  values.numeric = {false, false, true, true};
  for (size_t i = 0; i < model.acc.categories().size(); ++i) {
    for (const auto& [value, c] : all.categories[i]) {
      if (c.failures > 0) values.rows.push_back({model.acc.categories()[i], value, std::to_string(c.count), percent(c.failures, c.count)});
    }
  }
  out += "values that go with failures:\n" + values.render(format);
  return out;
}

std::string outliers(const ReportModel& model, const std::string& format) {
  if (model.options.outliers.empty()) return "";
  std::string out = section(format, "Outliers of " + model.options.outlier_metric + " (" + model.options.outliers + ")");
  out += "rule: " + model.outliers.rule + "; " + std::to_string(model.outliers.found.size()) + " outlying sessions\n";
  Table t;
  t.header = {"session_id", model.options.outlier_metric};
  t.numeric = {false, true};
  for (const auto& o : model.outliers.found) t.rows.push_back({o.session_id, fmt(o.value)});
  if (!model.outliers.found.empty()) out += t.render(format);
  return out;
}

std::string experiments(const ReportModel& model, const std::string& format) {
  if (!model.options.experiments) return "";
  std::string out = section(format, "Experiments");
  Table t;
  t.header = {"experiment_id", "name", "sessions", "models", "first session", "last session"};
  t.numeric = {false, false, true, false, false, false};
  for (const auto& [id, e] : model.acc.experiments()) {
    std::string models;
    for (const auto& m : e.models) models += (models.empty() ? "" : ", ") + m;
    t.rows.push_back({id, e.name.empty() ? "-" : e.name, std::to_string(e.sessions), models.empty() ? "-" : models,
                      e.first.empty() ? "-" : e.first, e.last.empty() ? "-" : e.last});
  }
  return out + t.render(format);
}

std::string prompt_learning(const ReportModel& model, const std::string& format) {
  if (!model.has_learning) return "";
  std::string out = section(format, model.learning.title);
  if (!model.learning.jobs.rows.empty()) out += model.learning.jobs.render(format) + "\n";
  if (!model.learning.candidates.rows.empty()) out += "candidates by score:\n" + model.learning.candidates.render(format);
  return out;
}

}  // namespace

std::string render_text(const ReportModel& model, const std::string& format) {
  std::string out;
  const Group& all = model.all;
  out += format == "markdown" ? "# trace-stats report\n\n" : "trace-stats report\n";
  out += std::to_string(model.acc.records()) + " records";
  if (model.grouped()) out += " in " + std::to_string(model.acc.groups().size()) + (model.acc.groups().size() == 1 ? " group" : " groups");
  out += "; failures " + std::to_string(all.failures) + " (" + percent(all.failures, all.records) + ")";
  if (model.acc.repeated_sessions() > 0) {
    out += "; " + std::to_string(model.acc.repeated_sessions()) + " repeated session ids (" +
           (model.options.unique_sessions ? "skipped" : "counted again") + ")";
  }
  out += "\n";
  out += summary(model);
  out += section(format, "Numeric fields");
  out += numeric_table(model.acc, all).render(format);
  if (model.options.histogram != "none") out += pictures(model, format, all);
  out += section(format, "Categories");
  out += category_table(model.acc, all).render(format);
  out += section(format, "Achievements");
  const Table achievements = achievement_table(all);
  out += achievements.rows.empty() ? "none recorded\n" : achievements.render(format);
  out += "unique achievements: " + std::to_string(all.achievements.size()) + "\n";
  if (model.grouped()) {
    for (const auto& [key, g] : model.acc.groups()) {
      out += section(format, model.group_title(key) + " (" + std::to_string(g.records) + " records, failures " +
                                 percent(g.failures, g.records) + ")", 3);
      out += numeric_table(model.acc, g).render(format);
    }
  }
  out += comparison(model, format);
  out += failures(model, format, all);
  out += outliers(model, format);
  out += experiments(model, format);
  out += prompt_learning(model, format);
  return out;
}

}  // namespace tracemill::stats
