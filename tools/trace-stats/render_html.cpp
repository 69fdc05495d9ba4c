// trace-stats: the report as one self-contained HTML page (inline SVG, no scripts).
#include "format.hpp"
#include "histograms.hpp"
#include "report_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tracemill::stats {

namespace {

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string html_table(const Table& t) {
  std::string out = "<div class=wide><table><thead><tr>";
  for (const auto& h : t.header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead><tbody>";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      out += (t.numeric.size() > i && t.numeric[i] ? "<td class=n>" + html_escape(group_thousands(row[i])) : "<td>" + html_escape(row[i])) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table></div>\n";
}

std::string svg_text(double x, double y, const std::string& text, const char* anchor = "middle", const std::string& extra = "") {
  char head[160];
  std::snprintf(head, sizeof head, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"%s\"%s>", x, y, anchor, extra.c_str());
  return head + html_escape(text) + "</text>";
}

/// An SVG histogram of one metric over the bins the text report uses, with ticks and labels
/// on both axes, an overflow bar (red) for a clipped tail, and a note under it.
std::string svg_histogram(const NumericStats& s, const std::string& title) {
  if (s.count() == 0) return "";
  const Bins b = choose_bins(s);
  const size_t bars = b.counts.size() + (b.overflow > 0 ? 1 : 0);
  uint64_t max_count = std::max<uint64_t>(1, b.overflow);
  for (uint64_t c : b.counts) max_count = std::max(max_count, c);
  const double left = 56, plot_w = 440, plot_h = 150, top = 8, w = left + plot_w + 16, h = top + plot_h + 44;
  const double bar = plot_w / static_cast<double>(bars);
  const double y_step = std::max(1.0, nice_step(static_cast<double>(max_count) / 4));
  const double y_top = std::ceil(static_cast<double>(max_count) / y_step) * y_step;
  const auto y = [&](double v) { return top + plot_h - plot_h * v / y_top; };
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"",
                w, h, w, h);
  std::string out = buffer + html_escape("histogram of " + title) + "\">";
  for (double v = 0; v <= y_top + y_step / 2; v += y_step) {  // horizontal grid and y ticks
    std::snprintf(buffer, sizeof buffer, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>", left - 4, y(v), left + plot_w, y(v));
    out += buffer + svg_text(left - 7, y(v) + 4, group_thousands(fmt(v)), "end");
  }
  for (size_t i = 0; i < bars; ++i) {
    const bool over = i == b.counts.size();
    const uint64_t c = over ? b.overflow : b.counts[i];
    const std::string label = over ? "> " + fmt(b.clip) : b.label(i);
    std::snprintf(buffer, sizeof buffer, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
                  left + bar * static_cast<double>(i) + 0.5, y(static_cast<double>(c)), std::max(0.5, bar - 1),
                  top + plot_h - y(static_cast<double>(c)), over ? "#c0504d" : "#4a7ab5");
    out += buffer + html_escape(label + ": " + std::to_string(c)) + "</title></rect>";
  }
  // x ticks: every bar's value when they fit, else every k-th edge (at most 8 labels).
  const size_t every = std::max<size_t>(1, (b.counts.size() + 7) / 8);
  for (size_t i = 0; i <= b.counts.size(); i += every) {
    if ((b.per_value || b.overflow > 0) && i == b.counts.size()) break;  // no edge there, or the overflow mark
    const double x = left + bar * (static_cast<double>(i) + (b.per_value ? 0.5 : 0));
    std::snprintf(buffer, sizeof buffer, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", x, top + plot_h, x, top + plot_h + 4);
    out += buffer + svg_text(x, top + plot_h + 15, group_thousands(fmt(b.per_value ? b.edge(i) + 0.5 : b.edge(i))));
  }
  if (b.overflow > 0) out += svg_text(left + bar * (static_cast<double>(bars) - 0.5), top + plot_h + 15, ">", "middle", " fill=\"#c0504d\"");
  std::snprintf(buffer, sizeof buffer, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", left, top + plot_h, left + plot_w, top + plot_h);
  out += buffer;
  out += svg_text(left + plot_w / 2, h - 6, title);
  std::snprintf(buffer, sizeof buffer, " transform=\"rotate(-90 12 %.1f)\"", top + plot_h / 2);
  out += svg_text(12, top + plot_h / 2, "sessions", "middle", buffer);
  std::string caption = title + ": " + group_thousands(std::to_string(s.count())) + " values, " + b.rule +
                        (b.from_sketch ? ", binned from the quantile sketch" : "");
  if (b.overflow > 0) caption += "; " + b.overflow_note();
  return out + "</svg><figcaption>" + html_escape(caption) + "</figcaption></figure>\n";
}

/// The compared metric's distribution per group: box from the 25th to the 75th percentile,
/// a line at the median, whiskers from the 5th to the 95th, a dot at the mean.
std::string svg_boxes(const ReportModel& model) {
  const std::string& metric = model.options.compare;
  double lo = 0, hi = 0;
  bool first = true;
  for (const GroupMean& m : model.means) {
    const NumericStats& s = model.acc.groups().at(m.key).numeric[model.compare_metric];
    if (s.count() == 0) continue;
    lo = first ? s.quantile(0.05) : std::min(lo, s.quantile(0.05));
    hi = first ? s.quantile(0.95) : std::max(hi, s.quantile(0.95));
    first = false;
  }
  if (first) return "";
  if (hi == lo) hi = lo + 1;
  const double step = nice_step((hi - lo) / 5);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  const double label = 180, w = 360, row = 26;
  const double height = static_cast<double>(model.means.size()) * row + 34;
  const auto x = [&](double v) { return label + (v - lo) / (hi - lo) * w; };
  char buffer[640];
  std::snprintf(buffer, sizeof buffer, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"",
                label + w + 20, height, label + w + 20, height);
  std::string out = buffer + html_escape("distribution of " + metric + " by group") + "\">";
  for (double v = lo; v <= hi + step / 2; v += step) {
    std::snprintf(buffer, sizeof buffer, "<line x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>", x(v), x(v), height - 24);
    out += buffer + svg_text(x(v), height - 10, group_thousands(fmt(v)));
  }
  for (size_t i = 0; i < model.means.size(); ++i) {
    const GroupMean& m = model.means[i];
    const NumericStats& s = model.acc.groups().at(m.key).numeric[model.compare_metric];
    const double y = static_cast<double>(i) * row + 6;
    out += svg_text(label - 6, y + 13, m.key.size() > 28 ? m.key.substr(0, 27) + "..." : m.key, "end");
    if (s.count() == 0) continue;
    const double p5 = s.quantile(0.05), p25 = s.quantile(0.25), p50 = s.quantile(0.5), p75 = s.quantile(0.75), p95 = s.quantile(0.95);
    std::snprintf(buffer, sizeof buffer,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"#9bb8d9\" stroke=\"#333\"><title>",
                  x(p5), y + 8, x(p95), y + 8, x(p25), y, std::max(1.0, x(p75) - x(p25)));
    out += buffer + html_escape(m.key + ": p5 " + fmt(p5) + ", p25 " + fmt(p25) + ", median " + fmt(p50) + ", p75 " + fmt(p75) +
                                ", p95 " + fmt(p95) + ", mean " + fmt(s.mean()) + ", n " + std::to_string(s.count())) + "</title></rect>";
    std::snprintf(buffer, sizeof buffer,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111\" stroke-width=\"2\"/>"
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#c0504d\"/>",
                  x(p50), y, x(p50), y + 16, x(s.mean()), y + 8);
    out += buffer;
  }
  return out + "</svg><figcaption>" +
         html_escape(metric + " by group: box 25th to 75th percentile, line at the median, whiskers 5th to 95th, red dot the mean") +
         "</figcaption></figure>\n";
}

/// Per-group means with 95% confidence intervals, as horizontal bars with whiskers.
std::string svg_means(const std::vector<GroupMean>& means, const std::string& metric) {
  double lo = 0, hi = 0;
  for (const auto& m : means) {
    for (double x : {m.mean, m.low, m.high}) {
      if (!std::isnan(x)) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    }
  }
  if (hi == lo) hi = lo + 1;
  const int label = 180, w = 360, row = 26;
  const int height = static_cast<int>(means.size()) * row + 30;
  const auto x = [&](double v) { return label + (v - lo) / (hi - lo) * w; };
  std::string out = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(label + w + 20) + "\" height=\"" +
                    std::to_string(height) + "\" role=\"img\" aria-label=\"mean " + html_escape(metric) + " by group\">";
  for (size_t i = 0; i < means.size(); ++i) {
    const auto& m = means[i];
    const int y = static_cast<int>(i) * row + 10;
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text>", label - 6, y + 13,
                  html_escape(m.key.size() > 28 ? m.key.substr(0, 27) + "..." : m.key).c_str());
    out += buffer;
    if (std::isnan(m.mean)) continue;
    std::snprintf(buffer, sizeof buffer, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#9bb8d9\"><title>mean %s, 95%% CI [%s, %s], n %llu</title></rect>",
                  std::min(x(0), x(m.mean)), y, std::fabs(x(m.mean) - x(0)), fmt(m.mean).c_str(), fmt(m.low).c_str(), fmt(m.high).c_str(),
                  static_cast<unsigned long long>(m.n));
    out += buffer;
    if (!std::isnan(m.low)) {
      std::snprintf(buffer, sizeof buffer, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#222\" stroke-width=\"1.5\"/>", x(m.low), y + 8,
                    x(m.high), y + 8);
      out += buffer;
      for (double e : {m.low, m.high}) {
        std::snprintf(buffer, sizeof buffer, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#222\"/>", x(e), y + 3, x(e), y + 13);
        out += buffer;
      }
    }
  }
  char axis[256];
  std::snprintf(axis, sizeof axis, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text><text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>",
                label, height - 4, html_escape(fmt(lo)).c_str(), label + w, height - 4, html_escape(fmt(hi)).c_str());
  out += axis;
  return out + "</svg><figcaption>mean " + html_escape(metric) + " by group, with 95% confidence intervals</figcaption></figure>\n";
}

}  // namespace

std::string render_html(const ReportModel& model) {
  const Group& all = model.all;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>trace-stats report</title>\n"
      "<meta name=\"viewport\" content=\"width=device-width\">\n"
      "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}"
      "div.wide{overflow-x:auto;max-width:100%}"  // a wide table scrolls in its box, not the page
      "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}th,td{border:1px solid #ccc;padding:2px 6px;white-space:nowrap}"
      "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef2f7}figure{display:inline-block;margin:0 1em 1em 0;"
      "max-width:100%}figure svg{max-width:100%;height:auto}figcaption{font-size:12px;color:#555;max-width:520px}"
      "p.summary{background:#f4f7fb;border-left:4px solid #4a7ab5;padding:.4em .8em}"
      "ul.verdicts li{margin:.2em 0}dl.provenance{font-size:12px;color:#444}dl.provenance dt{font-weight:bold}"
      "dl.provenance dd{margin:0 0 .4em 1em;overflow-wrap:anywhere}</style></head><body>\n<h1>trace-stats report</h1>\n<p>" +
      std::to_string(model.acc.records()) + " records" +
      (model.grouped() ? " in " + std::to_string(model.acc.groups().size()) + " groups" : std::string()) + "; failures " +
      std::to_string(all.failures) + " (" + percent(all.failures, all.records) + ")";
  if (model.acc.repeated_sessions() > 0) {
    out += "; " + std::to_string(model.acc.repeated_sessions()) + " repeated session ids (" +
           (model.options.unique_sessions ? "skipped" : "counted again") + ")";
  }
  out += "</p>\n";
  for (const std::string& line : summary_lines(model)) out += "<p class=summary>" + html_escape(line) + "</p>\n";
  out += "<h2>Numeric fields</h2>\n" + html_table(numeric_table(model.acc, all)) + "<h2>Distributions</h2>\n";
  for (size_t i = 0; i < model.acc.metrics().size(); ++i) out += svg_histogram(all.numeric[i], model.acc.metrics()[i].first);
  out += "<h2>Categories</h2>\n" + html_table(category_table(model.acc, all)) + "<h2>Achievements</h2>\n";
  const Table achievements = achievement_table(all);
  out += achievements.rows.empty() ? "<p>none recorded</p>\n" : html_table(achievements);
  out += "<p>unique achievements: " + std::to_string(all.achievements.size()) + "</p>\n";
  if (model.grouped()) {
    for (const auto& [key, g] : model.acc.groups()) {
      out += "<h3>" + html_escape(model.group_title(key) + " (" + std::to_string(g.records) + " records, failures " +
                                  percent(g.failures, g.records) + ")") + "</h3>\n" + html_table(numeric_table(model.acc, g));
    }
  }
  if (!model.options.compare.empty()) {
    out += "<h2 id=comparison>Comparison of " + html_escape(model.options.compare) + " between groups</h2>\n";
    if (model.acc.groups().size() < 2) {
      out += "<p>only one group: nothing to compare</p>\n";
    } else {
      if (!model.means.empty()) {
        out += svg_means(model.means, model.options.compare) + svg_boxes(model) + html_table(group_mean_table(model));
      }
      for (const std::string& line : set_apart_lines(model)) out += "<p>" + html_escape(line) + "</p>\n";
      if (model.comparisons.empty()) {
        out += "<p>fewer than two groups to compare</p>\n";
      } else {
        out += html_table(comparison_table(model.comparisons, model.holm)) + "<p>" + html_escape(comparison_note(model)) +
               "</p>\n<ul class=verdicts>";
        for (const Comparison& c : model.comparisons) out += "<li>" + html_escape(c.verdict) + "</li>";
        out += "</ul>\n";
      }
    }
  }
  if (all.failures > 0) {
    out += "<h2 id=failures>Failures</h2>\n" + html_table(failure_rate_table(model)) + html_table(failure_error_table(all)) +
           "<p>values that go with failures:</p>\n" + html_table(failure_value_table(model.acc, all));
  }
  if (!model.options.outliers.empty()) {
    out += "<h2>" + html_escape("Outliers of " + model.options.outlier_metric + " (" + model.options.outliers + ")") + "</h2>\n<p>" +
           html_escape("rule: " + model.outliers.rule + "; " + std::to_string(model.outliers.found.size()) + " outlying sessions") + "</p>\n";
    if (!model.outliers.found.empty()) out += html_table(outlier_table(model));
  }
  if (model.options.experiments) out += "<h2>Experiments</h2>\n" + html_table(experiment_table(model.acc));
  if (model.has_learning) {
    out += "<h2>" + html_escape(model.learning.title) + "</h2>\n";
    if (!model.learning.jobs.rows.empty()) out += html_table(model.learning.jobs);
    if (!model.learning.candidates.rows.empty()) out += "<p>candidates by score:</p>\n" + html_table(model.learning.candidates);
  }
  out += "<h2>Provenance</h2>\n<dl class=provenance><dt>inputs</dt><dd>";
  for (size_t i = 0; i < model.inputs.size(); ++i) out += (i > 0 ? "<br>" : "") + html_escape(model.inputs[i] == "-" ? "standard input" : model.inputs[i]);
  out += "</dd><dt>command line</dt><dd><code>" + html_escape(model.options.command_line) + "</code></dd><dt>tool</dt><dd>trace-stats " +
         html_escape(model.version) + "</dd><dt>generated</dt><dd>" + html_escape(model.generated) + "</dd></dl>\n";
  return out + "</body></html>\n";
}

}  // namespace tracemill::stats
