#include "report_model.hpp"

#include "distributions.hpp"

#include <algorithm>
#include <cmath>

namespace tracemill::stats {

namespace {

std::vector<GroupMean> group_means(const Accumulator& acc, size_t metric, const std::vector<std::string>& keys) {
  std::vector<GroupMean> out;
  for (const std::string& key : keys) {
    const Group& g = acc.groups().at(key);
    const NumericStats& s = g.numeric[metric];
    GroupMean m{key, s.count(), s.mean(), kNaN, kNaN};
    if (s.count() == 0) m.mean = kNaN;
    if (s.count() >= 2) {
      const double half = student_t_quantile(0.975, static_cast<double>(s.count() - 1)) * std::sqrt(s.variance() / static_cast<double>(s.count()));
      m.low = s.mean() - half;
      m.high = s.mean() + half;
    }
    out.push_back(m);
  }
  return out;
}

std::vector<Comparison> compare_groups(const Accumulator& acc, size_t metric, const std::vector<std::string>& keys) {
  std::vector<Comparison> out;
  std::vector<std::pair<std::string, const NumericStats*>> groups;
  for (const std::string& key : keys) groups.emplace_back(key, &acc.groups().at(key).numeric[metric]);
  for (size_t i = 0; i < groups.size(); ++i) {
    for (size_t j = i + 1; j < groups.size(); ++j) {
      const NumericStats& a = *groups[i].second;
      const NumericStats& b = *groups[j].second;
      Comparison c;
      c.a = groups[i].first;
      c.b = groups[j].first;
      c.mean_a = a.count() > 0 ? a.mean() : kNaN;
      c.mean_b = b.count() > 0 ? b.mean() : kNaN;
      c.difference = c.mean_b - c.mean_a;
      c.relative = c.mean_a != 0 ? c.difference / std::fabs(c.mean_a) : kNaN;
      c.welch = a.count() >= 2 && b.count() >= 2 ? welch_t_test(a, b) : TestResult{kNaN, kNaN, kNaN, false};
      c.d = a.count() >= 2 && b.count() >= 2 ? cohens_d(a, b) : kNaN;
      c.rank_test = a.exact() && b.exact() && a.count() > 0 && b.count() > 0;
      if (c.rank_test) {
        c.mann_whitney = mann_whitney_u(a.values(), b.values());
        c.delta = cliffs_delta(a.values(), b.values());
      } else {
        c.mann_whitney = TestResult{kNaN, kNaN, kNaN, false};
      }
      out.push_back(c);
    }
  }
  if (groups.size() > 2) {
    std::vector<double> pw, pm;
    for (const auto& c : out) {
      pw.push_back(c.welch.p_value);
      pm.push_back(c.mann_whitney.p_value);
    }
    const auto hw = holm(pw), hm = holm(pm);
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].welch_holm = hw[i];
      out[i].mw_holm = hm[i];
    }
  }
  return out;
}

/// True when a part of group key `key` (parts joined by " / ") is the missing value.
bool has_missing_part(const std::string& key) {
  for (size_t start = 0;;) {
    const size_t end = key.find(" / ", start);
    if (key.compare(start, end == std::string::npos ? std::string::npos : end - start, "(missing)") == 0) return true;
    if (end == std::string::npos) return false;
    start = end + 3;
  }
}

/// Cohen's conventional labels for |d|: 0.2 small, 0.5 medium, 0.8 large.
std::string effect_label(double d) {
  const double a = std::fabs(d);
  return std::isnan(a) ? "unknown" : a < 0.2 ? "negligible" : a < 0.5 ? "small" : a < 0.8 ? "medium" : "large";
}

/// One line in plain words: which group is higher, by how much, the (adjusted) Welch p-value
/// and the effect size with its label.
std::string verdict(const std::string& metric, const Comparison& c, bool holm) {
  const double p = holm ? c.welch_holm : c.welch.p_value;
  const std::string p_text = std::string(holm ? "Holm-adjusted p = " : "p = ") + fmt(p, 3);
  if (std::isnan(p) || std::isnan(c.difference)) return c.a + " vs " + c.b + ": not testable (too few values or no spread)";
  const bool b_higher = c.difference > 0;
  const std::string& high = b_higher ? c.b : c.a;
  const std::string& low = b_higher ? c.a : c.b;
  const double rel = b_higher ? c.relative : (c.mean_b != 0 ? -c.difference / std::fabs(c.mean_b) : kNaN);
  const std::string by = fmt(std::fabs(c.difference)) + (std::isnan(rel) ? "" : " (" + fmt(100 * rel, 3) + "%)");
  const std::string effect = "Cohen's d = " + fmt(std::fabs(c.d), 3) + ", " + effect_label(c.d);
  if (p < 0.05) return high + " has higher " + metric + " than " + low + " by " + by + "; significant (" + p_text + ", " + effect + ")";
  return "no significant difference in " + metric + " between " + c.a + " and " + c.b + " (" + high + " higher by " + by + "; " +
         p_text + ", " + effect + ")";
}

}  // namespace

std::string ReportModel::group_title(const std::string& key) const {
  std::string by;
  for (size_t i = 0; i < options.group_by.size(); ++i) by += (i > 0 ? " / " : "") + options.group_by[i];
  return by + " = " + key;
}

ReportModel build_report(const StatsOptions& options, const Accumulator& acc, const PromptLearning& learning, OutlierList outliers) {
  ReportModel model{options, acc, acc.overall(), SIZE_MAX, {}, {}, {}, false, false, {}, {}, {}, {}, {}};
  model.outliers = std::move(outliers);
  model.has_learning = !learning.empty();
  if (model.has_learning) model.learning = learning.summary();
  if (!options.compare.empty()) model.compare_metric = acc.metric_index(options.compare);
  if (model.compared()) {
    // Groups with a missing key, or too few values, are listed apart, not compared.
    std::vector<std::string> keys;
    for (const auto& [key, g] : acc.groups()) {
      const uint64_t n = g.numeric[model.compare_metric].count();
      if (!options.compare_missing && has_missing_part(key)) {
        model.set_apart.push_back({key, n, "a --group-by value is missing (--compare-missing compares it)"});
      } else if (n < options.min_group_size) {
        model.set_apart.push_back({key, n, "fewer than " + std::to_string(options.min_group_size) + " values (--min-group-size)"});
      } else {
        keys.push_back(key);
      }
    }
    model.means = group_means(acc, model.compare_metric, keys);
    if (keys.size() >= 2) model.comparisons = compare_groups(acc, model.compare_metric, keys);
    model.holm = keys.size() > 2;
    for (Comparison& c : model.comparisons) c.verdict = verdict(options.compare, c, model.holm);
  }
  return model;
}

Table numeric_table(const Accumulator& acc, const Group& g) {
  Table t;
  t.header = {"metric", "count", "missing", "mean", "sd", "min", "p5", "p25", "median", "p75", "p95", "max", "sum"};
  t.numeric = {false, true, true, true, true, true, true, true, true, true, true, true, true};
  for (size_t i = 0; i < acc.metrics().size(); ++i) {
    const NumericStats& s = g.numeric[i];
    std::vector<std::string> row = {acc.metrics()[i].first, std::to_string(s.count()), std::to_string(s.missing()),
                                    s.count() ? fmt(s.mean()) : "-", fmt(std::sqrt(s.variance())),
                                    s.count() ? fmt(s.min()) : "-"};
    for (double q : kQuantiles) row.push_back(fmt(s.quantile(q)));
    row.push_back(s.count() ? fmt(s.max()) : "-");
    row.push_back(s.count() ? fmt(s.sum()) : "-");
    t.rows.push_back(row);
  }
  return t;
}

Table category_table(const Accumulator& acc, const Group& g) {
  Table t;
  t.header = {"field", "value", "sessions", "share", "failures"};
  t.numeric = {false, false, true, true, true};
  for (size_t i = 0; i < acc.categories().size(); ++i) {
    std::vector<std::pair<std::string, CategoryCount>> values(g.categories[i].begin(), g.categories[i].end());
    std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    for (const auto& [value, c] : values) {
      t.rows.push_back({acc.categories()[i], value, std::to_string(c.count), percent(c.count, g.records),
                        c.failures ? percent(c.failures, c.count) : "0"});
    }
  }
  return t;
}

Table achievement_table(const Group& g) {
  Table t;
  t.header = {"achievement", "sessions", "share"};
  t.numeric = {false, true, true};
  std::vector<std::pair<std::string, uint64_t>> a(g.achievements.begin(), g.achievements.end());
  std::stable_sort(a.begin(), a.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  for (const auto& [name, n] : a) t.rows.push_back({name, std::to_string(n), percent(n, g.records)});
  return t;
}

Table comparison_table(const std::vector<Comparison>& comparisons, bool holm_columns) {
  Table t;
  t.header = {"A", "B", "mean A", "mean B", "B - A", "relative", "Welch t", "df", "p (Welch)", "U", "p (Mann-Whitney)",
              "Cohen's d", "Cliff's delta"};
  if (holm_columns) {
    t.header.push_back("p Welch (Holm)");
    t.header.push_back("p M-W (Holm)");
  }
  t.numeric.assign(t.header.size(), true);
  t.numeric[0] = t.numeric[1] = false;
  for (const auto& c : comparisons) {
    std::vector<std::string> row = {c.a, c.b, fmt(c.mean_a), fmt(c.mean_b), fmt(c.difference),
                                    std::isnan(c.relative) ? "-" : fmt(100 * c.relative, 4) + "%", fmt(c.welch.statistic, 4),
                                    fmt(c.welch.df, 4), fmt(c.welch.p_value, 4), fmt(c.mann_whitney.statistic),
                                    c.rank_test ? fmt(c.mann_whitney.p_value, 4) + (c.mann_whitney.exact ? " (exact)" : "") : "-",
                                    fmt(c.d, 4), fmt(c.delta, 4)};
    if (holm_columns) {
      row.push_back(fmt(c.welch_holm, 4));
      row.push_back(fmt(c.mw_holm, 4));
    }
    t.rows.push_back(row);
  }
  return t;
}

std::vector<std::string> summary_lines(const ReportModel& model) {
  if (!model.compared()) return {};
  if (model.comparisons.empty()) return {"fewer than two groups to compare on " + model.options.compare};
  std::vector<std::string> out;
  for (const Comparison& c : model.comparisons) {
    if ((model.holm ? c.welch_holm : c.welch.p_value) < 0.05) out.push_back(c.verdict);
  }
  if (out.empty()) {
    out.push_back("no significant difference in " + model.options.compare + " between the " + std::to_string(model.means.size()) +
                  " groups compared (Welch, p < 0.05" + (model.holm ? " after Holm" : "") + ")");
  }
  return out;
}

std::vector<std::string> set_apart_lines(const ReportModel& model) {
  std::vector<std::string> out;
  for (const SetApart& g : model.set_apart) {
    out.push_back("not compared: " + g.key + " (" + std::to_string(g.n) + (g.n == 1 ? " value" : " values") + "; " + g.reason + ")");
  }
  return out;
}

std::string comparison_note(const ReportModel& model) {
  return std::string("Welch's t-test and Mann-Whitney U are two-sided; relative = (B - A) / |A|; Cohen's d and Cliff's "
                     "delta are A relative to B") +
         (model.holm ? "; Holm's correction over the " + std::to_string(model.comparisons.size()) + " pairs shown." : ".");
}

Table group_mean_table(const ReportModel& model) {
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
  return t;
}

Table failure_rate_table(const ReportModel& model) {
  Table rate;
  rate.header = {"group", "sessions", "failures", "rate"};
  rate.numeric = {false, true, true, true};
  for (const auto& [key, g] : model.acc.groups()) {
    rate.rows.push_back({model.grouped() ? key : "all", std::to_string(g.records), std::to_string(g.failures), percent(g.failures, g.records)});
  }
  return rate;
}

Table failure_error_table(const Group& all) {
  Table errors;
  errors.header = {"most frequent errors", "sessions"};
  errors.numeric = {false, true};
  std::vector<std::pair<std::string, uint64_t>> e(all.errors.begin(), all.errors.end());
  std::stable_sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (size_t i = 0; i < e.size() && i < 10; ++i) errors.rows.push_back({e[i].first, std::to_string(e[i].second)});
  return errors;
}

Table failure_value_table(const Accumulator& acc, const Group& all) {
  Table values;
  values.header = {"field", "value", "sessions", "failure rate"};
  values.numeric = {false, false, true, true};
  for (size_t i = 0; i < acc.categories().size(); ++i) {
    for (const auto& [value, c] : all.categories[i]) {
      if (c.failures > 0) values.rows.push_back({acc.categories()[i], value, std::to_string(c.count), percent(c.failures, c.count)});
    }
  }
  return values;
}

Table outlier_table(const ReportModel& model) {
  Table t;
  t.header = {"session_id", model.options.outlier_metric};
  t.numeric = {false, true};
  for (const auto& o : model.outliers.found) t.rows.push_back({o.session_id, fmt(o.value)});
  return t;
}

Table experiment_table(const Accumulator& acc) {
  Table t;
  t.header = {"experiment_id", "name", "sessions", "models", "first session", "last session"};
  t.numeric = {false, false, true, false, false, false};
  for (const auto& [id, e] : acc.experiments()) {
    std::string models;
    for (const auto& m : e.models) models += (models.empty() ? "" : ", ") + m;
    t.rows.push_back({id, e.name.empty() ? "-" : e.name, std::to_string(e.sessions), models.empty() ? "-" : models,
                      e.first.empty() ? "-" : e.first, e.last.empty() ? "-" : e.last});
  }
  return t;
}

std::string render(const ReportModel& model, const std::string& format, size_t width) {
  if (format == "json") return render_json(model);
  if (format == "ndjson") return render_ndjson(model);
  if (format == "html") return render_html(model);
  if (format == "csv") return render_csv(model);
  return render_text(model, format, width);
}

}  // namespace tracemill::stats
