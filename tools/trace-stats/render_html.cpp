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
      out += std::string(t.numeric.size() > i && t.numeric[i] ? "<td class=n>" : "<td>") + html_escape(row[i]) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table></div>\n";
}

/// An SVG histogram of one metric (20 equal bins), with axis labels.
std::string svg_histogram(const NumericStats& s, const std::string& title) {
  if (s.count() == 0) return "";
  double lo = 0, hi = 0;
  const std::vector<uint64_t> counts = histogram_counts(s, 20, lo, hi);
  const uint64_t max_count = std::max<uint64_t>(1, *std::max_element(counts.begin(), counts.end()));
  const int w = 420, h = 160, left = 40, bottom = 24;
  std::string out = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w + left + 10) + "\" height=\"" +
                    std::to_string(h + bottom + 10) + "\" role=\"img\" aria-label=\"" + html_escape(title) + "\">";
  const double bar = static_cast<double>(w) / 20;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double height = static_cast<double>(h) * static_cast<double>(counts[i]) / static_cast<double>(max_count);
    char rect[256];
    std::snprintf(rect, sizeof rect, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7ab5\"><title>%s .. %s: %llu</title></rect>",
                  left + bar * static_cast<double>(i) + 1, 5 + h - height, bar - 2, height,
                  html_escape(fmt(lo + (hi - lo) * static_cast<double>(i) / 20)).c_str(),
                  html_escape(fmt(lo + (hi - lo) * static_cast<double>(i + 1) / 20)).c_str(),
                  static_cast<unsigned long long>(counts[i]));
    out += rect;
  }
  out += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(h + 5) + "\" x2=\"" + std::to_string(left + w) + "\" y2=\"" +
         std::to_string(h + 5) + "\" stroke=\"#333\"/>";
  out += "<text x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(h + 20) + "\" font-size=\"11\">" + html_escape(fmt(lo)) + "</text>";
  out += "<text x=\"" + std::to_string(left + w) + "\" y=\"" + std::to_string(h + 20) + "\" font-size=\"11\" text-anchor=\"end\">" +
         html_escape(fmt(hi)) + "</text>";
  out += "<text x=\"2\" y=\"14\" font-size=\"11\">" + std::to_string(max_count) + "</text>";
  return out + "</svg><figcaption>" + html_escape(title) + "</figcaption></figure>\n";
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

/// Experiment-queue and prompt-learning records (trace-read of the queue SQLite: record_type
/// experiment, job, trial; backend snapshots with payload.messages and score). Every count

}  // namespace

std::string render_html(const ReportModel& model) {
  const Group& all = model.all;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>trace-stats report</title>\n"
      "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
      "div.wide{overflow-x:auto;max-width:100%}"  // a wide table scrolls in its box, not the page
      "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}th,td{border:1px solid #ccc;padding:2px 6px;white-space:nowrap}"
      "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef2f7}figure{display:inline-block;margin:0 1em 1em 0}"
      "figcaption{font-size:12px;color:#555}</style></head><body>\n<h1>trace-stats report</h1>\n<p>" +
      std::to_string(model.acc.records()) + " records" +
      (model.grouped() ? " in " + std::to_string(model.acc.groups().size()) + " groups" : std::string()) + "; failures " +
      std::to_string(all.failures) + " (" + percent(all.failures, all.records) + ")</p>\n<h2>Numeric fields</h2>\n" +
      html_table(numeric_table(model.acc, all)) + "<h2>Distributions</h2>\n";
  for (size_t i = 0; i < model.acc.metrics().size(); ++i) out += svg_histogram(all.numeric[i], model.acc.metrics()[i].first);
  out += "<h2>Categories</h2>\n" + html_table(category_table(model.acc, all)) + "<h2>Achievements</h2>\n" + html_table(achievement_table(all));
  if (model.compared()) {
        out += "<h2>Comparison of " + html_escape(model.options.compare) + "</h2>\n" + svg_means(model.means, model.options.compare) +
           html_table(comparison_table(model.comparisons, model.holm));
  }
  if (model.grouped()) {
    for (const auto& [key, g] : model.acc.groups()) {
      out += "<h3>" + html_escape(model.group_title(key)) + "</h3>\n" + html_table(numeric_table(model.acc, g));
    }
  }
  return out + "</body></html>\n";
}

}  // namespace tracemill::stats
