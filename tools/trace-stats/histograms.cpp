#include "histograms.hpp"

#include "format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tracemill {

using stats::fmt;
using stats::group_thousands;

namespace {

std::string center(const std::string& s, size_t width) {  // Python's str.center, counting code points
  size_t length = 0;
  for (char c : s) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (length >= width) return s;
  const size_t pad = width - length;
  const size_t left = pad / 2 + (pad & width & 1);
  return std::string(left, ' ') + s + std::string(pad - left, ' ');
}

/// NumPy's histogram(data, bins): equal-width bins over [min, max], the last one closed.
std::vector<uint64_t> bin_counts(const std::vector<double>& data, size_t bins, double& lo, double& hi) {
  lo = *std::min_element(data.begin(), data.end());
  hi = *std::max_element(data.begin(), data.end());
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  std::vector<uint64_t> counts(bins, 0);
  for (double x : data) {
    auto i = static_cast<size_t>((x - lo) / (hi - lo) * static_cast<double>(bins));
    if (i >= bins) i = bins - 1;
    ++counts[i];
  }
  return counts;
}

std::string python_float(double x) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f", x);
  return buffer;
}

}  // namespace

std::string synth_histogram(const std::vector<double>& data, const std::string& title, const std::string& x_label,
                            const std::string& y_label) {
  if (data.empty()) return "No data to display";
  double lo = 0, hi = 0;
  const std::vector<uint64_t> counts = bin_counts(data, 20, lo, hi);
  const uint64_t max_count = *std::max_element(counts.begin(), counts.end());
  std::vector<std::string> lines;
  if (!title.empty()) {
    lines.push_back("\n" + center(title, 70));
    lines.push_back(std::string(70, '='));
  }
  if (!y_label.empty()) lines.push_back(y_label);
  for (int y = 15; y >= 1; --y) {
    char label[32];
    std::snprintf(label, sizeof label, "%6d", static_cast<int>(static_cast<double>(max_count) * y / 15));
    std::string row = std::string(label) + " \u2502";
    for (uint64_t c : counts) row += static_cast<int>(static_cast<double>(c) * 15 / static_cast<double>(max_count)) >= y ? "\u2588" : " ";
    lines.push_back(row);
  }
  std::string axis = "       \u2514";
  for (int i = 0; i < 20; ++i) axis += "\u2500";
  lines.push_back(axis);
  // The x labels, with the old layout's quirks (docs/legacy-reports.md, "Histogram").
  const auto edge = [&](int i) { return lo + (hi - lo) * i / 20; };
  std::string line(8, ' ');
  const std::string first = python_float(edge(0));
  line = first + (first.size() < line.size() ? line.substr(first.size()) : "");
  for (int pos : {5, 10, 15}) {
    const std::string label = python_float(edge(pos));
    const size_t start = 8 + static_cast<size_t>(pos) - label.size() / 2;
    const size_t end = std::min(line.size(), start + label.size());
    if (start < line.size()) line = line.substr(0, start) + label.substr(0, end - start) + line.substr(end);
  }
  const std::string last = python_float(edge(19));
  const size_t start = 27 > last.size() ? 27 - last.size() : 0;
  line = line.substr(0, std::min(start, line.size())) + last;
  lines.push_back(line);
  if (!x_label.empty()) lines.push_back("\n" + center(x_label, 70));
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i > 0 ? "\n" : "") + lines[i];
  return out;
}

std::string synth_bar_chart(const std::vector<std::pair<std::string, double>>& bars, const std::string& title) {
  if (bars.empty()) return "No data to display";
  std::string out;
  if (!title.empty()) out += "\n" + title + "\n" + std::string(80, '=') + "\n";
  size_t width = 0;
  double max_value = 0;
  for (const auto& [name, value] : bars) {
    width = std::max(width, name.size());
    max_value = std::max(max_value, value);
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& [name, value] = bars[i];
    std::string bar;
    const int n = max_value > 0 ? static_cast<int>(value * 60 / max_value) : 0;
    for (int k = 0; k < n; ++k) bar += "\u2588";
    out += name + std::string(width - name.size(), ' ') + " \u2502 " + bar + " " + fmt(value, 15) + (i + 1 < bars.size() ? "\n" : "");
  }
  return out;
}

namespace stats {

std::string default_histogram(const NumericStats& s, const std::string& title, size_t width) {
  if (s.count() == 0) return title + ": no values\n";
  const Bins b = choose_bins(s);
  std::string out = title + " (" + group_thousands(std::to_string(s.count())) + " values, " + b.rule +
                    (b.from_sketch ? ", binned from the quantile sketch" : "") + ")\n";
  std::vector<std::pair<std::string, uint64_t>> bars;
  for (size_t i = 0; i < b.counts.size(); ++i) bars.emplace_back(b.label(i), b.counts[i]);
  if (b.overflow > 0) bars.emplace_back("> " + group_thousands(fmt(b.clip)), b.overflow);
  size_t label_width = 0;
  uint64_t max_count = 1;
  for (const auto& [label, count] : bars) {
    label_width = std::max(label_width, label.size());
    max_count = std::max(max_count, count);
  }
  // The longest bar leaves room for the labels and the largest count.
  const size_t used = 2 + label_width + 3 + group_thousands(std::to_string(max_count)).size() + 1;
  const auto longest = static_cast<double>(std::clamp<size_t>(width > used ? width - used : 0, 10, 50));
  for (const auto& [label, count] : bars) {
    auto blocks = static_cast<size_t>(std::llround(longest * static_cast<double>(count) / static_cast<double>(max_count)));
    if (count > 0 && blocks == 0) blocks = 1;
    std::string bar;
    for (size_t k = 0; k < blocks; ++k) bar += "\u2588";
    out += "  " + std::string(label_width - label.size(), ' ') + label + " \u2502" + bar + " " + group_thousands(std::to_string(count)) + "\n";
  }
  if (b.overflow > 0) out += "  " + b.overflow_note() + "\n";
  return out;
}

}  // namespace stats
}  // namespace tracemill
